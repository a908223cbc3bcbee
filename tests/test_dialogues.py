"""The two dialogues, the guided /add and the typed answers of /settings, through the real
Application: /cancel in each and in both at once, the /settings dialogue's silent
timeout, its being the tapping user's alone in a group, and their state being stored in
the record as plain JSON."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import time as time_of_day
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from telegram.ext import ConversationHandler

from bot.app import build_application
from bot.config import Settings
from bot.local.bot_api import LocalBotApi, LocalUser
from handlers import dialogues
from handlers import settings as settings_handlers
from storage.chat_state import dialogue_states, load_data
from storage.engine import Database
from storage.models import StateScope
from storage.subscriptions import get_subscriber
from tests.bot_harness import ADMIN_ID, BotHarness, running_bot

GROUP = -5001
MEMBER_ID = 77


@pytest_asyncio.fixture
async def bot(database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(database) as harness:
        yield harness


def button(harness: BotHarness, chat_id: int, message_id: int, label: str) -> str:
    """The callback data of the button whose label contains `label`, as the message stands now."""
    current = harness.api.messages[(chat_id, message_id)]
    for row in current["reply_markup"]["inline_keyboard"]:
        for item in row:
            if label in item["text"]:
                return str(item["callback_data"])
    raise AssertionError(f"no button with {label!r}")


async def open_settings(harness: BotHarness, user: LocalUser) -> dict[str, Any]:
    await user.send("/subscribe 08:00 Europe/Kyiv")
    await user.send("/settings")
    return user.last_message()


async def digest_time(database: Database, chat_id: int) -> time_of_day:
    subscriber = await get_subscriber(database, chat_id)
    assert subscriber is not None
    return subscriber.digest_time


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


# -- /cancel -----------------------------------------------------------------------


async def test_cancel_while_settings_waits_for_a_time_changes_nothing(bot: BotHarness, database: Database) -> None:
    user = bot.user(910)
    message = await open_settings(bot, user)
    await user.press(message, button(bot, 910, message["message_id"], "Time"))

    await user.send("/cancel")
    assert bot.last_text(910) == "OK, nothing changed."
    # The dialogue is over: a time typed now is a question, not the digest's time.
    await user.send("06:45")
    assert await digest_time(database, 910) == time_of_day(8, 0)
    await user.send("/cancel")
    assert bot.last_text(910) == "Nothing to cancel."


async def test_tapping_back_ends_the_wait_for_typed_text(bot: BotHarness, database: Database) -> None:
    user = bot.user(911)
    message = await open_settings(bot, user)
    await user.press(message, button(bot, 911, message["message_id"], "Time zone"))
    await user.press(message, button(bot, 911, message["message_id"], "Back"))

    await user.send("Europe/Berlin")
    subscriber = await get_subscriber(database, 911)
    assert subscriber is not None and subscriber.timezone == "Europe/Kyiv"
    await user.send("/cancel")
    assert bot.last_text(911) == "Nothing to cancel."


async def test_a_wrong_time_is_named_and_the_dialogue_waits_on(bot: BotHarness, database: Database) -> None:
    user = bot.user(912)
    message = await open_settings(bot, user)
    await user.press(message, button(bot, 912, message["message_id"], "Time"))

    await user.send("25:00")
    assert "'25:00' is not a time of day" in bot.last_text(912) and "or /cancel" in bot.last_text(912)
    await user.send("21:15")

    assert bot.last_text(912) == "✅ Time: 21:15."
    assert await digest_time(database, 912) == time_of_day(21, 15)
    assert "<b>21:15</b>" in bot.api.messages[(912, message["message_id"])]["text"]


async def test_cancel_leaves_one_dialogue_at_a_time(bot: BotHarness, database: Database) -> None:
    """An admin halfway through /add who opens /settings: the typed time goes to /settings,
    the next answer to /add; each /cancel ends the innermost dialogue still running."""
    admin = bot.admin()
    await admin.send("/add")
    await admin.send("Keir Starmer (United Kingdom)")
    assert "When was it said?" in bot.last_text(ADMIN_ID)
    message = await open_settings(bot, admin)
    await admin.press(message, button(bot, ADMIN_ID, message["message_id"], "Time"))

    await admin.send("07:30")
    assert bot.last_text(ADMIN_ID) == "✅ Time: 07:30."
    assert await digest_time(database, ADMIN_ID) == time_of_day(7, 30)
    await admin.send("2025-08-20")
    assert "Which topics?" in bot.last_text(ADMIN_ID)

    await admin.press(message, button(bot, ADMIN_ID, message["message_id"], "Time zone"))
    answers = []
    for _ in range(3):
        await admin.send("/cancel")
        answers.append(bot.last_text(ADMIN_ID))
    assert answers == [
        "OK, nothing changed.",
        "Cancelled the new statement; nothing was written.",
        "Nothing to cancel.",
    ]


# -- the /settings dialogue's timeout ----------------------------------------------


async def test_an_idle_settings_dialogue_ends_silently(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_handlers, "SETTINGS_TIMEOUT", timedelta(seconds=0.3))
    monkeypatch.setattr(dialogues, "IDLE_CHECK_INTERVAL", timedelta(seconds=0.1))
    async with running_bot(database) as harness:
        user = harness.user(913)
        message = await open_settings(harness, user)
        await user.press(message, button(harness, 913, message["message_id"], "Time"))
        sent = len(harness.texts(913))
        assert await dialogue_states(database, 913, 913) == {settings_handlers.NAME: "time"}

        deadline = time.monotonic() + 5.0
        while await dialogue_states(database, 913, 913):
            assert time.monotonic() < deadline, "the idle dialogue never ended"
            await asyncio.sleep(0.05)

        assert len(harness.texts(913)) == sent
        await user.send("06:45")
        assert await digest_time(database, 913) == time_of_day(8, 0)
        await user.send("/cancel")
        assert harness.last_text(913) == "Nothing to cancel."


# -- groups ------------------------------------------------------------------------


class GroupAdminsApi(LocalBotApi):
    """Answers getChatMember: ADMIN_ID administers every group, everyone else is a member."""

    def _answer(self, call: Any) -> Any:
        if call.method == "getChatMember":
            user_id = int(call.params["user_id"])
            user = {"id": user_id, "is_bot": False, "first_name": "U"}
            if user_id != ADMIN_ID:
                return {"status": "member", "user": user}
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return super()._answer(call)


async def test_in_a_group_the_dialogue_takes_the_tapping_admins_text_only(database: Database) -> None:
    api = GroupAdminsApi()
    config = Settings(DIPLOBOT_LOAD_SAMPLE="false")
    application = build_application(config, request=api, database=database, rate_limited=False)
    async with application:
        await application.start()
        try:
            admin = LocalUser(application, api, ADMIN_ID, chat_id=GROUP, chat_type="supergroup")
            member = LocalUser(application, api, MEMBER_ID, chat_id=GROUP, chat_type="supergroup")
            await admin.send("/subscribe 08:00 Europe/Kyiv")
            await admin.send("/settings")
            message = admin.last_message()
            time_button = next(
                item["callback_data"]
                for row in message["reply_markup"]["inline_keyboard"]
                for item in row
                if item["text"].endswith("Time")
            )

            await member.press(message, time_button)
            assert (
                api.sent("answerCallbackQuery")[-1].params["text"] == "Only the group's admins can change its digest."
            )
            await member.send("06:00")
            assert await digest_time(database, GROUP) == time_of_day(8, 0)

            await admin.press(message, time_button)
            await member.send("06:00")
            assert await digest_time(database, GROUP) == time_of_day(8, 0)
            await admin.send("09:45")  # not addressed to the bot: talk among the members
            assert await digest_time(database, GROUP) == time_of_day(8, 0)
            await admin.send("09:45", reply_to=admin.last_message())
            assert await digest_time(database, GROUP) == time_of_day(9, 45)
        finally:
            await application.stop()


# -- state a persistence layer can store -------------------------------------------


async def test_the_dialogues_are_named_and_keep_plain_data(bot: BotHarness, database: Database) -> None:
    conversations = {
        handler.name: handler for handler in bot.application.handlers[0] if isinstance(handler, ConversationHandler)
    }
    assert set(conversations) == {"add_statement", "digest_settings"}

    admin = bot.admin()
    for answer in ("/add", "Keir Starmer (United Kingdom)", "2025-03-02"):
        await admin.send(answer)
    message = await open_settings(bot, admin)
    await admin.press(message, button(bot, ADMIN_ID, message["message_id"], "Speakers"))

    assert await dialogue_states(database, ADMIN_ID, ADMIN_ID) == {
        "add_statement": "topics",
        "digest_settings": "speaker",
    }
    stored = await load_data(database, StateScope.user, ADMIN_ID)
    assert json.loads(json.dumps(stored)) == stored, "kept as plain JSON"
    assert stored["add_draft"]["value"]["speaker"] == "Keir Starmer"
    assert stored["settings_messages"] == {str(ADMIN_ID): message["message_id"]}
