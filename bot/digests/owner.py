"""Ownership: which process works on a subscriber while its digest is sent, and how the
tick's writes go.

On PostgreSQL the subscriber's row is read again and locked with
`SELECT ... FOR NO KEY UPDATE SKIP LOCKED` in a transaction held open while its digest is
sent (the NO KEY variant of FOR UPDATE, so the delivery rows inserted meanwhile, whose
foreign key takes a KEY SHARE lock on that row, are not blocked by their own owner); a
second bot process skips rows that are locked, and a crashed process's locks go with its
connection. On SQLite only one process sends (bot/digests/sender_lock.py); there the
tick's one read stands, and the claim itself checks that the subscriber is still due (an
unsubscribe or a pause during a long tick wins)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.deliveries import chat_has_subscriber, due_subscribers, update_subscriber
from storage.engine import Database
from storage.models import DigestDelivery, Subscriber


class Writes:
    """The tick's write transactions. On SQLite they queue here, one at a time: SQLite has
    one writer anyway, and writers left to queue in its busy handler sleep in growing
    steps, some of them (hundreds of subscribers in progress) past the busy timeout."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._one_at_a_time = asyncio.Lock() if database.is_sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._one_at_a_time or contextlib.nullcontext(), self.database.write() as session:
            yield session


class Owner:
    """A subscriber this tick alone is working on, with its open delivery if it had one;
    its changes go through here."""

    def __init__(
        self,
        writes: Writes,
        subscriber: Subscriber,
        open_delivery: DigestDelivery | None,
        session: AsyncSession | None,
    ) -> None:
        self.writes = writes
        self.subscriber = subscriber
        self.open_delivery = open_delivery
        self.session = session

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """On PostgreSQL the transaction that holds the subscriber's lock (it commits when
        the digest is done), on SQLite one of its own: either way what is written in one
        `transaction()` commits together."""
        if self.session is not None:
            yield self.session
            return
        async with self.writes.transaction() as session:
            yield session

    async def update(self, session: AsyncSession, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.subscriber, name, value)
        await update_subscriber(session, self.subscriber.id, **values)

    async def new_chat_taken(self, chat_id: int) -> bool:
        if self.session is not None:
            return await chat_has_subscriber(self.session, chat_id)
        async with self.writes.database.read() as session:
            return await chat_has_subscriber(session, chat_id)


@contextlib.asynccontextmanager
async def owned(
    writes: Writes, subscriber: Subscriber, open_delivery: DigestDelivery | None, now: datetime
) -> AsyncIterator[Owner | None]:
    """SQLite: the tick's read stands (one process sends; the claim checks the subscriber
    is still due). PostgreSQL: the subscriber is read again and locked for as long as its
    digest is sent, or None when another process holds it or sent it."""
    database = writes.database
    if not database.is_postgresql:
        yield Owner(writes, subscriber, open_delivery, None)
        return
    async with database.write() as session:
        found = await due_subscribers(session, now, subscriber_id=subscriber.id, lock=True)
        # Detached, as on SQLite: changes go as the owner's UPDATEs, not as a flush too.
        session.expunge_all()
        yield Owner(writes, *found[0], session) if found else None
