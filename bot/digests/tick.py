"""Daily digests: compose, claim, send, complete, with the database as the source of truth.

One function, `send_due(application_or_bot, database, now)`, is a tick: the JobQueue job
runs it every `TICK_SECONDS`, `diplobot digest send-due [--at ISO-TIME]` runs it once (and
is how the tests move the clock). A tick

1. takes the end of the record (`cursor_to`): the highest statement id, read while no
   statement write is in flight (on PostgreSQL under a brief SHARE lock on the table, so
   an id handed out to a transaction that has not committed yet is never skipped);
2. reads the subscribers whose `next_due_at` has passed (active, not paused), each with
   its open delivery, in one query;
3. composes every distinct digest among them (subscribers with the same filters and range
   share one), so that no composing stalls the sending;
4. for each subscriber, takes ownership, claims a delivery row, sends, records, completes.

Ownership: on PostgreSQL the subscriber's row is read again and locked with
`SELECT ... FOR NO KEY UPDATE SKIP LOCKED` in a transaction held open while its digest is
sent (the NO KEY variant of FOR UPDATE, so the delivery rows inserted meanwhile, whose
foreign key takes a KEY SHARE lock on that row, are not blocked by their own owner); a
second bot process skips rows that are locked, and a crashed process's locks go with its
connection. On SQLite only one process sends: each tick holds an exclusive `flock` on
`<database file>.digest-lock` (released by the OS when the process dies); a tick that
finds it taken is skipped (the CLI waits for it instead). There the tick's one read
stands; the claim itself checks that the subscriber is still due (an unsubscribe or a
pause during a long tick wins).

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

Telegram's answers: RetryAfter holds every send for the time Telegram asks and retries
the same part; Forbidden (blocked, removed from the group) and "chat not found" end the
subscription and the tick carries on; ChatMigrated moves the subscription to the new chat
id and resends there; any other BadRequest marks the day's delivery failed, logged with
the subscriber (the statements come again in the next digest when nothing was sent);
network errors are retried with backoff a few times, after which the delivery stays
claimed for the next tick, which resumes it. Digests go through a Bot without PTB's
`AIORateLimiter` (`digest_bot`), so that these answers reach the tick as they are.

Rate: one `RateLimiter` per bot keeps sends to `digest_rate` overall (30/s by default,
1000/s for paid broadcasts) and `1/digest_chat_rate` apart per chat (1/s), groups at most
20 a minute, with margins; many subscribers are in progress at once (most of them waiting
between the parts of a digest), with at most `SENDS_IN_FLIGHT` HTTP requests at a time.

Test hook: when the environment variable DIPLOBOT_DIGEST_CRASH_AT is `claimed`,
`sent:N` or `recorded:N`, the process exits at once (`os._exit`, no cleanup, like a kill)
right after the first delivery is claimed, after Telegram confirmed its part N, or after
part N was recorded. It exists for the crash tests and does nothing when unset.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import logging
import math
import os
import time as time_module
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
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
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.presentation.html import MESSAGE_LIMIT, split_message, statement_compact
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
from storage.subscriptions import (
    claim_delivery,
    delivery_on,
    due_at,
    due_subscribers,
    local_date,
    max_statement_id,
    next_due_at,
)

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
DIGEST_BOT = "digest_bot"
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
    sections: dict[str, list[str]],
    totals: dict[str, int],
    *,
    topics: tuple[str, ...] = (),
    speakers: list[str] | None = None,
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The digest as Telegram HTML messages: a heading, one section per topic (the
    product's topic order) of statements already rendered (`statement_compact`), newest
    first, each capped with "and N more" and the command that lists them."""
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
        blocks.extend(shown)
        if total > len(shown):
            blocks.append(f"… and {total - len(shown)} more: <code>{escape(_more_command(topic, speakers), quote=False)}</code>")
    blocks.append("<i>Topics, speakers, time: /settings</i>")
    return _pack(blocks, limit)


@dataclass(frozen=True, slots=True)
class _Placed:
    """A statement of a digest's range under one of its topics, as the sections see it."""

    statement_id: int
    said_on: Any
    actor_id: int
    topic: str


