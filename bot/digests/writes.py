"""How the tick's writes go: one at a time on SQLite, and the parts Telegram confirmed
recorded together (group commit), each only while this sender still has the subscriber
in hand."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.deliveries import finish_deliveries, owned_by, record_progress, update_subscribers
from storage.engine import Database
from storage.models import DigestDelivery


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


class NotOwned(Exception):
    """Another sender has the subscriber in hand now (this one was taken for gone): this
    one sends no more of its digest."""


@dataclass
class _Write:
    subscriber_id: int
    delivery: DigestDelivery
    #: None: progress (`messages_sent`); otherwise the delivery ends, and these columns of
    #: the subscriber change with it.
    finish: dict[str, Any] | None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


#: How long a write waits for others to share its transaction. A commit takes a few ms, so
#: without the wait most transactions carried one write (3,658 for 3,692 messages) and
#: cost ~1 ms of CPU each; the next part of a digest goes a second later anyway.
GROUP_COMMIT_WAIT = 0.025


class Recorder:
    """Records each delivery's progress and end, as the tick's workers report them: the
    writes reported within `GROUP_COMMIT_WAIT` of each other, or while a transaction is in
    flight, commit together, so hundreds of subscribers in progress cost a few dozen
    transactions a second, not one per part. A write returns once it is committed (the next
    part is not sent before its predecessor is recorded), or raises `NotOwned` for a
    subscriber another sender took."""

    def __init__(self, writes: Writes, sender: int, finished_at: datetime) -> None:
        self.writes = writes
        self.sender = sender
        self.finished_at = finished_at
        self._pending: list[_Write] = []
        self._flushing: asyncio.Task[None] | None = None

    async def progress(self, subscriber_id: int, delivery: DigestDelivery) -> None:
        await self._record(_Write(subscriber_id, delivery, None))

    async def finish(self, subscriber_id: int, delivery: DigestDelivery, **subscriber: Any) -> None:
        """The delivery as it ends (its state and error set), and the subscriber's columns
        that change with it, in one transaction: there is no state in which one is done
        and not the other. The subscriber leaves the sender's hands with it."""
        await self._record(_Write(subscriber_id, delivery, {**subscriber, "digest_sender": None}))

    def close(self) -> None:
        """Stops recording: after the tick (nothing is left then), or when it is cancelled,
        as a process that dies would: writes not yet committed are lost, and their parts go
        again when the deliveries are resumed."""
        if self._flushing is not None:
            self._flushing.cancel()

    async def _record(self, write: _Write) -> None:
        self._pending.append(write)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await write.done

    async def _flush(self) -> None:
        await asyncio.sleep(GROUP_COMMIT_WAIT)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                owned = await self._commit(batch)
            except Exception as error:
                for write in batch:
                    if not write.done.done():  # its worker may have been cancelled
                        write.done.set_exception(error)
                continue
            for write in batch:
                if write.done.done():
                    continue
                if write.subscriber_id in owned:
                    write.done.set_result(None)
                else:
                    write.done.set_exception(NotOwned(f"subscriber {write.subscriber_id} is in another sender's hands"))

    async def _commit(self, batch: list[_Write]) -> set[int]:
        async with self.writes.transaction() as session:
            owned = await owned_by(
                session,
                [write.subscriber_id for write in batch],
                self.sender,
                lock=self.writes.database.is_postgresql,
            )
            mine = [write for write in batch if write.subscriber_id in owned]
            finished = [write for write in mine if write.finish is not None]
            await record_progress(session, [write.delivery for write in mine if write.finish is None])
            await finish_deliveries(session, [write.delivery for write in finished], self.finished_at)
            await update_subscribers(session, [(write.subscriber_id, write.finish or {}) for write in finished])
        return owned
