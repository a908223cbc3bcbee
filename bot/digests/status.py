"""`diplobot digest status`: what an operator asks of the digests - subscribers by state,
who is due now, and how today's deliveries (UTC day) ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.deliveries import DeliveryCounts, delivery_counts
from storage.engine import Database
from storage.models import utcnow


class DigestStatus(DeliveryCounts):
    def lines(self) -> list[str]:
        return [
            f"subscribers:       {self.subscribers} ({self.active} active, {self.paused} paused)",
            f"due now:           {self.due_now}",
            f"sent today (UTC):  {self.sent_today}",
            f"nothing new today: {self.empty_today}",
            f"failed today:      {self.failed_today}",
            f"unfinished:        {self.unfinished}",
            f"deactivated:       {self.deactivated}",
        ]


async def digest_status(database: Database, now: datetime | None = None) -> DigestStatus:
    now = (now or utcnow()).astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = await delivery_counts(database, now, midnight, midnight + timedelta(days=1))
    return DigestStatus(**vars(counts))
