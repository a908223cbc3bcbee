"""Chat state in the record: two applications on one record stand for two instances behind
a load balancer (or one instance before and after a restart). A dialogue begun on one goes
on on the other, page buttons work on either, a page key is random and good only in its
own chat, idle dialogues end once, and reading the record writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import func, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.chat_state.codec import StateCodec
from bot.input.draft import Draft
from bot.local.bot_api import LocalBotApi
from bot.presentation.callbacks import PageButton
from bot.presentation.paging import LISTING_LIFETIME, Listing, PageStore
from handlers import dialogues
from handlers.admin import add_dialogue
from storage import chat_state
from storage.engine import Database
from storage.models import (
    ChatState,
    DatePrecision,
    DialogueState,
    PageListing,
    Stance,
    Statement,
    StateScope,
    Topic,
    utcnow,
)
from storage.sample import load_sample
from tests.bot_harness import ADMIN_ID, READER_ID, running_bot

OTHER_READER = 1002


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {button["text"]: button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row}


async def count(database: Database, model: Any) -> int:
    async with database.read() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


# -- a dialogue across instances ---------------------------------------------------


async def test_a_guided_add_begun_on_one_instance_is_finished_on_the_other(
    database: Database, reopen: Callable[[Database], Database]
) -> None:
    await load_sample(database)
    api = LocalBotApi()  # one Telegram for both
    async with running_bot(database, api) as first, running_bot(reopen(database), api) as second:
        for answer in ("/add", "Vladimir Putin", "2025-08-20"):
            await first.admin().send(answer)
        for answer in ("talks", "claim", "Said on the other instance.", "TASS | https://tass.com/1"):
            await second.admin().send(answer)
        preview = second.admin().last_message()
        await first.admin().press(preview, buttons(preview)["✅ Confirm"])

        assert first.last_text(ADMIN_ID).startswith("✅ Added #")
        await second.admin().send("/cancel")
        assert second.last_text(ADMIN_ID) == "Nothing to cancel.", "the other instance saw the dialogue end"

    async with database.read() as session:
        recorded = (await session.exec(select(Statement).where(Statement.text == "Said on the other instance."))).all()
    assert len(recorded) == 1
    assert recorded[0].said_on == date(2025, 8, 20)
    assert await count(database, DialogueState) == 0
    assert await count(database, ChatState) == 0, "the draft is dropped once the statement is recorded"


async def test_a_dialogue_survives_a_restart(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as before:
        for answer in ("/add", "Vladimir Putin"):
            await before.admin().send(answer)
        asked = before.last_text(ADMIN_ID)

    async with running_bot(database) as after:
        await after.admin().send("2025-08-20")
        assert "topics" in after.last_text(ADMIN_ID).lower()
        assert after.last_text(ADMIN_ID) != asked
        await after.admin().send("/cancel")
        assert "nothing was written" in after.last_text(ADMIN_ID)
    assert await count(database, DialogueState) == 0
    assert await count(database, ChatState) == 0


async def test_an_admin_removed_while_a_dialogue_waits_is_refused_at_the_next_step(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as before:
        for answer in ("/add", "Vladimir Putin", "2025-08-20", "talks", "claim", "Text.", "TASS | https://tass.com/1"):
            await before.admin().send(answer)
        preview = before.admin().last_message()
    statements = await count(database, Statement)

    async with running_bot(database, DIPLOBOT_ADMIN_IDS="999") as after:
        await after.admin().press(preview, buttons(preview)["✅ Confirm"])
        assert "admins" in after.last_text(ADMIN_ID).lower()

    assert await count(database, Statement) == statements
    assert await count(database, DialogueState) == 0
    assert await count(database, ChatState) == 0


async def test_an_idle_dialogue_ends_once_however_many_instances_look(
    database: Database, reopen: Callable[[Database], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(add_dialogue, "DIALOGUE_TIMEOUT", timedelta(seconds=0.3))
    monkeypatch.setattr(dialogues, "IDLE_CHECK_INTERVAL", timedelta(seconds=0.05))
    api = LocalBotApi()
    async with running_bot(database, api) as first, running_bot(reopen(database), api) as second:
        for answer in ("/add", "Vladimir Putin"):
            await first.admin().send(answer)
        deadline = asyncio.get_running_loop().time() + 5.0
        while await count(database, DialogueState):
            assert asyncio.get_running_loop().time() < deadline, "the idle dialogue never ended"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # both instances looked again since

        dropped = [text for text in first.texts(ADMIN_ID) if "dropped" in text]
        assert len(dropped) == 1
        assert await count(database, ChatState) == 0, "the idle dialogue's draft went with it"
        await second.admin().send("2025-08-20")
        assert "topics" not in second.last_text(ADMIN_ID).lower()


async def test_a_dialogue_ended_while_its_answer_is_handled_stays_ended(database: Database) -> None:
    """The idle check (of any instance) may end a dialogue while an answer to it is being
    handled; the answer's step must not bring the dialogue back, to be ended, and the user
    told, a second time."""
    await load_sample(database)

    async def idle_check_meanwhile(update: object, context: Any) -> None:
        await chat_state.end_idle_dialogues(database, "add_statement", utcnow() + timedelta(hours=1))

    async with running_bot(database, LocalBotApi()) as bot:
        await bot.admin().send("/add")
        bot.application.add_handler(TypeHandler(Update, idle_check_meanwhile), group=-5)
        await bot.admin().send("Vladimir Putin")

        assert await count(database, DialogueState) == 0


async def test_an_answer_claims_its_dialogue_before_the_idle_check_can(database: Database) -> None:
    key = chat_state.DialogueKey("add_statement", 5, 6)
    await chat_state.set_dialogue_state(database, key, "date")
    answered = utcnow()

    assert await chat_state.touch_dialogues(database, key.chat_id, key.user_id) == {"add_statement": "date"}
    assert await chat_state.end_idle_dialogues(database, key.name, answered) == []
    assert await chat_state.end_idle_dialogues(database, key.name, utcnow() + timedelta(seconds=1)) == [key]
    assert await chat_state.touch_dialogues(database, key.chat_id, key.user_id) == {}
    await chat_state.set_dialogue_state(database, key, "topics", continuing="date")
    assert await count(database, DialogueState) == 0


async def test_idle_dialogues_are_handed_to_one_caller(database: Database) -> None:
    key = chat_state.DialogueKey("add_statement", 5, 6)
    await chat_state.set_dialogue_state(database, key, "date")
    later = utcnow() + timedelta(seconds=1)

    found = await asyncio.gather(*(chat_state.end_idle_dialogues(database, key.name, later) for _ in range(4)))

    assert sorted(len(keys) for keys in found) == [0, 0, 0, 1]
    assert [key] in found


# -- page buttons ------------------------------------------------------------------


async def test_a_page_button_works_on_the_other_instance_and_only_in_its_chat(
    database: Database, reopen: Callable[[Database], Database]
) -> None:
    await load_sample(database)
    api = LocalBotApi()
    async with running_bot(database, api) as first, running_bot(reopen(database), api) as second:
        reader = first.user(READER_ID)
        await reader.send("/search ceasefire")
        listing = reader.last_message()
        next_page = buttons(listing)["Next ▶"]

        await second.user(OTHER_READER).press({**listing, "chat": {"id": OTHER_READER, "type": "private"}}, next_page)
        [alert] = [call.params for call in api.sent("answerCallbackQuery")]
        assert alert["text"] == "This list has expired; run the command again."
        assert not [call for call in api.sent("editMessageText") if int(call.params["chat_id"]) == OTHER_READER]
        assert first.texts(OTHER_READER) == [], "nothing of the other reader's list reached this chat"

        await second.user(READER_ID).press(listing, next_page)
        shown = api.messages[(READER_ID, listing["message_id"])]
        assert "(6–10 of" in shown["text"]


async def test_page_keys_are_random_and_expire(database: Database) -> None:
    pages = PageStore(database)
    keys = [await pages.remember(Listing("search", "ceasefire"), READER_ID) for _ in range(3)]

    assert len(set(keys)) == 3
    assert all(len(key) >= 16 for key in keys)
    assert all(len(PageButton(key, 995).encode()) <= 64 for key in keys), "fits Telegram's callback data"
    assert await pages.recall(keys[0], READER_ID) == Listing("search", "ceasefire")
    assert await pages.recall(keys[0], OTHER_READER) is None
    assert await pages.recall("1", READER_ID) is None

    async with database.write() as session:
        await session.exec(
            update(PageListing)
            .where(PageListing.key == keys[0])  # type: ignore[arg-type]
            .values(created_at=utcnow() - LISTING_LIFETIME - timedelta(minutes=1))
        )
    assert await pages.recall(keys[0], READER_ID) is None
    assert await pages.forget_expired() == 1
    assert await count(database, PageListing) == 2


async def test_reading_writes_no_chat_state(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as bot:
        reader = bot.user()
        for text in ("/start", "/help", "/latest", "/search Trump", "/statement 3"):
            await reader.send(text)
    assert await count(database, ChatState) == 0
    assert await count(database, DialogueState) == 0


# -- what is stored ----------------------------------------------------------------


def test_a_draft_is_stored_as_json_and_read_back_as_it_was() -> None:
    codec = StateCodec({"draft": Draft})
    draft = Draft(asking="Which topics?", speaker="Vladimir Putin", side="russia", said_on=date(2025, 8, 20))
    draft.precision = DatePrecision.month
    draft.topics = [Topic.talks, Topic.ceasefire]
    draft.stance = Stance.claim
    data = {"add_draft": draft, "settings_messages": {"-100": 7}, "when": date(2025, 1, 2)}

    stored = codec.encode(data)

    assert stored["add_draft"]["value"]["topics"] == ["talks", "ceasefire"]
    assert codec.decode(stored) == data


def test_what_cannot_be_stored_is_refused_when_written() -> None:
    codec = StateCodec({"draft": Draft})
    with pytest.raises(TypeError, match="set"):
        codec.encode({"ids": {1, 2}})
    with pytest.raises(TypeError, match="keys"):
        codec.encode({"by_id": {1: "x"}})


def test_a_kind_no_longer_known_reads_as_nothing() -> None:
    assert StateCodec({}).decode({"add_draft": {"__type__": "draft", "value": {}}}) == {"add_draft": None}


async def test_between_updates_a_process_holds_no_chat_state(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as bot:
        for chat in range(50):
            await bot.user(5000 + chat).send("/help")
        for answer in ("/add", "Vladimir Putin"):
            await bot.admin().send(answer)

        assert dict(bot.application.user_data) == {}
        assert dict(bot.application.chat_data) == {}
        assert await count(database, DialogueState) == 1, "the dialogue is in the record, not in memory"


async def test_what_a_reader_chose_outlasts_the_updates_of_others_taken_concurrently(database: Database) -> None:
    """Polling and the webhook hand each update to PTB's queue, which runs it as a task and,
    when the task ends, marks its user and chat for writing once more: by then this process
    holds nothing of theirs, so what it would write is an empty stand-in, not their data."""
    await load_sample(database)
    async with running_bot(database) as bot:
        chooser, other = bot.user(READER_ID), bot.user(OTHER_READER)

        async def queued(user: Any, text: str) -> None:
            before = len(bot.api.sent("sendMessage"))
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            message = user._message(text=text, entities=entities)
            await bot.application.update_queue.put(
                Update.de_json({"update_id": before + 1, "message": message}, bot.application.bot)
            )
            for _ in range(200):
                if len(bot.api.sent("sendMessage")) > before:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the task's end, and PTB's mark

        await queued(chooser, "/language uk")
        await queued(other, "/help")
        await queued(other, "/latest")
        await bot.application.update_persistence()

    assert await chat_state.load_data(database, StateScope.user, READER_ID) == {"language": "uk"}
