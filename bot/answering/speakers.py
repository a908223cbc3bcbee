"""The speaker a reader names in a command (/actor, /timeline), found as a question's
speaker is: an alias as written first, then the name in any case, script or inflection
("Зеленського", "Путина", "PUTIN") the way bot.answering.reading reads names."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.reading import speakers_called
from bot.answering.record_index.loading import record_index
from storage.actors import find_actors
from storage.engine import Database
from storage.models import Actor


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
