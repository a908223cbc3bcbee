"""The digest tick's rows: who is due, the statements a digest covers, the day's delivery
from claim to finish, the subscriber moved on with it, and the counts an operator reads.

Nothing here knows about Telegram. Which of these commit together, and why a delivery is
claimed before anything is sent, is the tick's business (bot/digests/tick.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import DeliveryState, DigestDelivery, Statement, StatementTopic, Subscriber, Topic
from storage.subscriptions import max_statement_id

#: How long the tick waits for statement writes in flight before it gives up (PostgreSQL).
STATEMENT_LOCK_TIMEOUT = "10s"
#: Failures an operator sees in the status, newest first.
FAILURES_SHOWN = 20


# -- who is due ------------------------------------------------------------------


def due_at(now: datetime) -> tuple[Any, ...]:
    """The conditions of a subscription whose digest is due at `now`."""
    return (
        col(Subscriber.active).is_(True),
        col(Subscriber.paused).is_(False),
        col(Subscriber.next_due_at) <= now,
    )


async def due_subscribers(
    session: AsyncSession, now: datetime, *, subscriber_id: int | None = None, lock: bool = False
) -> list[tuple[Subscriber, DigestDelivery | None]]:
    """The subscribers due at `now`, earliest first, each with its open (`claimed`)
    delivery if it has one: one query for a whole tick, not several per subscriber.

    `subscriber_id` narrows it to one; `lock` (PostgreSQL) locks the subscriber rows it
    returns `FOR NO KEY UPDATE SKIP LOCKED` for the session's transaction, leaving out
    those another transaction holds (see bot/digests/tick.py on ownership)."""
    query = (
        select(Subscriber, DigestDelivery)
        .outerjoin(
            DigestDelivery,
            and_(
                col(DigestDelivery.subscriber_id) == col(Subscriber.id),
                col(DigestDelivery.state) == DeliveryState.claimed,
            ),
        )
        .where(*due_at(now))
        .order_by(col(Subscriber.next_due_at), col(Subscriber.id), col(DigestDelivery.id))
    )
    if subscriber_id is not None:
        query = query.where(col(Subscriber.id) == subscriber_id)
    if lock:
        query = query.with_for_update(of=Subscriber, skip_locked=True, key_share=True)
    due: dict[int, tuple[Subscriber, DigestDelivery | None]] = {}
    for subscriber, open_delivery in (await session.exec(query)).all():
        due.setdefault(subscriber.id or 0, (subscriber, open_delivery))
    return list(due.values())


async def record_end(database: Database) -> int:
    """The highest statement id with no lower id still in flight (see `settled`)."""
    return await settled(database, max_statement_id)


async def settled(database: Database, read: Callable[[AsyncSession], Awaitable[int]]) -> int:
    """`read` (a highest id) while no statement write is in flight: on PostgreSQL under a
    brief SHARE lock on `statement`, so an id handed out to a transaction that has not
    committed yet is never skipped; SQLite commits one writer at a time, ids in order."""
    if not database.is_postgresql:
        async with database.read() as session:
            return await read(session)
    async with database.write() as session:
        connection = await session.connection()
        await connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{STATEMENT_LOCK_TIMEOUT}'")
        await connection.exec_driver_sql("LOCK TABLE statement IN SHARE MODE")
        return await read(session)


# -- what a digest covers ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementUnderTopic:
    """A statement recorded in a digest's range, under one of its topics."""

    statement_id: int
    said_on: date
    actor_id: int
    topic: str


async def statements_under_topics(session: AsyncSession, after: int, up_to: int) -> list[StatementUnderTopic]:
    """The statements with ids in (after, up_to], retracted ones left out, once under each
    of their topics: sorted by id, then by the statement's own order of its topics."""
    query = (
        select(col(Statement.id), col(Statement.said_on), col(Statement.actor_id), col(StatementTopic.topic))
        .join(StatementTopic, col(StatementTopic.statement_id) == col(Statement.id))
        .where(
            col(Statement.id) > after,
            col(Statement.id) <= up_to,
            col(Statement.retracted_at).is_(None),
        )
        .order_by(col(Statement.id), col(StatementTopic.position))
    )
    return [
        StatementUnderTopic(statement_id or 0, said, actor_id, topic.value if isinstance(topic, Topic) else str(topic))
        for statement_id, said, actor_id, topic in (await session.exec(query)).all()
    ]


# -- one delivery ------------------------------------------------------------------


