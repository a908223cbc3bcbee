"""What "positions at a glance" reads: one entry per live statement and topic, narrow rows
(no text, no source), so that a matrix of a hundred thousand statements is one indexed
scan; the texts of the few statements that end up in cells; and the record's version, by
which pictures of it are cached."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, cast, func, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from storage.engine import Database
from storage.models import Actor, AuditEntry, DatePrecision, Stance, Statement, StatementTopic, Topic

#: Ids per `IN (...)` list: well under SQLite's and asyncpg's parameter limits.
_ID_CHUNK = 5_000


class RowKind(StrEnum):
    """What the rows of a position matrix are."""

    side = "side"
    speaker = "speaker"


class PositionEntry(NamedTuple):
    """One live statement on one topic; `row` is its side or its speaker's name."""

    statement_id: int
    ref: str
    row: str
    topic: str
    said_on: date
    precision: DatePrecision
    stance: Stance


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to read: one topic, one side (case aside), one speaker; None is all."""

    topic: Topic | None = None
    side: str | None = None
    actor_id: int | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [col(Statement.retracted_at).is_(None)]
        if self.topic is not None:
            found.append(col(StatementTopic.topic) == self.topic)
        if self.side is not None:
            found.append(func.lower(Statement.side) == self.side.strip().lower())
        if self.actor_id is not None:
            found.append(col(Statement.actor_id) == self.actor_id)
        return found


#: Rows read per step; between steps other work on the event loop gets its turn.
_BATCH = 5_000
_PRECISIONS = {member.value: member for member in DatePrecision}
_STANCES = {member.value: member for member in Stance}
_TOPICS = {member.value: member.value for member in Topic}


def _entries(rows: list[Any]) -> list[PositionEntry]:
    """Plain strings to entries (in a worker thread: at 100k statements this is a
    second of work). Names are interned, so a hundred thousand rows share a few hundred."""
    names: dict[str, str] = {}
    return [
        PositionEntry(
            statement_id,
            ref,
            names.setdefault(name, name),
            _TOPICS[topic],
            date.fromisoformat(said_on),
            _PRECISIONS[precision],
            _STANCES[stance],
        )
        for statement_id, ref, name, topic, said_on, precision, stance in rows
    ]


async def position_entries(
    database: Database, by: RowKind = RowKind.side, where: EntryFilter = EntryFilter()
) -> list[PositionEntry]:
    """Every live statement once per topic it is on, in no particular order (the caller
    orders them: how imprecise dates sort is its decision, not the engine's).

    Read as plain strings (no type conversion per value on the event loop), in batches
    that let other work on the loop run in between, and made into entries in a thread."""
    row = col(Statement.side) if by is RowKind.side else col(Actor.name)
    # SQLAlchemy's own select: sqlmodel's is typed for at most four columns.
    query = (
        sa_select(
            col(Statement.id),
            col(Statement.ref),
            row,
            type_coerce(col(StatementTopic.topic), String),
            cast(col(Statement.said_on), String),
            type_coerce(col(Statement.date_precision), String),
            type_coerce(col(Statement.stance), String),
        )
        .join(StatementTopic, col(StatementTopic.statement_id) == Statement.id)
        .where(*where.clauses())
    )
    if by is RowKind.speaker:
        query = query.join(Actor, col(Actor.id) == Statement.actor_id)
    rows: list[Any] = []
    async with database.read() as session:
        connection = await session.connection()
        result = await connection.stream(query)
        async for batch in result.partitions(_BATCH):
            rows.extend(batch)
    return await asyncio.to_thread(_entries, rows)


async def statement_texts(database: Database, statement_ids: Iterable[int]) -> dict[int, str]:
    """The texts of these statements (only the few a caller needs to read)."""
    wanted = sorted(set(statement_ids))
    texts: dict[int, str] = {}
    async with database.read() as session:
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            rows = await session.exec(
                select(col(Statement.id), col(Statement.text)).where(col(Statement.id).in_(chunk))
            )
            texts.update({statement_id: text for statement_id, text in rows.all() if statement_id is not None})
    return texts


async def record_version(database: Database) -> tuple[int, int, int]:
    """Changes whenever what the record shows may have: every add, edit, retraction and
    import writes an audit entry; the newest statement id and the count catch rows that
    came or went without one. Three index lookups (the count reads the smallest index)."""
    async with database.read() as session:
        connection = await session.connection()
        audit, newest, count = (
            await connection.execute(
                sa_select(
                    sa_select(func.max(AuditEntry.id)).scalar_subquery(),
                    sa_select(func.max(Statement.id)).scalar_subquery(),
                    sa_select(func.count()).select_from(Statement).scalar_subquery(),
                )
            )
        ).one()
    return int(audit or 0), int(newest or 0), int(count or 0)


async def side_named(database: Database, name: str) -> str | None:
    """The side as the record spells it, for a name given in any case; None if none."""
    if "\x00" in name:
        return None  # no side holds one, and PostgreSQL takes no NUL in a query
    async with database.read() as session:
        found = await session.exec(
            select(Statement.side).where(func.lower(Statement.side) == name.strip().lower()).limit(1)
        )
        return found.first()
