"""Ownership: which sender has a subscriber's digest in hand, taken in batches in short
transactions, never held across a send.

A sender (one tick of one process: `storage.deliveries.digest_sender`) claims the due
subscribers no live sender has in hand, earliest first, a batch at a time, in one
transaction: it marks them with its id (`subscriber.digest_sender`; on PostgreSQL
`SELECT ... FOR NO KEY UPDATE SKIP LOCKED`, locks that end with that transaction), reads
their open deliveries, and inserts the day's `claimed` delivery row for those that have
none. Then it sends with no lock held: each subscriber's parts wait their chat's slot
while hundreds of other chats' parts go. The parts confirmed and the end are recorded
only while the subscriber is still its own (bot/digests/writes.py), and the end lets the
subscriber go. A sender that dies (on PostgreSQL: whose connection holding its advisory
lock is gone) leaves its subscribers marked with an id no one holds: the next claim, by
another sender or the next tick, takes them and resumes their deliveries after the parts
recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.digests.writes import Writes
from storage.deliveries import NewDelivery, claim_due, due_subscribers, start_deliveries, update_subscribers
from storage.models import DeliveryState, DigestDelivery, Subscriber
from storage.subscriptions import local_date, next_due_at

#: Subscribers claimed in one transaction, at the most.
CLAIM_BATCH = 100


@dataclass
class Owned:
    """A subscriber this sender has in hand, with the delivery it sends: `resumed` when
    another sender (or an earlier tick) had started it."""

    subscriber: Subscriber
    delivery: DigestDelivery
    resumed: bool


def moved_on(subscriber: Subscriber, delivery: DigestDelivery, state: DeliveryState, now: datetime) -> dict[str, Any]:
    """The subscriber's columns once past a finished delivery: the cursor at its end
    (unless it failed before anything was sent: then those statements come next time), the
    due time on the next local day after now."""
    values: dict[str, Any] = {
        "next_due_at": next_due_at(subscriber.digest_time, subscriber.timezone, max(now, subscriber.next_due_at))
    }
    delivered = state in (DeliveryState.sent, DeliveryState.empty) or delivery.messages_sent > 0
    if delivered and delivery.cursor_to > subscriber.cursor:
        values["cursor"] = delivery.cursor_to
    return values


class Claims:
    """This sender's claims in a tick at `now`, new deliveries ending at `end`."""

    def __init__(self, writes: Writes, sender: int, now: datetime, end: int) -> None:
        self.writes = writes
        self.sender = sender
        self.now = now
        self.end = end

    async def claim(self, limit: int) -> list[Owned] | None:
        """Up to `limit` more subscribers in hand, each with its delivery; None when no
        due subscriber is left free. A subscriber whose day's delivery is done already
        (it moved its time after that day's digest) moves on to the next day instead."""
        database = self.writes.database
        async with self.writes.transaction() as session:
            ids = await claim_due(session, self.now, self.sender, limit, postgresql=database.is_postgresql)
            if not ids:
                return None
            found = await due_subscribers(session, self.now, subscriber_ids=ids)
            wanted = [
                NewDelivery(subscriber, local_date(subscriber.next_due_at, subscriber.timezone), self._end(subscriber))
                for subscriber, open_delivery in found
                if open_delivery is None
            ]
            started, done = await start_deliveries(session, wanted, self.now)
            await update_subscribers(
                session,
                [
                    (new.subscriber.id or 0, self._past(new.subscriber, done[new.subscriber.id or 0]))
                    for new in wanted
                    if new.subscriber.id in done
                ],
            )
        new = {delivery.subscriber_id: delivery for delivery in started}
        owned = []
        for subscriber, open_delivery in found:
            if open_delivery is not None:
                owned.append(Owned(subscriber, open_delivery, resumed=True))
            elif subscriber.id in new:
                owned.append(Owned(subscriber, new[subscriber.id or 0], resumed=False))
        return owned

    def _end(self, subscriber: Subscriber) -> int:
        return max(self.end, subscriber.cursor)

    def _past(self, subscriber: Subscriber, done: DigestDelivery) -> dict[str, Any]:
        return {**moved_on(subscriber, done, done.state, self.now), "digest_sender": None}
