"""The digest tick's rows: who is due, the statements a digest covers, the day's delivery
from claim to finish, the subscriber moved on with it, and the counts an operator reads.

Nothing here knows about Telegram. Which of these commit together, and why a delivery is
claimed before anything is sent, is the tick's business (bot/digests/tick.py)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, text, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import DeliveryState, DigestDelivery, Statement, StatementTopic, Subscriber, Topic
from storage.subscriptions import UNSUBSCRIBED, max_statement_id

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
    session: AsyncSession, now: datetime, *, subscriber_ids: Collection[int] | None = None
) -> list[tuple[Subscriber, DigestDelivery | None]]:
    """The subscribers due at `now`, earliest first, each with its open (`claimed`)
    delivery if it has one: one query for a whole tick, not several per subscriber;
    `subscriber_ids` narrows it to those."""
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
    if subscriber_ids is not None:
        query = query.where(col(Subscriber.id).in_(list(subscriber_ids)))
    due: dict[int, tuple[Subscriber, DigestDelivery | None]] = {}
    for subscriber, open_delivery in (await session.exec(query)).all():
        due.setdefault(subscriber.id or 0, (subscriber, open_delivery))
    return list(due.values())


async def count_due(session: AsyncSession, now: datetime) -> int:
    """How many subscribers are due at `now` (a tick's report; each sender claims its own)."""
    query = select(func.count()).select_from(Subscriber).where(*due_at(now))
    return int((await session.exec(query)).one())


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


# -- who sends: claims ------------------------------------------------------------

#: The advisory lock class of digest senders on PostgreSQL: a sender holds
#: (SENDER_LOCK_CLASS, its id) on a connection of its own for as long as it sends.
SENDER_LOCK_CLASS = 1_684_497_779


@contextlib.asynccontextmanager
async def digest_sender(database: Database) -> AsyncIterator[int]:
    """A new sender id, alive for the block. On PostgreSQL it is alive while its session
    holds the advisory lock (SENDER_LOCK_CLASS, id): a process that dies, or loses its
    connection, is gone at once, and what it had claimed is free for the next claim. On
    SQLite one process sends (bot/digests/sender_lock.py): any other id is gone."""
    if not database.is_postgresql:
        yield secrets.randbelow(2**31 - 1) + 1
        return
    async with database.write_engine.connect() as connection:
        while True:
            sender = secrets.randbelow(2**31 - 1) + 1
            taken = text("SELECT pg_try_advisory_lock(:class, :sender)")
            held = (await connection.execute(taken, {"class": SENDER_LOCK_CLASS, "sender": sender})).scalar_one()
            await connection.commit()
            if held:
                break
        try:
            yield sender
        finally:
            release = text("SELECT pg_advisory_unlock(:class, :sender)")
            await connection.execute(release, {"class": SENDER_LOCK_CLASS, "sender": sender})
            await connection.commit()


def _free_for(sender: int, postgresql: bool) -> Any:
    """A subscriber no live sender but `sender` has in hand. PostgreSQL: its sender's
    advisory lock is free (tried shared for this transaction: a live sender holds it
    exclusively, so the try fails and takes nothing)."""
    other = col(Subscriber.digest_sender) != sender
    if postgresql:
        other = and_(other, func.pg_try_advisory_xact_lock_shared(SENDER_LOCK_CLASS, col(Subscriber.digest_sender)))
    return or_(col(Subscriber.digest_sender).is_(None), other)


async def claim_due(session: AsyncSession, now: datetime, sender: int, limit: int, *, postgresql: bool) -> list[int]:
    """Marks up to `limit` subscribers due at `now` (earliest first) as `sender`'s, and
    returns their ids: those no live sender has in hand. On PostgreSQL rows another claim
    has locked are skipped (`SKIP LOCKED`), and a row another claim marked meanwhile is
    read again before it is taken, so two senders never take the same subscriber; the
    row lock lasts only for the caller's transaction."""
    candidates = (
        select(col(Subscriber.id))
        .where(*due_at(now), _free_for(sender, postgresql))
        .order_by(col(Subscriber.next_due_at), col(Subscriber.id))
        .limit(limit)
    )
    if postgresql:
        candidates = candidates.with_for_update(skip_locked=True, key_share=True)
    claimed = (
        update(Subscriber)
        .where(col(Subscriber.id).in_(candidates.scalar_subquery()))
        .values(digest_sender=sender)
        .returning(col(Subscriber.id))
    )
    return list((await session.exec(claimed)).scalars())


async def owned_by(session: AsyncSession, subscriber_ids: Collection[int], sender: int, *, lock: bool) -> set[int]:
    """Which of `subscriber_ids` `sender` still has in hand (a sender thought gone may
    have lost them); `lock` (PostgreSQL) keeps them so until the transaction ends."""
    query = select(col(Subscriber.id)).where(
        col(Subscriber.id).in_(list(subscriber_ids)), col(Subscriber.digest_sender) == sender
    )
    if lock:
        query = query.with_for_update(key_share=True)
    return {subscriber_id for subscriber_id in (await session.exec(query)).all() if subscriber_id is not None}


# -- one delivery ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A claimed subscriber's delivery to start: its day, its range's end."""

    subscriber: Subscriber
    local_date: date
    cursor_to: int


async def start_deliveries(
    session: AsyncSession, wanted: Sequence[NewDelivery], now: datetime
) -> tuple[list[DigestDelivery], dict[int, DigestDelivery]]:
    """Inserts each wanted day's delivery row in state `claimed`, covering the statements
    after the subscriber's cursor up to `cursor_to`. Returns the rows inserted, and, by
    subscriber, the rows that day had already (unique per subscriber and day: the
    subscriber moved its time after that day's digest), which are left as they are."""
    if not wanted:
        return [], {}
    existing = select(DigestDelivery).where(
        tuple_(col(DigestDelivery.subscriber_id), col(DigestDelivery.local_date)).in_(
            [(new.subscriber.id, new.local_date) for new in wanted]
        )
    )
    done = {delivery.subscriber_id: delivery for delivery in (await session.exec(existing)).all()}
    rows: list[dict[str, Any]] = [
        {
            "subscriber_id": new.subscriber.id,
            "local_date": new.local_date,
            "state": DeliveryState.claimed,
            "cursor_from": new.subscriber.cursor,
            "cursor_to": new.cursor_to,
            "messages_sent": 0,
            "claimed_at": now,
        }
        for new in wanted
        if new.subscriber.id not in done
    ]
    if not rows:
        return [], done
    connection = await session.connection()
    statement = insert(DigestDelivery).returning(col(DigestDelivery.subscriber_id), col(DigestDelivery.id))
    ids = {subscriber_id: delivery_id for subscriber_id, delivery_id in await connection.execute(statement, rows)}
    return [DigestDelivery(id=ids[row["subscriber_id"]], **row) for row in rows], done


async def record_progress(session: AsyncSession, deliveries: Sequence[DigestDelivery]) -> None:
    """Stores how many parts of each delivery Telegram has confirmed (`messages_sent`)."""
    if not deliveries:
        return
    table = DigestDelivery.__table__  # type: ignore[attr-defined]
    statement = update(table).where(table.c.id == bindparam("delivery")).values(messages_sent=bindparam("sent"))
    connection = await session.connection()
    await connection.execute(statement, [{"delivery": row.id, "sent": row.messages_sent} for row in deliveries])


async def finish_deliveries(session: AsyncSession, deliveries: Sequence[DigestDelivery], finished_at: datetime) -> None:
    """Stores each delivery's end as the object holds it: state, error, parts sent."""
    if not deliveries:
        return
    table = DigestDelivery.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("delivery"))
        .values(
            state=bindparam("new_state"),
            error=bindparam("new_error"),
            messages_sent=bindparam("sent"),
            finished_at=finished_at,
        )
    )
    rows = [
        {"delivery": row.id, "new_state": row.state, "new_error": row.error, "sent": row.messages_sent}
        for row in deliveries
    ]
    connection = await session.connection()
    await connection.execute(statement, rows)


async def update_subscribers(session: AsyncSession, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """UPDATEs of the columns named, per subscriber id, one executemany for each set of
    columns: the tick works on detached subscribers."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for subscriber_id, values in changes:
        by_columns.setdefault(tuple(sorted(values)), []).append(
            {"subscriber": subscriber_id, **{f"new_{name}": value for name, value in values.items()}}
        )
    table = Subscriber.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    for columns, rows in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("subscriber"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        await connection.execute(statement, rows)


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
    """Subscriptions stopped, for whatever reason: `unsubscribed` of them on purpose, the
    others because their chat cannot be reached."""
    unsubscribed: int
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
            unsubscribed=await count(
                session, Subscriber, col(Subscriber.active).is_(False), Subscriber.deactivated_reason == UNSUBSCRIBED
            ),
            failures=[(row[0] or 0, row[1], row[2] or "") for row in failures.all()],
        )
