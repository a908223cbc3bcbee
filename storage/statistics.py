"""The query planner's statistics of the record, kept current after bulk writes.

Both engines choose how to run a filtered search from statistics of `statement`. Without
them SQLite looks each full-text match up in the table's rows (each holding a 1.5 kB
vector) rather than in the narrow index of the facts searches filter on (migration
0007), and for a speaker's statements it even asks the full-text index about every one
of the speaker's statements in turn: "ceasefire speaker:…" took 12.8 s instead of 63 ms
on 45,000 statements (BENCHMARKS.md §2). A record imported into an empty database has
none (the migration's ANALYZE saw an empty table); PostgreSQL's planner treats a table
it has not analysed as small and reads the full-text index's pending list slowly.

PostgreSQL's ANALYZE reads a sample of fixed size, so it runs after every large import.
SQLite's reads every index whole (seconds at a million statements), and a sample
(`analysis_limit`) does not lead its planner to the narrow index, so it runs only when
the statistics are missing or were taken when the table held less than half the rows it
holds now: while a record grows by imports, a few times in all."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database

#: Statements an import must add or change before statistics are refreshed.
ANALYZE_AFTER = 1000


async def refresh_statistics(database: Database, changed: int) -> None:
    """After a write that added or changed `changed` statements."""
    if changed < ANALYZE_AFTER:
        return
    async with database.write_engine.connect() as connection:
        if database.is_sqlite:
            rows_now = (await connection.execute(text("SELECT count(*) FROM statement"))).scalar_one()
            if 2 * await _rows_analysed(connection) >= rows_now:
                return
        await connection.execute(text("ANALYZE statement"))
        await connection.commit()


async def _rows_analysed(connection: AsyncConnection) -> int:
    """The rows `statement` held when SQLite last analysed it (0: never, or empty then)."""
    exists = await connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
    if exists.first() is None:
        return 0
    stats = await connection.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'statement'"))
    return max((int(stat.split()[0]) for (stat,) in stats if stat), default=0)
