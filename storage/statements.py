"""Adding, editing, retracting and linking statements: each validated, each audited, each
in one transaction; and reading them back. Nothing here knows about Telegram."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.actors import (
    UNKNOWN_SIDE,
    ActorResolver,
    KnownNames,
    known_speaker,
    normalize_name,
    role_on,
    usual_side,
)
from storage.embeddings import embed_statements
from storage.engine import Database
from storage.errors import N_, Conflict, InvalidInput, NotFound, Wording, wording_of
from storage.models import (
    ActorAlias,
    AuditAction,
    AuditEntry,
    LinkKind,
    Statement,
    StatementLink,
    StatementPlace,
    StatementTopic,
    Status,
    is_row_id,
    utcnow,
)
from storage.validation import StatementData, parse_said_on, refuse_nul, validate_statement

EXCHANGE_FIELDS = (
    "ref",
    "said_on",
    "date_precision",
    "speaker",
    "speaker_role",
    "side",
    "topics",
    "places",
    "stance",
    "text",
    "is_quote",
    "source",
    "source_url",
    "status",
    "retraction_reason",
)
MAX_REASON = 1000


def exchange_record(statement: Statement) -> dict[str, Any]:
    """The statement in the exchange format (and the audit log's before/after)."""
    return {
        "ref": statement.ref,
        "said_on": statement.said_on.isoformat(),
        "date_precision": statement.date_precision.value,
        "speaker": statement.speaker,
        "speaker_role": statement.speaker_role,
        "side": statement.side,
        "topics": statement.topics,
        "places": statement.places,
        "stance": statement.stance.value,
        "text": statement.text,
        "is_quote": statement.is_quote,
        "source": statement.source,
        "source_url": statement.source_url,
        "status": statement.status.value,
        "retraction_reason": statement.retraction_reason,
    }


def search_text(statement: Statement) -> str:
    """What the full-text index sees: the speaker under every alias, so "Путин" finds
    Putin's statements, and topics as words ("security guarantees")."""
    assert statement.actor is not None
    names = [alias.alias for alias in statement.actor.aliases] or [statement.actor.name]
    return indexed_text(names, exchange_record(statement))


def indexed_text(speaker_names: Sequence[str], record: Mapping[str, Any]) -> str:
    """`search_text` of a statement in the exchange format (e.g. as the audit log keeps
    it before an edit), its speaker under `speaker_names`."""
    parts = [
        *speaker_names,
        record["speaker_role"],
        record["side"],
        " ".join(topic.replace("_", " ") for topic in record["topics"]),
        " ".join(record["places"]),
        record["text"],
        record["source"],
    ]
    return "\n".join(part for part in parts if part)


async def _apply(session: AsyncSession, statement: Statement, data: StatementData, actors: ActorResolver) -> None:
    actor = await actors.get_or_create(data.speaker)
    if not data.side:
        data.side = await usual_side(session, actor.id) or UNKNOWN_SIDE
    statement.actor = actor
    statement.actor_id = actor.id  # type: ignore[assignment]
    statement.speaker_role = data.speaker_role
    statement.side = data.side
    statement.said_on = data.said_on
    statement.date_precision = data.date_precision
    statement.stance = data.stance
    statement.text = data.text
    statement.is_quote = data.is_quote
    statement.source = data.source
    statement.source_url = data.source_url
    statement.status = data.status
    statement.retraction_reason = data.retraction_reason
    if data.status is Status.retracted and statement.retracted_at is None:
        statement.retracted_at = utcnow()
    if data.status is not Status.retracted:
        statement.retracted_at = None
    # A new statement gets both collections even when empty, so they count as loaded and
    # reading them later never triggers a lazy load (which async sessions cannot do).
    is_new = statement.id is None
    if is_new or statement.topics != [topic.value for topic in data.topics]:
        statement.topic_rows = [StatementTopic(topic=topic, position=index) for index, topic in enumerate(data.topics)]
    if is_new or statement.places != data.places:
        statement.place_rows = [StatementPlace(place=place, position=index) for index, place in enumerate(data.places)]
    statement.search_text = search_text(statement)


def _audit(
    session: AsyncSession,
    who: str,
    action: AuditAction,
    statement: Statement | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        AuditEntry(
            who=who,
            action=action,
            statement_id=statement.id if statement else None,
            before=before,
            after=after,
        )
    )


async def create_statements(
    session: AsyncSession,
    batch: list[StatementData],
    who: str,
    action: AuditAction,
    actors: ActorResolver | None = None,
) -> list[Statement]:
    """Inserts a batch with one flush (the ORM then sends multi-row INSERTs); refs must
    already be known to be new. Each statement gets its audit entry."""
    actors = actors or ActorResolver(session)
    statements = []
    for data in batch:
        statement = Statement(ref=data.ref or f"u{uuid.uuid4().hex[:12]}", added_by=who)
        await _apply(session, statement, data, actors)
        statements.append(statement)
    session.add_all(statements)
    await session.flush()
    for statement in statements:
        _audit(session, who, action, statement, None, exchange_record(statement))
    return statements


async def create_statement(
    session: AsyncSession,
    data: StatementData,
    who: str,
    action: AuditAction = AuditAction.add,
    known: KnownNames | None = None,
) -> Statement:
    """`known`: the names a speaker new to the record is given besides the one written."""
    if data.ref is not None:
        existing = await session.exec(select(Statement.id).where(Statement.ref == data.ref))
        if existing.first() is not None:
            raise Conflict(N_("a statement with ref {ref} is already in the record"), ref=repr(data.ref))
    [statement] = await create_statements(session, [data], who, action, ActorResolver(session, known))
    return statement


async def live_duplicate(database: Database, data: StatementData) -> int | None:
    """The id of a live statement with the same speaker (by any alias), date and text: the
    same message sent twice, which is not a second statement."""
    async with database.read() as session:
        result = await session.exec(
            select(Statement.id)
            .join(ActorAlias, col(ActorAlias.actor_id) == col(Statement.actor_id))
            .where(
                ActorAlias.normalized == normalize_name(data.speaker),
                Statement.said_on == data.said_on,
                Statement.text == data.text,
                Statement.status != Status.retracted,
            )
            .limit(1)
        )
        return result.first()


def _same_speaker(statement: Statement, name: str) -> bool:
    """Whether `name` is one of the statement's speaker's names."""
    assert statement.actor is not None
    return normalize_name(name) in {alias.normalized for alias in statement.actor.aliases}


async def update_statement(
    session: AsyncSession,
    statement: Statement,
    data: StatementData,
    who: str,
    action: AuditAction = AuditAction.edit,
    actors: ActorResolver | None = None,
) -> bool:
    """Applies `data`; False (and nothing written) when it changes nothing."""
    before = exchange_record(statement)
    data.ref = statement.ref
    if _same_speaker(statement, data.speaker):
        data.speaker = statement.speaker  # perhaps another spelling of the same speaker
    proposed = {**data.model_dump(mode="json"), "ref": statement.ref}
    if {key: before[key] for key in proposed} == proposed:
        return False
    await _apply(session, statement, data, actors or ActorResolver(session))
    statement.updated_at = utcnow()
    await session.flush()
    _audit(session, who, action, statement, before, exchange_record(statement))
    return True


async def add_statement(
    database: Database, data: StatementData, who: str, *, known: KnownNames | None = None
) -> Statement:
    """`known`: the names a speaker new to the record is given besides the one written."""
    try:
        async with database.write() as session:
            statement = await create_statement(session, data, who, known=known)
            await embed_statements(database, [statement])
    except IntegrityError:
        # Another writer committed the same ref between our check and our insert.
        raise Conflict(N_("a statement with ref {ref} is already in the record"), ref=repr(data.ref)) from None
    return statement


async def _load(session: AsyncSession, statement_id: int) -> Statement:
    statement = await session.get(Statement, statement_id) if is_row_id(statement_id) else None
    if statement is None:
        raise NotFound(N_("no statement #{id} in the record"), id=statement_id)
    return statement


async def lock_statement(session: AsyncSession, statement_id: int) -> Statement:
    """The statement as it is now, its row locked until the transaction ends, for a writer
    that changes it. On PostgreSQL (SELECT … FOR UPDATE) a second writer waits here, then
    reads what the first one committed, so no change is made to, or audited from, a stale
    copy (an edit of a statement retracted meanwhile, a search text missing the other
    writer's change). SQLite writers already hold the database's write lock (BEGIN
    IMMEDIATE), so there it is a plain read."""
    statement = (
        await session.get(Statement, statement_id, with_for_update=True, populate_existing=True)
        if is_row_id(statement_id)
        else None
    )
    if statement is None:
        raise NotFound(N_("no statement #{id} in the record"), id=statement_id)
    return statement


async def get_statement(database: Database, statement_id: int) -> Statement:
    async with database.read() as session:
        return await _load(session, statement_id)


async def statement_ids(database: Database, number: int | None, ref: str | None) -> tuple[int | None, int | None]:
    """The id of the statement numbered `number` and that of the statement whose ref is
    `ref`, each None when the record holds none (bot.record.statement_id decides between
    them)."""
    async with database.read() as session:
        by_number = None
        if number is not None and is_row_id(number):
            by_number = (await session.exec(select(Statement.id).where(Statement.id == number))).first()
        by_ref = (await session.exec(select(Statement.id).where(Statement.ref == ref))).first() if ref else None
    return by_number, by_ref


EDITABLE_FIELDS = {
    "speaker": "speaker",
    "role": "speaker_role",
    "speaker_role": "speaker_role",
    "side": "side",
    "date": "said_on",
    "said_on": "said_on",
    "topics": "topics",
    "places": "places",
    "stance": "stance",
    "text": "text",
    "quote": "is_quote",
    "is_quote": "is_quote",
    "source": "source",
    "url": "source_url",
    "source_url": "source_url",
    "status": "status",
}


def _edited_values(current: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    name = EDITABLE_FIELDS.get(field.strip().lower())
    if name is None:
        raise InvalidInput(
            N_("field"),
            N_("{field} cannot be edited (one of: {fields})"),
            field=repr(field),
            fields=", ".join(sorted(set(EDITABLE_FIELDS))),
        )
    values = {key: current[key] for key in EXCHANGE_FIELDS}
    if name == "said_on":
        try:
            said_on, precision = parse_said_on(value)
        except ValueError as error:
            raise InvalidInput(N_("date"), wording_of(error)) from None
        values.update(said_on=said_on, date_precision=precision)
    elif name == "is_quote":
        flag = value.strip().lower()
        if flag not in {"yes", "no", "true", "false"}:
            raise InvalidInput(N_("quote"), N_("say yes or no"))
        values["is_quote"] = flag in {"yes", "true"}
    elif name == "status" and value.strip().lower() == Status.retracted.value:
        raise InvalidInput(N_("status"), N_("use /retract, which records the reason"))
    else:
        values[name] = value
    return values


async def edit_statement(
    database: Database,
    statement_id: int,
    field: str,
    value: str,
    who: str,
    *,
    side: str | None = None,
    known: KnownNames | None = None,
) -> Statement:
    """Changes one field; `side` is the side given with a speaker ("Name (Side)"), set in
    the same change; `known`, the names a speaker new to the record is given besides the
    one written."""
    async with database.write() as session:
        statement = await lock_statement(session, statement_id)
        if statement.is_retracted:
            raise Conflict(N_("statement #{id} is retracted; it stays as it was"), id=statement_id)
        values = _edited_values(exchange_record(statement), field, value)
        if not _same_speaker(statement, values["speaker"]):
            # Another speaker: the side and role were the previous one's. The side becomes
            # the one given, else the new speaker's usual one (or stays open); the role the
            # one the record last gave the new speaker up to the statement's date, as /add
            # gives it (none for someone new).
            known_actor = await known_speaker(session, values["speaker"])
            role = await role_on(session, known_actor[0].id, statement.said_on) if known_actor else ""
            values.update(side="", speaker_role=role)
        if side:
            values["side"] = side
        data = validate_statement(values)
        changed = await update_statement(session, statement, data, who, actors=ActorResolver(session, known))
        if changed:
            await embed_statements(database, [statement])
    if not changed:
        raise InvalidInput(field, N_("that is already its value; nothing changed"))
    return statement


def retraction_reason(reason: str) -> str:
    """The reason as it is recorded (one line); refused when empty or too long."""
    reason = " ".join(refuse_nul("reason", reason).split())
    if not reason:
        raise InvalidInput(N_("reason"), N_("say why the statement is retracted"))
    if len(reason) > MAX_REASON:
        raise InvalidInput(N_("reason"), N_("longer than {limit} characters"), limit=MAX_REASON)
    return reason


def refuse_retracted_again(statement: Statement) -> None:
    if statement.is_retracted:
        raise Conflict(N_("statement #{id} was already retracted"), id=statement.id)


async def retract_statement(database: Database, statement_id: int, reason: str, who: str) -> Statement:
    """Retracted statements stay in the record with their reason; nothing is deleted."""
    reason = retraction_reason(reason)
    async with database.write() as session:
        return await retract_in(session, statement_id, reason, who)


async def retract_in(session: AsyncSession, statement_id: int, reason: str, who: str) -> Statement:
    """The retraction within the caller's transaction; `reason` already checked."""
    statement = await lock_statement(session, statement_id)
    refuse_retracted_again(statement)
    before = exchange_record(statement)
    statement.status = Status.retracted
    statement.retracted_at = utcnow()
    statement.retraction_reason = reason
    statement.updated_at = utcnow()
    _audit(session, who, AuditAction.retract, statement, before, exchange_record(statement))
    return statement


@dataclass(frozen=True)
class LinkedStatement:
    kind: LinkKind
    outgoing: bool
    statement: Statement


def _refuse_retracted(source: Statement, target: Statement) -> None:
    """A retracted statement is not part of the record's story any more: a link to or from
    it would put it back into what readers follow. The refusal names which one it is."""
    if source.is_retracted and target.is_retracted:
        raise Conflict(
            N_("#{source} and #{target} are both retracted; a retracted statement is not linked"),
            source=source.id,
            target=target.id,
        )
    for statement in (source, target):
        if statement.is_retracted:
            raise Conflict(N_("#{id} is retracted; a retracted statement is not linked"), id=statement.id)


async def link_statements(database: Database, from_id: int, kind: str, to_id: int, who: str) -> StatementLink:
    try:
        link_kind = LinkKind(kind.strip().lower())
    except ValueError:
        raise InvalidInput(
            N_("kind"), N_("{kind} is not a link (contradicts or responds_to)"), kind=repr(kind)
        ) from None
    if from_id == to_id:
        raise InvalidInput(N_("link"), N_("a statement cannot be linked to itself"))
    try:
        async with database.write() as session:
            # In id order, so two writers locking the same pair queue instead of deadlocking.
            for statement_id in sorted((from_id, to_id)):
                await lock_statement(session, statement_id)
            source = await _load(session, from_id)
            _refuse_retracted(source, await _load(session, to_id))
            link = await add_link(session, source, link_kind, to_id, who)
    except IntegrityError:
        raise Conflict(
            N_("#{source} already {kind} #{target}"),
            source=from_id,
            kind=Wording(link_kind.value.replace("_", " ")),
            target=to_id,
        ) from None
    return link


async def add_link(session: AsyncSession, source: Statement, kind: LinkKind, to_id: int, who: str) -> StatementLink:
    """The link and its audit entry, within the caller's transaction (`/link`, an import)."""
    assert source.id is not None
    link = StatementLink(from_id=source.id, to_id=to_id, kind=kind, created_by=who)
    session.add(link)
    await session.flush()
    _audit(session, who, AuditAction.link, source, None, {"kind": kind.value, "from_id": source.id, "to_id": to_id})
    return link


async def linked_statements(database: Database, statement_id: int) -> list[LinkedStatement]:
    """Both directions: what this statement answers or contradicts, and what answers it."""
    async with database.read() as session:
        links = (
            await session.exec(
                select(StatementLink)
                .where(or_(StatementLink.from_id == statement_id, StatementLink.to_id == statement_id))
                .order_by(col(StatementLink.id))
            )
        ).all()
        found = []
        for link in links:
            outgoing = link.from_id == statement_id
            other = await session.get(Statement, link.to_id if outgoing else link.from_id)
            if other is not None:
                found.append(LinkedStatement(link.kind, outgoing, other))
        return found


async def contradicting_links(session: AsyncSession, ids: list[int]) -> list[StatementLink]:
    """The links saying one of `ids` contradicts another statement, or is contradicted."""
    return list(
        (
            await session.exec(
                select(StatementLink).where(
                    StatementLink.kind == LinkKind.contradicts,
                    or_(col(StatementLink.from_id).in_(ids), col(StatementLink.to_id).in_(ids)),
                )
            )
        ).all()
    )


async def latest(database: Database, limit: int = 5, offset: int = 0) -> tuple[list[Statement], int]:
    """Newest first by date said, then by when recorded; retracted ones are left out."""
    async with database.read() as session:
        live = col(Statement.retracted_at).is_(None)
        total = (await session.exec(select(func.count()).select_from(Statement).where(live))).one()
        rows = await session.exec(
            select(Statement)
            .where(live)
            .order_by(col(Statement.said_on).desc(), col(Statement.id).desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows.all()), total
