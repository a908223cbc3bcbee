"""What an admin's change is checked against in the record before it is made: a link to
or from a retracted statement, a speaker that is a slip for a recorded one, the role a
known speaker already holds. Through the real handlers and database, `LocalBotApi` as
Telegram; every refusal leaves the record as it was."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import col, select

from bot.known_speakers import known_speakers
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements
from storage.models import Actor, AuditEntry, Statement, StatementLink
from storage.statements import add_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, BotHarness, retract, running_bot

SEED = [
    ("Vladimir Putin", "President of Russia", "Russia", "2025-08-16", "Russia is ready for talks."),
    ("Volodymyr Zelensky", "President of Ukraine", "Ukraine", "2025-08-18", "Ukraine needs guarantees."),
    ("Sergei Lavrov", "Foreign Minister of Russia", "Russia", "2025-02-18", "No troops from NATO countries."),
]


@pytest_asyncio.fixture
async def record(database: Database) -> Database:
    """#1 Putin, #2 Zelensky, #3 Lavrov, each with their role."""
    for number, (speaker, role, side, said_on, text) in enumerate(SEED, start=1):
        values = {
            "ref": f"t{number}",
            "speaker": speaker,
            "speaker_role": role,
            "side": side,
            "said_on": said_on,
            "topics": ["ceasefire"],
            "text": text,
            "source": "Press",
        }
        await add_statement(database, validate_statement(values), "seed", known=known_speakers())
    return database


@pytest_asyncio.fixture
async def bot(record: Database) -> Any:
    async with running_bot(record) as harness:
        yield harness


async def snapshot(database: Database) -> tuple[bytes, int, int, int]:
    async with database.read() as session:

        async def count(model: Any) -> int:
            return (await session.exec(select(func.count()).select_from(model))).one()

        counts = (await count(AuditEntry), await count(Actor), await count(StatementLink))
    return (await export_statements(database, ExchangeFormat.jsonl), *counts)


# -- /link and retracted statements ---------------------------------------------------


@pytest.mark.parametrize(
    ("retracted", "command", "named"),
    [
        ([1], "/link 1 contradicts 2", "#1 is retracted; a retracted statement is not linked"),
        ([2], "/link 1 contradicts 2", "#2 is retracted; a retracted statement is not linked"),
        ([2], "/link 1 responds_to 2", "#2 is retracted; a retracted statement is not linked"),
        ([1, 2], "/link 2 contradicts 1", "#2 and #1 are both retracted; a retracted statement is not linked"),
    ],
)
async def test_a_link_to_or_from_a_retracted_statement_is_refused_naming_it(
    bot: BotHarness, record: Database, retracted: list[int], command: str, named: str
) -> None:
    admin = bot.admin()
    for number in retracted:
        await retract(admin, number, "misattributed")
    before = await snapshot(record)

    await admin.send(command)

    assert named in bot.last_text(ADMIN_ID)
    assert await snapshot(record) == before


async def test_a_retracted_statement_is_named_in_the_admins_language(bot: BotHarness, record: Database) -> None:
    admin = bot.admin(language_code="uk")
    await retract(admin, 2, "misattributed")
    await admin.send("/link 1 суперечить 2")
    assert "#2 відкликано; відкликану заяву не пов’язують" in bot.last_text(ADMIN_ID)


# -- the role of a known speaker -------------------------------------------------------


async def newest(database: Database) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).order_by(col(Statement.id).desc()))).first()


def one_line_add(speaker: str, said_on: str, text: str = "A new statement.") -> str:
    return f"/add {speaker} | {said_on} | ceasefire | {text} | Press"


@pytest.mark.parametrize("speaker", ["Sergei Lavrov", "Lavrov", "Лавров"])
async def test_a_known_speaker_added_without_a_role_gets_the_one_the_record_gave_them(
    bot: BotHarness, record: Database, speaker: str
) -> None:
    await bot.admin().send(one_line_add(speaker, "2025-03-01"))

    assert (await newest(record)).speaker_role == "Foreign Minister of Russia"
    assert "Sergei Lavrov</b>, Foreign Minister of Russia" in bot.last_text(ADMIN_ID)


