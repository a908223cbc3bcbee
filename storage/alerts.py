"""Alerts' rows: each chat's standing searches, the record's changes they are matched
against, which statements match them, and the deliveries that tell of those.

The record's changes are read from the audit log: every add, edit, retraction and import writes its
entry in the transaction that changes the statement, so an entry id is a cursor over
every change, whoever made it (a handler, the CLI, another instance), committed or not
at all with it. Nothing here knows about Telegram; which of these commit together is the
alert tick's business (bot/alerts/tick.py)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, table, text, update
from sqlalchemy import column as sa_column
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.deliveries import settled
from storage.engine import Database
from storage.errors import N_, Conflict
from storage.models import (
    Actor,
    Alert,
    AlertDelivery,
    AlertMatch,
    AuditAction,
    AuditEntry,
    DeliveryState,
    Statement,
    Status,
)
from storage.search import FTS_TEXT, SearchFilters, Words, filter_actor_ids, filter_clauses, fts_quoted, words_as_terms
from storage.statements import indexed_text
from storage.subscriptions import UNSUBSCRIBED, stop_digest

#: The audit actions that can make a statement match an alert it did not match before.
CHANGING_ACTIONS = (
    AuditAction.add,
    AuditAction.edit,
    AuditAction.retract,
    AuditAction.import_add,
    AuditAction.import_update,
)
#: PostgreSQL advisory lock key of the one alert tick at a time ("alert" in ASCII).
ALERT_LOCK_KEY = 0x616C657274
#: Statement ids per matching query: well below either engine's limit of bound values.
_IDS_PER_QUERY = 5000


# -- a chat's alerts --------------------------------------------------------------


async def latest_change(session: AsyncSession) -> int:
    """The id of the newest audit entry (0 for none)."""
    return (await session.exec(select(func.max(AuditEntry.id)))).one() or 0


async def change_end(database: Database) -> int:
    """The newest change with no older one still in flight (see `storage.deliveries.settled`)."""
    return await settled(database, latest_change)


async def add_alert(database: Database, chat_id: int, query: str, *, limit: int) -> Alert:
    """The chat's next alert, numbered after its highest, matched from the record's
    current end on: it tells of what is recorded from now on."""
    try:
        async with database.write() as session:
            alerts = await _chat_alerts(session, chat_id)
            if len(alerts) >= limit:
                raise Conflict(N_("this chat has {limit} alerts already; remove one first (/alerts)"), limit=limit)
            number = max((alert.number for alert in alerts), default=0) + 1
            alert = Alert(chat_id=chat_id, number=number, query=query, cursor=await latest_change(session))
            session.add(alert)
            await session.flush()
    except IntegrityError:
        raise Conflict(N_("another alert was made in this chat at the same moment; try again")) from None
    return alert


async def _chat_alerts(session: AsyncSession, chat_id: int) -> list[Alert]:
    query = select(Alert).where(Alert.chat_id == chat_id).order_by(col(Alert.number))
    return list((await session.exec(query)).all())


async def chat_alerts(database: Database, chat_id: int) -> list[Alert]:
    async with database.read() as session:
        return await _chat_alerts(session, chat_id)


async def delete_alert(database: Database, chat_id: int, number: int) -> Alert | None:
    """Removes the chat's alert `number`; what it matched and has not been sent yet is not
    sent. None when the chat has no such alert."""
    async with database.write() as session:
        found = (await session.exec(select(Alert).where(Alert.chat_id == chat_id, Alert.number == number))).first()
        if found is not None:
            await session.delete(found)
        return found


async def delete_chat_alerts(session: AsyncSession, chat_id: int) -> int:
    """Every alert of the chat (it is gone, or its admins unlinked it)."""
    result = await session.exec(delete(Alert).where(col(Alert.chat_id) == chat_id))
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class Unlinked:
    """What unlinking a chat stopped: its digest (False when it had none) and how many alerts."""

    digest: bool
    alerts: int


async def unlink_chat(database: Database, chat_id: int) -> Unlinked:
    """Stops the chat's digest and removes its alerts in one transaction: a failure
    leaves the chat linked as it was, never half unlinked."""
    async with database.write() as session:
        digest = await stop_digest(session, chat_id, UNSUBSCRIBED)
        return Unlinked(digest, await delete_chat_alerts(session, chat_id))


async def move_chat_alerts(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its alerts and open deliveries follow it."""
    await session.exec(update(Alert).where(col(Alert.chat_id) == old_chat_id).values(chat_id=new_chat_id))
    await session.exec(
        update(AlertDelivery).where(col(AlertDelivery.chat_id) == old_chat_id).values(chat_id=new_chat_id)
    )


