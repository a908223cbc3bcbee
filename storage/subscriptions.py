"""Subscriptions to the daily digest, and when each one is next due.

Nothing here knows about Telegram. A subscription is one row per chat (`Subscriber`); the
digest job reads `next_due_at` (UTC) to find who is due, so every change that moves the
local time or the time zone recomputes it here.

When is a digest due? `next_due_at(local_time, zone, after_utc)` is the first instant
strictly after `after_utc` at which the clocks of `zone` read `local_time`, with the two
daylight-saving cases settled like this:

- A local time that does not exist that day (spring forward: in Europe/Kyiv 03:00 jumps
  to 04:00, in America/New_York 02:00 to 03:00) is due at the first instant after the
  gap, i.e. at the moment the clocks jump: 03:30 in Kyiv is due at 04:00 local, 02:30 in
  New York at 03:00 local. It is never moved to the previous or the next day, and it is
  not the same wall-clock time shifted by the gap (which would be 04:30 / 03:30): the
  digest comes as soon as its time has passed.
- A local time that occurs twice (fall back: in Kyiv 03:00-04:00 happens twice, in New
  York 01:00-02:00) is due at its first occurrence (fold=0), and never again that day:
  every calendar day has exactly one candidate instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.actors import resolve_actor
from storage.chat_state import alert_language, user_language
from storage.engine import Database
from storage.errors import N_, InvalidInput, NotFound
from storage.models import Actor, ChatType, Statement, Subscriber, Topic, is_row_id, utcnow
from storage.zones import Zone, as_zone, key_of

MAX_ACTORS = 20
UNSUBSCRIBED = "unsubscribed"


# -- time ----------------------------------------------------------------------


def _wall(instant: datetime, zone: Zone) -> datetime:
    """What the clocks of `zone` read at `instant`, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant(day: date, local_time: time, zone: Zone | str) -> datetime:
    """The UTC instant at which the clocks of `zone` read `local_time` on `day`: the first
    occurrence of a time that happens twice, the end of the gap for one that never happens
    (see the module docstring)."""
    zone = as_zone(zone)
    wanted = datetime.combine(day, local_time.replace(tzinfo=None, fold=0))
    earlier, later = sorted(wanted.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    for candidate in (earlier, later):
        if _wall(candidate, zone) == wanted:
            return candidate
    # In the gap: `earlier` reads before the wanted time and `later` after it; the
    # transition lies between, found to the second (tz transitions fall on whole seconds).
    low, high = earlier.replace(microsecond=0), later
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=((high - low).total_seconds() // 2))
        if _wall(middle, zone) >= wanted:
            high = middle
        else:
            low = middle
    return high


def next_due_at(local_time: time, zone: Zone | str, after_utc: datetime) -> datetime:
    """The first instant strictly after `after_utc` (aware) at which `zone`'s clocks read
    `local_time`, in UTC. Called with the time a digest went out, it gives the next day's:
    after downtime one digest catches up, not one per missed day."""
    if after_utc.tzinfo is None:
        raise ValueError("after_utc must be an aware datetime")
    zone = as_zone(zone)
    # From the day before: on a day whose gap crosses midnight the instant of the
    # previous calendar day can fall after `after_utc`.
    day = after_utc.astimezone(zone).date() - timedelta(days=1)
    for offset in range(4):
        candidate = local_instant(day + timedelta(days=offset), local_time, zone)
        if candidate > after_utc:
            return candidate
    raise AssertionError("no local day within three days reads the wanted time")  # pragma: no cover


def local_date(instant: datetime, zone: Zone | str) -> date:
    """The calendar day of `instant` in `zone`: the digest's day, one delivery per day."""
    return instant.astimezone(as_zone(zone)).date()


# -- reading -------------------------------------------------------------------


async def max_statement_id(session: AsyncSession) -> int:
    return (await session.exec(select(func.max(Statement.id)))).one() or 0


async def load_subscriber(session: AsyncSession, chat_id: int) -> Subscriber | None:
    return (await session.exec(select(Subscriber).where(Subscriber.chat_id == chat_id))).first()


async def get_subscriber(database: Database, chat_id: int) -> Subscriber | None:
    async with database.read() as session:
        return await load_subscriber(session, chat_id)


async def actor_names(database: Database, actor_ids: list[int]) -> dict[int, str]:
    if not actor_ids:
        return {}
    async with database.read() as session:
        return await actor_names_in(session, actor_ids)


async def actor_names_in(session: AsyncSession, actor_ids: list[int]) -> dict[int, str]:
    """The names of the speakers followed, by id (ids no longer in the record left out)."""
    if not actor_ids:
        return {}
    rows = await session.exec(select(Actor.id, Actor.name).where(col(Actor.id).in_(actor_ids)))
    return {actor_id: name for actor_id, name in rows.all() if actor_id is not None}


# -- writing -------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    subscriber: Subscriber
    created: bool
    """True for a new subscription, or one that had ended and starts again."""


async def subscribe(
    database: Database,
    chat_id: int,
    chat_type: ChatType | str,
    *,
    digest_time: time | None,
    zone: Zone | str | None,
    default_time: time,
    default_zone: Zone | str,
    language: str | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Subscribes the chat, or updates its time and zone when it already is (a time or zone
    left out keeps what the subscription had, or the defaults for a new one).

    A new subscription (and one that had ended) starts at the record's current end: its
    first digest holds what is recorded from now on, not the whole archive."""
    now = now or utcnow()
    async with database.write() as session:
        subscriber = await load_subscriber(session, chat_id)
        created = subscriber is None or not subscriber.active
        if subscriber is None:
            subscriber = Subscriber(
                chat_id=chat_id,
                timezone=key_of(as_zone(zone or default_zone)),
                digest_time=digest_time or default_time,
                next_due_at=now,
            )
            session.add(subscriber)
        else:
            if digest_time is not None:
                subscriber.digest_time = digest_time
            if zone is not None:
                subscriber.timezone = key_of(as_zone(zone))
        subscriber.chat_type = ChatType(chat_type)
        if language and created:
            # Afterwards the language is changed on purpose only (`set_language`).
            subscriber.language = language[:16]
        if created:
            subscriber.active = True
            subscriber.paused = False
            subscriber.deactivated_reason = None
            subscriber.cursor = await max_statement_id(session)
        subscriber.next_due_at = next_due_at(subscriber.digest_time, subscriber.timezone, now)
        await session.flush()
        return Subscription(subscriber, created)


async def unsubscribe(database: Database, chat_id: int) -> bool:
    """Ends the subscription; its settings are kept for a later /subscribe. False when the
    chat had none."""
    return await deactivate(database, chat_id, UNSUBSCRIBED)


async def deactivate(database: Database, chat_id: int, reason: str) -> bool:
    """Stops digests to the chat (unsubscribed, blocked the bot, removed it from a group)."""
    async with database.write() as session:
        return await stop_digest(session, chat_id, reason)


async def stop_digest(session: AsyncSession, chat_id: int, reason: str) -> bool:
    """`deactivate` within the caller's transaction, for a change that must happen
    whole with others (a channel unlinked). False when the chat had no digest."""
    subscriber = await load_subscriber(session, chat_id)
    if subscriber is None or not subscriber.active:
        return False
    subscriber.active = False
    subscriber.deactivated_reason = reason[:300]
    return True


async def _change(
    database: Database, chat_id: int, change: Callable[[Subscriber], None], now: datetime | None = None
) -> Subscriber:
    now = now or utcnow()
    async with database.write() as session:
        subscriber = await load_subscriber(session, chat_id)
        if subscriber is None or not subscriber.active:
            raise NotFound(N_("this chat has no digest subscription; /subscribe first"))
        before = (subscriber.digest_time, subscriber.timezone, subscriber.paused)
        change(subscriber)
        if (subscriber.digest_time, subscriber.timezone, subscriber.paused) != before:
            subscriber.next_due_at = next_due_at(subscriber.digest_time, subscriber.timezone, now)
        await session.flush()
        return subscriber


async def set_language(database: Database, chat_id: int, language: str) -> bool:
    """The language of the chat's digests and alerts; False when the chat has no
    subscription (its alerts then come in English)."""
    async with database.write() as session:
        subscriber = await load_subscriber(session, chat_id)
        if subscriber is None:
            return False
        subscriber.language = language[:16]
        return True


async def chat_language(session: AsyncSession, chat_id: int) -> str:
    """The language the chat chose for what is sent to it unasked (digests, alerts): its
    subscription's; without one, in a private chat (whose id is its user's) the language
    the user chose; else the one its latest alert was made in; else English."""
    subscriber = await load_subscriber(session, chat_id)
    if subscriber is not None:
        return subscriber.language
    chosen = await user_language(session, chat_id) if chat_id > 0 else None
    return chosen or await alert_language(session, chat_id) or "en"


async def set_digest_time(
    database: Database, chat_id: int, digest_time: time, now: datetime | None = None
) -> Subscriber:
    def change(subscriber: Subscriber) -> None:
        subscriber.digest_time = digest_time

    return await _change(database, chat_id, change, now)


async def set_timezone(database: Database, chat_id: int, zone: Zone | str, now: datetime | None = None) -> Subscriber:
    key = key_of(as_zone(zone))

    def change(subscriber: Subscriber) -> None:
        subscriber.timezone = key

    return await _change(database, chat_id, change, now)


async def set_paused(database: Database, chat_id: int, paused: bool, now: datetime | None = None) -> Subscriber:
    """Paused subscriptions get nothing; on resume the next digest holds everything
    recorded since the last one."""

    def change(subscriber: Subscriber) -> None:
        subscriber.paused = paused

    return await _change(database, chat_id, change, now)


async def set_notify_empty(database: Database, chat_id: int, notify: bool) -> Subscriber:
    def change(subscriber: Subscriber) -> None:
        subscriber.notify_empty = notify

    return await _change(database, chat_id, change)


async def toggle_topic(database: Database, chat_id: int, topic: Topic | str) -> Subscriber:
    """Follows the topic, or stops following it. Following none means every topic."""
    try:
        value = Topic(topic).value
    except ValueError:
        raise InvalidInput(N_("topic"), N_("unknown topic {topic}"), topic=repr(str(topic)[:60])) from None

    def change(subscriber: Subscriber) -> None:
        topics = list(subscriber.topics)
        topics = [name for name in topics if name != value] if value in topics else [*topics, value]
        # Kept in the product's topic order, so equal choices compare (and render) equal.
        subscriber.topics = [name.value for name in Topic if name.value in topics]

    return await _change(database, chat_id, change)


async def clear_topics(database: Database, chat_id: int) -> Subscriber:
    def change(subscriber: Subscriber) -> None:
        subscriber.topics = []

    return await _change(database, chat_id, change)


async def add_actor(database: Database, chat_id: int, name: str) -> tuple[Subscriber, Actor]:
    """Follows the speaker `name` means (any alias: "Путин" is Putin); an unknown or
    ambiguous name raises `InvalidInput` naming it."""
    async with database.read() as session:
        actor = await resolve_actor(session, name)
    return await add_actor_id(database, chat_id, actor.id or 0), actor


async def add_actor_id(database: Database, chat_id: int, actor_id: int) -> Subscriber:
    async with database.read() as session:
        if not is_row_id(actor_id) or await session.get(Actor, actor_id) is None:
            raise NotFound(N_("no speaker #{id} in the record"), id=actor_id)

    def change(subscriber: Subscriber) -> None:
        if actor_id in subscriber.actor_ids:
            return
        if len(subscriber.actor_ids) >= MAX_ACTORS:
            raise InvalidInput(
                N_("speakers"), N_("you follow {limit} speakers already; remove one first"), limit=MAX_ACTORS
            )
        subscriber.actor_ids = sorted([*subscriber.actor_ids, actor_id])

    return await _change(database, chat_id, change)


async def remove_actor(database: Database, chat_id: int, actor_id: int) -> Subscriber:
    def change(subscriber: Subscriber) -> None:
        subscriber.actor_ids = [known for known in subscriber.actor_ids if known != actor_id]

    return await _change(database, chat_id, change)


async def migrate_chat(database: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup (new chat id): the subscription moves with it. When the
    new chat has a subscription of its own already, that one wins and the old one ends."""
    async with database.write() as session:
        subscriber = await load_subscriber(session, old_chat_id)
        if subscriber is None:
            return False
        if await load_subscriber(session, new_chat_id) is not None:
            subscriber.active = False
            subscriber.deactivated_reason = f"migrated to chat {new_chat_id}, which has its own subscription"
            return False
        subscriber.chat_id = new_chat_id
        subscriber.chat_type = ChatType.supergroup
        return True
