"""The record's changes as the admins' commands ask for them: add, edit, retract, link,
import and export, plus the speaker look-ups that adding needs. Nothing of Telegram here:
handlers parse the update, call these, and render what they return; every change is
audited under `who`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.input.edit_line import Edit, field_of_column
from bot.input.labels import listed_sides, record_label
from bot.input.statement_keys import StatementKey, statement_key
from bot.known_speakers import known_speakers
from bot.record_names import nearest_speaker
from storage.actors import UNKNOWN_SIDE, find_actors, known_speaker, role_on
from storage.engine import Database
from storage.errors import N_, InvalidInput, NotFound
from storage.exchange import ExchangeFormat, ImportReport, exported_statements, import_statements
from storage.models import Actor, Statement, StatementLink, StatementTopic
from storage.statements import (
    LinkedStatement,
    add_statement,
    edit_statement,
    get_statement,
    link_statements,
    linked_statements,
    live_duplicate,
    retract_statement,
    statement_ids,
)
from storage.stats import most_held_sides
from storage.validation import StatementData

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SIMILAR_SPEAKERS = 5


# -- which statement ------------------------------------------------------------------


async def statement_id(database: Database, key: StatementKey, *, link: bool = False) -> int:
    """The statement `key` names. `s7` is both statement #7 (a share link's payload) and
    the one whose ref is s7 (the sample's refs are its numbers; an import's need not be).
    When those are two statements, a share link (`link`) means #7, the number the bot made
    it from, and a typed key is refused naming both, so that no command acts on a guess."""
    by_number, by_ref = await statement_ids(database, key.number, key.ref)
    if by_number is not None and by_ref is not None and by_number != by_ref and not link:
        raise InvalidInput(
            "ID",
            N_("{key} may be #{number} or #{other} (ref {key}); give the number"),
            key=key.shown,
            number=by_number,
            other=by_ref,
        )
    found = by_number if by_number is not None else by_ref
    if found is None:
        raise NotFound(N_("no statement {key} in the record"), key=key.shown)
    return found


async def linked_statement(database: Database, payload: str) -> int | None:
    """The statement a deep link's payload (`/start s23`) opens; None for none."""
    key = statement_key(payload)
    if key is None:
        return None
    try:
        return await statement_id(database, key, link=True)
    except NotFound:
        return None


# -- speakers ----------------------------------------------------------------------


@dataclass(frozen=True)
class KnownSpeaker:
    """A speaker the record files a name under, with their usual side (None: none yet)."""

    name: str
    side: str | None


async def find_speakers(database: Database, name: str) -> list[Actor]:
    """Every speaker `name` may mean, by name or alias, in any script."""
    async with database.read() as session:
        return await find_actors(session, name)


async def similar_speakers(database: Database, name: str) -> list[str]:
    """Speakers of the record `name` may be short for ("Putin" -> "Vladimir Putin") or a
    slip for ("Lavro" -> "Sergei Lavrov", "Zelensk" -> "Volodymyr Zelensky")."""
    similar = [actor.name for actor in await find_speakers(database, name)]
    near = await nearest_speaker(database, name)
    if near is not None and near not in similar:
        similar.append(near)
    return similar[:SIMILAR_SPEAKERS]


async def recorded_speaker(database: Database, name: str) -> KnownSpeaker | None:
    """The speaker adding a statement would file `name` under; None for someone new."""
    async with database.read() as session:
        known = await known_speaker(session, name)
    return KnownSpeaker(known[0].name, known[1]) if known else None


# -- adding ------------------------------------------------------------------------


class MaybeRecordedSpeaker(InvalidInput):
    """A name that is part of a recorded speaker's ("Putin" for "Vladimir Putin"), with no
    side given: the admin is asked which one was meant, so that no second speaker is made
    for someone already in the record."""

    def __init__(self, speaker: str, similar: list[str]) -> None:
        super().__init__("speaker", f"no speaker is recorded as {speaker!r}")
        self.speaker = speaker
        self.similar = similar


async def refuse_maybe_recorded(database: Database, speaker: str, side: str | None) -> None:
    """`MaybeRecordedSpeaker` when `speaker` is no recorded speaker's name but part of one
    or a slip for one, and no side says that someone new is meant (`Name (Side)`)."""
    if side or await recorded_speaker(database, speaker) is not None:
        return
    similar = await similar_speakers(database, speaker)
    if similar:
        raise MaybeRecordedSpeaker(speaker, similar)


async def add(database: Database, data: StatementData, who: str) -> Statement:
    """Adds the statement. A speaker new to the record without a side is recorded with the
    side left open (`UNKNOWN_SIDE`), for the admin to set; `MaybeRecordedSpeaker` when the
    name may be a recorded speaker's. The same statement sent twice is refused. A new
    speaker is recorded with every other name bot/data/actors.json knows for them; a known
    one, when no role is given, with the role the record gave them last."""
    await refuse_maybe_recorded(database, data.speaker, data.side)
    duplicate = await live_duplicate(database, data)
    if duplicate is not None:
        raise InvalidInput(
            N_("statement"), N_("the record already holds it as #{id} (same speaker, date and text)"), id=duplicate
        )
    return await add_statement(database, await with_recorded_role(database, data), who, known=known_speakers())


