"""Writers that change one statement at once: each edit, retraction, link and import update
reads the statement under a row lock (PostgreSQL: SELECT … FOR UPDATE; SQLite writers are
serialised by BEGIN IMMEDIATE), so none of them works from, or audits, a stale copy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from storage.engine import Database
from storage.errors import Conflict
from storage.exchange import import_statements
from storage.models import AuditAction, AuditEntry, Statement, StatementLink
from storage.statements import (
    add_statement,
    edit_statement,
    exchange_record,
    get_statement,
    link_statements,
    lock_statement,
    retract_in,
    retract_statement,
    search_text,
    update_statement,
)
from storage.validation import validate_statement
from tests.test_concurrency import blocked_by

T = TypeVar("T")
EDITS = 15
ORIGINAL = {
    "ref": "c1",
    "speaker": "Vladimir Putin",
    "speaker_role": "President of Russia",
    "side": "Russia",
    "said_on": "2025-08-16",
    "topics": ["ceasefire"],
    "stance": "condition",
    "text": "Russia is ready for a ceasefire once the root causes are addressed.",
    "source": "Kremlin",
}


async def seed(database: Database) -> int:
    first = await add_statement(database, validate_statement(ORIGINAL), "seed")
    await add_statement(
        database, validate_statement({**ORIGINAL, "ref": "c2", "text": "A second statement to link to."}), "seed"
    )
    assert first.id is not None
    return first.id


async def audit_trail(database: Database, statement_id: int) -> list[AuditEntry]:
    async with database.read() as session:
        return list(
            (
                await session.exec(
                    select(AuditEntry).where(AuditEntry.statement_id == statement_id).order_by(col(AuditEntry.id))
                )
            ).all()
        )


def assert_unbroken(trail: list[AuditEntry], final: dict[str, Any]) -> None:
    """Each change starts from what the previous one left, and the last one left the record."""
    for previous, entry in zip(trail, trail[1:], strict=False):
        assert entry.before == previous.after, f"audit entry {entry.id} started from a stale copy"
    assert trail[-1].after == final


async def backend_pid(session: Any) -> int:
    connection = await session.connection()
    return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def wait_until_blocked(database: Database, pid: int, task: asyncio.Task[Any]) -> None:
    for _ in range(10_000):
        if await blocked_by(database, pid):
            return
        if task.done():
            break
        await asyncio.sleep(0.001)
    pytest.fail("the second writer never waited for the first one's lock")


async def waiting_on(
    database: Database, hold: Callable[[Any], Awaitable[object]], second: Callable[[], Awaitable[T]]
) -> asyncio.Task[T]:
    """Starts the second writer while a transaction that did `hold` keeps its row locks, and
    returns the second writer's task once it waits for them (the first has committed by then)."""
    async with database.write() as session:
        pid = await backend_pid(session)
        await hold(session)
        task = asyncio.create_task(second())
        await wait_until_blocked(database, pid, task)
    return task


async def edit_role_in(session: Any, statement_id: int) -> None:
    statement = await lock_statement(session, statement_id)
    edited = validate_statement({**exchange_record(statement), "speaker_role": "Edited role"})
    await update_statement(session, statement, edited, "writer-a")


@pytest.fixture
async def seeded_postgres(
    make_database: Callable[..., Awaitable[Database]], reopen: Callable[[Database], Database]
) -> tuple[Database, int, Database]:
    """A seeded PostgreSQL database, the first statement's id, and a second engine on it."""
    database = await make_database("postgresql")
    statement_id = await seed(database)
    return database, statement_id, reopen(database)


