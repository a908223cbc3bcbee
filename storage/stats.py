"""What the record holds, in numbers: for `/start`, `/stats` and operators."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select

from storage.actors import UNKNOWN_SIDE
from storage.engine import Database
from storage.models import (
    Actor,
    Alert,
    AlertDelivery,
    AuditEntry,
    ChatState,
    DigestDelivery,
    Statement,
    StatementLink,
    StatementTopic,
    Subscriber,
)

# Every table of the record, by what an operator calls its rows.
_TABLES = (
    ("statements", Statement),
    ("speakers", Actor),
    ("links", StatementLink),
    ("subscriptions", Subscriber),
    ("digest deliveries", DigestDelivery),
    ("audit entries", AuditEntry),
    ("alerts", Alert),
    ("alert deliveries", AlertDelivery),
    ("chat states", ChatState),
)
#: One row of each, for "1 subscription" rather than "1 subscriptions".
ROW_NAME = {
    "statements": "statement",
    "speakers": "speaker",
    "links": "link",
    "subscriptions": "subscription",
    "digest deliveries": "digest delivery",
    "audit entries": "audit entry",
    "alerts": "alert",
    "alert deliveries": "alert delivery",
    "chat states": "chat state",
}


@dataclass(frozen=True)
class RecordStats:
    statements: int
    retracted: int
    actors: int
    latest_said_on: date | None
    latest_added_at: datetime | None
    by_status: dict[str, int]
    by_side: dict[str, int]
    by_topic: dict[str, int]
    subscribers: int
    embedded: int


async def record_stats(database: Database) -> RecordStats:
    async with database.read() as session:

        async def scalar(query):
            return (await session.exec(query)).one()

        live = col(Statement.retracted_at).is_(None)
        statements = await scalar(select(func.count()).select_from(Statement))
        retracted = await scalar(select(func.count()).select_from(Statement).where(~live))
        actors = await scalar(select(func.count()).select_from(Actor))
        latest_said_on = await scalar(select(func.max(Statement.said_on)).where(live))
        latest_added_at = await scalar(select(func.max(Statement.added_at)))
        embedded = await scalar(
            select(func.count()).select_from(Statement).where(col(Statement.embedding).is_not(None))
        )
        by_status = dict((await session.exec(select(Statement.status, func.count()).group_by(Statement.status))).all())
        by_side = dict(
            (
                await session.exec(
                    select(Statement.side, func.count())
                    .where(live)
                    .group_by(Statement.side)
                    .order_by(func.count().desc())
                )
            ).all()
        )
        by_topic = dict(
            (
                await session.exec(
                    select(StatementTopic.topic, func.count())
                    .join(Statement, col(Statement.id) == StatementTopic.statement_id)
                    .where(live)
                    .group_by(StatementTopic.topic)
                    .order_by(func.count().desc())
                )
            ).all()
        )
        subscribers = await scalar(
            select(func.count()).select_from(Subscriber).where(col(Subscriber.active), ~col(Subscriber.paused))
        )
    return RecordStats(
        statements=statements,
        retracted=retracted,
        actors=actors,
        latest_said_on=latest_said_on,
        latest_added_at=latest_added_at,
        by_status={str(key.value if hasattr(key, "value") else key): value for key, value in by_status.items()},
        by_side=by_side,
        by_topic={str(key.value if hasattr(key, "value") else key): value for key, value in by_topic.items()},
        subscribers=subscribers,
        embedded=embedded,
    )


async def most_held_sides(database: Database, limit: int) -> list[str]:
    """The sides of the most live statements, most first, the open side left out."""
    async with database.read() as session:
        rows = await session.exec(
            select(Statement.side)
            .where(col(Statement.retracted_at).is_(None), Statement.side != UNKNOWN_SIDE)
            .group_by(Statement.side)
            .order_by(func.count().desc(), col(Statement.side))
            .limit(limit)
        )
        return list(rows.all())


async def rows_held(database: Database, names: Iterable[str]) -> dict[str, int]:
    """How many rows the tables of `names` hold: what dropping them would lose."""
    wanted = set(names)
    async with database.read() as session:
        return {
            name: (await session.exec(select(func.count()).select_from(model))).one()
            for name, model in _TABLES
            if name in wanted
        }