async def chat_has_alerts(session: AsyncSession, chat_id: int) -> bool:
    return (await session.exec(select(Alert.id).where(Alert.chat_id == chat_id))).first() is not None


# -- the record's changes -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """An audit entry that may make a statement match: the statement as it was before
    (None when it is new) and after, in the exchange format."""

    id: int
    statement_id: int
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


async def alerts_behind(session: AsyncSession, end: int) -> list[Alert]:
    """The alerts not yet matched against the changes up to `end`, by chat."""
    query = select(Alert).where(col(Alert.cursor) < end).order_by(col(Alert.chat_id), col(Alert.number))
    return list((await session.exec(query)).all())


async def any_alert_behind(session: AsyncSession, end: int) -> bool:
    """Whether a change up to `end` is still to be matched: the tick's cheap first look."""
    return (await session.exec(select(Alert.id).where(col(Alert.cursor) < end).limit(1))).first() is not None


async def changes_between(session: AsyncSession, after: int, up_to: int) -> list[Change]:
    """The adds, edits and imports in (after, up_to], oldest first."""
    query = (
        select(AuditEntry.id, AuditEntry.statement_id, AuditEntry.before, AuditEntry.after)
        .where(
            col(AuditEntry.id) > after,
            col(AuditEntry.id) <= up_to,
            col(AuditEntry.action).in_(CHANGING_ACTIONS),
            col(AuditEntry.statement_id).is_not(None),
        )
        .order_by(col(AuditEntry.id))
    )
    return [
        Change(entry_id or 0, statement_id or 0, before, after)
        for entry_id, statement_id, before, after in (await session.exec(query)).all()
    ]


async def advance_alerts(session: AsyncSession, alert_ids: Collection[int], end: int) -> None:
    if alert_ids:
        await session.exec(
            update(Alert).where(col(Alert.id).in_(sorted(alert_ids)), col(Alert.cursor) < end).values(cursor=end)
        )


# -- matching ---------------------------------------------------------------------


def _fts_all_words(words: Sequence[tuple[str, ...]]) -> str:
    """FTS5: every word (any of its forms) in the text column; each form quoted."""
    groups = " AND ".join("(" + " OR ".join(fts_quoted(form) for form in forms) + ")" for forms in words)
    return f"({FTS_TEXT}: ({groups}))"


def _ts_all_words(words: Sequence[tuple[str, ...]]) -> tuple[str, dict[str, str]]:
    """PostgreSQL: the same as a tsquery's SQL and its values, each form through the
    index's own parser."""
    groups = []
    params = {}
    for number, forms in enumerate(words):
        alternatives = []
        for index, form in enumerate(forms):
            name = f"w{number}_{index}"
            params[name] = form
            alternatives.append(f"plainto_tsquery('english', :{name})")
        groups.append("(" + " || ".join(alternatives) + ")")
    return f"({' && '.join(groups)})", params


def _ts_clause(vector: str, words: Sequence[tuple[str, ...]]) -> Any:
    query, params = _ts_all_words(words)
    return text(f"{vector} @@ {query}").bindparams(*(bindparam(name, value) for name, value in params.items()))


async def matching_statements(
    session: AsyncSession,
    database: Database,
    words: Words,
    filters: SearchFilters,
    among: Collection[int],
) -> set[int]:
    """Which of the statements `among` match now: every word (in any of its forms) in the
    engine's full-text index, and every filter, as `/search` reads them; retracted ones
    never match."""
    if not among:
        return set()
    terms = words_as_terms(words)
    actor_ids = await filter_actor_ids(session, filters)
    if actor_ids == []:
        return set()
    clauses = filter_clauses(filters, actor_ids)
    found: set[int] = set()
    ids = sorted(among)
    for start in range(0, len(ids), _IDS_PER_QUERY):
        query = select(Statement.id).where(col(Statement.id).in_(ids[start : start + _IDS_PER_QUERY]), *clauses)
        if terms and database.is_sqlite:
            fts = table("statement_fts", sa_column("rowid"))
            query = query.join_from(Statement, fts, fts.c.rowid == Statement.id).where(
                text("statement_fts MATCH :match").bindparams(match=_fts_all_words(terms))
            )
        elif terms:
            query = query.where(_ts_clause("statement.search_vector", terms))
        found.update(statement_id for statement_id in (await session.exec(query)).all() if statement_id is not None)
    return found


