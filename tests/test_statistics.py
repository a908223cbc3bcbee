"""Planner statistics after imports (storage.statistics): a record imported into an empty
database gets them, on both engines; SQLite takes them again only once the table has
more than doubled since they were taken."""

from __future__ import annotations

import json

from sqlalchemy import text

from storage.engine import Database
from storage.exchange import import_statements
from storage.statistics import ANALYZE_AFTER


def lines(first: int, count: int) -> bytes:
    records = [
        {
            "ref": f"bulk-{number}",
            "said_on": "2025-03-01",
            "speaker": f"Speaker {number % 7}",
            "side": "Ukraine",
            "topics": ["ceasefire"],
            "stance": "proposal",
            "text": f"A ceasefire along the line, proposal number {number}.",
            "source": "Briefing",
        }
        for number in range(first, first + count)
    ]
    return "".join(json.dumps(record) + "\n" for record in records).encode()


async def rows_analysed(database: Database) -> int:
    async with database.read() as session:
        connection = await session.connection()
        if database.is_sqlite:
            stats = await connection.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'statement'"))
            return max((int(stat.split()[0]) for (stat,) in stats), default=0)
        tuples = await connection.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'statement'::regclass"))
        return int(tuples.scalar_one())


async def test_a_large_import_into_an_empty_record_leaves_statistics(database: Database) -> None:
    assert await rows_analysed(database) <= 0

    await import_statements(database, "bulk.jsonl", lines(0, ANALYZE_AFTER), "importer")

    assert await rows_analysed(database) == ANALYZE_AFTER


async def test_sqlite_statistics_are_taken_again_once_the_table_has_doubled(make_database) -> None:
    database = await make_database("sqlite")
    await import_statements(database, "first.jsonl", lines(0, ANALYZE_AFTER), "importer")

    await import_statements(database, "second.jsonl", lines(ANALYZE_AFTER, ANALYZE_AFTER), "importer")
    assert await rows_analysed(database) == ANALYZE_AFTER  # twice as many: not yet

    await import_statements(database, "third.jsonl", lines(2 * ANALYZE_AFTER, ANALYZE_AFTER), "importer")
    assert await rows_analysed(database) == 3 * ANALYZE_AFTER


async def test_a_small_import_leaves_sqlite_statistics_as_they_were(make_database) -> None:
    # (PostgreSQL's autovacuum may analyse the table on its own meanwhile.)
    database = await make_database("sqlite")
    await import_statements(database, "small.jsonl", lines(0, ANALYZE_AFTER - 1), "importer")

    assert await rows_analysed(database) <= 0
