"""An import never silently un-retracts: a statement retracted in the record stays retracted
when the file (an older export, say) has it live; the line is reported as skipped, with the
reason, and the rest of the file is imported. Only an explicit --allow-unretract restores it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import col, select

from storage.engine import Database
from storage.exchange import KEPT_RETRACTED, ExchangeFormat, Skipped, export_statements, import_statements
from storage.models import AuditAction, AuditEntry
from storage.statements import add_statement, get_statement, retract_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, running_bot
from tests.test_cli import sqlite_cli

REASON = "misattributed: the quote is from 2022"


async def seed(database: Database) -> bytes:
    """Two statements, r1 and r2; returns their export, taken before r1 is retracted."""
    for ref, text in (("r1", "Russia is ready for a ceasefire."), ("r2", "Ukraine needs guarantees first.")):
        values = {
            "ref": ref,
            "speaker": "Speaker " + ref,
            "side": "Testland",
            "said_on": "2025-06-01",
            "topics": ["ceasefire"],
            "text": text,
            "source": "Test source",
        }
        await add_statement(database, validate_statement(values), "seed")
    older = await export_statements(database, ExchangeFormat.jsonl)
    await retract_statement(database, 1, REASON, "admin")
    return older


async def audit_actions(database: Database) -> list[AuditAction]:
    async with database.read() as session:
        return list((await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))).all())


async def test_an_older_export_leaves_a_retracted_statement_retracted(database: Database) -> None:
    older = await seed(database)
    audit_before = await audit_actions(database)

    report = await import_statements(database, "older.jsonl", older, "admin")

    assert report.ok
    assert report.skipped == [Skipped(1, "r1", KEPT_RETRACTED)]
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert "1 skipped (r1: retracted in the record, and kept retracted" in report.summary()
    assert "--allow-unretract" in report.summary()
    statement = await get_statement(database, 1)
    assert statement.is_retracted and statement.retraction_reason == REASON
    assert await audit_actions(database) == audit_before


async def test_other_lines_of_the_file_are_still_imported(database: Database) -> None:
    older = await seed(database)
    lines = [json.loads(line) for line in older.decode().splitlines()]
    lines[1]["text"] = "Ukraine needs guarantees first, as the file now says."
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()

    report = await import_statements(database, "older.jsonl", content, "admin")

    assert [skip.ref for skip in report.skipped] == ["r1"]
    assert report.updated == 1
    assert (await get_statement(database, 2)).text == lines[1]["text"]
    assert (await get_statement(database, 1)).is_retracted


async def test_allow_unretract_restores_it_and_audits_the_change(database: Database) -> None:
    older = await seed(database)

    report = await import_statements(database, "older.jsonl", older, "admin", allow_unretract=True)

    assert report.skipped == [] and report.updated == 1
    statement = await get_statement(database, 1)
    assert not statement.is_retracted and statement.retraction_reason is None
    async with database.read() as session:
        last = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()))).first()
    assert last is not None and last.action is AuditAction.import_update
    assert last.before is not None and last.before["status"] == "retracted"


async def test_the_record_own_export_imports_back_unchanged(database: Database) -> None:
    await seed(database)
    current = await export_statements(database, ExchangeFormat.jsonl)

    report = await import_statements(database, "current.jsonl", current, "admin")

    assert (report.updated, report.unchanged, report.skipped) == (0, 2, [])


async def test_the_admin_on_telegram_is_told_which_lines_were_skipped_and_why(database: Database) -> None:
    older = await seed(database)
    async with running_bot(database) as bot:
        await bot.admin().send_document("older.jsonl", older, caption="/import")
        answer = bot.last_text(ADMIN_ID)

    assert "1 skipped (r1: retracted in the record, and kept retracted" in answer
    assert (await get_statement(database, 1)).is_retracted


def test_the_cli_names_each_skipped_line_and_unretracts_only_when_asked(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)
    statement = {
        "ref": "r1",
        "speaker": "Speaker",
        "side": "Testland",
        "said_on": "2025-06-01",
        "topics": ["ceasefire"],
        "text": "Said once.",
        "source": "Test source",
    }
    older = tmp_path / "older.jsonl"
    older.write_text(json.dumps(statement) + "\n", encoding="utf-8")
    retracted = tmp_path / "retracted.jsonl"
    retracted.write_text(
        json.dumps({**statement, "status": "retracted", "retraction_reason": REASON}) + "\n", encoding="utf-8"
    )
    cli.ok("import", str(retracted))

    kept = cli.ok("import", str(older))
    assert f"older.jsonl: line 1: r1: skipped: {KEPT_RETRACTED}" in kept.stderr
    assert "0 updated, 0 unchanged, 1 skipped" in kept.stdout
    assert json.loads(cli.export())["status"] == "retracted"

    restored = cli.ok("import", "--allow-unretract", str(older))
    assert "1 updated" in restored.stdout
    assert json.loads(cli.export())["status"] == "reported"
