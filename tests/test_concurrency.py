"""Concurrent writers: SQLite (WAL, BEGIN IMMEDIATE, a busy timeout) queues them instead
of failing one with "database is locked"; PostgreSQL runs them side by side."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage.engine import Database
from storage.models import Actor, AuditAction, AuditEntry, Statement
from storage.statements import add_statement, create_statement
from storage.validation import StatementData, validate_statement

PER_WRITER = 20


def statement_data(ref: str, speaker: str) -> StatementData:
    return validate_statement(
        {
            "ref": ref,
            "speaker": speaker,
            "side": "Testland",
            "said_on": "2025-06-01",
            "topics": ["talks"],
            "text": f"Statement {ref} recorded by a concurrent writer.",
            "source": "Concurrency test",
        }
    )


async def add_many(database: Database, writer: str, speaker: str) -> list[int]:
    ids = []
    for number in range(PER_WRITER):
        added = await add_statement(database, statement_data(f"{writer}-{number:02d}", speaker), writer)
        ids.append(added.id)
    return ids


async def assert_both_writers_recorded(database: Database, ids_a: list[int], ids_b: list[int]) -> None:
    assert len(set(ids_a) | set(ids_b)) == 2 * PER_WRITER
    async with database.read() as session:
        refs = sorted((await session.exec(select(Statement.ref))).all())
        audit = (await session.exec(select(AuditEntry.who, AuditEntry.action))).all()
    assert refs == sorted([f"a-{n:02d}" for n in range(PER_WRITER)] + [f"b-{n:02d}" for n in range(PER_WRITER)])
    assert sorted(audit) == sorted([("a", AuditAction.add)] * PER_WRITER + [("b", AuditAction.add)] * PER_WRITER)


async def test_two_tasks_adding_at_once_on_one_database_both_succeed(database: Database) -> None:
    ids_a, ids_b = await asyncio.gather(add_many(database, "a", "Speaker A"), add_many(database, "b", "Speaker B"))

    await assert_both_writers_recorded(database, ids_a, ids_b)


async def test_two_database_objects_on_one_record_both_succeed(database: Database, reopen) -> None:
    """As two processes would: separate engines and pools on the same file or schema."""
    other = reopen(database)

    ids_a, ids_b = await asyncio.gather(add_many(database, "a", "Speaker A"), add_many(other, "b", "Speaker B"))

    await assert_both_writers_recorded(database, ids_a, ids_b)


async def test_concurrent_writers_naming_one_new_speaker_share_one_actor(make_database, reopen) -> None:
    """On SQLite the writers are serialised, so the second writer finds the actor the first
    one created instead of creating it again."""
    database = await make_database("sqlite")
    other = reopen(database)

    ids_a, ids_b = await asyncio.gather(
        add_many(database, "a", "Shared Speaker"), add_many(other, "b", "Shared Speaker")
    )

    await assert_both_writers_recorded(database, ids_a, ids_b)
    async with database.read() as session:
        assert (await session.exec(select(Actor.name))).all() == ["Shared Speaker"]


async def blocked_by(database: Database, pid: int) -> bool:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    async with database.read_engine.connect() as connection:
        return (await connection.execute(query, {"pid": pid})).scalar_one() > 0


async def test_postgresql_writers_naming_one_new_speaker_at_once_share_one_actor(make_database, reopen) -> None:
    """Two instances on one PostgreSQL: the second writer's insert of the same new actor
    waits for the first writer's transaction, then must reuse that actor, not fail."""
    database = await make_database("postgresql")
    other = reopen(database)

    async with database.write() as session:
        connection = await session.connection()
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        first = await create_statement(session, statement_data("a-00", "Shared Speaker"), "a")
        # The second writer starts while the first has created the actor but not committed.
        second = asyncio.create_task(add_statement(other, statement_data("b-00", "Shared Speaker"), "b"))
        for _ in range(10_000):
            if await blocked_by(database, pid) or second.done():
                break
        else:
            pytest.fail("the second writer never waited for the first one")
    added = await second

    assert added.actor_id == first.actor_id
    async with database.read() as session:
        assert (await session.exec(select(Actor.name))).all() == ["Shared Speaker"]