async def test_the_role_is_the_latest_one_up_to_the_statements_date(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/edit 3 role Foreign Minister")
    await admin.send(one_line_add("Sergei Lavrov", "2025-09-01", "Later."))
    assert (await newest(record)).speaker_role == "Foreign Minister"
    await admin.send(one_line_add("Sergei Lavrov", "2025-02-17", "Before any statement of his."))
    assert (await newest(record)).speaker_role == ""


async def test_a_retracted_statements_role_is_not_taken(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await retract(admin, 3, "misattributed")
    await admin.send(one_line_add("Sergei Lavrov", "2025-03-01"))
    assert (await newest(record)).speaker_role == ""


async def test_a_new_speaker_gets_no_role(bot: BotHarness, record: Database) -> None:
    await bot.admin().send(one_line_add("Keir Starmer (United Kingdom)", "2025-03-01"))
    statement = await newest(record)
    assert (statement.speaker_role, statement.side) == ("", "United Kingdom")


# -- a speaker that is a slip for a recorded one ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Lavro", "Sergei Lavrov"),
        ("Zelensk", "Volodymyr Zelensky"),
        ("Лавро", "Sergei Lavrov"),
        ("Vladimir", "Vladimir Putin"),
    ],
)
async def test_edit_to_a_slip_for_a_recorded_speaker_names_them_and_changes_nothing(
    bot: BotHarness, record: Database, typed: str, meant: str
) -> None:
    before = await snapshot(record)

    await bot.admin().send(f"/edit 3 speaker {typed}")

    answer = bot.last_text(ADMIN_ID)
    assert f"no speaker is recorded as <b>{typed}</b>" in answer, answer
    assert f"<code>/edit 3 speaker {meant}</code>" in answer, answer
    assert f"<code>/edit 3 speaker {typed} (United Kingdom)</code>" in answer, answer
    assert answer.endswith("Nothing was changed.")
    assert await snapshot(record) == before


async def test_the_suggestion_is_in_the_admins_language(bot: BotHarness, record: Database) -> None:
    await bot.admin(language_code="uk").send("/edit 3 speaker Lavro")
    answer = bot.last_text(ADMIN_ID)
    assert "мовця <b>Lavro</b> у записі немає" in answer, answer
    assert "<code>/edit 3 мовець Сергій Лавров</code>" in answer, answer
    assert "<code>/edit 3 мовець Lavro (Велика Британія)</code>" in answer, answer


async def test_someone_new_is_recorded_with_the_side_in_brackets(bot: BotHarness, record: Database) -> None:
    await bot.admin().send("/edit 3 speaker Lavro (Russia)")
    async with record.read() as session:
        statement = (await session.exec(select(Statement).where(Statement.id == 3))).one()
        actor = await session.get(Actor, statement.actor_id)
    assert actor is not None and (actor.name, statement.side) == ("Lavro", "Russia")


async def test_a_one_line_add_of_a_slip_names_the_recorded_speaker_and_adds_nothing(
    bot: BotHarness, record: Database
) -> None:
    before = await snapshot(record)
    await bot.admin().send(one_line_add("Lavro", "2025-03-01"))
    answer = bot.last_text(ADMIN_ID)
    assert "no speaker is recorded as <b>Lavro</b>. Did you mean <b>Sergei Lavrov</b>?" in answer, answer
    assert await snapshot(record) == before


@pytest.mark.parametrize(
    ("language", "named"),
    [("uk", "<b>Сергій Лавров</b>"), ("ru", "<b>Сергей Лавров</b>"), ("en", "<b>Sergei Lavrov</b>")],
)
async def test_a_one_line_adds_suggestion_names_the_speaker_as_the_admin_reads_them(
    bot: BotHarness, language: str, named: str
) -> None:
    await bot.admin(language_code=language).send(one_line_add("Lavro", "2025-03-01"))
    assert named in bot.last_text(ADMIN_ID)


@pytest.mark.parametrize(("language", "named"), [("uk", "<i>Сергій Лавров</i>"), ("ru", "<i>Сергей Лавров</i>")])
async def test_the_guided_adds_suggestion_names_the_speaker_as_the_admin_reads_them(
    bot: BotHarness, language: str, named: str
) -> None:
    admin = bot.admin(language_code=language)
    await admin.send("/add")
    await admin.send("Lavro")
    assert named in bot.last_text(ADMIN_ID)
