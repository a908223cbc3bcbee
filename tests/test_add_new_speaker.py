"""A one-line `/add` naming a speaker new to the record, without a side, is recorded all
the same: the side is left open ("unknown") and the admin is told how to set it. A name
that is part of a recorded speaker's ("Putin" for Vladimir Putin) is asked about instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from sqlalchemy import func
from sqlmodel import col, select

from storage.actors import UNKNOWN_SIDE
from storage.engine import Database
from storage.models import AuditAction, AuditEntry, Statement
from storage.statements import add_statement, get_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, running_bot


@pytest_asyncio.fixture
async def bot(database: Database) -> AsyncIterator[BotHarness]:
    values = {
        "ref": "t1",
        "speaker": "Vladimir Putin",
        "side": "Russia",
        "said_on": "2025-08-16",
        "topics": ["ceasefire"],
        "text": "Russia is ready for a ceasefire.",
        "source": "Kremlin",
    }
    await add_statement(database, validate_statement(values), "seed")
    async with running_bot(database) as harness:
        yield harness


def add(speaker: str, text: str = "We are prepared to back a deal with boots on the ground.") -> str:
    return f"/add {speaker} | 2025-03-02 | security_guarantees | {text} | BBC"


async def statement_count(database: Database) -> int:
    async with database.read() as session:
        return (await session.exec(select(func.count()).select_from(Statement))).one()


async def test_a_new_speaker_without_a_side_is_recorded_with_the_side_open(bot: BotHarness, database: Database) -> None:
    await bot.admin().send(add("Keir Starmer"))

    answer = bot.last_text(ADMIN_ID)
    assert "Added #2" in answer
    assert "no side for <b>Keir Starmer</b> yet" in answer
    assert "<code>/edit 2 side SIDE</code>" in answer
    stored = await get_statement(database, 2)
    assert (stored.speaker, stored.side) == ("Keir Starmer", UNKNOWN_SIDE)
    async with database.read() as session:
        audit = (await session.exec(select(AuditEntry).where(AuditEntry.statement_id == 2))).one()
    assert audit.action is AuditAction.add and audit.after is not None and audit.after["side"] == UNKNOWN_SIDE


async def test_once_the_side_is_set_the_speakers_next_statements_take_it(bot: BotHarness, database: Database) -> None:
    admin = bot.admin()
    await admin.send(add("Keir Starmer"))
    await admin.send("/edit 2 side United Kingdom")
    assert "Edited #2" in bot.last_text(ADMIN_ID)

    await admin.send(add("Keir Starmer", "The coalition of the willing will meet in Paris."))

    answer = bot.last_text(ADMIN_ID)
    assert "Added #3" in answer and "left open" not in answer
    assert (await get_statement(database, 3)).side == "United Kingdom"


async def test_a_speaker_recorded_only_with_an_open_side_is_still_open_next_time(
    bot: BotHarness, database: Database
) -> None:
    admin = bot.admin()
    await admin.send(add("Keir Starmer"))
    await admin.send(add("Keir Starmer", "The coalition of the willing will meet in Paris."))

    assert "left open" in bot.last_text(ADMIN_ID)
    assert (await get_statement(database, 3)).side == UNKNOWN_SIDE


async def test_a_side_in_brackets_is_taken_as_before(bot: BotHarness, database: Database) -> None:
    await bot.admin().send(add("Keir Starmer (United Kingdom)"))

    assert "left open" not in bot.last_text(ADMIN_ID)
    assert (await get_statement(database, 2)).side == "United Kingdom"


async def test_part_of_a_recorded_name_is_asked_about_and_nothing_is_added(bot: BotHarness, database: Database) -> None:
    await bot.admin().send(add("Putin"))

    answer = bot.last_text(ADMIN_ID)
    assert "Did you mean <b>Vladimir Putin</b>?" in answer and "Nothing was added" in answer
    assert await statement_count(database) == 1
    async with database.read() as session:
        sides = (await session.exec(select(Statement.side).order_by(col(Statement.id)))).all()
    assert sides == ["Russia"]


def side_buttons(message: dict[str, Any]) -> dict[str, str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


async def test_the_admin_is_asked_for_the_side_with_the_records_sides_first_and_a_tap_sets_it(
    bot: BotHarness, database: Database
) -> None:
    admin = bot.admin()
    await admin.send(add("Keir Starmer"))
    question = admin.last_message()
    assert "Which side does <b>Keir Starmer</b> speak for?" in bot.last_text(ADMIN_ID)
    assert list(side_buttons(question)) == ["Russia", "Ukraine", "United States", "United Kingdom", "France", "Germany"]

    await admin.press(question, side_buttons(question)["Russia"])

    assert bot.last_text(ADMIN_ID).startswith("✏️ Edited #2: side.")
    assert (await get_statement(database, 2)).side == "Russia"
    async with database.read() as session:
        audit = (await session.exec(select(AuditEntry).where(AuditEntry.statement_id == 2))).all()
    assert [entry.action for entry in audit] == [AuditAction.add, AuditAction.edit]


async def test_the_side_buttons_are_in_the_admins_language_and_change_nothing_for_a_reader(
    bot: BotHarness, database: Database
) -> None:
    admin = bot.user(ADMIN_ID, language_code="uk")
    await admin.send(add("Keir Starmer"))
    question = admin.last_message()
    assert "За яку сторону говорить <b>Keir Starmer</b>?" in bot.last_text(ADMIN_ID)
    assert list(side_buttons(question))[:3] == ["Росія", "Україна", "США"]

    await bot.user(READER_ID).press(question, side_buttons(question)["Росія"])

    assert (await get_statement(database, 2)).side == UNKNOWN_SIDE


async def test_a_new_speaker_with_a_side_is_offered_no_buttons(bot: BotHarness) -> None:
    admin = bot.admin()
    await admin.send(add("Keir Starmer (United Kingdom)"))

    assert side_buttons(admin.last_message()) == {}


async def test_an_edit_giving_a_statement_a_new_speaker_asks_for_the_side_too(
    bot: BotHarness, database: Database
) -> None:
    admin = bot.admin()
    await admin.send(add("Keir Starmer (United Kingdom)"))
    await admin.send("/edit 1 speaker +Jane Newman")
    question = admin.last_message()
    assert "Which side does <b>Jane Newman</b> speak for?" in bot.last_text(ADMIN_ID)

    await admin.press(question, side_buttons(question)["United Kingdom"])

    assert (await get_statement(database, 1)).side == "United Kingdom"
    assert "Which side" not in bot.last_text(ADMIN_ID)


async def test_a_record_just_begun_offers_the_parties_listed_first(make_database) -> None:
    empty = await make_database("sqlite")
    async with running_bot(empty) as harness:
        admin = harness.admin()
        await admin.send(add("Keir Starmer"))

        assert list(side_buttons(admin.last_message())) == [
            "Russia",
            "Ukraine",
            "United States",
            "United Kingdom",
            "France",
            "Germany",
        ]
