"""The record as the in-memory index of bot.answering.record_index reads it: the change
counters it watches, each statement's facts and stored vector read by ranges or lists of
ids, the statements the audit log names, and the speakers with their aliases. Rows as
the engine gives them; what they mean is the index's business."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, null, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import (
    Actor,
    ActorAlias,
    AuditEntry,
    DatePrecision,
    Stance,
    Statement,
    StatementPlace,
    StatementTopic,
    Status,
    Topic,
)

#: Which statements to read: a condition on a table's statement id column.
IdCondition = Callable[[Any], Any]


def ids_after(after: int, until: int | None) -> IdCondition:
    """Ids above `after`, up to `until` (if any)."""
    if until is None:
        return lambda column: column > after
    return lambda column: and_(column > after, column <= until)


def ids_in(ids: Sequence[int]) -> IdCondition:
    return lambda column: column.in_(ids)


async def change_counters(database: Database) -> tuple[Any, ...]:
    """Each an index lookup: the newest audit entry, the newest statement, the newest
    alias and the number of aliases. Read before every question, alone
    (`Database.fetch`)."""
    rows = await database.fetch(
        "SELECT (SELECT max(id) FROM audit_entry), (SELECT max(id) FROM statement),"
        " (SELECT max(id) FROM actor_alias), (SELECT count(*) FROM actor_alias)",
        {},
    )
    return tuple(rows[0])


async def count_statements(session: AsyncSession) -> int:
    """Reads the whole table on some engines."""
    counted = await session.exec(select(func.count()).select_from(Statement))
    return int(counted.scalar_one())


async def batch_end(session: AsyncSession, after: int, size: int) -> int | None:
    """The id of the `size`-th statement above id `after`, None when there are fewer."""
    return (
        await session.exec(
            select(Statement.id).where(col(Statement.id) > after).order_by(col(Statement.id)).offset(size - 1).limit(1)
        )
    ).scalar()


@dataclass
class StatementRows:
    """Statements as read, ids ascending: (id, actor id, side, said on, date precision,
    stance, status, retracted, role, stored vector or None) each; their topics; their
    places, by statement in the order given."""

    statements: Sequence[tuple[int, int, str, date, DatePrecision, Stance, Status, bool, str | None, bytes | None]]
    topics: Sequence[tuple[int, Topic]]
    places: Sequence[tuple[int, str]]


async def statement_rows(session: AsyncSession, where: IdCondition, *, with_vectors: bool) -> StatementRows:
    """The statements whose id passes `where`, in id order; their vectors only if
    `with_vectors`."""
    vector = col(Statement.embedding) if with_vectors else null()
    statements = (
        await session.exec(
            select(
                col(Statement.id),
                col(Statement.actor_id),
                col(Statement.side),
                col(Statement.said_on),
                col(Statement.date_precision),
                col(Statement.stance),
                col(Statement.status),
                col(Statement.retracted_at).is_not(None),
                col(Statement.speaker_role),
                vector,
            )
            .where(where(col(Statement.id)))
            .order_by(col(Statement.id))
        )
    ).all()
    topics = (
        await session.exec(
            select(StatementTopic.statement_id, StatementTopic.topic).where(where(col(StatementTopic.statement_id)))
        )
    ).all()
    places = (
        await session.exec(
            select(StatementPlace.statement_id, StatementPlace.place)
            .where(where(col(StatementPlace.statement_id)))
            .order_by(StatementPlace.statement_id, StatementPlace.position)
        )
    ).all()
    return StatementRows(statements, topics, places)


async def audited_since(session: AsyncSession, cursor: int) -> set[int]:
    """The statements the audit log names after entry `cursor`."""
    rows = (
        await session.exec(
            select(AuditEntry.statement_id).where(
                col(AuditEntry.id) > cursor,
                col(AuditEntry.statement_id).is_not(None),
            )
        )
    ).all()
    return {row[0] for row in rows}


async def ids_above(session: AsyncSession, after: int) -> set[int]:
    rows = (await session.exec(select(Statement.id).where(col(Statement.id) > after))).all()
    return {row[0] for row in rows}


async def stored_vectors(database: Database, ids: Sequence[int]) -> list[tuple[int, bytes]]:
    """The vectors now stored for those of `ids` that have one, in one statement whatever
    their number (`Database.fetch`, the ids as one parameter): an answer re-reads some
    200 of them, where an `IN` of 200 parameters through a session cost ~3.5 ms of CPU."""
    wanted = [int(statement_id) for statement_id in ids]
    params: dict[str, Any] = {"ids": json.dumps(wanted) if database.is_sqlite else wanted}
    among = "IN (SELECT value FROM json_each(:ids))" if database.is_sqlite else "= ANY(CAST(:ids AS bigint[]))"
    rows = await database.fetch(
        f"SELECT id, embedding FROM statement WHERE id {among} AND embedding IS NOT NULL", params
    )
    return [(int(statement_id), bytes(blob)) for statement_id, blob in rows]


async def speakers(session: AsyncSession) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Every speaker's name by id, and every alias (speaker id, alias) in the order added."""
    names = {actor_id: name for actor_id, name in (await session.exec(select(Actor.id, Actor.name))).all()}
    aliases = (await session.exec(select(ActorAlias.actor_id, ActorAlias.alias).order_by(ActorAlias.id))).all()
    return names, [(actor_id, alias) for actor_id, alias in aliases]


async def sources(session: AsyncSession) -> list[str]:
    """Every source the record cites, once."""
    return [source for (source,) in (await session.exec(select(col(Statement.source)).distinct())).all()]
