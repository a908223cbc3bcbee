"""Channels in process: an admin links a channel from a private chat, Telegram (the double
of tests/support) is asked who administers it each time, and the channel then gets its
digest and its alerts like any other chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event

from bot.alerts.tick import send_alerts
from bot.digests.tick import send_due
from storage.alerts import chat_alerts
from storage.engine import Database
from storage.models import ChatType
from storage.subscriptions import get_subscriber
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, running_bot
from tests.support.digests import record
from tests.support.telegram import TelegramDouble

CHANNEL = -1009001
CHANNEL_ADMIN = 9002
QUIET = -1009003


@pytest_asyncio.fixture
async def api() -> TelegramDouble:
    double = TelegramDouble()
    double.add_channel(CHANNEL, "peace_news", admins={CHANNEL_ADMIN})
    double.add_channel(QUIET, "quiet_news", admins={CHANNEL_ADMIN}, bot_may_post=False)
    return double


@pytest_asyncio.fixture
async def bot(database: Database, api: TelegramDouble) -> AsyncIterator[BotHarness]:
    async with running_bot(database, api) as harness:
        yield harness


async def say(bot: BotHarness, text: str, user_id: int = CHANNEL_ADMIN) -> str:
    await bot.user(user_id).send(text)
    return bot.last_text(user_id)


async def test_channel_alone_explains_how_to_link_one(bot: BotHarness) -> None:
    assert "<code>/channel @name [HH:MM] [ZONE]</code>" in await say(bot, "/channel")


@pytest.mark.parametrize(
    ("command", "user_id", "expected"),
    [
        ("/channel @nowhere_news", CHANNEL_ADMIN, "I cannot see @nowhere_news: add me to it as an admin first"),
        ("/channel @quiet_news", CHANNEL_ADMIN, "make me an admin of @quiet_news who may post messages first"),
        ("/channel @peace_news", READER_ID, "only the admins of @peace_news can link it"),
        ("/channel @peace_news alert ceasefire", READER_ID, "only the admins of @peace_news"),
        ("/channel <b>", CHANNEL_ADMIN, "is not a channel's @name"),
        ("/channel @peace_news 25:00", CHANNEL_ADMIN, "⚠️ time:"),
    ],
)
async def test_who_may_not_link_a_channel_is_told_why_and_nothing_changes(
    bot: BotHarness, database: Database, command: str, user_id: int, expected: str
) -> None:
    assert expected in await say(bot, command, user_id)
    assert await get_subscriber(database, CHANNEL) is None
    assert await chat_alerts(database, CHANNEL) == []


async def test_a_channel_is_linked_from_a_private_chat_only(bot: BotHarness, database: Database) -> None:
    group_admin = bot.user(CHANNEL_ADMIN, chat_id=-77, chat_type="group")
    for command in ("/channel @peace_news", "/channel"):
        await group_admin.send(command)
        assert "from your private chat" in bot.last_text(-77), command
    assert await get_subscriber(database, CHANNEL) is None


async def test_a_linked_channel_gets_its_digest_and_its_alerts(
    bot: BotHarness, database: Database, api: TelegramDouble
) -> None:
    linked = await say(bot, "/channel @peace_news 09:00 Europe/Kyiv")
    assert "✅ @peace_news is linked: it gets the digest daily at <b>09:00</b> Europe/Kyiv" in linked
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.chat_type is ChatType.channel and subscriber.active

    assert "Alert 1 set: “ceasefire speaker:+putin”.\n@peace_news hears" in await say(
        bot, "/channel @peace_news alert ceasefire speaker:+putin"
    )
    await record(database, "Vladimir Putin", "ceasefire", "A ceasefire only on our terms.")
    assert (await send_alerts(bot.application, database)).sent == 1
    [alert] = api.delivered(CHANNEL)
    assert "your alert “ceasefire speaker:+putin”" in alert and "A ceasefire only on our terms." in alert

    report = await send_due(bot.application, database, subscriber.next_due_at)
    assert report.sent == 1
    assert "Your daily digest" in api.delivered(CHANNEL)[-1]
    assert api.delivered(CHANNEL_ADMIN)[-1].startswith("🔔 Alert 1 set")  # the admin's chat got neither


async def test_a_channels_alerts_are_listed_and_removed_by_its_admins_only(
    bot: BotHarness, database: Database, api: TelegramDouble
) -> None:
    await say(bot, "/channel @peace_news alert ceasefire")
    await say(bot, "/channel @peace_news alert sanctions")
    admin = bot.user(CHANNEL_ADMIN)
    await admin.send("/channel @peace_news alerts")
    listing = admin.last_message()
    assert "<b>Alerts of @peace_news</b>" in listing["text"] and "2. “sanctions”" in listing["text"]
    data = {button["text"]: button["callback_data"] for [button] in listing["reply_markup"]["inline_keyboard"]}
    await admin.press(listing, data["🔕 Remove 1"])
    assert [alert.query for alert in await chat_alerts(database, CHANNEL)] == ["sanctions"]

    api.channels[CHANNEL][1].discard(CHANNEL_ADMIN)  # no longer an admin of the channel
    await admin.press(listing, data["🔕 Remove 2"])
    assert "only the admins of @peace_news" in api.sent("answerCallbackQuery")[-1].params["text"]
    assert [alert.query for alert in await chat_alerts(database, CHANNEL)] == ["sanctions"]


async def test_unlinking_stops_the_digest_and_removes_the_alerts(bot: BotHarness, database: Database) -> None:
    await say(bot, "/channel @peace_news")
    await say(bot, "/channel @peace_news alert ceasefire")
    assert "Alert 1 removed" in await say(bot, "/channel @peace_news alert off 1")
    await say(bot, "/channel @peace_news alert sanctions")
    assert "<b>Which alert should I remove?</b>\n1. “sanctions”" in await say(bot, "/channel @peace_news alert off")
    assert "Alert 1 removed" in await say(bot, "/channel @peace_news alert видалити 1")
    await say(bot, "/channel @peace_news alert talks")
    assert "Unlinked @peace_news: no more digests, 1 alert removed." in await unlink(bot, "Unlink")
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and not subscriber.active
    assert await chat_alerts(database, CHANNEL) == []
    assert "was not linked" in await say(bot, "/channel @peace_news off")
    assert ADMIN_ID != CHANNEL_ADMIN  # the bot's own admins have no say over a channel


async def test_unlinking_that_fails_midway_leaves_the_channel_linked(bot: BotHarness, database: Database) -> None:
    await say(bot, "/channel @peace_news")
    await say(bot, "/channel @peace_news alert ceasefire")

    def failing(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM ALERT"):
            raise RuntimeError("the database went away")

    engine = database.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", failing)
    try:
        await unlink(bot, "Unlink")
    finally:
        event.remove(engine, "before_cursor_execute", failing)

    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.active
    assert [alert.query for alert in await chat_alerts(database, CHANNEL)] == ["ceasefire"]


async def unlink(bot: BotHarness, label: str, command: str = "/channel @peace_news off") -> str:
    """`command`, then the button under its question whose label ends with `label`; what
    the question's message then says."""
    admin = bot.user(CHANNEL_ADMIN)
    await admin.send(command)
    question = admin.last_message()
    data = [button["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for button in row]
    [pressed] = [
        button["callback_data"]
        for row in question["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"].endswith(label)
    ]
    assert len(data) == 2
    await admin.press(question, pressed)
    return str(admin.last_message()["text"])


async def test_unlinking_asks_first_and_changes_nothing_until_confirmed(bot: BotHarness, database: Database) -> None:
    await say(bot, "/channel @peace_news")
    await say(bot, "/channel @peace_news alert ceasefire")
    await say(bot, "/channel @peace_news alert sanctions")

    question = await say(bot, "/channel @peace_news off")

    assert question.startswith("Unlink @peace_news? Its daily digest stops and its 2 alerts are removed."), question
    assert "Tap Unlink to confirm, or Cancel." in question
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.active
    assert len(await chat_alerts(database, CHANNEL)) == 2

    assert await unlink(bot, "Cancel") == "Cancelled; @peace_news stays linked."
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.active
    assert len(await chat_alerts(database, CHANNEL)) == 2


async def test_unlink_is_pressed_by_an_admin_of_the_channel_only(
    bot: BotHarness, database: Database, api: TelegramDouble
) -> None:
    await say(bot, "/channel @peace_news")
    admin = bot.user(CHANNEL_ADMIN)
    await admin.send("/channel @peace_news off")
    question = admin.last_message()
    api.channels[CHANNEL][1].discard(CHANNEL_ADMIN)  # no longer an admin of the channel

    await admin.press(question, question["reply_markup"]["inline_keyboard"][0][0]["callback_data"])

    assert "only the admins of @peace_news" in api.sent("answerCallbackQuery")[-1].params["text"]
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.active


async def test_unlinking_asks_in_the_admins_language(bot: BotHarness) -> None:
    await say(bot, "/channel @peace_news")
    admin = bot.user(CHANNEL_ADMIN, language_code="uk")
    await admin.send("/channel @peace_news off")
    question = admin.last_message()
    assert question["text"].startswith("Від'єднати @peace_news? Його щоденний дайджест припиниться."), question["text"]
    labels = [button["text"] for row in question["reply_markup"]["inline_keyboard"] for button in row]
    assert labels == ["🔕 Від'єднати", "✖️ Скасувати"]


@pytest.mark.parametrize("word", ["off", "unlink", "вимкнути", "від'єднати", "выключить", "отключить", "удалить"])
async def test_unlinking_is_asked_for_in_the_admins_words(bot: BotHarness, database: Database, word: str) -> None:
    await say(bot, "/channel @peace_news")
    assert (await say(bot, f"/channel @peace_news {word}")).startswith("Unlink @peace_news?")
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.active


@pytest.mark.parametrize("word", ["alerts", "сповіщення", "оповещения"])
async def test_a_channels_alerts_are_listed_in_the_admins_words(bot: BotHarness, word: str) -> None:
    await say(bot, "/channel @peace_news alert ceasefire")
    assert "<b>Alerts of @peace_news</b>" in await say(bot, f"/channel @peace_news {word}")


@pytest.mark.parametrize("word", ["alert", "сповіщення", "оповещение"])
async def test_a_channels_alert_is_made_in_the_admins_words(bot: BotHarness, database: Database, word: str) -> None:
    assert "Alert 1 set: “ceasefire”" in await say(bot, f"/channel @peace_news {word} ceasefire")
    assert [alert.query for alert in await chat_alerts(database, CHANNEL)] == ["ceasefire"]


@pytest.mark.parametrize(("word", "language"), [("language", "uk"), ("мова", "Українська"), ("язык", "ua")])
async def test_a_channels_language_is_set_in_the_admins_words(
    bot: BotHarness, database: Database, word: str, language: str
) -> None:
    await say(bot, "/channel @peace_news")
    await say(bot, f"/channel @peace_news {word} {language}")
    subscriber = await get_subscriber(database, CHANNEL)
    assert subscriber is not None and subscriber.language == "uk"


async def test_a_channel_without_alerts_is_told_how_to_give_it_one(bot: BotHarness) -> None:
    answer = await say(bot, "/channel @peace_news alerts")
    assert answer.startswith("@peace_news has no alerts. <code>/channel @peace_news alert WORDS"), answer
    assert "<code>/channel @peace_news alert ceasefire</code>" in answer
    assert "<code>/alert" not in answer


async def test_removing_an_alert_the_channel_lacks_names_the_channels_list(bot: BotHarness, database: Database) -> None:
    await say(bot, "/channel @peace_news alert ceasefire")
    answer = await say(bot, "/channel @peace_news alert off 5")
    assert "@peace_news has no alert 5; /channel @peace_news alerts lists them" in answer, answer
    assert [alert.query for alert in await chat_alerts(database, CHANNEL)] == ["ceasefire"]


async def test_a_channels_remove_button_pressed_twice_names_the_channels_list(
    bot: BotHarness, api: TelegramDouble
) -> None:
    await say(bot, "/channel @peace_news alert ceasefire")
    admin = bot.user(CHANNEL_ADMIN)
    await admin.send("/channel @peace_news alerts")
    listing = admin.last_message()
    data = listing["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await admin.press(listing, data)
    await admin.press(listing, data)
    assert "@peace_news has no alert 1" in api.sent("answerCallbackQuery")[-1].params["text"]


@pytest.mark.parametrize("word", ["alrets", "unlinc", "<b>"])
async def test_a_word_that_is_neither_a_time_nor_an_option_is_named_and_changes_nothing(
    bot: BotHarness, database: Database, word: str
) -> None:
    answer = await say(bot, f"/channel @peace_news {word}")
    shown = word.replace("<", "&lt;").replace(">", "&gt;")
    assert f"Nor is <b>{shown}</b> one of <code>alert</code>, <code>alerts</code>" in answer, answer
    assert await get_subscriber(database, CHANNEL) is None


@pytest.mark.parametrize(
    "written", ["peace_news", "https://t.me/peace_news", "t.me/peace_news", "http://telegram.me/peace_news/"]
)
async def test_a_channel_is_named_as_telegram_shares_it(bot: BotHarness, database: Database, written: str) -> None:
    assert "✅ @peace_news is linked" in await say(bot, f"/channel {written}")
    assert await get_subscriber(database, CHANNEL) is not None


async def test_a_link_to_no_channel_is_refused(bot: BotHarness, database: Database) -> None:
    assert "is not a channel's @name" in await say(bot, "/channel https://example.org/peace_news")
    assert await get_subscriber(database, CHANNEL) is None
