"""Daily digests: compose, claim, send, complete, with the database as the source of truth.

One function, `send_due(application_or_bot, database, now)`, is a tick: the JobQueue job
runs it every `TICK_SECONDS`, `diplobot digest send-due [--at ISO-TIME]` runs it once (and
is how the tests move the clock). A tick

1. takes the end of the record (`cursor_to`): the highest statement id, read while no
   statement write is in flight (on PostgreSQL under a brief SHARE lock on the table, so
   an id handed out to a transaction that has not committed yet is never skipped);
2. lists the subscribers whose `next_due_at` has passed (active, not paused);
3. for each, takes ownership, claims a delivery row, sends, records, completes.

Ownership: on PostgreSQL the subscriber's row is locked with
`SELECT ... FOR NO KEY UPDATE SKIP LOCKED` in a transaction held open while its digest is
sent (the NO KEY variant of FOR UPDATE, so the delivery rows inserted meanwhile, whose
foreign key takes a KEY SHARE lock on that row, are not blocked by their own owner); a
second bot process skips rows that are locked, and a crashed process's locks go with its
connection. On SQLite only one process sends: each tick holds an exclusive `flock` on
`<database file>.digest-lock` (released by the OS when the process dies); a tick that
finds it taken is skipped (the CLI waits for it instead).

Exactly once. The delivery row (unique per subscriber and local date) is committed in
state `claimed` with the statement range it covers (`cursor_from`, `cursor_to`) before
anything is sent. The digest is rendered into parts of at most 4096 characters; after
Telegram confirms part k, `messages_sent = k` is committed on the row. When every part is
confirmed the row becomes `sent` (or `empty`), and then the subscriber's `cursor` moves
to `cursor_to` and `next_due_at` to the next local day. Whoever owns the subscriber next
and finds a `claimed` row (the process died between claim and completion) re-renders
the same range and resumes at part `messages_sent + 1`; a finished row whose subscriber
was not advanced yet (death between the two commits) is completed without sending.

The window that remains: a crash after Telegram accepted part k but before
`messages_sent = k` was committed (or a network error after Telegram accepted the
request, then retried) sends part k again, once. Telegram's Bot API has no idempotency
key, so no client can close this window; it is one message wide, never a whole digest.
A resumed digest is re-rendered from the same statement range: if the record or the
subscriber's filters changed in between, the remaining parts show that.

Telegram's answers: RetryAfter holds every send for the time Telegram asks and retries
the same part; Forbidden (blocked, removed from the group) and "chat not found" end the
subscription and the tick carries on; ChatMigrated moves the subscription to the new chat
id and resends there; any other BadRequest marks the day's delivery failed, logged with
the subscriber (the statements come again in the next digest when nothing was sent);
network errors are retried with backoff a few times, after which the delivery stays
claimed for the next tick, which resumes it.

Rate: one limiter per bot keeps sends `1/digest_rate` apart overall (30/s by default,
1000/s for paid broadcasts) and `1/digest_chat_rate` apart per chat (1/s), groups at most
20 a minute. Clock and sleep are injectable, so tests count instead of waiting.

Test hook: when the environment variable DIPLOBOT_DIGEST_CRASH_AT is `claimed`,
`sent:N` or `recorded:N`, the process exits at once (`os._exit`, no cleanup, like a kill)
right after the first delivery is claimed, after Telegram confirmed its part N, or after
part N was recorded. It exists for the crash tests and does nothing when unset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time as time_module
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.render import MESSAGE_LIMIT, split_message, statement_compact
from storage.engine import Database
from storage.models import (
    Actor,
    ChatType,
    DeliveryState,
    DigestDelivery,
    Statement,
    StatementTopic,
    Subscriber,
    Topic,
    utcnow,
)
from storage.search import hydrate
from storage.subscriptions import local_date, max_statement_id, next_due_at

log = logging.getLogger(__name__)

TICK_SECONDS = 30
SECTION_LIMIT = 5
GROUP_RATE = 20 / 60
NETWORK_RETRIES = 3
NETWORK_BACKOFF = 1.0
MAX_FLOOD_WAITS = 5
STATEMENT_LOCK_TIMEOUT = "10s"
CRASH_HOOK = "DIPLOBOT_DIGEST_CRASH_AT"
CRASH_EXIT_CODE = 75
LIMITER = "digest_limiter"
NOTHING_NEW = "📭 Nothing new in the record since your last digest."
_CHAT_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")

Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]


# -- composing -----------------------------------------------------------------


@dataclass(frozen=True)
class DigestKey:
    """Everything a digest's content depends on: subscribers with equal keys share one
    rendering."""

    topics: tuple[str, ...]
    actor_ids: tuple[int, ...]
    cursor_from: int
    cursor_to: int

    @classmethod
    def of(cls, subscriber: Subscriber, cursor_from: int, cursor_to: int) -> DigestKey:
        return cls(
            tuple(topic.value for topic in Topic if topic.value in set(subscriber.topics)),
            tuple(sorted(set(subscriber.actor_ids))),
            cursor_from,
            cursor_to,
        )


@dataclass(frozen=True)
class Digest:
    key: DigestKey
    parts: list[str]
    count: int

    @property
    def is_empty(self) -> bool:
        return self.count == 0


def _topic_title(topic: str) -> str:
    return topic.replace("_", " ").capitalize()


def _more_command(topic: str, speakers: list[str]) -> str:
    if len(speakers) == 1:
        return f'/search topic:{topic} speaker:"{speakers[0]}"'
    return f"/topic {topic}"


def _pack(blocks: list[str], limit: int) -> list[str]:
    """Blocks joined by blank lines into as few messages of at most `limit` characters as
    they fit in; a block too long for one message is split at its line ends."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        pieces = [block] if len(block) <= limit else split_message(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def render_digest(
    sections: dict[str, list[Statement]],
    totals: dict[str, int],
    *,
    topics: tuple[str, ...] = (),
    speakers: list[str] | None = None,
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The digest as Telegram HTML messages: a heading, one section per topic (the
    product's topic order), newest first, each capped with "and N more" and the command
    that lists them."""
    speakers = speakers or []
    count = sum(totals.values())
    following = []
    if topics:
        following.append(", ".join(_topic_title(topic).lower() for topic in topics))
    if speakers:
        following.append(", ".join(escape(name, quote=False) for name in speakers))
    heading = f"<b>📰 Your daily digest</b>\n{count} new statement{'s' if count != 1 else ''} recorded since your last digest"
    if following:
        heading += f"\nFollowing: {' · '.join(following)}"
    blocks = [heading]
    for topic in (topic.value for topic in Topic):
        shown = sections.get(topic)
        if not shown:
            continue
        total = totals[topic]
        blocks.append(f"<b>{_topic_title(topic)}</b> · {total} new")
        blocks.extend(statement_compact(statement) for statement in shown)
        if total > len(shown):
            blocks.append(f"… and {total - len(shown)} more: <code>{escape(_more_command(topic, speakers), quote=False)}</code>")
    blocks.append("<i>Topics, speakers, time: /settings</i>")
    return _pack(blocks, limit)


async def compose(
    database: Database, key: DigestKey, *, section_limit: int = SECTION_LIMIT, limit: int = MESSAGE_LIMIT
) -> Digest:
    """The digest of the statements recorded in (cursor_from, cursor_to] that pass the
    filters (followed topics and followed speakers both narrow it; none followed means
    all), retracted ones left out."""
    async with database.read() as session:
        query = (
            select(Statement.id, Statement.said_on, StatementTopic.topic, StatementTopic.position)
            .join(StatementTopic, col(StatementTopic.statement_id) == col(Statement.id))
            .where(
                col(Statement.id) > key.cursor_from,
                col(Statement.id) <= key.cursor_to,
                col(Statement.retracted_at).is_(None),
            )
        )
        if key.actor_ids:
            query = query.where(col(Statement.actor_id).in_(key.actor_ids))
        if key.topics:
            query = query.where(col(StatementTopic.topic).in_(key.topics))
        # Each statement goes to one section: the first of its topics the subscriber follows.
        placed: dict[int, tuple[int, str, Any]] = {}
        for statement_id, said, topic, position in (await session.exec(query)).all():
            topic_value = topic.value if isinstance(topic, Topic) else str(topic)
            if statement_id not in placed or position < placed[statement_id][0]:
                placed[statement_id] = (position, topic_value, said)
        by_topic: dict[str, list[tuple[Any, int]]] = {}
        for statement_id, (_, topic_value, said) in placed.items():
            by_topic.setdefault(topic_value, []).append((said, statement_id))
        totals: dict[str, int] = {}
        wanted: dict[str, list[int]] = {}
        for topic_value, entries in by_topic.items():
            entries.sort(reverse=True)  # newest said first, then latest recorded
            totals[topic_value] = len(entries)
            wanted[topic_value] = [statement_id for _, statement_id in entries[:section_limit]]
        ids = [statement_id for shown in wanted.values() for statement_id in shown]
        hits = {hit.statement.id: hit.statement for hit in await hydrate(session, [(i, 0.0) for i in ids])}
        sections = {
            topic_value: [hits[i] for i in shown if i in hits] for topic_value, shown in wanted.items()
        }
        speakers: list[str] = []
        if key.actor_ids:
            rows = await session.exec(select(Actor.name).where(col(Actor.id).in_(key.actor_ids)).order_by(Actor.name))
            speakers = list(rows.all())
    count = sum(totals.values())
    if count == 0:
        return Digest(key, [], 0)
    parts = render_digest(sections, totals, topics=key.topics, speakers=speakers, limit=limit)
    return Digest(key, parts, count)


async def preview(
    database: Database, chat_id: int, *, section_limit: int = SECTION_LIMIT
) -> tuple[Subscriber, Digest] | None:
    """What the chat's next digest would hold if it went out now; moves nothing. None when
    the chat has no subscription."""
    async with database.read() as session:
        subscriber = (await session.exec(select(Subscriber).where(Subscriber.chat_id == chat_id))).first()
        if subscriber is None:
            return None
        end = await max_statement_id(session)
    return subscriber, await compose(database, DigestKey.of(subscriber, subscriber.cursor, end), section_limit=section_limit)


# -- rate ----------------------------------------------------------------------


FREE_BROADCAST_RATE = 30.0


class RateLimiter:
    """Spaces sends: `1/rate` seconds apart overall, `1/chat_rate` apart per chat (groups
    no more than `group_rate`). Each caller reserves the next free slot, then sleeps until
    it; `hold(seconds)` (flood control) pushes every later slot back."""

    def __init__(
        self,
        rate: float,
        chat_rate: float,
        *,
        group_rate: float = GROUP_RATE,
        clock: Clock = time_module.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        # Above Telegram's free 30 messages/s, only paid broadcasts are granted the rate.
        self.paid_broadcast = rate > FREE_BROADCAST_RATE
        self.chat_interval = 1.0 / chat_rate
        self.group_interval = max(self.chat_interval, 1.0 / group_rate)
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._held_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> RateLimiter:
        return cls(settings.digest_rate, settings.digest_chat_rate, **kwargs)

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self.clock() + seconds)

    def reserve(self, chat_id: int) -> float:
        """The slot (clock time) at which the next message to `chat_id` may go."""
        now = self.clock()
        slot = max(now, self._next, self._held_until, self._next_in_chat.get(chat_id, 0.0))
        self._next = slot + self.interval
        self._next_in_chat[chat_id] = slot + (self.group_interval if chat_id < 0 else self.chat_interval)
        if len(self._next_in_chat) > 10_000:
            self._next_in_chat = {chat: due for chat, due in self._next_in_chat.items() if due > now}
        return slot

    async def acquire(self, chat_id: int) -> None:
        delay = self.reserve(chat_id) - self.clock()
        if delay > 0:
            await self.sleep(delay)


# -- the tick ------------------------------------------------------------------


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


class _Deferred(Exception):
    """Telegram could not be reached (or kept us waiting): the delivery stays claimed and
    the next tick resumes it."""


class _ChatGone(Exception):
    """The chat cannot receive messages from the bot any more."""


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the attribute becomes a timedelta; both forms are read here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _crash_hook(stage: str) -> None:
    if os.environ.get(CRASH_HOOK) == stage:
        log.warning("test hook %s=%s: exiting now", CRASH_HOOK, stage)
        os._exit(CRASH_EXIT_CODE)


def _lock_path(database: Database) -> Path | None:
    if not database.is_sqlite:
        return None
    name = make_url(database.url).database
    if not name or name == ":memory:":
        return None
    return Path(name).expanduser().resolve().with_name(Path(name).name + ".digest-lock")


@contextlib.asynccontextmanager
async def _sender_lock(database: Database, wait: float) -> AsyncIterator[bool]:
    """SQLite: the one-sender lock (see the module docstring); True when held. PostgreSQL
    needs none: its subscribers' rows are locked one by one."""
    path = _lock_path(database)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        fcntl = None  # type: ignore[assignment]
    if path is None or fcntl is None:
        yield True
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time_module.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time_module.monotonic() >= deadline:
                    yield False
                    return
                await asyncio.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


async def record_end(database: Database) -> int:
    """The highest statement id with no lower id still in flight."""
    if not database.is_postgresql:
        async with database.read() as session:
            return await max_statement_id(session)
    async with database.write() as session:
        connection = await session.connection()
        await connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{STATEMENT_LOCK_TIMEOUT}'")
        await connection.exec_driver_sql("LOCK TABLE statement IN SHARE MODE")
        return await max_statement_id(session)


def _due(now: datetime) -> Any:
    return (
        col(Subscriber.active).is_(True),
        col(Subscriber.paused).is_(False),
        col(Subscriber.next_due_at) <= now,
    )


class _Owner:
    """A subscriber this tick alone is working on; its changes go through here."""

    def __init__(self, database: Database, subscriber: Subscriber, session: AsyncSession | None) -> None:
        self.database = database
        self.subscriber = subscriber
        self.session = session

    async def update(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.subscriber, name, value)
        if self.session is not None:
            await self.session.flush()
            return
        async with self.database.write() as session:
            await session.exec(update(Subscriber).where(col(Subscriber.id) == self.subscriber.id).values(**values))

    async def new_chat_taken(self, chat_id: int) -> bool:
        query = select(Subscriber.id).where(Subscriber.chat_id == chat_id)
        if self.session is not None:
            return (await self.session.exec(query)).first() is not None
        async with self.database.read() as session:
            return (await session.exec(query)).first() is not None


class _Tick:
    def __init__(
        self,
        bot: Bot,
        database: Database,
        now: datetime,
        limiter: RateLimiter,
        *,
        section_limit: int,
    ) -> None:
        self.bot = bot
        self.database = database
        self.now = now
        self.limiter = limiter
        self.sleep = limiter.sleep
        self.section_limit = section_limit
        self.report = TickReport(at=now)
        self.end = 0
        self.stopped = False
        self._digests: dict[DigestKey, asyncio.Task[Digest]] = {}

    async def digest(self, key: DigestKey) -> Digest:
        """Compose once, send many: one rendering per distinct key in a tick."""
        task = self._digests.get(key)
        if task is None:
            self.report.renders += 1
            task = asyncio.ensure_future(compose(self.database, key, section_limit=self.section_limit))
            self._digests[key] = task
        return await asyncio.shield(task)

    async def due_ids(self) -> list[int]:
        async with self.database.read() as session:
            rows = await session.exec(
                select(Subscriber.id).where(*_due(self.now)).order_by(col(Subscriber.next_due_at), col(Subscriber.id))
            )
            return [row for row in rows.all() if row is not None]

    @contextlib.asynccontextmanager
    async def own(self, subscriber_id: int) -> AsyncIterator[_Owner | None]:
        query = select(Subscriber).where(col(Subscriber.id) == subscriber_id, *_due(self.now))
        if self.database.is_postgresql:
            async with self.database.write() as session:
                locked = query.with_for_update(skip_locked=True, key_share=True)
                subscriber = (await session.exec(locked)).first()
                yield _Owner(self.database, subscriber, session) if subscriber else None
            return
        async with self.database.read() as session:
            subscriber = (await session.exec(query)).first()
        yield _Owner(self.database, subscriber, None) if subscriber else None

    # -- one subscriber ------------------------------------------------------------

    async def deliver(self, subscriber_id: int) -> None:
        async with self.own(subscriber_id) as owner:
            if owner is None:
                self.report.skipped += 1
                return
            await self._deliver(owner)

    async def _deliver(self, owner: _Owner) -> None:
        subscriber = owner.subscriber
        delivery = await self._unfinished(subscriber)
        if delivery is not None:
            self.report.resumed += 1
            log.info("resuming digest delivery %s to chat %s after part %s", delivery.id, subscriber.chat_id, delivery.messages_sent)
        else:
            day = local_date(subscriber.next_due_at, subscriber.timezone)
            done = await self._delivery_on(subscriber, day)
            if done is not None:
                # Delivered that day already (the process stopped before moving the
                # subscriber on, or the subscriber changed the time after today's digest).
                await self._advance(owner, done)
                return
            delivery = await self._claim(subscriber, day)
            if delivery is None:
                self.report.skipped += 1
                return
            _crash_hook("claimed")
        digest = await self.digest(DigestKey.of(subscriber, delivery.cursor_from, delivery.cursor_to))
        parts = digest.parts or ([NOTHING_NEW] if subscriber.notify_empty else [])
        try:
            for index in range(delivery.messages_sent, len(parts)):
                await self._send(owner, parts[index])
                _crash_hook(f"sent:{index + 1}")
                await self._progress(delivery, index + 1)
                _crash_hook(f"recorded:{index + 1}")
        except _Deferred as error:
            self.report.deferred += 1
            self.stopped = True
            log.warning("digest to chat %s deferred to the next tick: %s", subscriber.chat_id, error)
            return
        except _ChatGone as error:
            reason = str(error)[:300]
            await self._finish(delivery, DeliveryState.failed, reason)
            await owner.update(active=False, deactivated_reason=reason)
            self.report.deactivated += 1
            log.info("subscriber %s (chat %s) deactivated: %s", subscriber.id, subscriber.chat_id, reason)
            return
        except BadRequest as error:
            await self._finish(delivery, DeliveryState.failed, str(error))
            await self._advance(owner, delivery)
            self.report.failed += 1
            self.report.errors.append(f"subscriber {subscriber.id} chat {subscriber.chat_id}: {error}")
            log.error(
                "digest to subscriber %s (chat %s) refused by Telegram after %s part(s): %s",
                subscriber.id, subscriber.chat_id, delivery.messages_sent, error,
            )
            return
        state = DeliveryState.empty if digest.is_empty else DeliveryState.sent
        await self._finish(delivery, state, None)
        await self._advance(owner, delivery)
        if digest.is_empty:
            self.report.empty += 1
        else:
            self.report.sent += 1

    async def _unfinished(self, subscriber: Subscriber) -> DigestDelivery | None:
        async with self.database.read() as session:
            rows = await session.exec(
                select(DigestDelivery)
                .where(DigestDelivery.subscriber_id == subscriber.id, DigestDelivery.state == DeliveryState.claimed)
                .order_by(col(DigestDelivery.id))
            )
            return rows.first()

    async def _delivery_on(self, subscriber: Subscriber, day: Any) -> DigestDelivery | None:
        async with self.database.read() as session:
            rows = await session.exec(
                select(DigestDelivery).where(DigestDelivery.subscriber_id == subscriber.id, DigestDelivery.local_date == day)
            )
            return rows.first()

    async def _claim(self, subscriber: Subscriber, day: Any) -> DigestDelivery | None:
        delivery = DigestDelivery(
            subscriber_id=subscriber.id or 0,
            local_date=day,
            state=DeliveryState.claimed,
            cursor_from=subscriber.cursor,
            cursor_to=max(self.end, subscriber.cursor),
            claimed_at=self.now,
        )
        try:
            async with self.database.write() as session:
                session.add(delivery)
        except IntegrityError:
            return None
        return delivery

    async def _progress(self, delivery: DigestDelivery, sent: int) -> None:
        delivery.messages_sent = sent
        self.report.messages += 1
        async with self.database.write() as session:
            await session.exec(
                update(DigestDelivery).where(col(DigestDelivery.id) == delivery.id).values(messages_sent=sent)
            )

    async def _finish(self, delivery: DigestDelivery, state: DeliveryState, error: str | None) -> None:
        delivery.state = state
        delivery.error = error
        async with self.database.write() as session:
            await session.exec(
                update(DigestDelivery)
                .where(col(DigestDelivery.id) == delivery.id)
                .values(state=state, error=error, finished_at=self.now)
            )

    async def _advance(self, owner: _Owner, delivery: DigestDelivery) -> None:
        """Moves the subscriber past a finished delivery: the cursor to its end (unless it
        failed before anything was sent: then those statements come next time), the due
        time to the next local day after now."""
        subscriber = owner.subscriber
        values: dict[str, Any] = {
            "next_due_at": next_due_at(subscriber.digest_time, subscriber.timezone, max(self.now, subscriber.next_due_at))
        }
        delivered = delivery.state in (DeliveryState.sent, DeliveryState.empty) or delivery.messages_sent > 0
        if delivered and delivery.cursor_to > subscriber.cursor:
            values["cursor"] = delivery.cursor_to
        await owner.update(**values)

    # -- one message ---------------------------------------------------------------

    async def _send(self, owner: _Owner, text_html: str) -> Message:
        floods = 0
        network_failures = 0
        while True:
            if self.stopped:
                raise _Deferred("the tick stopped after Telegram could not be reached")
            chat_id = owner.subscriber.chat_id
            await self.limiter.acquire(chat_id)
            try:
                return await self.bot.send_message(
                    chat_id=chat_id,
                    text=text_html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_paid_broadcast=self.limiter.paid_broadcast or None,
                )
            except RetryAfter as error:
                floods += 1
                wait = _retry_after(error)
                if floods > MAX_FLOOD_WAITS:
                    raise _Deferred(f"flood control {floods} times in a row") from error
                log.warning("flood control: holding digests for %s s (chat %s)", wait, chat_id)
                self.limiter.hold(wait)
            except ChatMigrated as error:
                await self._migrate(owner, int(error.new_chat_id))
            except Forbidden as error:
                raise _ChatGone(f"Forbidden: {error.message}") from error
            except BadRequest as error:
                if any(marker in error.message.lower() for marker in _CHAT_GONE):
                    raise _ChatGone(f"BadRequest: {error.message}") from error
                raise
            except NetworkError as error:
                network_failures += 1
                if network_failures > NETWORK_RETRIES:
                    raise _Deferred(f"network error after {NETWORK_RETRIES} retries: {error}") from error
                backoff = NETWORK_BACKOFF * 2 ** (network_failures - 1)
                log.warning("network error sending a digest to chat %s (%s); retrying in %s s", chat_id, error, backoff)
                await self.sleep(backoff)
            except TelegramError as error:
                # InvalidToken and the like: nothing a retry or the next subscriber fixes.
                raise _Deferred(f"{type(error).__name__}: {error}") from error

    async def _migrate(self, owner: _Owner, new_chat_id: int) -> None:
        subscriber = owner.subscriber
        old_chat_id = subscriber.chat_id
        if await owner.new_chat_taken(new_chat_id):
            raise _ChatGone(f"migrated to chat {new_chat_id}, which has its own subscription")
        await owner.update(chat_id=new_chat_id, chat_type=ChatType.supergroup)
        self.report.migrated += 1
        log.info("subscriber %s moved from chat %s to %s (group upgraded)", subscriber.id, old_chat_id, new_chat_id)

    # -- all of them -----------------------------------------------------------------

    async def run(self, concurrency: int) -> None:
        self.end = await record_end(self.database)
        ids = await self.due_ids()
        self.report.due = len(ids)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for subscriber_id in ids:
            queue.put_nowait(subscriber_id)

        async def worker() -> None:
            while not queue.empty():
                subscriber_id = queue.get_nowait()
                if self.stopped:
                    self.report.deferred += 1
                    continue
                try:
                    await self.deliver(subscriber_id)
                except Exception as error:
                    self.report.failed += 1
                    self.report.errors.append(f"subscriber {subscriber_id}: {error!r}")
                    log.exception("digest to subscriber %s failed", subscriber_id)

        await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(ids) or 1)))))


