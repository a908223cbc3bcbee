"""The speaker a reader names in a command (/actor, /timeline), found as a question's
speaker is: an alias as written first, then the name in any case, script or inflection
("Зеленського", "Путина", "PUTIN") the way bot.answering.reading reads names; and, for a
name that is a side's rather than a speaker's ("США", "Росія"), that side and who speaks
for it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.reading import speakers_called
from bot.answering.record_index.loading import record_index
from bot.input.labels import spelled_side
from storage.actors import find_actors
from storage.engine import Database
from storage.models import Actor
from storage.positions import EntryFilter, RowKind, position_entries, side_named

#: A side's speakers named when a side was given for a speaker.
SIDE_SPEAKERS = 5


async def speakers_named(database: Database, session: AsyncSession, name: str) -> list[Actor]:
    """Every speaker `name` may mean, in the order of their names; none when it is not
    wholly a speaker's name."""
    actors = await find_actors(session, name)
    if actors:
        return actors
    ids = speakers_called(name, (await record_index(database)).facts)
    if not ids:
        return []
    found = await session.exec(select(Actor).where(col(Actor.id).in_(ids)).order_by(Actor.name))
    return list(found.all())


@dataclass(frozen=True)
class SideNamed:
    """A side of the record, as it spells it, and its speakers, most statements first."""

    side: str
    speakers: tuple[str, ...]


async def side_named_instead(database: Database, name: str) -> SideNamed | None:
    """The side `name` names in any of the three languages ("США" -> United States), when
    the record holds it; None otherwise (then it is no name the record knows)."""
    side = await side_named(database, spelled_side(name))
    if side is None:
        return None
    statements: dict[str, set[int]] = defaultdict(set)
    for entry in await position_entries(database, RowKind.speaker, EntryFilter(side=side)):
        statements[entry.row].add(entry.statement_id)
    ranked = sorted(statements, key=lambda speaker: (-len(statements[speaker]), speaker))
    return SideNamed(side, tuple(ranked[:SIDE_SPEAKERS]))
