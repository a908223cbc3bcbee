"""Input a hostile or careless user sends: each gets a clear, specific answer (never "something
went wrong") and changes nothing, on SQLite and on PostgreSQL (which refuses NUL characters
in text and ids beyond its integer range, where SQLite takes them)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import select

from handlers.errors import SORRY
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.models import Actor, AuditEntry, Statement, StatementLink, Subscriber
from storage.statements import add_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness
from tests.test_cli import sqlite_cli

HUGE_ID = "999999999999"
LONG_ZONE = "Europe/" + "x" * 293


@pytest_asyncio.fixture
async def record(database: Database) -> Database:
    values = {
        "ref": "h1",
        "speaker": "Vladimir Putin",
        "side": "Russia",
        "said_on": "2025-08-16",
        "topics": ["ceasefire"],
        "text": "Russia is ready for a ceasefire.",
        "source": "Kremlin",
    }
    await add_statement(database, validate_statement(values), "seed")
    return database


async def snapshot(database: Database) -> tuple[Any, ...]:
    async with database.read() as session:

        async def count(model: Any) -> int:
            return (await session.exec(select(func.count()).select_from(model))).one()

        counts = [await count(model) for model in (Statement, AuditEntry, Actor, StatementLink, Subscriber)]
    return (await export_statements(database, ExchangeFormat.jsonl), *counts)


async def answer_to(bot: BotHarness, user_id: int, text: str) -> str:
    before = len(bot.texts(user_id))
    await bot.user(user_id).send(text) if user_id != ADMIN_ID else await bot.admin().send(text)
    answers = bot.texts(user_id)[before:]
    assert answers, f"{text!r} got no answer"
    assert SORRY not in answers, f"{text!r} ended in 'something went wrong'"
    return "\n".join(answers)


READER_CASES = [
    ('/search speaker:"putin', "quotation mark"),
    ("/search ceasefire until:9999-12", "ceasefire"),
    ("/search since:0001 ceasefire", "ceasefire"),
    ("/subscribe Europe", "not a known time zone"),
    (f"/subscribe {LONG_ZONE}", "not a known time zone"),
    ("/subscribe 08:00 " + "A" * 300, "not a known time zone"),
    ("/subscribe Europe/Kyiv\x00", "not a known time zone"),
    (f"/statement {HUGE_ID}", f"no statement #{HUGE_ID}"),
    (f"/statement_{HUGE_ID}", f"no statement #{HUGE_ID}"),
    (f"/start s{HUGE_ID}", "This link points to no statement in the record."),
    ("/search ceasefire\x00 Russia", "ready for a ceasefire"),
    ("/ask Will there be a cease\x00fire?", "ceasefire"),
    ("/actor Pu\x00tin", "no speaker"),
    ("What about the cease\x00fire?", "ceasefire"),
]


@pytest.mark.parametrize(("text", "expected"), READER_CASES)
async def test_a_reader_gets_a_clear_answer_and_nothing_changes(
    bot: BotHarness, record: Database, text: str, expected: str
) -> None:
    before = await snapshot(record)

    answer = await answer_to(bot, READER_ID, text)

    assert expected in answer.replace("\x00", "")
    assert await snapshot(record) == before


ADMIN_CASES = [
    ("/add Keir\x00 Starmer (United Kingdom) | 2025-03-02 | talks | Text. | BBC", "NUL"),
    ("/add Keir Starmer (United Kingdom) | 2025-03-02 | talks | Te\x00xt. | BBC", "NUL"),
    ("/add Keir Starmer (United Kingdom\x00) | 2025-03-02 | talks | Text. | BBC", "NUL"),
    ("/edit 1 text Te\x00xt", "NUL"),
    ("/retract 1 wrong\x00 speaker", "NUL"),
    (f"/edit {HUGE_ID} status confirmed", f"no statement #{HUGE_ID}"),
    (f"/retract {HUGE_ID} wrong speaker", f"no statement #{HUGE_ID}"),
    (f"/link 1 contradicts {HUGE_ID}", f"no statement #{HUGE_ID}"),
    (f"/link {HUGE_ID} responds_to 1", f"no statement #{HUGE_ID}"),
]


@pytest.mark.parametrize(("text", "expected"), ADMIN_CASES)
async def test_an_admin_gets_a_clear_answer_and_nothing_changes(
    bot: BotHarness, record: Database, text: str, expected: str
) -> None:
    before = await snapshot(record)

    answer = await answer_to(bot, ADMIN_ID, text)

    assert expected in answer
    assert await snapshot(record) == before


def statement_line(**changes: Any) -> dict[str, Any]:
    return {
        "ref": "n1",
        "speaker": "Keir Starmer",
        "side": "United Kingdom",
        "said_on": "2025-03-02",
        "topics": ["talks"],
        "text": "Text.",
        "source": "BBC",
        **changes,
    }


async def test_an_import_with_a_nul_character_names_the_line_and_imports_nothing(record: Database) -> None:
    before = await snapshot(record)
    lines = [statement_line(ref="n0"), statement_line(text="Te\x00xt."), statement_line(ref="n2", source="B\x00BC")]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    report = await import_statements(record, "nul.jsonl", content, "admin")

    assert not report.ok
    assert [(problem.line, problem.field) for problem in report.problems] == [(2, "text"), (3, "source")]
    assert all("NUL" in problem.message for problem in report.problems)
    assert await snapshot(record) == before


async def test_a_csv_import_with_a_raw_nul_byte_is_refused(record: Database) -> None:
    before = await snapshot(record)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(statement_line()))
    writer.writeheader()
    writer.writerow({**statement_line(), "topics": "talks", "speaker": "Keir\x00Starmer"})

    report = await import_statements(record, "nul.csv", buffer.getvalue().encode(), "admin")

    assert not report.ok and "NUL" in str(report.problems[0])
    assert await snapshot(record) == before


async def test_a_forged_settings_button_with_an_id_out_of_range_is_refused(bot: BotHarness, record: Database) -> None:
    reader = bot.user(READER_ID)
    await reader.send("/subscribe 08:00 Europe/Kyiv")
    before = await snapshot(record)

    await reader.press(reader.last_message(), f"ds:sp:{HUGE_ID}")

    notice = bot.calls("answerCallbackQuery")[-1]
    assert f"no speaker #{HUGE_ID}" in notice.params["text"]
    assert SORRY not in bot.texts(READER_ID)
    assert await snapshot(record) == before


@pytest.mark.parametrize("value", ["Europe", "x" * 300])
def test_a_time_zone_that_is_a_directory_or_too_long_stops_the_start_in_one_line(tmp_path: Path, value: str) -> None:
    result = sqlite_cli(tmp_path).run("db", "upgrade", DIPLOBOT_TIMEZONE=value)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: DIPLOBOT_TIMEZONE:")
    assert "Traceback" not in result.stderr