async def with_recorded_role(database: Database, data: StatementData) -> StatementData:
    """`data`, with the role the record last gave a known speaker when none is given."""
    if data.speaker_role:
        return data
    return data.model_copy(update={"speaker_role": await recorded_role(database, data.speaker, data.said_on)})


async def recorded_role(database: Database, name: str, said_on: date) -> str:
    """The role the record last gave the speaker `name` files under, as of `said_on`; ""
    for someone new or never given one. /add has no place for a role, so without this a
    known speaker's statement would show none."""
    async with database.read() as session:
        known = await known_speaker(session, name)
        return await role_on(session, known[0].id, said_on) if known else ""


async def unsaved(database: Database, data: StatementData, added_by: str) -> Statement:
    """The statement as `add` would store it (its role included), held in memory only
    (for a preview)."""
    data = await with_recorded_role(database, data)
    return Statement(
        ref="(new)",
        actor=Actor(name=data.speaker),
        speaker_role=data.speaker_role,
        side=data.side,
        said_on=data.said_on,
        date_precision=data.date_precision,
        stance=data.stance,
        text=data.text,
        is_quote=data.is_quote,
        source=data.source,
        source_url=data.source_url,
        status=data.status,
        added_by=added_by,
        topic_rows=[StatementTopic(topic=topic, position=index) for index, topic in enumerate(data.topics)],
    )


# -- changing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    """A statement after a change, with its links, to show in full."""

    statement: Statement
    links: list[LinkedStatement]


@dataclass(frozen=True)
class Linked:
    link: StatementLink
    source: Statement
    target: Statement


async def edit(database: Database, statement_id: int, change: Edit, who: str) -> Changed:
    """`change` as `bot.input.edit_line.parse_edit` read it, in the record's terms; a
    refusal names the field as /edit does ("url", not the column "source_url"). Another
    speaker is checked as /add checks one (`MaybeRecordedSpeaker`)."""
    if change.field == "speaker":
        await refuse_maybe_recorded(database, change.value, change.side)
    try:
        statement = await edit_statement(
            database, statement_id, change.field, change.value, who, side=change.side, known=known_speakers()
        )
    except InvalidInput as error:
        field = field_of_column(error.field)
        if field == error.field:
            raise
        raise InvalidInput(field, error.problem) from None
    return Changed(statement, await linked_statements(database, statement_id))


#: How many sides are offered for a statement whose new speaker's side is open.
OFFERED_SIDES = 6
#: The longest side a button carries: Telegram's 64 bytes of button data, less the rest.
MAX_SIDE_BYTES = 40


async def offered_sides(database: Database, statement: Statement) -> list[str]:
    """The sides to offer when the statement's side is open (its speaker new to the record):
    those the record holds most statements of, then the parties sides.json lists first, so
    that a record just begun offers some too (one too long for a button's data is left for
    /edit). None when its side is known."""
    if statement.side != UNKNOWN_SIDE:
        return []
    held = await most_held_sides(database, OFFERED_SIDES)
    sides = [side for side in dict.fromkeys([*held, *listed_sides()]) if len(side.encode()) <= MAX_SIDE_BYTES]
    return sides[:OFFERED_SIDES]


async def retract(database: Database, statement_id: int, reason: str, who: str) -> Changed:
    """The statement stays in the record, marked retracted, with the reason."""
    statement = await retract_statement(database, statement_id, reason, who)
    return Changed(statement, await linked_statements(database, statement_id))


async def link(database: Database, from_id: int, kind: str, to_id: int, who: str) -> Linked:
    created = await link_statements(database, from_id, kind, to_id, who)
    return Linked(created, await get_statement(database, from_id), await get_statement(database, to_id))


# -- import and export -------------------------------------------------------------


class TooLarge(InvalidInput):
    def __init__(self, name: str) -> None:
        super().__init__("file", f"{name} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")


async def import_file(database: Database, name: str, content: bytes, who: str, *, dry_run: bool) -> ImportReport:
    """Every line checked before any is written: all of the file, or none of it. Sides,
    topics, stances and statuses may be written in Ukrainian or Russian, as for /add; new
    speakers get their known names, as by /add."""
    if len(content) > MAX_IMPORT_BYTES:
        raise TooLarge(name)
    return await import_statements(
        database, name, content, who, dry_run=dry_run, labels=record_label, known=known_speakers()
    )


@dataclass(frozen=True)
class Export:
    content: bytes
    file_name: str
    statements: int


async def export(database: Database, fmt: ExchangeFormat, today: date) -> Export:
    """The whole record, retracted statements included, in a file named for `today`."""
    content, statements = await exported_statements(database, fmt)
    return Export(content, f"diplobot-{today.isoformat()}.{fmt.value}", statements)
