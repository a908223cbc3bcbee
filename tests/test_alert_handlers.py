"""/alert, /alerts and their buttons in process: real handlers, database and alert tick,
the Telegram double of tests/support as Telegram."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.alerts.tick import send_alerts
from storage.alerts import chat_alerts
from storage.engine import Database
from storage.exchange import import_statements
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, running_bot
from tests.support.telegram import TelegramDouble

GROUP = -4100
MEMBER = 4101


@pytest_asyncio.fixture
async def bot(database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(database, TelegramDouble(group_admins={ADMIN_ID})) as harness:
        yield harness


def buttons(message: dict[str, object]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return {button["text"]: button["callback_data"] for row in rows for button in row}


async def test_alert_alone_explains_itself(bot: BotHarness) -> None:
    await bot.user().send("/alert")
    assert "<code>/alert WORDS [speaker:… side:… topic:…]</code>" in bot.last_text(READER_ID)


async def test_an_alert_is_made_listed_and_removed_with_its_button(bot: BotHarness, database: Database) -> None:
    reader = bot.user()
    await reader.send("/alert ceasefire speaker:+putin")
    assert "Alert 1 set: “ceasefire speaker:+putin”" in bot.last_text(READER_ID)
    await reader.send("/alert <b>sanctions</b>")
    assert "“&lt;b&gt;sanctions&lt;/b&gt;”" in bot.last_text(READER_ID)

    await reader.send("/alerts")
    listing = reader.last_message()
    assert "1. “ceasefire speaker:+putin”" in listing["text"] and "2. “&lt;b&gt;sanctions" in listing["text"]
    await reader.press(listing, buttons(listing)["🔕 Remove 1"])
    edited = reader.last_message()
    assert "ceasefire" not in edited["text"] and "2. “" in edited["text"]
    assert list(buttons(edited)) == ["🔕 Remove 2"]

    await reader.send("/alert off 2")
    assert "Alert 2 removed" in bot.last_text(READER_ID)
    await reader.send("/alert off 2")
    assert "no alert 2" in bot.last_text(READER_ID)
    await reader.send("/alerts")
    assert "No alerts here" in bot.last_text(READER_ID)
    assert await chat_alerts(database, READER_ID) == []


async def test_an_alert_on_retracted_statements_says_it_hears_of_retractions(bot: BotHarness) -> None:
    await bot.user().send("/alert ceasefire status:retracted")
    assert "when a statement matching it is retracted" in bot.last_text(READER_ID)
    await bot.user(language_code="uk").send("/alert перемир'я статус:відкликано")
    assert "щойно буде відкликано заяву" in bot.last_text(READER_ID)


async def test_a_bad_alert_gets_a_specific_answer_and_nothing_is_stored(bot: BotHarness, database: Database) -> None:
    await bot.user().send("/alert ceasefire stance:shouting")
    assert "⚠️ stance: 'shouting' is not a stance (one of: demand, condition," in bot.last_text(READER_ID)
    await bot.user().send("/alert off two")
    assert "⚠️ N: give the alert's number" in bot.last_text(READER_ID)
    assert await chat_alerts(database, READER_ID) == []


async def test_off_in_the_readers_words_removes_the_alert_it_names(bot: BotHarness, database: Database) -> None:
    for words in ("ceasefire", "sanctions", "prisoners", "talks", "territory"):
        await bot.user().send(f"/alert {words}")
    ukrainian = bot.user(language_code="uk")
    await ukrainian.send("/alert вимкнути 1")
    assert "🔕 Сповіщення 1 видалено: «ceasefire»." in bot.last_text(READER_ID)
    await ukrainian.send("/alert видалити #2")
    assert "Сповіщення 2 видалено" in bot.last_text(READER_ID)
    russian = bot.user(language_code="ru")
    await russian.send("/alert выкл 3")
    assert "🔕 Оповещение 3 удалено: «prisoners»." in bot.last_text(READER_ID)
    await russian.send("/alert Удалить 4")
    await bot.user().send("/alert remove 5")
    assert await chat_alerts(database, READER_ID) == []
    await russian.send("/alert убрать 9")
    assert "нет оповещения 9" in bot.last_text(READER_ID)
    await russian.send("/alert убрать два")
    assert "⚠️ N: укажите номер оповещения" in bot.last_text(READER_ID)
    assert await chat_alerts(database, READER_ID) == []


async def test_off_without_a_number_asks_which_alert_listing_them(bot: BotHarness, database: Database) -> None:
    reader = bot.user()
    await reader.send("/alert off")
    assert "No alerts here" in bot.last_text(READER_ID)
    await reader.send("/alert ceasefire")
    await reader.send("/alert sanctions")
    await reader.send("/alert off")
    asked = reader.last_message()
    assert "<b>Which alert should I remove?</b>" in asked["text"] and "2. “sanctions”" in asked["text"]
    await reader.press(asked, buttons(asked)["🔕 Remove 2"])
    assert [alert.query for alert in await chat_alerts(database, READER_ID)] == ["ceasefire"]
    await bot.user(language_code="uk").send("/alert видалити")
    assert "<b>Яке сповіщення видалити?</b>" in bot.last_text(READER_ID)
    assert len(await chat_alerts(database, READER_ID)) == 1


async def test_an_alert_of_a_bare_number_is_refused_as_a_slip_for_off(bot: BotHarness, database: Database) -> None:
    await bot.user().send("/alert ceasefire")
    await bot.user().send("/alert 1")
    assert "⚠️ alert: '1' is only a number. To remove alert N: /alert off N" in bot.last_text(READER_ID)
    await bot.user(language_code="ru").send("/alert #2")
    assert "⚠️ оповещение: '#2' — это только число" in bot.last_text(READER_ID)
    await bot.user().send("/alert off 1 2")
    assert "one alert at a time" in bot.last_text(READER_ID)
    assert [alert.query for alert in await chat_alerts(database, READER_ID)] == ["ceasefire"]
    await bot.user().send("/alert 600000 troops")  # a number with a word is an alert
    await bot.user().send("/alert remove sanctions on oil")  # so are several words after "remove"
    assert len(await chat_alerts(database, READER_ID)) == 3


async def test_in_a_group_only_admins_change_its_alerts(bot: BotHarness, database: Database) -> None:
    member = bot.user(MEMBER, chat_id=GROUP, chat_type="group")
    await member.send("/alert ceasefire")
    assert "Only the group's admins" in bot.last_text(GROUP)
    admin = bot.user(ADMIN_ID, chat_id=GROUP, chat_type="group")
    await admin.send("/alert ceasefire")
    assert "Alert 1 set" in bot.last_text(GROUP)
    await member.send("/alerts")  # anyone may see them
    listing = member.last_message()
    await member.press(listing, buttons(listing)["🔕 Remove 1"])
    assert len(await chat_alerts(database, GROUP)) == 1


async def test_what_an_admin_adds_reaches_the_alert_with_its_share_link(bot: BotHarness) -> None:
    # Putin is new to the record: the alert waits for him, written speaker:+putin.
    await bot.user().send("/alert ceasefire speaker:+putin")
    await bot.admin().send(
        "/add Vladimir Putin (Russia) | 2025-11-20 | ceasefire | Any ceasefire must be long-term. | Kremlin | https://kremlin.ru/1"
    )
    assert "Added" in bot.last_text(ADMIN_ID)
    report = await send_alerts(bot.application, bot.application.bot_data["database"])
    assert report.sent == 1
    message = bot.last_text(READER_ID)
    assert "🔔 <b>A new statement matches</b> your alert “ceasefire speaker:+putin”" in message
    assert "Any ceasefire must be long-term." in message
    assert '<a href="https://t.me/diplobot_bot?start=s1">🔗 Share</a>' in message


def _burst(count: int) -> bytes:
    lines = [
        {
            "ref": f"b{number}",
            "speaker": "Vladimir Putin",
            "side": "Russia",
            "said_on": f"2025-10-{1 + number:02d}",
            "topics": ["ceasefire"],
            "stance": "assessment",
            "text": f"Ceasefire remark {number}.",
            "source": "Wire",
        }
        for number in range(count)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


async def test_a_burst_pages_through_the_delivery_in_the_chat_it_went_to_only(
    bot: BotHarness, database: Database
) -> None:
    reader = bot.user()
    await reader.send("/alert ceasefire")
    await import_statements(database, "burst.jsonl", _burst(12), "test")
    await send_alerts(bot.application, database)
    alert = reader.last_message()
    assert "12 new statements match</b> your alert “ceasefire” (1–5 of 12)" in alert["text"]
    assert "Ceasefire remark 11." in alert["text"]  # newest said first
    await reader.press(alert, buttons(alert)["Next ▶"])
    page = reader.last_message()
    assert "(6–10 of 12)" in page["text"] and "Ceasefire remark 6." in page["text"]
    assert set(buttons(page)) == {"◀ Previous", "Next ▶"}

    stranger = bot.user(MEMBER)
    await stranger.press({**page, "chat": stranger.chat}, buttons(page)["Next ▶"])
    answer = bot.calls("answerCallbackQuery")[-1]
    assert answer.params["text"] == "Nothing of this alert is left to show."


async def test_the_same_alert_twice_is_refused_naming_the_one_the_chat_has(bot: BotHarness, database: Database) -> None:
    reader = bot.user(language_code="uk")
    await reader.send("/alert перемир'я мовець:+Путін")
    for again in ("/alert Перемир'я  мовець:+путін", "/alert мовець: +Путін перемир'я"):
        await reader.send(again)
        assert bot.last_text(READER_ID) == "⚠️ сповіщення 1 вже стежить за цим: «перемир'я мовець:+Путін»", again
    await reader.send("/alert перемир'я мовець:+Путін тема:санкції")
    assert "Сповіщення 2" in bot.last_text(READER_ID)
    assert [alert.number for alert in await chat_alerts(database, READER_ID)] == [1, 2]


async def test_an_alert_arrives_in_the_language_of_the_readers_telegram_app(
    bot: BotHarness, database: Database
) -> None:
    """Never having chosen one with /language: alerts are sent outside any update of theirs."""
    reader = bot.user(READER_ID, language_code="ru")
    await reader.send("/alert перемирие")
    group_admin = bot.user(ADMIN_ID, chat_id=GROUP, chat_type="supergroup", language_code="uk")
    await group_admin.send("/alert перемир'я")
    await bot.admin().send("/add Vladimir Putin (Russia) | 2025-11-20 | ceasefire | A truce is possible. | Kremlin")
    await send_alerts(bot.application, database)
    assert bot.last_text(READER_ID).startswith("🔔 <b>Новое заявление соответствует</b> вашему оповещению")
    assert bot.last_text(GROUP).startswith("🔔 <b>Нова заява відповідає</b>")