async def records_matching(
    session: AsyncSession,
    database: Database,
    words: Words,
    filters: SearchFilters,
    records: Mapping[int, Mapping[str, Any]],
) -> set[int]:
    """Which of `records` (statements in the exchange format, as the audit log keeps them
    before an edit, by any key) matched as `matching_statements` asks now: the filters as
    `storage.search.filter_clauses` reads them, the words by the engine's own parser."""
    actor_ids = await filter_actor_ids(session, filters)
    names = {str(record["speaker"]) for record in records.values()}
    actors = {
        actor.name: actor
        for actor in (await session.exec(select(Actor).where(col(Actor.name).in_(sorted(names))))).all()
    }
    kept = {
        key: record
        for key, record in records.items()
        if _passes(record, filters, actor_ids, actors.get(str(record["speaker"])))
    }
    if not words or not kept:
        return set(kept)
    texts = {}
    for key, record in kept.items():
        actor = actors.get(str(record["speaker"]))
        speaker_names = (
            [alias.alias for alias in actor.aliases] if actor and actor.aliases else [str(record["speaker"])]
        )
        texts[key] = indexed_text(speaker_names, record)
    return await _texts_matching(session, database, words_as_terms(words), texts)


def _passes(
    record: Mapping[str, Any], filters: SearchFilters, actor_ids: list[int] | None, actor: Actor | None
) -> bool:
    def folded(value: Any) -> str:
        return str(value or "").strip().lower()

    checks = [
        actor_ids is None or (actor is not None and actor.id in actor_ids),
        not filters.side or folded(record["side"]) == folded(filters.side),
        filters.topic is None or filters.topic.value in record["topics"],
        not filters.place or folded(filters.place) in {folded(place) for place in record["places"]},
        filters.stance is None or record["stance"] == filters.stance.value,
        filters.status is None or record["status"] == filters.status.value,
        filters.since is None or date.fromisoformat(record["said_on"]) >= filters.since,
        filters.until is None or date.fromisoformat(record["said_on"]) <= filters.until,
        filters.include_retracted or record["status"] != Status.retracted.value,
    ]
    return all(checks)


_TOKENIZE = re.compile(r"tokenize\s*=\s*'([^']*)'")


