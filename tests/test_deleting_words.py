"""The record never deletes: an admin who types /delete (or /remove, /del) is pointed to
/retract, which keeps the statement, marked retracted, with the reason; a reader gets the
answer every unknown command gets. Nothing changes either way. Through the real handlers
and database, `LocalBotApi` as Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, running_bot

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


@pytest.mark.parametrize(
    ("typed", "pointer"),
    [
        ("/delete 23", "<code>/retract 23 REASON</code>"),
        ("/delete s23 duplicate", "<code>/retract s23 REASON</code>"),
        ("/delete", "<code>/retract ID REASON</code>"),
        ("/remove #23", "<code>/retract #23 REASON</code>"),
        ("/del@diplobot_bot 23", "<code>/retract 23 REASON</code>"),
    ],
)
async def test_an_admin_who_types_delete_is_pointed_to_retract(
    bot: BotHarness, sample_database: Database, typed: str, pointer: str
) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    await bot.admin().send(typed)
    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith("🗑 The record never deletes a statement."), answer
    assert pointer in answer and "stays in the record, marked retracted, with the reason" in answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before


async def test_the_pointer_speaks_the_admins_language(bot: BotHarness) -> None:
    await bot.admin(language_code="uk").send("/delete 23")
    assert bot.last_text(ADMIN_ID).startswith("🗑 Запис ніколи не видаляє заяв.")


@pytest.mark.parametrize("typed", ["/delete 23", "/remove 23"])
async def test_a_reader_who_types_delete_gets_the_unknown_command_answer(bot: BotHarness, typed: str) -> None:
    await bot.user().send(typed)
    command = typed.split()[0]
    assert bot.last_text(READER_ID) == f"I don't know {command}. /help lists what I can do."


async def test_in_a_group_delete_meant_for_no_one_in_particular_is_left_alone(bot: BotHarness) -> None:
    """As any unknown command there: it may be another bot's."""
    group = bot.admin(chat_id=-500, chat_type="group")
    await group.send("/delete 23")
    assert bot.texts(-500) == []
    await group.send("/delete@diplobot_bot 23")
    assert bot.last_text(-500).startswith("🗑 The record never deletes a statement.")
