"""Daily digests: claim, send, complete, with the database as the source of truth.

One function, `send_due(application_or_bot, database, now)`, is a tick: the JobQueue job
(bot/digests/schedule.py) runs it every `TICK_SECONDS`, `diplobot digest send-due
[--at ISO-TIME]` runs it once (and is how the tests move the clock). A tick

1. takes the end of the record (`cursor_to`): the highest statement id, read while no
   statement write is in flight (`storage.deliveries.record_end`);
2. counts the subscribers whose `next_due_at` has passed (active, not paused);
3. claims due subscribers a batch at a time (bot/digests/owner.py: in a short transaction
   each, no lock held afterwards), each with its delivery row;
4. composes each distinct digest of the batch before its first send (subscribers with the
   same filters and range share one: bot/digests/compose.py; one composed is kept for the
   tick), in one stretch per batch rather than between a digest's parts, and keeps up to
   `concurrency` of them in progress at once: their parts go as the limiter lets them
   (bot/digests/sender.py), the parts of one chat a second apart, other chats' in
   between; what Telegram confirmed is recorded (bot/digests/writes.py), the last part
   with the completion.

Several senders share one PostgreSQL database, each claiming what no live sender has in
hand. On SQLite only one process sends: a tick that finds the one-sender lock taken
(bot/digests/sender_lock.py) is skipped (the CLI waits for it instead).

Exactly once. The delivery row (unique per subscriber and local date) is committed in
state `claimed` with the statement range it covers (`cursor_from`, `cursor_to`) before
anything is sent. The digest is rendered into parts of at most 4096 characters; after
Telegram confirms part k, `messages_sent = k` is committed on the row before part k + 1
goes. The last part is recorded together with the completion, in one transaction: the
row becomes `sent` (or `empty`), the subscriber's `cursor` moves to `cursor_to` and
`next_due_at` to the next local day, and it leaves the sender's hands. Progress and
completions waiting at the same time commit in one transaction; each is written only
while the subscriber is still this sender's. Whoever claims the subscriber next and finds
a `claimed` row (its sender died between claim and completion) re-renders the same range
and resumes at part `messages_sent + 1`. A claim that finds the day's row taken (the
subscriber moved its time after that day's digest) moves the subscriber on without
sending.

The window that remains: a crash after Telegram accepted part k but before
`messages_sent = k` was committed (or a network error after Telegram accepted the
request, then retried) sends part k again, once. Telegram's Bot API has no idempotency
key, so no client can close this window; it is one message wide per digest in progress,
never a whole digest. A sender that lives on after losing its database connection (on
PostgreSQL it is taken for gone, and another sender may resume its deliveries) finds out
at its next write and sends no more of them: the same one message at the most. A resumed
digest is re-rendered from the same statement range: if the record or the subscriber's
filters changed in between, the remaining parts show that.

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

from sqlalchemy.exc import OperationalError
from telegram import Bot
from telegram.error import BadRequest
from telegram.ext import Application

from bot.config import Settings
from bot.context import SETTINGS
from bot.digests.compose import NOTHING_NEW, SECTION_LIMIT, Digest, DigestKey, compose_all
from bot.digests.crash_hook import crash_hook
from bot.digests.owner import CLAIM_BATCH, Claims, Owned, moved_on
from bot.digests.rate_limit import RateLimiter
from bot.digests.sender import DIGEST_BOT, ChatGone, Deferred, DigestSender, username_of
from bot.digests.sender_lock import sender_lock
from bot.digests.writes import NotOwned, Recorder, Writes
from bot.i18n import _, use_language
from storage.deliveries import chat_has_subscriber, count_due, digest_sender, record_end, update_subscribers
from storage.engine import Database
from storage.models import ChatType, DeliveryState, Subscriber, utcnow

log = logging.getLogger(__name__)

#: The application's `bot_data` key of the limiter its ticks share.
LIMITER = "digest_limiter"
#: Subscribers in progress at once, at the most: each is a task waiting for its chat's
#: slot, holding no connection; beyond this CPU, not waiting, bounds the rate.
MAX_WORKERS = 2000


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
        self._digests: dict[DigestKey, Digest] = {}
        self._writes = Writes(database)

    async def compose(self, keys: Collection[DigestKey]) -> None:
        """Compose once, send many: one rendering per distinct key in a tick."""
        composed = await compose_all(self.database, keys, section_limit=self.section_limit, bot_username=self.username)
        self._digests.update(composed)
        self.report.renders += len(keys)

    @staticmethod
    def _key(owned: Owned) -> DigestKey:
        """The digest a claimed subscriber gets: its delivery's range."""
        return DigestKey.of(owned.subscriber, owned.delivery.cursor_from, owned.delivery.cursor_to)

    # -- one subscriber ------------------------------------------------------------

    async def deliver(self, owned: Owned, recorder: Recorder) -> None:
        subscriber = owned.subscriber
        try:
            await self._deliver(owned, recorder)
        except NotOwned as error:
            self.report.skipped += 1
            log.warning("digest to chat %s left to another sender: %s", subscriber.chat_id, error)
        except Exception as error:
            self.report.failed += 1
            self.report.errors.append(f"subscriber {subscriber.id}: {error!r}")
            log.exception("digest to subscriber %s failed", subscriber.id)

    async def _deliver(self, owned: Owned, recorder: Recorder) -> None:
        subscriber, delivery = owned.subscriber, owned.delivery
        if owned.resumed:
            self.report.resumed += 1
            log.info(
                "resuming digest delivery %s to chat %s after part %s",
                delivery.id,
                subscriber.chat_id,
                delivery.messages_sent,
            )
        digest = self._digests[self._key(owned)]  # composed when its batch was claimed
        with use_language(digest.key.language):
            parts = digest.parts or ([_(NOTHING_NEW)] if subscriber.notify_empty else [])
        first = delivery.messages_sent
        try:
            for index in range(first, len(parts)):
                await self.sender.send(
                    parts[index], lambda: subscriber.chat_id, functools.partial(self._migrate, subscriber)
                )
                crash_hook(f"sent:{index + 1}")
                self.report.messages += 1
                delivery.messages_sent = index + 1
                if delivery.messages_sent < len(parts):  # the last is recorded with the completion
                    await recorder.progress(subscriber.id or 0, delivery)
                    crash_hook(f"recorded:{index + 1}")
        except Deferred as error:
            self.report.deferred += 1
            log.warning("digest to chat %s deferred to the next tick: %s", subscriber.chat_id, error)
            return
        except ChatGone as error:
            reason = str(error)[:300]
            await self._complete(recorder, owned, DeliveryState.failed, reason, active=False, deactivated_reason=reason)
            self.report.deactivated += 1
            log.info("subscriber %s (chat %s) deactivated: %s", subscriber.id, subscriber.chat_id, reason)
            return
        except BadRequest as error:
            failed = DeliveryState.failed
            await self._complete(
                recorder, owned, failed, str(error), **moved_on(subscriber, delivery, failed, self.now)
            )
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
        await self._complete(recorder, owned, state, None, **moved_on(subscriber, delivery, state, self.now))
        if len(parts) > first:
            crash_hook(f"recorded:{len(parts)}")
        if digest.is_empty:
            self.report.empty += 1
        else:
            self.report.sent += 1

    async def _complete(
        self, recorder: Recorder, owned: Owned, state: DeliveryState, error: str | None, **subscriber: Any
    ) -> None:
        owned.delivery.state = state
        owned.delivery.error = error
        await recorder.finish(owned.subscriber.id or 0, owned.delivery, **subscriber)

    async def _migrate(self, subscriber: Subscriber, new_chat_id: int) -> None:
        old_chat_id = subscriber.chat_id
        async with self._writes.transaction() as session:
            if await chat_has_subscriber(session, new_chat_id):
                raise ChatGone(f"migrated to chat {new_chat_id}, which has its own subscription")
            await update_subscribers(
                session, [(subscriber.id or 0, {"chat_id": new_chat_id, "chat_type": ChatType.supergroup})]
            )
        subscriber.chat_id, subscriber.chat_type = new_chat_id, ChatType.supergroup
        self.report.migrated += 1
        log.info("subscriber %s moved from chat %s to %s (group upgraded)", subscriber.id, old_chat_id, new_chat_id)

    # -- all of them -----------------------------------------------------------------

    async def run(self, workers: int, sender: int) -> None:
        end = await record_end(self.database)
        async with self.database.read() as session:
            self.report.due = await count_due(session, self.now)
        claims = Claims(self._writes, sender, self.now, end)
        recorder = Recorder(self._writes, sender, self.now)
        batch = max(1, min(CLAIM_BATCH, workers))
        running: set[asyncio.Task[None]] = set()
        claimed = 0
        # What the process holds now lives through the tick; a full collection traversing
        # it (hundreds of MB with the sentence model) stalls the event loop for 100-200 ms
        # and bunches the sends after the stall past Telegram's limits.
        gc.freeze()
        try:
            while not self.sender.stopped:
                # Claimed in batches: wait for room for half a batch before the next claim.
                if running and workers - len(running) < max(1, batch // 2):
                    _finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                owned = await claims.claim(min(batch, workers - len(running)))
                if owned is None:
                    break
                if claimed == 0 and owned:
                    crash_hook("claimed")
                claimed += len(owned)
                # A batch's digests are composed before its first send, and only the claimed
                # ones (other senders compose theirs): composing between sends would stall
                # the event loop and bunch the sends after it.
                await self.compose({self._key(each) for each in owned} - self._digests.keys())
                running |= {asyncio.create_task(self.deliver(each, recorder)) for each in owned}
            await asyncio.gather(*running)
        finally:
            # Cancelled (the process stops): the deliveries in progress stop where they are.
            for task in running:
                task.cancel()
            recorder.close()
            gc.unfreeze()
        # Not claimed: another sender had them, or they were not due any more; or, once
        # Telegram could not be reached, left to the next tick.
        left = max(0, self.report.due - claimed)
        if self.sender.stopped:
            self.report.deferred += left
        else:
            self.report.skipped += left


def _bot_and_settings(application_or_bot: Any, settings: Settings | None) -> tuple[Bot, Settings, RateLimiter | None]:
    if isinstance(application_or_bot, Application):
        settings = settings or application_or_bot.bot_data.get(SETTINGS)
        return application_or_bot.bot_data[DIGEST_BOT], settings or Settings(), application_or_bot.bot_data.get(LIMITER)
    return application_or_bot, settings or Settings(), None


def default_concurrency(settings: Settings) -> int:
    """Subscribers in progress at once: enough to keep to the overall rate while most of
    them wait the per-chat interval between the parts of a digest - twice the sends one
    such interval holds (60 at 30/s, 1/s per chat) - within `MAX_WORKERS`."""
    return min(MAX_WORKERS, max(1, math.ceil(2 * settings.digest_rate / settings.digest_chat_rate)))


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
                async with digest_sender(database) as sender:
                    await tick.run(concurrency or default_concurrency(settings), sender)
            except OperationalError as error:
                # PostgreSQL: statement writes held the table past the lock timeout.
                tick.report.errors.append(f"database busy: {error.orig!r}")
                log.warning("digest tick skipped: the database is busy (%s)", error.orig)
    tick.report.duration = time_module.monotonic() - started
    log.info(tick.report.summary())
    return tick.report