async def test_concurrent_edits_of_one_statement_keep_every_change_and_an_unbroken_audit_trail(
    database: Database, reopen: Callable[[Database], Database]
) -> None:
    """Two writers as two processes would be (separate engines), editing different fields of
    the same statement over and over."""
    statement_id = await seed(database)
    other = reopen(database)

    async def edits(target: Database, field: str, prefix: str) -> None:
        for number in range(EDITS):
            await edit_statement(target, statement_id, field, f"{prefix} {number:02d}", f"writer-{prefix}")

    await asyncio.gather(edits(database, "text", "Text edit"), edits(other, "role", "Role edit"))

    final = await get_statement(database, statement_id)
    assert final.text == f"Text edit {EDITS - 1:02d}"
    assert final.speaker_role == f"Role edit {EDITS - 1:02d}"
    assert final.search_text == search_text(final), "the search index lost one writer's change"
    trail = await audit_trail(database, statement_id)
    assert [entry.action for entry in trail] == [AuditAction.add] + [AuditAction.edit] * (2 * EDITS)
    assert_unbroken(trail, exchange_record(final))


async def test_an_edit_that_waited_for_a_retraction_is_refused(seeded_postgres: tuple[Database, int, Database]) -> None:
    database, statement_id, other = seeded_postgres

    edit = await waiting_on(
        database,
        lambda session: retract_in(session, statement_id, "misattributed", "writer-a"),
        lambda: edit_statement(other, statement_id, "text", "Edited meanwhile", "writer-b"),
    )

    with pytest.raises(Conflict, match="retracted"):
        await edit
    final = await get_statement(database, statement_id)
    assert final.is_retracted and final.text == ORIGINAL["text"]
    trail = await audit_trail(database, statement_id)
    assert [entry.action for entry in trail] == [AuditAction.add, AuditAction.retract]


async def test_a_retraction_that_waited_for_an_edit_audits_the_edited_statement(
    seeded_postgres: tuple[Database, int, Database],
) -> None:
    database, statement_id, other = seeded_postgres

    retraction = await waiting_on(
        database,
        lambda session: edit_role_in(session, statement_id),
        lambda: retract_statement(other, statement_id, "misattributed", "writer-b"),
    )
    await retraction

    final = await get_statement(database, statement_id)
    assert final.is_retracted and final.speaker_role == "Edited role"
    assert_unbroken(await audit_trail(database, statement_id), exchange_record(final))


async def test_an_import_update_that_waited_for_an_edit_starts_from_the_edited_statement(
    seeded_postgres: tuple[Database, int, Database],
) -> None:
    """The import is the full record of the statement: what it holds is what is left, and the
    audit says what it replaced."""
    database, statement_id, other = seeded_postgres
    imported = {**ORIGINAL, "text": "The text as the imported file has it."}
    content = (json.dumps(imported) + "\n").encode()

    importing = await waiting_on(
        database,
        lambda session: edit_role_in(session, statement_id),
        lambda: import_statements(other, "older.jsonl", content, "writer-b"),
    )
    report = await importing

    assert report.ok and report.updated == 1
    final = await get_statement(database, statement_id)
    assert (final.text, final.speaker_role) == (imported["text"], ORIGINAL["speaker_role"])
    assert final.search_text == search_text(final)
    trail = await audit_trail(database, statement_id)
    assert trail[-1].action is AuditAction.import_update
    assert trail[-1].before is not None and trail[-1].before["speaker_role"] == "Edited role"
    assert_unbroken(trail, exchange_record(final))


async def test_a_link_waits_for_a_writer_holding_either_statement(
    seeded_postgres: tuple[Database, int, Database],
) -> None:
    database, first, other = seeded_postgres

    linking = await waiting_on(
        database,
        lambda session: retract_in(session, first + 1, "misattributed", "writer-a"),
        lambda: link_statements(other, first, "contradicts", first + 1, "writer-b"),
    )
    # It decided from the statement as the writer left it: retracted, and so not linked.
    with pytest.raises(Conflict, match="retracted"):
        await linking
    async with database.read() as session:
        statements = (await session.exec(select(Statement).order_by(col(Statement.id)))).all()
        links = (await session.exec(select(StatementLink))).all()
    assert [statement.is_retracted for statement in statements] == [False, True]
    assert links == []
