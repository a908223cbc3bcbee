"""What an operator asks of the digests: `diplobot digest status` (subscribers by state,
who is due now, and how today's deliveries (UTC day) ended) and the heading of `diplobot
digest preview`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.time_zones import shown_zone
from storage.deliveries import DeliveryCounts, delivery_counts
from storage.engine import Database
from storage.models import Subscriber, utcnow
from storage.subscriptions import UNSUBSCRIBED


class DigestStatus(DeliveryCounts):
    @property
    def unreachable(self) -> int:
        """Stopped because Telegram said the chat cannot be reached: the user blocked the
        bot, it was removed from the group, the chat is gone or moved to one with a
        subscription of its own."""
        return self.deactivated - self.unsubscribed

    def lines(self) -> list[str]:
        return [
            f"subscribers:       {self.subscribers} ({self.active} active, {self.paused} paused)",
            f"due now:           {self.due_now}",
            f"sent today (UTC):  {self.sent_today}",
            f"nothing new today: {self.empty_today}",
            f"failed today:      {self.failed_today}",
            f"unfinished:        {self.unfinished}",
            f"unsubscribed:      {self.unsubscribed} (/unsubscribe, or a channel unlinked)",
            f"unreachable:       {self.unreachable} (blocked the bot, removed it, or the chat is gone)",
        ]


def subscriber_heading(subscriber: Subscriber, count: int) -> str:
    """One subscriber as `digest preview` heads its digest: its state, and its zone as the
    subscriber gave it and was told it ("UTC+3", not the inverted "Etc/GMT-3")."""
    if subscriber.active:
        state = "active"
    elif subscriber.deactivated_reason == UNSUBSCRIBED:
        state = "unsubscribed"
    else:
        state = f"unreachable ({subscriber.deactivated_reason})"
    if subscriber.paused:
        state += ", paused"
    return (
        f"# chat {subscriber.chat_id}: {state}; daily at {subscriber.digest_time:%H:%M} "
        f"{shown_zone(subscriber.timezone)}, next {subscriber.next_due_at:%Y-%m-%dT%H:%M:%SZ}; "
        f"statements after #{subscriber.cursor}: {count}"
    )


async def digest_status(database: Database, now: datetime | None = None) -> DigestStatus:
    now = (now or utcnow()).astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = await delivery_counts(database, now, midnight, midnight + timedelta(days=1))
    return DigestStatus(**vars(counts))
