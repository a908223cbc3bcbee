"""Readers never learn who recorded a statement: no surface renders `added_by` (it stays in
the audit log), whether the reader opens the statement, lists it, searches or asks for it,
or sees an admin change it in a group."""

from __future__ import annotations

import pytest

from storage.engine import Database
from tests.bot_harness import ADMIN_ID, READER_ID, retract, running_bot

GROUP = -100777
TEXT = "Finland will keep its border crossings closed until the ceasefire holds."


def leaks(text: str) -> bool:
    return str(ADMIN_ID) in text or "tg:" in text


@pytest.mark.parametrize(
    "command",
    [
        "/statement 1",
        "/statement_1",
        "/start s1",
        "/latest",
        "/latest 3",
        "/search border crossings",
        "/ask Will Finland keep its border closed?",
        "/actor Alexander Stubb",
        "/topic ceasefire",
    ],
)
async def test_no_reader_view_says_who_recorded_the_statement(database: Database, command: str) -> None:
    async with running_bot(database) as bot:
        admin = bot.admin()
        await admin.send(f"/add Alexander Stubb (Finland) | 2025-06-01 | ceasefire | {TEXT} | Yle")
        assert "Added #1" in bot.last_text(ADMIN_ID)
        reader = bot.user(READER_ID)
        await reader.send(command)
        answers = bot.texts(READER_ID)

    assert answers, f"{command} got no answer"
    assert any("Stubb" in answer for answer in answers), answers
    assert not any(leaks(answer) for answer in answers), answers


async def test_an_admin_change_in_a_group_does_not_name_the_admin(database: Database) -> None:
    async with running_bot(database) as bot:
        admin = bot.user(ADMIN_ID, chat_id=GROUP, chat_type="supergroup", first_name="Admin")
        await admin.send(f"/add Alexander Stubb (Finland) | 2025-06-01 | ceasefire | {TEXT} | Yle")
        await admin.send("/edit 1 status confirmed")
        retraction = await retract(admin, 1, "misattributed")
        answers = [*bot.texts(GROUP), retraction]

    assert len(answers) == 4 and "Retracted #1" in answers[-1]
    assert not any(leaks(answer) for answer in answers), answers
