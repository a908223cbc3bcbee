"""The subscribers' commands in process: /subscribe, /unsubscribe, /settings and its
buttons, /digest, what Telegram tells of blocked bots, through the real handlers and
database with the Telegram double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time
from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import select

from bot.app import build_application
from bot.config import Settings
from bot.digests.compose import NOTHING_NEW
from bot.local.bot_api import LocalUser
from storage.engine import Database
from storage.models import Statement
from storage.subscriptions import get_subscriber
from tests.bot_harness import BotHarness, running_bot
from tests.support.digests import KYIV, deliveries, record
from tests.support.telegram import TelegramDouble

GROUP_ADMIN = 4242


@pytest_asyncio.fixture
async def chat_bot(database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(database) as harness:
        yield harness


def button(chat_bot: BotHarness, message: dict[str, Any], label_part: str) -> str:
    """The callback data of the first button whose label holds `label_part`, on `message`
    as it stands now, after the edits its buttons made."""
    current = chat_bot.api.messages[(message["chat"]["id"], message["message_id"])]
    for row in current["reply_markup"]["inline_keyboard"]:
        for item in row:
            if label_part in item["text"]:
                return str(item["callback_data"])
    raise AssertionError(f"no button with {label_part!r}")


async def test_subscribe_with_time_and_zone(chat_bot: BotHarness, database: Database) -> None:
    await record(database)
    user = chat_bot.user(901)
    await user.send("/subscribe 07:30 Europe/Kyiv")
    reply = chat_bot.last_text(901)
    assert "Subscribed" in reply and "07:30" in reply and "Europe/Kyiv" in reply
    assert "from now on" in reply
    subscriber = await get_subscriber(database, 901)
    assert subscriber is not None
    assert (subscriber.digest_time, subscriber.timezone, subscriber.chat_type.value) == (time(7, 30), KYIV, "private")
    async with database.read() as session:
        assert subscriber.cursor == max((await session.exec(select(Statement.id))).all())
    # Re-subscribing updates the time and keeps the rest.
    await user.send("/subscribe 21:00")
    assert "Updated" in chat_bot.last_text(901)
    again = await get_subscriber(database, 901)
    assert again is not None and (again.digest_time, again.timezone, again.cursor) == (
        time(21, 0),
        KYIV,
        subscriber.cursor,
    )


async def test_subscribe_and_settings_take_an_offset_and_show_it_as_given(
    chat_bot: BotHarness, database: Database
) -> None:
    user = chat_bot.user(907)
    await user.send("/subscribe 07:30 UTC+3")
    reply = chat_bot.last_text(907)
    assert "Subscribed" in reply and "07:30</b> UTC+3" in reply and "Etc/" not in reply
    subscriber = await get_subscriber(database, 907)
    assert subscriber is not None and subscriber.timezone == "Etc/GMT-3"

    await user.send("/settings")
    message = user.last_message()
    assert "07:30</b> UTC+3" in message["text"] and "Etc/" not in message["text"]
    await user.press(message, button(chat_bot, message, "Time zone"))
    await user.send("GMT-5")
    assert "Time zone: UTC-5" in chat_bot.last_text(907)
    subscriber = await get_subscriber(database, 907)
    assert subscriber is not None and subscriber.timezone == "Etc/GMT+5"


@pytest.mark.parametrize(
    ("argument", "zone", "shown"),
    [
        ("07:30 New York", "America/New_York", "America/New_York"),
        ("Нью Йорк 07:30", "America/New_York", "America/New_York"),
        ("07:30 UTC +3", "Etc/GMT-3", "UTC+3"),
    ],
)
async def test_subscribe_takes_a_zone_of_several_words(
    chat_bot: BotHarness, database: Database, argument: str, zone: str, shown: str
) -> None:
    """Readers write a city as they say it, with its space: "New York" is one zone, not two."""
    await chat_bot.user(908).send(f"/subscribe {argument}")
    assert f"07:30</b> {shown}" in chat_bot.last_text(908)
    subscriber = await get_subscriber(database, 908)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(7, 30), zone)


@pytest.mark.parametrize(
    ("language", "city"),
    [("en", "a city such as Kyiv"), ("uk", "місто, як-от Київ"), ("ru", "город, например Киев")],
)
async def test_where_a_zone_is_asked_for_a_city_and_an_offset_are_offered(
    chat_bot: BotHarness, language: str, city: str
) -> None:
    """Readers who know their city or their offset, not an IANA name, are told both work."""
    user = chat_bot.user(909, language_code=language)
    await user.send("/help")
    assert city in chat_bot.last_text(909) and "UTC+2" in chat_bot.last_text(909)
    await user.send("/digest")
    assert city in chat_bot.last_text(909) and "UTC+2" in chat_bot.last_text(909)
    await user.send("/subscribe 08:00 Kyiv")
    await user.send("/settings")
    message = user.last_message()
    await user.press(message, button(chat_bot, message, "🌍"))
    prompt = chat_bot.api.messages[(909, message["message_id"])]["text"]
    assert city in prompt and "Europe/Kyiv" in prompt and "UTC+2" in prompt


@pytest.mark.parametrize(
    ("argument", "digest_time", "zone"),
    [
        ("8pm", time(20, 0), None),
        ("8:00pm", time(20, 0), None),
        ("8 pm", time(20, 0), None),
        ("8 p.m. Kyiv", time(20, 0), KYIV),
        ("20:00", time(20, 0), None),
        ("20.00", time(20, 0), None),
        ("8 pm Kyiv", time(20, 0), KYIV),
        ("Kyiv 7:30 am", time(7, 30), KYIV),
        ("9", time(9, 0), None),
        ("9 утра", time(9, 0), None),
        ("9 ранку Київ", time(9, 0), KYIV),
        ("8 вечера Киев", time(20, 0), KYIV),
        ("20 вечора", time(20, 0), None),
        ("12 am", time(0, 0), None),
        ("noon Лондон", time(12, 0), "Europe/London"),
        ("UTC+5:30", None, "UTC+05:30"),
        ("+3 9", time(9, 0), "Etc/GMT-3"),
        ("о 9 Київ", time(9, 0), KYIV),
        ("об 11 Київ", time(11, 0), KYIV),
        ("9:00 за Києвом", time(9, 0), KYIV),
        ("в 9 Киев", time(9, 0), KYIV),
        ("во 2 ночи по Киеву", time(2, 0), KYIV),
        ("21:00 по Москве", time(21, 0), "Europe/Moscow"),
        ("08:00 МСК", time(8, 0), "Europe/Moscow"),
        ("о 9 за київським часом", time(9, 0), KYIV),
        ("в 9 утра по киевскому времени", time(9, 0), KYIV),
        ("8 вечора у Львові", time(20, 0), KYIV),
        ("at 8 pm in London", time(20, 0), "Europe/London"),
        ("7:30 Kyiv time", time(7, 30), KYIV),
    ],
)
async def test_subscribe_takes_the_time_as_readers_write_it(
    chat_bot: BotHarness, database: Database, argument: str, digest_time: time | None, zone: str | None
) -> None:
    """12- and 24-hour clocks, with ":" or ".", a bare hour, the half of the day in English,
    Ukrainian or Russian, and the zone before or after."""
    user = chat_bot.user(910)
    await user.send("/subscribe 06:00 UTC")
    await user.send(f"/subscribe {argument}")
    assert "Updated" in chat_bot.last_text(910)
    subscriber = await get_subscriber(database, 910)
    assert subscriber is not None
    assert (subscriber.digest_time, subscriber.timezone) == (digest_time or time(6, 0), zone or "UTC")


async def test_an_abbreviation_for_a_fixed_offset_is_stated_back_with_the_city_zone_to_follow(
    chat_bot: BotHarness, database: Database
) -> None:
    await chat_bot.user(914).send("/subscribe 08:00 EST")
    reply = chat_bot.last_text(914)
    assert "08:00</b> EST" in reply
    assert "EST is a fixed offset (UTC-5): it does not change with summer time" in reply
    assert "(e.g. America/New_York)" in reply
    await chat_bot.user(914, language_code="uk").send("/subscribe 08:00 HST")
    assert "HST — сталий зсув (UTC-10)" in chat_bot.last_text(914) and "Pacific/Honolulu" in chat_bot.last_text(914)
    await chat_bot.user(914).send("/subscribe 08:00 America/New_York")
    assert "fixed offset" not in chat_bot.last_text(914)
    await chat_bot.user(914).send("/subscribe 08:00 PST")
    assert "'PST' is not a known time zone; did you mean America/Los_Angeles?" in chat_bot.last_text(914)
    subscriber = await get_subscriber(database, 914)
    assert subscriber is not None and subscriber.timezone == "America/New_York"


async def test_a_half_hour_offset_is_stated_back_as_given_with_what_it_does_not_follow(
    chat_bot: BotHarness, database: Database
) -> None:
    await chat_bot.user(911).send("/subscribe 8pm UTC+5:30")
    reply = chat_bot.last_text(911)
    assert "20:00</b> UTC+5:30" in reply and "UTC+05:30" not in reply
    assert "UTC+5:30 is a fixed offset: it does not change with summer time" in reply
    await chat_bot.user(911).send("/subscribe 9pm Kyiv")
    assert "fixed offset" not in chat_bot.last_text(911)


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("en", "'Atlantis' is not a known time zone"),
        ("uk", "'Atlantis' — невідомий часовий пояс"),
        ("ru", "'Atlantis' — неизвестный часовой пояс"),
    ],
)
async def test_an_unknown_zone_is_named_in_the_readers_language_and_changes_nothing(
    chat_bot: BotHarness, database: Database, language: str, answer: str
) -> None:
    user = chat_bot.user(912, language_code=language)
    await user.send("/subscribe 06:00 Europe/Kyiv")
    await user.send("/subscribe 8pm Atlantis")
    assert answer in chat_bot.last_text(912)
    subscriber = await get_subscriber(database, 912)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(6, 0), KYIV)


@pytest.mark.parametrize(
    ("argument", "answer"),
    [
        ("о 9 за Атлантидою", "⚠️ часовий пояс: 'Атлантидою' — невідомий часовий пояс"),
        ("в 9 по Атлантиде", "⚠️ часовий пояс: 'Атлантиде' — невідомий часовий пояс"),
        ("о 25 Київ", "⚠️ час: '25' — не час доби"),
    ],
)
async def test_a_zone_or_time_after_a_preposition_is_refused_naming_the_word_not_understood(
    chat_bot: BotHarness, database: Database, argument: str, answer: str
) -> None:
    user = chat_bot.user(915, language_code="uk")
    await user.send("/subscribe 06:00 UTC")
    await user.send(f"/subscribe {argument}")
    assert answer in chat_bot.last_text(915)
    subscriber = await get_subscriber(database, 915)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(6, 0), "UTC")


async def test_the_settings_time_takes_a_zone_along_and_a_bad_one_changes_neither(
    chat_bot: BotHarness, database: Database
) -> None:
    user = chat_bot.user(913)
    await user.send("/subscribe 06:00 UTC")
    await user.send("/settings")
    message = user.last_message()
    await user.press(message, button(chat_bot, message, "🕗"))
    await user.send("8 pm Atlantis")
    assert "'Atlantis' is not a known time zone" in chat_bot.last_text(913)
    subscriber = await get_subscriber(database, 913)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(6, 0), "UTC")
    await user.send("8 pm Kyiv")
    assert "Time: 20:00" in chat_bot.last_text(913) and "Time zone: Europe/Kyiv" in chat_bot.last_text(913)
    subscriber = await get_subscriber(database, 913)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(20, 0), KYIV)


async def test_subscribe_defaults_from_configuration(chat_bot: BotHarness, database: Database) -> None:
    await chat_bot.user(902).send("/subscribe")
    subscriber = await get_subscriber(database, 902)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(8, 0), "UTC")


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("/subscribe 08:00 Europe/Kiyv", "'Europe/Kiyv' is not a known time zone"),
        ("/subscribe 25:00 Europe/Kyiv", "'25:00' is not a time of day"),
        ("/subscribe Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
        ("/subscribe 8h Europe/Kyiv", "'8h' is not a time of day"),
        ("/subscribe 20 am Kyiv", "'20 am' is not a time of day"),
        ("/subscribe 8pm Atlantis", "'Atlantis' is not a known time zone"),
        ("/subscribe 08:00 Kyiv Moscow", "'Kyiv Moscow' is not a known time zone"),
        ("/subscribe 08:00 09:00 Kyiv", "give one time of day"),
    ],
)
async def test_a_bad_time_or_zone_is_named_and_changes_nothing(
    chat_bot: BotHarness, database: Database, command: str, named: str
) -> None:
    user = chat_bot.user(903)
    await user.send("/subscribe 06:00 Europe/Kyiv")
    await user.send(command)
    assert named in chat_bot.last_text(903)
    subscriber = await get_subscriber(database, 903)
    assert subscriber is not None and (subscriber.digest_time, subscriber.timezone) == (time(6, 0), KYIV)


async def test_unsubscribe_and_subscribe_again_starts_from_now(chat_bot: BotHarness, database: Database) -> None:
    user = chat_bot.user(904)
    await user.send("/unsubscribe")
    assert "no digest subscription" in chat_bot.last_text(904)
    await user.send("/subscribe 08:00 Europe/Kyiv")
    await user.send("/unsubscribe")
    assert "Unsubscribed" in chat_bot.last_text(904)
    gone = await get_subscriber(database, 904)
    assert gone is not None and not gone.active and gone.deactivated_reason == "unsubscribed"
    statement = await record(database)
    await user.send("/subscribe")
    back = await get_subscriber(database, 904)
    assert back is not None and back.active and back.cursor == statement.id
    assert back.timezone == KYIV  # the settings were kept


async def test_settings_buttons_edit_the_same_message(chat_bot: BotHarness, database: Database) -> None:
    user = chat_bot.user(905)
    await user.send("/subscribe 08:00 Europe/Kyiv")
    await user.send("/settings")
    message = user.last_message()
    assert "Topics: all" in message["text"] and "Speakers: all" in message["text"]

    await user.press(message, button(chat_bot, message, "Topics"))
    await user.press(message, button(chat_bot, message, "ceasefire"))
    await user.press(message, button(chat_bot, message, "territory"))
    await user.press(message, button(chat_bot, message, "territory"))
    edits = chat_bot.calls("editMessageText")
    assert {int(edit.params["message_id"]) for edit in edits} == {message["message_id"]}
    assert "Topics: ceasefire" in edits[-1].params["text"]
    assert (await get_subscriber(database, 905)).topics == ["ceasefire"]  # type: ignore[union-attr]

    await user.press(message, button(chat_bot, message, "Back"))
    await user.press(message, button(chat_bot, message, "Pause"))
    assert (await get_subscriber(database, 905)).paused  # type: ignore[union-attr]
    await user.press(message, button(chat_bot, message, "Resume"))
    await user.press(message, button(chat_bot, message, "Notes: turn on"))
    subscriber = await get_subscriber(database, 905)
    assert subscriber is not None and not subscriber.paused and subscriber.notify_empty

    await user.press(message, button(chat_bot, message, "Time zone"))
    await user.press(message, button(chat_bot, message, "America/New_York"))
    await user.press(message, button(chat_bot, message, "Time"))
    await user.send("06:45")
    subscriber = await get_subscriber(database, 905)
    assert subscriber is not None and (subscriber.timezone, subscriber.digest_time) == ("America/New_York", time(6, 45))
    assert "Time: 06:45" in chat_bot.last_text(905)
    assert {int(edit.params["message_id"]) for edit in chat_bot.calls("editMessageText")} == {message["message_id"]}


async def test_speakers_are_added_by_typing_and_removed_by_button(chat_bot: BotHarness, database: Database) -> None:
    await record(database, "Vladimir Putin")
    await record(database, "Volodymyr Zelensky", side="Ukraine")
    user = chat_bot.user(906)
    await user.send("/subscribe")
    await user.send("/settings")
    message = user.last_message()
    speakers = button(chat_bot, message, "Speakers")
    await user.press(message, speakers)
    await user.send("Napoleon")
    assert "no speaker called 'Napoleon' in the record. Type another name, or /cancel." in chat_bot.last_text(906)
    await user.send("Zelensk")  # a slip, answered as /actor answers it
    assert "did you mean Volodymyr Zelensky? Type another name" in chat_bot.last_text(906)
    await user.send("Путин")  # any alias, any script
    assert "Following Vladimir Putin" in chat_bot.last_text(906)
    subscriber = await get_subscriber(database, 906)
    assert subscriber is not None and len(subscriber.actor_ids) == 1
    # Text after that is a question again, not a speaker's name.
    await user.send("Zelensky")
    assert len((await get_subscriber(database, 906)).actor_ids) == 1  # type: ignore[union-attr]
    await user.press(message, speakers)
    await user.press(message, button(chat_bot, message, "Vladimir Putin"))
    assert (await get_subscriber(database, 906)).actor_ids == []  # type: ignore[union-attr]
    await user.send("/cancel")
    assert "nothing changed" in chat_bot.last_text(906)


async def test_digest_previews_without_moving_the_cursor(chat_bot: BotHarness, database: Database) -> None:
    user = chat_bot.user(907)
    await user.send("/digest")
    assert "no digest subscription" in chat_bot.last_text(907)
    await user.send("/subscribe 08:00 Europe/Kyiv")
    await user.send("/digest")
    assert NOTHING_NEW in chat_bot.last_text(907)
    statement = await record(database, text="Fresh for the preview.")
    before = await get_subscriber(database, 907)
    await user.send("/digest")
    assert "Preview" in chat_bot.last_text(907) and "Fresh for the preview." in chat_bot.last_text(907)
    after = await get_subscriber(database, 907)
    assert after is not None and before is not None
    assert (after.cursor, after.next_due_at) == (before.cursor, before.next_due_at) and after.cursor < (
        statement.id or 0
    )
    assert await deliveries(database) == []


async def test_groups_subscribe_through_their_admins(database: Database) -> None:
    api = TelegramDouble(group_admins={GROUP_ADMIN})
    application = build_application(
        Settings(DIPLOBOT_LOAD_SAMPLE="false"), request=api, database=database, rate_limited=False
    )
    async with application:
        admin = LocalUser(application, api, GROUP_ADMIN, chat_id=-5001, chat_type="supergroup")
        member = LocalUser(application, api, 77, chat_id=-5001, chat_type="supergroup")
        await member.send("/subscribe 09:00 Europe/Kyiv")
        assert await get_subscriber(database, -5001) is None
        await admin.send("/subscribe 09:00 Europe/Kyiv")
        subscriber = await get_subscriber(database, -5001)
        assert subscriber is not None and subscriber.chat_type.value == "supergroup"
        await member.send("/unsubscribe")
        assert (await get_subscriber(database, -5001)).active  # type: ignore[union-attr]
        texts = [str(call.params["text"]) for call in api.sent("sendMessage")]
        assert texts[0] == texts[-1] == "Only the group's admins can change its digest."


async def test_blocking_the_bot_ends_the_subscription(chat_bot: BotHarness, database: Database) -> None:
    user = chat_bot.user(908)
    await user.send("/subscribe")
    await user._process(
        {
            "my_chat_member": {
                "chat": user.chat,
                "from": user.user,
                "date": 0,
                "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
                "new_chat_member": {
                    "status": "kicked",
                    "until_date": 0,
                    "user": {"id": 1, "is_bot": True, "first_name": "bot"},
                },
            }
        }
    )
    subscriber = await get_subscriber(database, 908)
    assert subscriber is not None and not subscriber.active
    assert subscriber.deactivated_reason == "the user blocked the bot"


async def test_in_a_group_settings_take_a_typed_zone_as_a_reply_not_from_the_members_talk(
    database: Database,
) -> None:
    async with running_bot(database, TelegramDouble(group_admins={GROUP_ADMIN})) as bot:
        admin = bot.user(GROUP_ADMIN, chat_id=-5002, chat_type="supergroup", language_code="uk")
        await admin.send("/subscribe 09:00 Київ")
        await admin.send("/settings")
        message = admin.last_message()
        await admin.press(message, button(bot, message, "Часовий пояс"))
        prompt = admin.last_message()
        assert "У групі надішліть його у відповідь на це повідомлення." in prompt["text"]
        said = len(bot.texts(-5002))

        await admin.send("ха-ха, зараз налаштую")  # talk among the members
        assert len(bot.texts(-5002)) == said
        await admin.send("Берлін", reply_to=prompt)
        assert bot.last_text(-5002) == "✅ Часовий пояс: Europe/Berlin."
        subscriber = await get_subscriber(database, -5002)
        assert subscriber is not None and subscriber.timezone == "Europe/Berlin"

        # Addressed by a mention, in a private chat anything: as plain text is read.
        await admin.press(prompt, button(bot, prompt, "Часовий пояс"))
        await admin.send("@diplobot_bot Варшава")
        assert (await get_subscriber(database, -5002)).timezone == "Europe/Warsaw"  # type: ignore[union-attr]