def _sections(rows: list[_Placed], key: DigestKey, section_limit: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Per topic, how many statements of `rows` (sorted by id, then by the statement's own
    order of its topics) the key's digest has, and the ids of those it shows: followed
    topics and followed speakers both narrow it (none followed means all), and each
    statement goes to one section, the first of its topics the subscriber follows."""
    start = bisect.bisect_right(rows, key.cursor_from, key=lambda row: row.statement_id)
    end = bisect.bisect_right(rows, key.cursor_to, key=lambda row: row.statement_id)
    topics, actors = set(key.topics), set(key.actor_ids)
    placed: dict[int, _Placed] = {}
    for row in rows[start:end]:
        if (topics and row.topic not in topics) or (actors and row.actor_id not in actors):
            continue
        placed.setdefault(row.statement_id, row)
    by_topic: dict[str, list[tuple[Any, int]]] = {}
    for row in placed.values():
        by_topic.setdefault(row.topic, []).append((row.said_on, row.statement_id))
    totals: dict[str, int] = {}
    shown: dict[str, list[int]] = {}
    for topic, entries in by_topic.items():
        entries.sort(reverse=True)  # newest said first, then latest recorded
        totals[topic] = len(entries)
        shown[topic] = [statement_id for _, statement_id in entries[:section_limit]]
    return totals, shown


async def compose_all(
    database: Database, keys: Collection[DigestKey], *, section_limit: int = SECTION_LIMIT, limit: int = MESSAGE_LIMIT
) -> dict[DigestKey, Digest]:
    """The digest of each key: the statements recorded in (cursor_from, cursor_to] that
    pass its filters, retracted ones left out. The digests of a tick overlap (the same
    days, topics and speakers), so the statements of all their ranges are read in one
    query, and each one shown is loaded and rendered once, not once per digest."""
    if not keys:
        return {}
    async with database.read() as session:
        query = (
            select(col(Statement.id), col(Statement.said_on), col(Statement.actor_id), col(StatementTopic.topic))
            .join(StatementTopic, col(StatementTopic.statement_id) == col(Statement.id))
            .where(
                col(Statement.id) > min(key.cursor_from for key in keys),
                col(Statement.id) <= max(key.cursor_to for key in keys),
                col(Statement.retracted_at).is_(None),
            )
            .order_by(col(Statement.id), col(StatementTopic.position))
        )
        rows = [
            _Placed(statement_id or 0, said, actor_id, topic.value if isinstance(topic, Topic) else str(topic))
            for statement_id, said, actor_id, topic in (await session.exec(query)).all()
        ]
        sections = {key: _sections(rows, key, section_limit) for key in keys}
        ids = sorted({i for _, shown in sections.values() for ids in shown.values() for i in ids})
        hits = await hydrate(session, [(statement_id, 0.0) for statement_id in ids])
        blocks = {hit.statement.id: statement_compact(hit.statement) for hit in hits}
        actor_ids = sorted({actor_id for key in keys for actor_id in key.actor_ids})
        names: dict[int | None, str] = {}
        if actor_ids:
            names = dict((await session.exec(select(Actor.id, Actor.name).where(col(Actor.id).in_(actor_ids)))).all())
    digests = {}
    for key, (totals, shown) in sections.items():
        count = sum(totals.values())
        if count == 0:
            digests[key] = Digest(key, [], 0)
            continue
        speakers = sorted(names[actor_id] for actor_id in key.actor_ids if actor_id in names)
        rendered = {topic: [blocks[i] for i in ids if i in blocks] for topic, ids in shown.items()}
        parts = render_digest(rendered, totals, topics=key.topics, speakers=speakers, limit=limit)
        digests[key] = Digest(key, parts, count)
    return digests


async def compose(
    database: Database, key: DigestKey, *, section_limit: int = SECTION_LIMIT, limit: int = MESSAGE_LIMIT
) -> Digest:
    """One digest (see `compose_all`)."""
    return (await compose_all(database, [key], section_limit=section_limit, limit=limit))[key]


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
#: Telegram counts messages by when they arrive, and the event loop moves a send by some
#: milliseconds: no more than floor(rate) sends are released in any window this long.
WINDOW_SECONDS = 1.03
#: Margin on the per-chat and per-group intervals, for the same reason; 5% still drew
#: per-chat 429s when the event loop was saturated (BENCHMARKS.md).
CHAT_MARGIN = 1.2
#: How many intervals the overall timeline may fall behind the clock: a send released
#: late lets this many go without waiting, so the average keeps to the rate (the window
#: still caps every second).
CATCH_UP_SLOTS = 4
#: HTTP sends in flight at once: more crowd the connection pool and cost CPU per send.
SENDS_IN_FLIGHT = 8
#: Subscribers in progress at once, at the most: beyond this CPU, not waiting, bounds the rate.
MAX_WORKERS = 400
#: On PostgreSQL each subscriber in progress holds a pooled connection (its lock) and takes
#: a second one for each claim and progress commit; SQLAlchemy's default pool has 15, and
#: readers' queries need some of them.
POSTGRESQL_WORKERS = 8


class RateLimiter:
    """Spaces digest sends: about `rate` a second overall, `1/chat_rate` seconds apart per
    chat (groups no more than `group_rate`), each with a margin (`CHAT_MARGIN`).

    A send first waits for its chat's own slot, holding nothing, so a digest waiting a
    second between its parts delays no other chat; then it takes the next overall slot.
    Overall slots follow an ideal timeline `1/rate` apart that a late wake-up does not push
    back (up to `CATCH_UP_SLOTS` behind the clock), and no more than floor(rate) sends go in
    any `WINDOW_SECONDS`, so catching up never bursts past Telegram's limit. A chat's next
    slot counts from when its send actually went, not from when it was planned.
    `hold(seconds)` (flood control) holds every send. Clock and sleep are injectable, so
    tests count instead of waiting."""

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
        self.chat_interval = CHAT_MARGIN / chat_rate
        self.group_interval = max(self.chat_interval, CHAT_MARGIN / group_rate)
        self.clock = clock
        self.sleep = sleep
        self._released: deque[float] = deque(maxlen=max(1, math.floor(rate + 1e-9)))
        self._gate = asyncio.Lock()
        self._ideal = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._held_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> RateLimiter:
        return cls(settings.digest_rate, settings.digest_chat_rate, **kwargs)

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Returns when a message to `chat_id` may go."""
        await self._wait_until(lambda: max(self._held_until, self._next_in_chat.get(chat_id, 0.0)))
        async with self._gate:
            await self._wait_until(self._next_overall)
            now = self.clock()
            self._released.append(now)
            self._ideal = max(self._ideal, now - CATCH_UP_SLOTS * self.interval) + self.interval
            self._next_in_chat[chat_id] = now + (self.group_interval if chat_id < 0 else self.chat_interval)
            if len(self._next_in_chat) > 10_000:
                self._next_in_chat = {chat: due for chat, due in self._next_in_chat.items() if due > now}

    def _next_overall(self) -> float:
        released = self._released
        window_full = len(released) == released.maxlen
        return max(self._held_until, self._ideal, released[0] + WINDOW_SECONDS if window_full else 0.0)

    async def _wait_until(self, ready: Callable[[], float]) -> None:
        """Sleeps until `ready()` has passed; asked again after each sleep, since a hold may
        have moved it meanwhile."""
        while (delay := ready() - self.clock()) > 0:
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


class _Writes:
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


class _Owner:
    """A subscriber this tick alone is working on, with its open delivery if it had one;
    its changes go through here."""

    def __init__(
        self,
        writes: _Writes,
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
        await session.exec(update(Subscriber).where(col(Subscriber.id) == self.subscriber.id).values(**values))

    async def new_chat_taken(self, chat_id: int) -> bool:
        query = select(Subscriber.id).where(Subscriber.chat_id == chat_id)
        if self.session is not None:
            return (await self.session.exec(query)).first() is not None
        async with self.writes.database.read() as session:
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
        self._digests: dict[DigestKey, Digest] = {}
        self._in_flight = asyncio.Semaphore(SENDS_IN_FLIGHT)
        self._writes = _Writes(database)

    async def compose(self, keys: Collection[DigestKey]) -> None:
        """Compose once, send many: one rendering per distinct key in a tick."""
        self._digests.update(await compose_all(self.database, keys, section_limit=self.section_limit))
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

    @contextlib.asynccontextmanager
    async def own(self, subscriber: Subscriber, open_delivery: DigestDelivery | None) -> AsyncIterator[_Owner | None]:
        """SQLite: the tick's read stands (one process sends; the claim checks the
        subscriber is still due). PostgreSQL: the subscriber is read again and locked for as
        long as its digest is sent, or None when another process holds it or sent it."""
        if not self.database.is_postgresql:
            yield _Owner(self._writes, subscriber, open_delivery, None)
            return
        async with self.database.write() as session:
            found = await due_subscribers(session, self.now, subscriber_id=subscriber.id, lock=True)
            # Detached, as on SQLite: changes go as the owner's UPDATEs, not as a flush too.
            session.expunge_all()
            yield _Owner(self._writes, *found[0], session) if found else None

    # -- one subscriber ------------------------------------------------------------

    async def deliver(self, subscriber: Subscriber, open_delivery: DigestDelivery | None) -> None:
        async with self.own(subscriber, open_delivery) as owner:
            if owner is None:
                self.report.skipped += 1
                return
            await self._deliver(owner)

    async def _deliver(self, owner: _Owner) -> None:
        subscriber = owner.subscriber
        delivery = owner.open_delivery
        if delivery is not None:
            self.report.resumed += 1
            log.info("resuming digest delivery %s to chat %s after part %s", delivery.id, subscriber.chat_id, delivery.messages_sent)
        else:
            delivery = await self._claim(owner)
            if delivery is None:
                return
            _crash_hook("claimed")
        digest = await self.digest(self._key(subscriber, delivery))
        parts = digest.parts or ([NOTHING_NEW] if subscriber.notify_empty else [])
        first = delivery.messages_sent
        try:
            for index in range(first, len(parts)):
                await self._send(owner, parts[index])
                _crash_hook(f"sent:{index + 1}")
                self.report.messages += 1
                delivery.messages_sent = index + 1
                if delivery.messages_sent < len(parts):  # the last is recorded with the completion
                    await self._progress(delivery)
                    _crash_hook(f"recorded:{index + 1}")
        except _Deferred as error:
            self.report.deferred += 1
            self.stopped = True
            log.warning("digest to chat %s deferred to the next tick: %s", subscriber.chat_id, error)
            return
        except _ChatGone as error:
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
                subscriber.id, subscriber.chat_id, delivery.messages_sent, error,
            )
            return
        state = DeliveryState.empty if digest.is_empty else DeliveryState.sent
        await self._complete(owner, delivery, state, None, **self._advanced(subscriber, delivery, state))
        if len(parts) > first:
            _crash_hook(f"recorded:{len(parts)}")
        if digest.is_empty:
            self.report.empty += 1
        else:
            self.report.sent += 1

    async def _claim(self, owner: _Owner) -> DigestDelivery | None:
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
            await session.exec(
                update(DigestDelivery)
                .where(col(DigestDelivery.id) == delivery.id)
                .values(messages_sent=delivery.messages_sent)
            )

    async def _complete(
        self, owner: _Owner, delivery: DigestDelivery, state: DeliveryState, error: str | None, **subscriber: Any
    ) -> None:
        """Finishes the delivery and changes the subscriber (moves it on, or ends it) in one
        transaction: there is no state in which one is done and not the other."""
        delivery.state = state
        delivery.error = error
        async with owner.transaction() as session:
            await session.exec(
                update(DigestDelivery)
                .where(col(DigestDelivery.id) == delivery.id)
                .values(state=state, error=error, finished_at=self.now, messages_sent=delivery.messages_sent)
            )
            await owner.update(session, **subscriber)

    def _advanced(self, subscriber: Subscriber, delivery: DigestDelivery, state: DeliveryState) -> dict[str, Any]:
        """The subscriber moved past a finished delivery: the cursor to its end (unless it
        failed before anything was sent: then those statements come next time), the due
        time to the next local day after now."""
        values: dict[str, Any] = {
            "next_due_at": next_due_at(subscriber.digest_time, subscriber.timezone, max(self.now, subscriber.next_due_at))
        }
        delivered = state in (DeliveryState.sent, DeliveryState.empty) or delivery.messages_sent > 0
        if delivered and delivery.cursor_to > subscriber.cursor:
            values["cursor"] = delivery.cursor_to
        return values

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
                async with self._in_flight:
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
                if self.stopped:
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


def digest_bot(token: str, api_url: str | None, request: BaseRequest | None = None) -> Bot:
    """The Bot digests go through: without PTB's `AIORateLimiter`, which would hold them
    to 30/s, retry a refused send on its own and, on any 429, hold every request and then
    release them together. The tick spaces its sends and handles RetryAfter itself.
    `request`: the transport to share (the application's); by default a pool of its own
    with room for the sends in flight."""
    request = request or HTTPXRequest(connection_pool_size=SENDS_IN_FLIGHT)
    if not api_url:
        return Bot(token, request=request)
    base = api_url.rstrip("/")
    return Bot(token, base_url=base, base_file_url=base.removesuffix("/bot") + "/file/bot", request=request)


def _bot_and_settings(application_or_bot: Any, settings: Settings | None) -> tuple[Bot, Settings, RateLimiter | None]:
    if isinstance(application_or_bot, Application):
        from bot.context import SETTINGS

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
    through its `DIGEST_BOT` (see `digest_bot`), a Bot as it is."""
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
                await tick.run(concurrency or default_concurrency(settings, database))
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
            due_now=await count(session, Subscriber, *due_at(now)),
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
