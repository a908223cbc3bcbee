"""A timeline: one subject's statements over time. For a topic, one lane per side (who said
what on it, when); for a side or a speaker, one lane per topic (a statement on two topics
shows in both lanes), since a single lane would hide what moved where."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.answering.speakers import speakers_named
from bot.i18n import N_
from bot.input.labels import find_topic, spelled_side, topic_of
from bot.input.search_syntax import filter_names
from bot.positions.matrix import chronological_key
from storage.actors import only_actor
from storage.engine import Database
from storage.errors import InvalidInput, NotFound, wording_of
from storage.models import DatePrecision, Stance, Topic
from storage.positions import EntryFilter, PositionEntry, RowKind, position_entries, side_named

MAX_NAME = 200
#: `name:value`, the name a filter's of /search in any of the three languages (`side:`,
#: `сторона:`, `тема:`, `спикер:`).
_QUALIFIED = re.compile(r"^([^\W\d_]+)\s*:\s*(.+)$")


class SubjectKind(StrEnum):
    topic = "topic"
    side = "side"
    speaker = "speaker"


@dataclass(frozen=True)
class Subject:
    """Whose or which timeline: `key` is the topic's value, the side as the record spells
    it, or the speaker's actor id."""

    kind: SubjectKind
    name: str
    key: str


async def resolve_subject(database: Database, text: str) -> Subject:
    """A topic first, then a side, then a speaker (by any alias); `topic:`, `side:` or
    `speaker:` in front (or their names in Ukrainian and Russian, as /search takes them:
    `тема:`, `сторона:`, `спікер:`) settles it when a name is more than one of these (the
    side "United States" and the speaker "United States", say)."""
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(
            N_("name"), N_("say which speaker, side or topic, e.g. /timeline Putin or /timeline territory")
        )
    if len(text) > MAX_NAME:
        raise InvalidInput(N_("name"), N_("longer than {limit} characters; that is not a name"), limit=MAX_NAME)
    wanted, name = _qualified(text)
    if wanted in (None, SubjectKind.topic):
        topic = find_topic(name)
        if topic is not None:
            return Subject(SubjectKind.topic, topic.value.replace("_", " "), topic.value)
        if wanted is SubjectKind.topic:
            try:
                topic_of(name)
            except ValueError as error:
                raise InvalidInput(N_("topic"), wording_of(error)) from None
    if wanted in (None, SubjectKind.side):
        side = await side_named(database, spelled_side(name))
        if side is not None:
            return Subject(SubjectKind.side, side, side)
        if wanted is SubjectKind.side:
            raise NotFound(N_("no side called {name} in the record"), name=repr(name[:60]))
    async with database.read() as session:
        actors = await speakers_named(database, session, name)
    if wanted is None and not actors:
        raise NotFound(
            N_("nothing in the record is called {name}: not a topic, a side or a speaker"), name=repr(name[:60])
        )
    actor = only_actor(name, actors)
    return Subject(SubjectKind.speaker, actor.name, str(actor.id))


def _qualified(text: str) -> tuple[SubjectKind | None, str]:
    """The kind `text` names in front, read as /search reads its filters' names, and the
    name after it (without quotes); none in front: (None, text)."""
    qualified = _QUALIFIED.match(text)
    key = filter_names().key_of(qualified.group(1)) if qualified else None
    if qualified is None or key not in set(SubjectKind):
        return None, text
    name = qualified.group(2).strip()
    if len(name) > 1 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1].strip()
    return SubjectKind(key), name


@dataclass(frozen=True)
class TimelinePoint:
    statement_id: int
    ref: str
    lane: str
    said_on: date
    precision: DatePrecision
    stance: Stance


@dataclass(frozen=True)
class Timeline:
    """Points oldest first (see bot.positions.matrix for how imprecise dates sort)."""

    subject: Subject
    lanes: tuple[str, ...]
    points: tuple[TimelinePoint, ...]

    @property
    def statements(self) -> int:
        return len({point.statement_id for point in self.points})


def build_timeline(subject: Subject, entries: Iterable[PositionEntry]) -> Timeline:
    ordered = sorted(entries, key=chronological_key)
    by_topic = subject.kind is not SubjectKind.topic
    points = tuple(
        TimelinePoint(
            entry.statement_id,
            entry.ref,
            entry.topic if by_topic else entry.row,
            entry.said_on,
            entry.precision,
            entry.stance,
        )
        for entry in ordered
    )
    lanes: tuple[str, ...]
    if by_topic:
        present = {point.lane for point in points}
        lanes = tuple(member.value for member in Topic if member.value in present)
    else:
        counts: Counter[str] = Counter(point.lane for point in points)
        lanes = tuple(sorted(counts, key=lambda lane: (-counts[lane], lane.casefold(), lane)))
    return Timeline(subject, lanes, points)


async def timeline_entries(database: Database, subject: Subject) -> list[PositionEntry]:
    if subject.kind is SubjectKind.topic:
        return await position_entries(database, RowKind.side, EntryFilter(topic=Topic(subject.key)))
    if subject.kind is SubjectKind.side:
        return await position_entries(database, RowKind.side, EntryFilter(side=subject.key))
    return await position_entries(database, RowKind.speaker, EntryFilter(actor_id=int(subject.key)))
