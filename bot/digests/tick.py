"""Daily digests: claim, send, complete, with the database as the source of truth.

One function, `send_due(application_or_bot, database, now)`, is a tick: the JobQueue job
(bot/digests/schedule.py) runs it every `TICK_SECONDS`, `diplobot digest send-due
[--at ISO-TIME]` runs it once (and is how the tests move the clock). A tick

1. takes the end of the record (`cursor_to`): the highest statement id, read while no
   statement write is in flight (`storage.deliveries.record_end`);
2. reads the subscribers whose `next_due_at` has passed (active, not paused), each with
   its open delivery, in one query;
3. composes every distinct digest among them (subscribers with the same filters and range
   share one: bot/digests/compose.py), so that no composing stalls the sending;
4. for each subscriber, takes ownership (bot/digests/owner.py), claims a delivery row,
   sends (bot/digests/sender.py), records, completes.

On SQLite only one process sends: a tick that finds the one-sender lock taken
(bot/digests/sender_lock.py) is skipped (the CLI waits for it instead).

Exactly once. The delivery row (unique per subscriber and local date) is committed in
state `claimed` with the statement range it covers (`cursor_from`, `cursor_to`) before
anything is sent. The digest is rendered into parts of at most 4096 characters; after
Telegram confirms part k, `messages_sent = k` is committed on the row. The last part is
recorded together with the completion, in one transaction: the row becomes `sent` (or
`empty`), the subscriber's `cursor` moves to `cursor_to` and `next_due_at` to the next
local day (on PostgreSQL in the transaction that holds the lock). Whoever owns the
subscriber next and finds a `claimed` row (the process died between claim and
completion) re-renders the same range and resumes at part `messages_sent + 1`. A claim
that finds the day's row taken (the subscriber moved its time after that day's digest)
moves the subscriber on without sending.

The window that remains: a crash after Telegram accepted part k but before
`messages_sent = k` was committed (or a network error after Telegram accepted the
request, then retried) sends part k again, once. Telegram's Bot API has no idempotency
key, so no client can close this window; it is one message wide, never a whole digest.
A resumed digest is re-rendered from the same statement range: if the record or the
subscriber's filters changed in between, the remaining parts show that.

When Telegram refuses: a blocked bot or a gone chat ends the subscription and the tick
carries on; any other BadRequest marks the day's delivery failed, logged with the
subscriber (the statements come again in the next digest when nothing was sent); when
Telegram cannot be reached the tick stops and the delivery stays claimed for the next
tick, which resumes it (the details are in bot/digests/sender.py).

Rate: one `RateLimiter` per bot (bot/digests/rate_limit.py); many subscribers are in
progress at once (most of them waiting between the parts of a digest), with at most
`SENDS_IN_FLIGHT` HTTP requests at a time.

The crash tests stop the process at chosen points of a delivery (bot/digests/crash_hook.py).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import math
import time as time_module
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from telegram import Bot
from telegram.error import BadRequest
from telegram.ext import Application

from bot.config import Settings
from bot.context import SETTINGS
from bot.digests.compose import NOTHING_NEW, SECTION_LIMIT, Digest, DigestKey, compose_all
from bot.digests.crash_hook import crash_hook
from bot.digests.owner import Owner, Writes, owned
from bot.digests.rate_limit import RateLimiter
from bot.digests.sender import DIGEST_BOT, ChatGone, Deferred, DigestSender, username_of
from bot.digests.sender_lock import sender_lock
from bot.i18n import _, use_language
from storage.deliveries import (
    claim_delivery,
    delivery_on,
    due_subscribers,
    finish_delivery,
    record_end,
    record_progress,
)
from storage.engine import Database
from storage.models import ChatType, DeliveryState, DigestDelivery, Subscriber, utcnow
from storage.subscriptions import local_date, next_due_at

log = logging.getLogger(__name__)

#: The application's `bot_data` key of the limiter its ticks share.
LIMITER = "digest_limiter"
#: Subscribers in progress at once, at the most: beyond this CPU, not waiting, bounds the rate.
MAX_WORKERS = 400
#: On PostgreSQL each subscriber in progress holds a pooled connection (its lock) and takes
#: a second one for each claim and progress commit; SQLAlchemy's default pool has 15, and
#: readers' queries need some of them.
POSTGRESQL_WORKERS = 8


@dataclass
class TickReport:
    at: datetime
    due: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0
    deactivated: int = 0
    migrated: int = 0
    resumed: int = 0
    deferred: int = 0
    skipped: int = 0
    messages: int = 0
    renders: int = 0
    duration: float = 0.0
    locked_out: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.locked_out:
            return f"digest tick at {self.at:%Y-%m-%dT%H:%M:%SZ}: another process is sending digests; skipped"
        return (
            f"digest tick at {self.at:%Y-%m-%dT%H:%M:%SZ}: due={self.due} sent={self.sent} "
            f"empty={self.empty} failed={self.failed} deactivated={self.deactivated} "
            f"migrated={self.migrated} resumed={self.resumed} deferred={self.deferred} "
            f"skipped={self.skipped} messages={self.messages} renders={self.renders} "
            f"in {self.duration:.2f}s"
        )


class _Tick:
    def __init__(
        self,
        bot: Bot,
        database: Database,
        now: datetime,
        limiter: RateLimiter,
        *,
        section_limit: int,
        username: str | None = None,
    ) -> None:
        self.database = database
        self.username = username
        self.now = now
        self.sender = DigestSender(bot, limiter)
        self.section_limit = section_limit
        self.report = TickReport(at=now)
        self.end = 0
        self._digests: dict[DigestKey, Digest] = {}
        self._writes = Writes(database)

    async def compose(self, keys: Collection[DigestKey]) -> None:
        """Compose once, send many: one rendering per distinct key in a tick."""
        composed = await compose_all(self.database, keys, section_limit=self.section_limit, bot_username=self.username)
        self._digests.update(composed)
        self.report.renders += len(keys)

    async def digest(self, key: DigestKey) -> Digest:
        """Composed with the others before sending began, unless the subscriber changed
        since (PostgreSQL reads it again under its lock)."""
        if key not in self._digests:
            await self.compose([key])
        return self._digests[key]

    def _key(self, subscriber: Subscriber, delivery: DigestDelivery | None) -> DigestKey:
        """The digest a subscriber gets: its delivery's range, or, before the claim, the
        range the claim will record."""
        if delivery is not None:
            return DigestKey.of(subscriber, delivery.cursor_from, delivery.cursor_to)
        return DigestKey.of(subscriber, subscriber.cursor, max(self.end, subscriber.cursor))

    # -- one subscriber ------------------------------------------------------------

    async def deliver(self, subscriber: Subscriber, open_delivery: DigestDelivery | None) -> None:
        async with owned(self._writes, subscriber, open_delivery, self.now) as owner:
            if owner is None:
                self.report.skipped += 1
                return
            await self._deliver(owner)

    async def _deliver(self, owner: Owner) -> None:
        subscriber = owner.subscriber
        delivery = owner.open_delivery
        if delivery is not None:
            self.report.resumed += 1
            log.info(
                "resuming digest delivery %s to chat %s after part %s",
                delivery.id,
                subscriber.chat_id,
                delivery.messages_sent,
            )
        else:
            delivery = await self._claim(owner)
            if delivery is None:
                return
            crash_hook("claimed")
        digest = await self.digest(self._key(subscriber, delivery))
        with use_language(digest.key.language):
            parts = digest.parts or ([_(NOTHING_NEW)] if subscriber.notify_empty else [])
        first = delivery.messages_sent
        try:
            for index in range(first, len(parts)):
                await self.sender.send(
                    parts[index], lambda: owner.subscriber.chat_id, functools.partial(self._migrate, owner)
                )
                crash_hook(f"sent:{index + 1}")
                self.report.messages += 1
                delivery.messages_sent = index + 1
                if delivery.messages_sent < len(parts):  # the last is recorded with the completion
                    await self._progress(delivery)
                    crash_hook(f"recorded:{index + 1}")
        except Deferred as error:
            self.report.deferred += 1
            log.warning("digest to chat %s deferred to the next tick: %s", subscriber.chat_id, error)
            return
        except ChatGone as error:
            reason = str(error)[:300]
            await self._complete(owner, delivery, DeliveryState.failed, reason, active=False, deactivated_reason=reason)
            self.report.deactivated += 1
            log.info("subscriber %s (chat %s) deactivated: %s", subscriber.id, subscriber.chat_id, reason)
            return
        except BadRequest as error:
            failed = DeliveryState.failed
            await self._complete(owner, delivery, failed, str(error), **self._advanced(subscriber, delivery, failed))
            self.report.failed += 1
            self.report.errors.append(f"subscriber {subscriber.id} chat {subscriber.chat_id}: {error}")
            log.error(
                "digest to subscriber %s (chat %s) refused by Telegram after %s part(s): %s",
                subscriber.id,
                subscriber.chat_id,
                delivery.messages_sent,
                error,
            )
            return
        state = DeliveryState.empty if digest.is_empty else DeliveryState.sent
        await self._complete(owner, delivery, state, None, **self._advanced(subscriber, delivery, state))
        if len(parts) > first:
            crash_hook(f"recorded:{len(parts)}")
        if digest.is_empty:
            self.report.empty += 1
        else:
            self.report.sent += 1

    async def _claim(self, owner: Owner) -> DigestDelivery | None:
        """The day's delivery row, committed before anything is sent; None when there is
        nothing to send: the subscriber is not due any more, or that day's digest went out
        already (the subscriber moved the time after it): then it moves on to the next day."""
        subscriber = owner.subscriber
        day = local_date(subscriber.next_due_at, subscriber.timezone)
        try:
            async with self._writes.transaction() as session:
                delivery = await claim_delivery(session, subscriber, day, max(self.end, subscriber.cursor), self.now)
        except IntegrityError:
            async with self.database.read() as session:
                done = await delivery_on(session, subscriber.id or 0, day)
            async with owner.transaction() as session:
                await owner.update(session, **self._advanced(subscriber, done, done.state))
            return None
        if delivery is None:
            self.report.skipped += 1
        return delivery

    async def _progress(self, delivery: DigestDelivery) -> None:
        async with self._writes.transaction() as session:
            await record_progress(session, delivery)

    async def _complete(
        self, owner: Owner, delivery: DigestDelivery, state: DeliveryState, error: str | None, **subscriber: Any
    ) -> None:
        """Finishes the delivery and changes the subscriber (moves it on, or ends it) in one
        transaction: there is no state in which one is done and not the other."""
        delivery.state = state
        delivery.error = error
        async with owner.transaction() as session:
            await finish_delivery(session, delivery, self.now)
            await owner.update(session, **subscriber)

    def _advanced(self, subscriber: Subscriber, delivery: DigestDelivery, state: DeliveryState) -> dict[str, Any]:
        """The subscriber moved past a finished delivery: the cursor to its end (unless it
        failed before anything was sent: then those statements come next time), the due
        time to the next local day after now."""
        values: dict[str, Any] = {
            "next_due_at": next_due_at(
                subscriber.digest_time, subscriber.timezone, max(self.now, subscriber.next_due_at)
            )
        }
        delivered = state in (DeliveryState.sent, DeliveryState.empty) or delivery.messages_sent > 0
        if delivered and delivery.cursor_to > subscriber.cursor:
            values["cursor"] = delivery.cursor_to
        return values

    async def _migrate(self, owner: Owner, new_chat_id: int) -> None:
        subscriber = owner.subscriber
        old_chat_id = subscriber.chat_id
        if await owner.new_chat_taken(new_chat_id):
            raise ChatGone(f"migrated to chat {new_chat_id}, which has its own subscription")
        async with owner.transaction() as session:
            await owner.update(session, chat_id=new_chat_id, chat_type=ChatType.supergroup)
        self.report.migrated += 1
        log.info("subscriber %s moved from chat %s to %s (group upgraded)", subscriber.id, old_chat_id, new_chat_id)

    # -- all of them -----------------------------------------------------------------

    async def run(self, workers: int) -> None:
        self.end = await record_end(self.database)
        async with self.database.read() as session:
            due = await due_subscribers(session, self.now)
        self.report.due = len(due)
        # Every distinct digest is composed before the first send: composing is CPU work
        # that, done between sends, stalls the event loop and bunches the sends after it.
        await self.compose({self._key(subscriber, open_delivery) for subscriber, open_delivery in due})
        queue: asyncio.Queue[tuple[Subscriber, DigestDelivery | None]] = asyncio.Queue()
        for item in due:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                subscriber, open_delivery = queue.get_nowait()
                if self.sender.stopped:
                    self.report.deferred += 1
                    continue
                try:
                    await self.deliver(subscriber, open_delivery)
                except Exception as error:
                    self.report.failed += 1
                    self.report.errors.append(f"subscriber {subscriber.id}: {error!r}")
                    log.exception("digest to subscriber %s failed", subscriber.id)

        # What the process holds now lives through the tick; a full collection traversing
        # it (hundreds of MB with the sentence model) stalls the event loop for 100-200 ms
        # and bunches the sends after the stall past Telegram's limits.
        gc.freeze()
        try:
            await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(due))))))
        finally:
            gc.unfreeze()


def _bot_and_settings(application_or_bot: Any, settings: Settings | None) -> tuple[Bot, Settings, RateLimiter | None]:
    if isinstance(application_or_bot, Application):
        settings = settings or application_or_bot.bot_data.get(SETTINGS)
        return application_or_bot.bot_data[DIGEST_BOT], settings or Settings(), application_or_bot.bot_data.get(LIMITER)
    return application_or_bot, settings or Settings(), None


def default_concurrency(settings: Settings, database: Database) -> int:
    """Subscribers in progress at once: enough to keep to the overall rate while most of
    them wait the per-chat interval between the parts of a digest - twice the sends one
    such interval holds (60 at 30/s, 1/s per chat) - within `MAX_WORKERS`, and within
    `POSTGRESQL_WORKERS` on PostgreSQL."""
    workers = min(MAX_WORKERS, max(1, math.ceil(2 * settings.digest_rate / settings.digest_chat_rate)))
    return min(workers, POSTGRESQL_WORKERS) if database.is_postgresql else workers


async def send_due(
    application_or_bot: Application[Any, Any, Any, Any, Any, Any] | Bot,
    database: Database,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    limiter: RateLimiter | None = None,
    concurrency: int | None = None,
    section_limit: int = SECTION_LIMIT,
    wait_for_lock: float = 0.0,
) -> TickReport:
    """One tick: every subscriber due at `now` (aware; default: the clock) gets its digest.
    The job and `diplobot digest send-due` both run exactly this. An application sends
    through its `DIGEST_BOT` (see `bot.digests.sender.digest_bot`), a Bot as it is."""
    now = (now or utcnow()).astimezone(UTC)
    bot, settings, kept = _bot_and_settings(application_or_bot, settings)
    limiter = limiter or kept or RateLimiter.from_settings(settings)
    if isinstance(application_or_bot, Application):
        application_or_bot.bot_data.setdefault(LIMITER, limiter)
    started = time_module.monotonic()
    tick = _Tick(bot, database, now, limiter, section_limit=section_limit, username=username_of(application_or_bot))
    async with sender_lock(database, wait_for_lock) as held:
        if not held:
            tick.report.locked_out = True
        else:
            try:
                await tick.run(concurrency or default_concurrency(settings, database))
            except OperationalError as error:
                # PostgreSQL: statement writes held the table past the lock timeout.
                tick.report.errors.append(f"database busy: {error.orig!r}")
                log.warning("digest tick skipped: the database is busy (%s)", error.orig)
    tick.report.duration = time_module.monotonic() - started
    log.info(tick.report.summary())
    return tick.report