async def _texts_matching(
    session: AsyncSession, database: Database, words: Sequence[tuple[str, ...]], texts: Mapping[int, str]
) -> set[int]:
    """Which of `texts` hold every word, read as the full-text index reads its own: on
    SQLite through a temporary FTS5 table with the index's tokenizer, on PostgreSQL
    through `to_tsvector('english', …)`, as the index's generated column."""
    connection = await session.connection()
    if database.is_postgresql:
        query, params = _ts_all_words(words)
        keys = sorted(texts)
        rows = await connection.execute(
            text(
                "SELECT probe.k FROM unnest(CAST(:keys AS integer[]), CAST(:texts AS text[])) AS probe(k, t) "
                f"WHERE to_tsvector('english', probe.t) @@ {query}"
            ),
            {"keys": keys, "texts": [texts[key] for key in keys], **params},
        )
        return {int(key) for (key,) in rows}
    index_sql = (
        await connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'statement_fts'"))
    ).scalar_one()
    tokenizer = _TOKENIZE.search(index_sql)
    tokenize = f", tokenize='{tokenizer.group(1)}'" if tokenizer else ""
    await connection.execute(
        text(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.alert_probe USING fts5({FTS_TEXT}{tokenize})")
    )
    await connection.execute(text("DELETE FROM temp.alert_probe"))
    await connection.execute(
        text(f"INSERT INTO temp.alert_probe(rowid, {FTS_TEXT}) VALUES (:key, :text)"),
        [{"key": key, "text": value} for key, value in texts.items()],
    )
    rows = await connection.execute(
        text("SELECT rowid FROM temp.alert_probe WHERE alert_probe MATCH :match"), {"match": _fts_all_words(words)}
    )
    return {int(key) for (key,) in rows}


async def matched_before(
    session: AsyncSession, alert_ids: Collection[int], statement_ids: Collection[int]
) -> set[tuple[int, int]]:
    """(alert, statement) pairs among these that an alert has told of already."""
    if not alert_ids or not statement_ids:
        return set()
    query = select(AlertMatch.alert_id, AlertMatch.statement_id).where(
        col(AlertMatch.alert_id).in_(sorted(alert_ids)), col(AlertMatch.statement_id).in_(sorted(statement_ids))
    )
    return {(alert_id, statement_id) for alert_id, statement_id in (await session.exec(query)).all()}


# -- deliveries ---------------------------------------------------------------------


async def claim_alert_delivery(
    session: AsyncSession, chat_id: int, end: int, pairs: Collection[tuple[int, int]], now: datetime
) -> AlertDelivery:
    """The chat's delivery of these (alert, statement) pairs, in state `claimed`; raises
    `IntegrityError` when an alert has told of one of them already."""
    delivery = AlertDelivery(chat_id=chat_id, cursor_to=end, matches=len(pairs), claimed_at=now)
    session.add(delivery)
    await session.flush()
    session.add_all(
        AlertMatch(alert_id=alert_id, statement_id=statement_id, delivery_id=delivery.id or 0)
        for alert_id, statement_id in sorted(pairs)
    )
    await session.flush()
    return delivery


async def open_alert_deliveries(session: AsyncSession) -> list[AlertDelivery]:
    query = select(AlertDelivery).where(AlertDelivery.state == DeliveryState.claimed).order_by(col(AlertDelivery.id))
    return list((await session.exec(query)).all())


async def record_alert_progress(session: AsyncSession, delivery: AlertDelivery) -> None:
    await session.exec(
        update(AlertDelivery).where(col(AlertDelivery.id) == delivery.id).values(messages_sent=delivery.messages_sent)
    )


async def finish_alert_delivery(session: AsyncSession, delivery: AlertDelivery, finished_at: datetime) -> None:
    await session.exec(
        update(AlertDelivery)
        .where(col(AlertDelivery.id) == delivery.id)
        .values(
            state=delivery.state, error=delivery.error, finished_at=finished_at, messages_sent=delivery.messages_sent
        )
    )


@dataclass(frozen=True)
class DeliveredPage:
    """A page of what a delivery tells of: its alerts with how many statements each
    matched, the statements still to tell of, newest said first: those not retracted, and
    those whose retraction the matching saw (an alert on `status:retracted` tells of a
    retraction; one retracted after the matching is no news any more)."""

    delivery: AlertDelivery
    alerts: list[tuple[str, int]]
    total: int
    offset: int
    statement_ids: list[int]
    #: How many of the `total` are retracted: what the delivery tells of is a retraction.
    retracted: int = 0


async def delivered_page(session: AsyncSession, delivery_id: int, offset: int, limit: int) -> DeliveredPage | None:
    """None when there is no such delivery."""
    delivery = await session.get(AlertDelivery, delivery_id)
    if delivery is None:
        return None
    seen_retracted = exists().where(
        col(AuditEntry.statement_id) == col(Statement.id),
        col(AuditEntry.action) == AuditAction.retract,
        col(AuditEntry.id) <= delivery.cursor_to,
    )
    live = (
        select(AlertMatch.statement_id)
        .join(Statement, col(Statement.id) == col(AlertMatch.statement_id))
        .where(AlertMatch.delivery_id == delivery_id, or_(col(Statement.retracted_at).is_(None), seen_retracted))
    )
    per_alert = await session.exec(
        select(Alert.query, func.count())
        .join(AlertMatch, col(AlertMatch.alert_id) == col(Alert.id))
        .where(AlertMatch.delivery_id == delivery_id, col(AlertMatch.statement_id).in_(live))
        .group_by(col(Alert.id), col(Alert.query))
        .order_by(col(Alert.id))
    )
    ordered = (
        select(Statement.id)
        .where(col(Statement.id).in_(live))
        .order_by(col(Statement.said_on).desc(), col(Statement.id).desc())
    )
    total = (await session.exec(select(func.count()).select_from(ordered.subquery()))).one()
    retracted = (
        await session.exec(
            select(func.count()).where(col(Statement.id).in_(live), col(Statement.retracted_at).is_not(None))
        )
    ).one()
    page = (await session.exec(ordered.offset(offset).limit(limit))).all()
    return DeliveredPage(
        delivery,
        [(query, count) for query, count in per_alert.all()],
        total,
        offset,
        [statement_id for statement_id in page if statement_id is not None],
        retracted,
    )


# -- one tick at a time ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def postgresql_tick_lock(database: Database) -> AsyncIterator[bool]:
    """PostgreSQL: one alert tick at a time across instances, an advisory lock held by a
    transaction for the tick (a crashed process's goes with its connection). True when
    held, False when another instance holds it."""
    async with database.write_engine.connect() as connection, connection.begin():
        held = (
            await connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ALERT_LOCK_KEY})
        ).scalar_one()
        yield bool(held)
