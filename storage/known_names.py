"""Speakers already in the record given the names the bot knows for them
(`storage.actors.KnownNames`): a record filled before those names were known, or by an
older release that did not pass them on, finds "Хегсет" as "Pete Hegseth" all the same."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.actors import KnownNames, add_aliases
from storage.engine import Database
from storage.models import Actor, Statement
from storage.statements import search_text

log = logging.getLogger(__name__)


async def complete_known_names(database: Database, known: KnownNames) -> list[str]:
    """Gives every actor the known names it lacks (those no other actor holds) and indexes
    its statements under them; returns the names of the actors that got some.

    Run when the record is opened (bot.runtime.open_database: every start of the bot,
    `diplobot db upgrade` and every other `diplobot` command), not on each add or import
    that names a speaker: the known names change only with a release, so with a restart,
    and one pass then brings every actor up to date, also those nobody names again, while
    adds and imports keep their one look-up per speaker. Actors created after it get their
    names as they are created (`storage.actors.get_or_create_actor`), so the record never
    waits for the next start. Two actors are never merged, nor a name moved from one to
    another: a name one already holds stays its own."""
    async with database.read() as session:
        actors = (await session.exec(select(Actor).order_by(col(Actor.id)))).all()
        lacking = [(actor.id, actor.name) for actor in actors if known.missing(actor)]
    completed: list[str] = []
    for actor_id, name in lacking:
        try:
            # One transaction each: a name another writer gives meanwhile (PostgreSQL) costs
            # only that actor's names, which the next opening gives.
            async with database.write() as session:
                if await _complete(session, actor_id, known):
                    completed.append(name)
        except IntegrityError:
            log.warning("%s: another writer recorded one of their names meanwhile; given at the next start", name)
    return completed


async def _complete(session: AsyncSession, actor_id: int | None, known: KnownNames) -> bool:
    actor = await session.get(Actor, actor_id)
    if actor is None:
        return False
    held = len(actor.aliases)
    await add_aliases(session, actor, known.missing(actor))
    if len(actor.aliases) == held:
        return False
    statements = await session.exec(select(Statement).where(Statement.actor_id == actor_id))
    for statement in statements.all():
        statement.search_text = search_text(statement)
    return True
