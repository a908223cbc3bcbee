"""Import and export in the exchange format (JSON lines and CSV): byte-identical round
trips on and across engines, idempotent imports, dry runs, and all-or-nothing refusal of a
file with bad lines, each one reported."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlmodel import col, select

from storage.engine import Database
from storage.exchange import ExchangeFormat, ImportReport, export_statements, import_statements
from storage.exchange_files import detect_format
from storage.exchange_links import LINK_FIELDS
from storage.models import Actor, AuditAction, AuditEntry, Statement
from storage.sample import sample_corpus
from storage.statements import (
    EXCHANGE_FIELDS,
    add_statement,
    edit_statement,
    link_statements,
    linked_statements,
    retract_statement,
)
from storage.validation import validate_statement

FORMATS = [ExchangeFormat.jsonl, ExchangeFormat.csv]
WHO = "importer"

# Lines that use every column the sample leaves out or keeps simple.
EXTRA_LINES = [
    {
        "ref": "x-year.1",
        "said_on": "2024-01-01",
        "date_precision": "year",
        "speaker": "Dmitry Peskov",
        "speaker_role": "Kremlin spokesman",
        "side": "Russia",
        "topics": ["talks", "sanctions"],
        "places": ["Moscow", "Saint Petersburg"],
        "stance": "warning",
        "text": 'First line, with "quotes"; a semicolon.\nSecond line: «Переговоры» — Київ.',
        "is_quote": True,
        "source": "TASS, interview",
        "source_url": "https://example.org/tass?id=1&lang=en",
        "status": "denied",
    },
    {
        "ref": "x:retracted",
        "said_on": "2025-07-01",
        "date_precision": "month",
        "speaker": "Unnamed official",
        "side": "Ukraine",
        "topics": ["prisoners"],
        "stance": "claim",
        "text": "An exchange of 1,000 prisoners was agreed.",
        "source": "Anonymous briefing",
        "status": "retracted",
        "retraction_reason": "The briefing was misreported.",
    },
]


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


async def build_rich_record(database: Database) -> None:
    """The sample plus statements that went through every way in: import, add, edit, retract."""
    report = await import_statements(database, "extras.jsonl", jsonl(EXTRA_LINES), WHO)
    assert report.ok and report.added == len(EXTRA_LINES), report.problems
    added = await add_statement(
        database,
        validate_statement(
            {
                "speaker": "Kaja Kallas",
                "side": "European Union",
                "said_on": "2025-10-02",
                "topics": "security guarantees; sanctions",
                "places": "Brussels",
                "stance": "commitment",
                "text": "The EU will keep its sanctions until a just peace.",
                "source": "Press conference",
                "ref": "x-added",
            }
        ),
        "admin:1",
    )
    await edit_statement(database, added.id, "status", "confirmed", "admin:1")
    async with database.read() as session:
        ids = {
            statement.ref: statement.id
            for statement in (await session.exec(select(Statement).where(col(Statement.ref).in_(REFS)))).all()
        }
    await link_statements(database, ids["s42"], "contradicts", ids["s41"], "admin:1")
    await link_statements(database, ids["x-added"], "responds_to", ids["s36"], "admin:1")
    await link_statements(database, ids["x-added"], "responds_to", ids["s11"], "admin:1")
    await retract_statement(database, ids["s41"], "Later denied by the same source.", "admin:1")


REFS = ("s11", "s36", "s41", "s42", "x-added")


async def audit_count(database: Database) -> int:
    async with database.read() as session:
        return len((await session.exec(select(AuditEntry.id))).all())


async def state(database: Database) -> tuple[bytes, int, int]:
    async with database.read() as session:
        actors = len((await session.exec(select(Actor.id))).all())
    return await export_statements(database, ExchangeFormat.jsonl), await audit_count(database), actors


def file_name(fmt: ExchangeFormat) -> str:
    return f"statements.{fmt.value}"


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_export_import_export_gives_identical_bytes(
    sample_database: Database, make_database, db_engine: str, fmt: ExchangeFormat
) -> None:
    await build_rich_record(sample_database)
    first = await export_statements(sample_database, fmt)
    target = await make_database(db_engine)

    report = await import_statements(target, file_name(fmt), first, WHO)

    assert report.ok, report.problems
    assert (report.added, report.updated, report.unchanged, report.links) == (48 + 3, 0, 0, 3)
    assert await export_statements(target, fmt) == first
    async with target.read() as session:
        x_added = (await session.exec(select(Statement).where(Statement.ref == "x-added"))).one()
    linked = await linked_statements(target, x_added.id)
    assert [(link.kind.value, link.outgoing, link.statement.ref) for link in linked] == [
        ("responds_to", True, "s36"),
        ("responds_to", True, "s11"),
    ]


async def test_the_csv_export_carries_everything_the_jsonl_export_does(
    sample_database: Database, make_database, db_engine: str
) -> None:
    await build_rich_record(sample_database)
    target = await make_database(db_engine)

    report = await import_statements(target, "x.csv", await export_statements(sample_database, ExchangeFormat.csv), WHO)

    assert report.ok, report.problems
    assert await export_statements(target, ExchangeFormat.jsonl) == await export_statements(
        sample_database, ExchangeFormat.jsonl
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("source_engine", "target_engine"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
async def test_round_trip_across_engines_gives_identical_bytes(
    make_database, fmt: ExchangeFormat, source_engine: str, target_engine: str
) -> None:
    source = await make_database(source_engine, sample=True)
    target = await make_database(target_engine)
    await build_rich_record(source)
    first = await export_statements(source, fmt)

    report = await import_statements(target, file_name(fmt), first, WHO)

    assert report.ok, report.problems
    assert await export_statements(target, fmt) == first


async def test_export_is_in_the_exchange_format(shared_sample_database: Database, sample_records) -> None:
    exported = await export_statements(shared_sample_database, ExchangeFormat.jsonl)
    lines = [json.loads(line) for line in exported.decode().splitlines()]

    assert [line["ref"] for line in lines] == [record["ref"] for record in sample_records]
    for line, record in zip(lines, sample_records, strict=True):
        # Every field the line gave, plus the defaults it left out; nothing empty written.
        assert line == {
            **record,
            "date_precision": record.get("date_precision", "day"),
            "is_quote": record.get("is_quote", False),
        }

    header = (await export_statements(shared_sample_database, ExchangeFormat.csv)).decode().splitlines()[0]
    assert header.split(",") == [*EXCHANGE_FIELDS, *LINK_FIELDS]


# -- idempotence and updates ------------------------------------------------------------------


async def test_importing_the_same_file_twice_changes_nothing(sample_database: Database) -> None:
    before = await state(sample_database)

    report = await import_statements(sample_database, "statements.jsonl", sample_corpus(), WHO)

    assert report.ok
    assert (report.added, report.updated, report.unchanged) == (0, 0, 48)
    assert await state(sample_database) == before


@pytest.mark.parametrize("fmt", FORMATS)
async def test_reimporting_an_export_changes_nothing(sample_database: Database, fmt: ExchangeFormat) -> None:
    await build_rich_record(sample_database)
    before = await state(sample_database)

    report = await import_statements(
        sample_database, file_name(fmt), await export_statements(sample_database, fmt), WHO
    )

    assert (report.added, report.updated, report.unchanged, report.problems) == (0, 0, 51, [])
    assert await state(sample_database) == before


async def test_a_changed_line_updates_its_statement_and_is_audited(sample_database: Database, sample_records) -> None:
    changed = [dict(record) for record in sample_records]
    original = dict(changed[4])
    changed[4]["text"] = "A corrected paraphrase of the statement."
    changed[4]["places"] = ["Kyiv"]
    audit_before = await audit_count(sample_database)

    report = await import_statements(sample_database, "fix.jsonl", jsonl(changed), WHO)

    assert (report.added, report.updated, report.unchanged, report.problems) == (0, 1, 47, [])
    async with sample_database.read() as session:
        statement = (await session.exec(select(Statement).where(Statement.ref == original["ref"]))).one()
        entries = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.id) > audit_before).order_by(col(AuditEntry.id)))
        ).all()
    assert statement.text == "A corrected paraphrase of the statement."
    assert statement.places == ["Kyiv"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.who, entry.statement_id) == (AuditAction.import_update, WHO, statement.id)
    assert (entry.before["text"], entry.before["places"]) == (original["text"], original["places"])
    assert (entry.after["text"], entry.after["places"]) == ("A corrected paraphrase of the statement.", ["Kyiv"])


async def test_an_import_adds_new_refs_and_updates_known_ones_in_one_go(sample_database: Database) -> None:
    lines = [dict(EXTRA_LINES[0]), json.loads(sample_corpus().decode().splitlines()[0]) | {"status": "contested"}]

    report = await import_statements(sample_database, "mixed.jsonl", jsonl(lines), WHO)

    assert (report.added, report.updated, report.unchanged) == (1, 1, 0)
    async with sample_database.read() as session:
        actions = (await session.exec(select(AuditEntry.action).where(AuditEntry.who == WHO))).all()
    assert sorted(actions) == sorted([AuditAction.import_add, AuditAction.import_update])


async def test_every_imported_statement_is_audited_as_an_import(database: Database) -> None:
    report = await import_statements(database, "statements.jsonl", sample_corpus(), WHO)

    async with database.read() as session:
        entries = (await session.exec(select(AuditEntry))).all()
    assert report.added == len(entries) == 48
    assert {(entry.action, entry.who) for entry in entries} == {(AuditAction.import_add, WHO)}
    assert all(entry.before is None and entry.after["ref"] for entry in entries)


# -- dry run -----------------------------------------------------------------------------------


async def test_a_dry_run_counts_and_writes_nothing(database: Database) -> None:
    before = await state(database)

    report = await import_statements(database, "statements.jsonl", sample_corpus(), WHO, dry_run=True)

    assert report.ok and report.dry_run
    assert (report.added, report.updated, report.unchanged) == (48, 0, 0)
    assert "dry run" in report.summary() and "48 added" in report.summary()
    assert await state(database) == before
    assert before == (b"", 0, 0)


async def test_a_dry_run_of_changes_writes_nothing(sample_database: Database, sample_records) -> None:
    changed = [dict(record) for record in sample_records] + [dict(EXTRA_LINES[0])]
    changed[0]["status"] = "contested"
    before = await state(sample_database)

    report = await import_statements(sample_database, "changes.jsonl", jsonl(changed), WHO, dry_run=True)

    assert (report.added, report.updated, report.unchanged) == (1, 1, 47)
    assert await state(sample_database) == before


# -- bad files ---------------------------------------------------------------------------------


def problem_lines(report: ImportReport) -> set[tuple[int, str]]:
    return {(problem.line, problem.field) for problem in report.problems}


def good_line(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "said_on": "2025-05-05",
        "speaker": "Test Speaker",
        "side": "Testland",
        "topics": ["talks"],
        "stance": "claim",
        "text": "A line that is fine on its own.",
        "source": "Wire",
        "status": "reported",
        **overrides,
    }


async def test_a_jsonl_file_with_bad_lines_imports_nothing_and_names_each(sample_database: Database) -> None:
    without_source = good_line("b4")
    del without_source["source"]
    lines = [
        json.dumps(good_line("b1")),  # 1: fine
        '{"ref": "b2", "said_on": ',  # 2: bad JSON
        json.dumps(good_line("b3", topics=["talks", "weather"])),  # 3: unknown topic
        json.dumps(without_source),  # 4: a field missing
        json.dumps(good_line("b5", said_on="2025-02-30")),  # 5: not a date
        json.dumps(good_line("b1", text="Same ref again.")),  # 6: ref already on line 1
        json.dumps(good_line("s01", text="Would update s01.")),  # 7: fine (an update)
        "",  # 8: blank, skipped
        "[1, 2]",  # 9: not an object
        json.dumps(good_line("b10", stance="threat")),  # 10: unknown stance
    ]
    before = await state(sample_database)

    report = await import_statements(sample_database, "bad.jsonl", ("\n".join(lines) + "\n").encode(), WHO)

    assert not report.ok
    assert problem_lines(report) == {
        (2, "json"),
        (3, "topics"),
        (4, "source"),
        (5, "said_on"),
        (6, "ref"),
        (9, "json"),
        (10, "stance"),
    }
    assert [problem.line for problem in report.problems] == sorted(problem.line for problem in report.problems)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    assert "nothing was imported" in report.summary()
    assert await state(sample_database) == before


@pytest.mark.parametrize(
    ("said_on", "problem"),
    [
        ("2025-02-30", "'2025-02-30' is not a real calendar date"),
        ("2025-13-01", "'2025-13-01' is not a real calendar date"),
        ("16.08.2025", "'16.08.2025' is not a date in YYYY-MM-DD form"),
        ("2025-08-16T10:00:00", "'2025-08-16T10:00:00' is not a date in YYYY-MM-DD form"),
    ],
)
async def test_an_impossible_date_is_worded_as_in_add_and_a_malformed_one_by_its_form(
    sample_database: Database, said_on: str, problem: str
) -> None:
    line = json.dumps(good_line("d1", said_on=said_on)) + "\n"

    report = await import_statements(sample_database, "dates.jsonl", line.encode(), WHO)

    assert [(problem.field, problem.message) for problem in report.problems] == [("said_on", problem)]


async def test_a_csv_file_with_bad_rows_imports_nothing_and_names_each(sample_database: Database) -> None:
    header = ["ref", "said_on", "speaker", "side", "topics", "places", "stance", "text", "source"]

    def row(ref: str, **overrides: str) -> list[str]:
        values = {
            "ref": ref,
            "said_on": "2025-05-05",
            "speaker": "Test Speaker",
            "side": "Testland",
            "topics": "talks;ceasefire",
            "places": "Kyiv",
            "stance": "claim",
            "text": "A row that is fine.",
            "source": "Wire",
            **overrides,
        }
        return [values[name] for name in header]

    content = csv_bytes(
        [
            header,  # 1
            row("c2"),  # 2: fine
            row("c3")[:-2],  # 3: two cells short
            row("c4", said_on="16/08/2025"),  # 4: not a date
            row("c5", topics="talks;weather"),  # 5: unknown topic
            row("c6", text="A quoted cell\nover two lines."),  # 6-7: fine
            row("c2"),  # 8: ref already on line 2
            row("c9", source=""),  # 9: source missing
            row("c10") + ["extra"],  # 10: one cell too many
        ]
    )
    before = await state(sample_database)

    report = await import_statements(sample_database, "bad.csv", content, WHO)

    assert problem_lines(report) == {(3, "csv"), (4, "said_on"), (5, "topics"), (8, "ref"), (9, "source"), (10, "csv")}
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    assert await state(sample_database) == before


async def test_a_csv_file_with_an_unknown_column_is_refused(database: Database) -> None:
    content = csv_bytes([["ref", "said_on", "colour"], ["c1", "2025-05-05", "red"]])

    report = await import_statements(database, "bad.csv", content, WHO)

    assert problem_lines(report) == {(1, "header")}
    assert "colour" in str(report.problems[0])
    assert await state(database) == (b"", 0, 0)


async def test_non_utf8_bytes_are_reported_on_their_line(sample_database: Database) -> None:
    content = (
        json.dumps(good_line("u1")).encode()
        + b"\n"
        + json.dumps(good_line("u2")).encode()
        + b"\n"
        + json.dumps(good_line("u3", text="Caf\u00e9")).encode().replace(b"Caf\\u00e9", b"Caf\xe9")
        + b"\n"
    )
    before = await state(sample_database)

    report = await import_statements(sample_database, "latin1.jsonl", content, WHO)

    assert problem_lines(report) == {(3, "file")}
    assert "UTF-8" in report.problems[0].message
    assert await state(sample_database) == before


async def test_non_utf8_bytes_do_not_hide_the_other_bad_lines(database: Database) -> None:
    content = b'{"ref": "n1", \n' + json.dumps(good_line("n2")).encode() + b"\n" + b'{"ref": "n3", "text": "\xff"}\n'

    report = await import_statements(database, "mixed.jsonl", content, WHO)

    assert {1, 3} <= {problem.line for problem in report.problems}
    assert await state(database) == (b"", 0, 0)


async def test_a_line_without_ref_or_side_is_refused(database: Database) -> None:
    no_ref = good_line("r1")
    del no_ref["ref"]
    no_side = good_line("r2", side="")

    report = await import_statements(database, "x.jsonl", jsonl([no_ref, no_side]), WHO)

    assert problem_lines(report) == {(1, "ref"), (2, "side")}
    assert await state(database) == (b"", 0, 0)


async def test_an_empty_file_imports_nothing_and_says_it_holds_no_statements(database: Database) -> None:
    for name, content in [("empty.jsonl", b""), ("empty.csv", b""), ("blank.jsonl", b"\n\n  \n"), ("h.csv", b"ref\n")]:
        report = await import_statements(database, name, content, WHO)
        assert report.empty and not report.ok and not report.problems, name
        assert report.summary() == "the file holds no statements; nothing was imported"
    assert await state(database) == (b"", 0, 0)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", b'{"ref": 1}', ExchangeFormat.csv),
        ("a.jsonl", b"ref,said_on", ExchangeFormat.jsonl),
        ("A.NDJSON", b"", ExchangeFormat.jsonl),
        ("upload", b'\xef\xbb\xbf  {"ref": "x"}', ExchangeFormat.jsonl),
        ("upload", b"ref,said_on\n", ExchangeFormat.csv),
    ],
)
def test_detect_format(name: str, content: bytes, expected: ExchangeFormat) -> None:
    assert detect_format(name, content) is expected