async def claim_delivery(
    session: AsyncSession, subscriber: Subscriber, day: date, cursor_to: int, now: datetime
) -> DigestDelivery | None:
    """Inserts the day's delivery row in state `claimed`, covering the statements after the
    subscriber's cursor up to `cursor_to`, if the subscriber is still due at `now` (a
    tick's one read of the due subscribers may be minutes old when it comes to this one:
    an unsubscribe or a pause since then wins). None when it is not due any more; raises
    `IntegrityError` when that day has a delivery already (unique per subscriber and day)."""
    values: dict[str, Any] = {
        "subscriber_id": subscriber.id,
        "local_date": day,
        "state": DeliveryState.claimed,
        "cursor_from": subscriber.cursor,
        "cursor_to": cursor_to,
        "messages_sent": 0,
        "claimed_at": now,
    }
    columns = DigestDelivery.__table__.c  # type: ignore[attr-defined]
    still_due = select(Subscriber.id).where(col(Subscriber.id) == subscriber.id, *due_at(now)).exists()
    row = select(*(literal(value, columns[name].type) for name, value in values.items())).where(still_due)
    statement = insert(DigestDelivery).from_select(list(values), row).returning(col(DigestDelivery.id))
    delivery_id = (await session.exec(statement)).scalar_one_or_none()
    if delivery_id is None:
        return None
    return DigestDelivery(id=delivery_id, **values)


async def delivery_on(session: AsyncSession, subscriber_id: int, day: date) -> DigestDelivery:
    query = select(DigestDelivery).where(
        DigestDelivery.subscriber_id == subscriber_id, DigestDelivery.local_date == day
    )
    return (await session.exec(query)).one()


async def record_progress(session: AsyncSession, delivery: DigestDelivery) -> None:
    """Stores how many parts of the delivery Telegram has confirmed (`messages_sent`)."""
    await session.exec(
        update(DigestDelivery).where(col(DigestDelivery.id) == delivery.id).values(messages_sent=delivery.messages_sent)
    )


async def finish_delivery(session: AsyncSession, delivery: DigestDelivery, finished_at: datetime) -> None:
    """Stores the delivery's end as the object holds it: state, error, parts sent."""
    await session.exec(
        update(DigestDelivery)
        .where(col(DigestDelivery.id) == delivery.id)
        .values(
            state=delivery.state, error=delivery.error, finished_at=finished_at, messages_sent=delivery.messages_sent
        )
    )


async def update_subscriber(session: AsyncSession, subscriber_id: int | None, **values: Any) -> None:
    """An UPDATE of the columns named, not a flush of a loaded object: the tick works on
    detached subscribers."""
    await session.exec(update(Subscriber).where(col(Subscriber.id) == subscriber_id).values(**values))


async def chat_has_subscriber(session: AsyncSession, chat_id: int) -> bool:
    return (await session.exec(select(Subscriber.id).where(Subscriber.chat_id == chat_id))).first() is not None


# -- counts ------------------------------------------------------------------------


@dataclass
class DeliveryCounts:
    subscribers: int
    active: int
    paused: int
    due_now: int
    sent_today: int
    empty_today: int
    failed_today: int
    unfinished: int
    deactivated: int
    failures: list[tuple[int, int, str]]
    """(subscriber id, chat id, error) of the latest failed deliveries of the day."""


async def delivery_counts(database: Database, now: datetime, day_start: datetime, day_end: datetime) -> DeliveryCounts:
    """Subscribers by state, those due at `now`, and deliveries by how they finished in
    [day_start, day_end)."""

    async def count(session: AsyncSession, model: Any, *where: Any) -> int:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()

    async with database.read() as session:
        finished_today = and_(col(DigestDelivery.finished_at) >= day_start, col(DigestDelivery.finished_at) < day_end)
        active = col(Subscriber.active).is_(True)
        failures = await session.exec(
            select(Subscriber.id, Subscriber.chat_id, DigestDelivery.error)
            .join(Subscriber, col(Subscriber.id) == col(DigestDelivery.subscriber_id))
            .where(DigestDelivery.state == DeliveryState.failed, finished_today)
            .order_by(col(DigestDelivery.id).desc())
            .limit(FAILURES_SHOWN)
        )
        return DeliveryCounts(
            subscribers=await count(session, Subscriber),
            active=await count(session, Subscriber, active),
            paused=await count(session, Subscriber, active, col(Subscriber.paused).is_(True)),
            due_now=await count(session, Subscriber, *due_at(now)),
            sent_today=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.sent, finished_today),
            empty_today=await count(
                session, DigestDelivery, DigestDelivery.state == DeliveryState.empty, finished_today
            ),
            failed_today=await count(
                session, DigestDelivery, DigestDelivery.state == DeliveryState.failed, finished_today
            ),
            unfinished=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.claimed),
            deactivated=await count(session, Subscriber, col(Subscriber.active).is_(False)),
            failures=[(row[0] or 0, row[1], row[2] or "") for row in failures.all()],
        )