def _bot_and_settings(application_or_bot: Any, settings: Settings | None) -> tuple[Bot, Settings, RateLimiter | None]:
    if isinstance(application_or_bot, Application):
        from bot.context import SETTINGS

        settings = settings or application_or_bot.bot_data.get(SETTINGS)
        return application_or_bot.bot, settings or Settings(), application_or_bot.bot_data.get(LIMITER)
    return application_or_bot, settings or Settings(), None


def default_concurrency(settings: Settings) -> int:
    """Enough sends in flight to reach the overall rate over a ~100 ms round trip, few
    enough to leave the connection pool room."""
    return max(1, min(8, round(settings.digest_rate / 8)))


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
    The job and `diplobot digest send-due` both run exactly this."""
    now = (now or utcnow()).astimezone(UTC)
    bot, settings, kept = _bot_and_settings(application_or_bot, settings)
    limiter = limiter or kept or RateLimiter.from_settings(settings)
    if isinstance(application_or_bot, Application):
        application_or_bot.bot_data.setdefault(LIMITER, limiter)
    started = time_module.monotonic()
    tick = _Tick(bot, database, now, limiter, section_limit=section_limit)
    async with _sender_lock(database, wait_for_lock) as held:
        if not held:
            tick.report.locked_out = True
        else:
            try:
                await tick.run(concurrency or default_concurrency(settings))
            except OperationalError as error:
                # PostgreSQL: statement writes held the table past the lock timeout.
                tick.report.errors.append(f"database busy: {error.orig!r}")
                log.warning("digest tick skipped: the database is busy (%s)", error.orig)
    tick.report.duration = time_module.monotonic() - started
    log.info(tick.report.summary())
    return tick.report


# -- status --------------------------------------------------------------------


@dataclass
class DigestStatus:
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
    tomorrow = midnight + timedelta(days=1)

    async def count(session: AsyncSession, model: Any, *where: Any) -> int:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()

    async with database.read() as session:
        finished_today = and_(col(DigestDelivery.finished_at) >= midnight, col(DigestDelivery.finished_at) < tomorrow)
        active = col(Subscriber.active).is_(True)
        failures = await session.exec(
            select(Subscriber.id, Subscriber.chat_id, DigestDelivery.error)
            .join(Subscriber, col(Subscriber.id) == col(DigestDelivery.subscriber_id))
            .where(DigestDelivery.state == DeliveryState.failed, finished_today)
            .order_by(col(DigestDelivery.id).desc())
            .limit(20)
        )
        return DigestStatus(
            subscribers=await count(session, Subscriber),
            active=await count(session, Subscriber, active),
            paused=await count(session, Subscriber, active, col(Subscriber.paused).is_(True)),
            due_now=await count(session, Subscriber, *_due(now)),
            sent_today=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.sent, finished_today),
            empty_today=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.empty, finished_today),
            failed_today=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.failed, finished_today),
            unfinished=await count(session, DigestDelivery, DigestDelivery.state == DeliveryState.claimed),
            deactivated=await count(session, Subscriber, col(Subscriber.active).is_(False)),
            failures=[(row[0] or 0, row[1], row[2] or "") for row in failures.all()],
        )


def plain_text(html_text: str) -> str:
    """A rendered message as an operator's terminal shows it."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_text))
