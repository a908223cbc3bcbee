"""/import and `diplobot import` read sides, topics, stances and statuses written in
Ukrainian or Russian as /add does (bot.input.labels): "Росія", "перемир'я", "вимога",
"підтверджено" are stored as Russia, ceasefire, demand, confirmed; a topic, stance or
status that is none of them is refused with its line number, and nothing is imported."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import select

from bot import record as record_service
from bot.i18n import said, use_language
from bot.input.labels import record_label
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements, import_statements
from storage.models import Stance, Statement, Status, Topic
from storage.page_rows import load_statements
from storage.statements import get_statement
from tests.bot_harness import ADMIN_ID, BotHarness, running_bot
from tests.test_cli import sqlite_cli


def line(ref: str, **overrides: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "said_on": "2025-09-01",
        "speaker": "Emmanuel Macron",
        "side": "France",
        "topics": ["security_guarantees"],
        "text": f"Statement {ref}.",
        "source": "Élysée",
        **overrides,
    }


def jsonl(*records: dict[str, Any]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


async def by_ref(database: Database) -> dict[str, Statement]:
    async with database.read() as session:
        ids = [int(row) for row in (await session.exec(select(Statement.id))).all() if row is not None]
    return {statement.ref: statement for statement in (await load_statements(database, ids)).values()}


async def test_a_side_a_slip_away_from_a_known_one_is_refused_with_its_line(database: Database) -> None:
    content = jsonl(line("t1", side="Ruritania"), line("t2", side="Russsia"))
    report = await record_service.import_file(database, "typo.jsonl", content, "admin", dry_run=False)
    assert not report.ok
    assert [(problem.line, problem.field) for problem in report.problems] == [(2, "side")]
    assert "did you mean Russia?" in str(report.problems[0])
    assert await by_ref(database) == {}


async def test_labels_in_ukrainian_and_russian_are_stored_as_the_records(database: Database) -> None:
    content = jsonl(
        line("u1", side="Росія", topics=["перемир'я", "гарантії безпеки"], stance="вимога", status="підтверджено"),
        line("u2", side="США", topics="санкции, переговоры", stance="предложение", status="оспорено"),
        line("u3", side="Україна", topics=["ceasefire", "Territory", "security-guarantees"]),
        line("u4", side="Ruritania"),  # a side the vocabulary does not know stays as written, as with /add
    )
    report = await record_service.import_file(database, "mixed.jsonl", content, "admin", dry_run=False)
    assert report.ok, [str(problem) for problem in report.problems]
    assert report.added == 4

    stored = await by_ref(database)
    assert (stored["u1"].side, stored["u1"].topics) == ("Russia", [Topic.ceasefire, Topic.security_guarantees])
    assert (stored["u1"].stance, stored["u1"].status) == (Stance.demand, Status.confirmed)
    assert (stored["u2"].side, stored["u2"].topics) == ("United States", [Topic.sanctions, Topic.talks])
    assert (stored["u2"].stance, stored["u2"].status) == (Stance.proposal, Status.contested)
    assert stored["u3"].topics == [Topic.ceasefire, Topic.territory, Topic.security_guarantees]
    assert stored["u4"].side == "Ruritania"


async def test_a_csv_in_ukrainian_is_read_the_same(database: Database) -> None:
    content = (
        "ref,said_on,speaker,side,topics,stance,text,source,status\n"
        "c1,2025-09-01,Vladimir Putin,Россия,территории;перемирие,условие,Text.,Kremlin,подтверждено\n"
    ).encode()
    report = await record_service.import_file(database, "rows.csv", content, "admin", dry_run=False)
    assert report.ok, [str(problem) for problem in report.problems]
    statement = await get_statement(database, 1)
    assert (statement.side, statement.topics) == ("Russia", [Topic.territory, Topic.ceasefire])
    assert (statement.stance, statement.status) == (Stance.condition, Status.confirmed)


async def test_an_unknown_label_is_refused_with_its_line_and_nothing_is_imported(
    database: Database, count_rows: Any
) -> None:
    content = jsonl(
        line("v1", side="Росія", topics=["перемир'я"]),
        line("v2", topics=["погода"]),
        line("v3", stance="крик"),
        line("v4", status="чутки", topics=["санкції", "мир і спокій"]),
    )
    report = await record_service.import_file(database, "bad.jsonl", content, "admin", dry_run=False)
    assert not report.ok and await count_rows(database, Statement) == 0
    problems = [(problem.line, problem.field) for problem in report.problems]
    assert problems == [(2, "topics"), (3, "stance"), (4, "status"), (4, "topics")]
    with use_language("uk"):
        shown = said(report.problems[0].wording)
    assert shown.startswith("рядок 2: topics: невідома тема 'погода'") and "гарантії безпеки" in shown


async def test_an_export_imports_back_unchanged(sample_database: Database) -> None:
    for fmt in ExchangeFormat:
        content = await export_statements(sample_database, fmt)
        report = await import_statements(sample_database, f"back.{fmt.value}", content, "admin", labels=record_label)
        assert report.ok and (report.added, report.updated) == (0, 0) and report.unchanged == 48


@pytest_asyncio.fixture
async def bot(database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(database) as harness:
        yield harness


async def test_the_import_command_reads_them(bot: BotHarness, database: Database) -> None:
    admin = bot.admin(language_code="uk")
    await admin.send_document(
        "uk.jsonl", jsonl(line("w1", side="Франція", topics=["іноземні війська"])), caption="/import"
    )
    assert bot.last_text(ADMIN_ID).startswith("✅")
    statement = await get_statement(database, 1)
    assert (statement.side, statement.topics) == ("France", [Topic.foreign_troops])

    await admin.send_document("bad.jsonl", jsonl(line("w2", topics=["війна"])), caption="/import")
    assert "рядок 1: topics: невідома тема 'війна'" in bot.last_text(ADMIN_ID)


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
def test_the_command_line_import_reads_them(db_engine: str, tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)
    path = tmp_path / "uk.jsonl"
    path.write_bytes(jsonl(line("k1", side="Україна", topics=["полонені"], stance="пропозиція")))
    result = cli.run("import", str(path))
    assert result.returncode == 0, result.stderr
    [exported] = [json.loads(text) for text in cli.export().splitlines()]
    assert (exported["side"], exported["topics"], exported["stance"]) == ("Ukraine", ["prisoners"], "proposal")

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(line("k2", topics=["погода"])))
    refused = cli.run("import", str(bad))
    assert refused.returncode != 0 and "bad.jsonl: line 1: topics: unknown topic 'погода'" in refused.stderr
