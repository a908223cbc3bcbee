"""Follow-up questions ("And Zelensky?", "а Лавров?"): read against the reader's previous
question (bot.answering.follow_up), kept per reader and chat in the record
(bot.chat_state.questions), through the real handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.answering.follow_up import resolve_follow_up
from bot.chat_state.questions import FOLLOW_UP_WINDOW, last_question, remember_question
from bot.local.bot_api import LocalBotApi
from storage.engine import Database
from storage.models import utcnow
from storage.sample import load_sample
from tests.bot_harness import READER_ID, BotHarness, running_bot

OTHER_READER = 1002
GROUP = -100500


@pytest.mark.parametrize(
    ("previous", "message", "meant"),
    [
        (
            "What did Putin say about security guarantees?",
            "And Zelensky?",
            "What did Zelensky say about security guarantees?",
        ),
        (
            "What did Putin and Lavrov say about peacekeepers?",
            "what about Macron",
            "What did Macron say about peacekeepers?",
        ),
        ("Що Путін казав про гарантії безпеки?", "а Зеленський?", "Що Зеленський казав про гарантії безпеки?"),
        ("Что Путин говорил о территориях?", "а Лавров?", "Что Лавров говорил о территориях?"),
        ("What did Trump say about sanctions?", "what about in July?", "What did Trump say about sanctions in July?"),
        (
            "What did Trump say about sanctions?",
            "And Zelensky in August?",
            "What did Zelensky say about sanctions in August?",
        ),
        ("What does Moscow want for Donetsk?", "and Zaporizhzhia?", "What does Moscow want for Zaporizhzhia?"),
        ("What did Trump say in July?", "what about in August?", "What did Trump say in August?"),
        ("Що казав Трамп у липні?", "а в серпні?", "Що казав Трамп в серпні?"),
        ("What was said about prisoner exchanges?", "and Russia?", "What was said about prisoner exchanges — Russia?"),
    ],
)
async def test_a_follow_up_asks_the_previous_question_again_of_what_it_names(
    shared_sample_database: Database, previous: str, message: str, meant: str
) -> None:
    assert await resolve_follow_up(shared_sample_database, previous, message) == meant


@pytest.mark.parametrize(
    "message",
    [
        "What did Zelensky say?",  # a question of its own
        "Zelensky?",  # a name alone: what Zelensky said
        "Трамп",
        "and what about the ceasefire?",  # a subject of its own
        "Will American soldiers go to Ukraine?",
        "thanks",
        "And Zelensky, Macron, Starmer, Merz, Tusk, Meloni and Erdogan?",  # too long to be one
    ],
)
async def test_a_question_of_its_own_is_not_a_follow_up(shared_sample_database: Database, message: str) -> None:
    assert await resolve_follow_up(shared_sample_database, "What did Putin say about sanctions?", message) is None


async def test_without_a_previous_question_nothing_is_followed_up(shared_sample_database: Database) -> None:
    assert await resolve_follow_up(shared_sample_database, None, "And Zelensky?") is None


@pytest.mark.parametrize("previous", ["Путна", "Putna", "600,000", "Trump"])
async def test_a_previous_message_that_asked_about_nothing_is_not_asked_again(
    shared_sample_database: Database, previous: str
) -> None:
    assert await resolve_follow_up(shared_sample_database, previous, "а Крым?") is None


def test_a_question_is_kept_per_chat_for_the_follow_up_window() -> None:
    user_data: dict[str, Any] = {}
    asked = utcnow()
    remember_question(user_data, 1, "What did Putin say?", asked)
    remember_question(user_data, 2, "What did Trump say?", asked)
    assert last_question(user_data, 1, asked + timedelta(minutes=5)) == "What did Putin say?"
    assert last_question(user_data, 2, asked) == "What did Trump say?"
    assert last_question(user_data, 3, asked) is None
    assert last_question(user_data, 1, asked + FOLLOW_UP_WINDOW + timedelta(seconds=1)) is None
    # Writing drops what is too old to follow.
    remember_question(user_data, 3, "What did Lavrov say?", asked + FOLLOW_UP_WINDOW * 2)
    assert set(user_data["questions"]) == {"3"}


def heading(bot: BotHarness, chat_id: int) -> str:
    return bot.last_text(chat_id).split("\n")[0]


async def test_a_reader_follows_up_in_chat_and_after_a_restart(
    database: Database, reopen: Callable[[Database], Database]
) -> None:
    await load_sample(database)
    api = LocalBotApi()
    async with running_bot(database, api) as before:
        await before.user().send("What did Putin say about security guarantees?")
        await before.user().send("And Zelensky?")
        assert "What did Zelensky say about security guarantees?" in heading(before, READER_ID)
    async with running_bot(reopen(database), api) as after:
        await after.user().send("а Макрон?")
        assert "What did Макрон say about security guarantees?" in heading(after, READER_ID)
        await after.user().send("/ask and Trump?")
        assert "What did Trump say about security guarantees?" in heading(after, READER_ID)


async def test_one_readers_question_is_never_followed_up_by_another(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as bot:
        asker = bot.user(READER_ID, chat_id=GROUP, chat_type="group")
        other = bot.user(OTHER_READER, chat_id=GROUP, chat_type="group")
        username = bot.application.bot.username
        await asker.send(f"@{username} What did Putin say about security guarantees?")
        await other.send(f"@{username} and Zelensky?")
        assert "security guarantees" not in heading(bot, GROUP)
        await asker.send(f"@{username} and Zelensky?")
        assert "What did Zelensky say about security guarantees?" in heading(bot, GROUP)


async def test_the_question_a_follow_up_was_read_as_is_shown_when_nothing_answers_it(database: Database) -> None:
    await load_sample(database)
    async with running_bot(database) as bot:
        await bot.user().send("What did Lavrov say about prisoner exchanges?")
        await bot.user().send("And Macron in January?")
        text = bot.last_text(READER_ID)
        assert "What did Macron say about prisoner exchanges in January?" in text.split("\n")[0]
        assert "Nothing in the record" in text
        assert "<i>Understood as: Emmanuel Macron" in text
