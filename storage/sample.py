"""The bundled demo data set: the 2025 Russia–Ukraine peace process sample corpus and the
aliases of its speakers, loaded into an empty database on first run."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from sqlalchemy import func
from sqlmodel import select

from storage.actors import KnownNames, add_aliases, get_or_create_actor
from storage.engine import Database, TextEmbedder
from storage.exchange import ImportReport, import_statements
from storage.migrate import upgrade
from storage.models import Statement

SAMPLE_WHO = "sample"


def sample_corpus() -> bytes:
    return resources.files("bot").joinpath("data/statements.jsonl").read_bytes()


def sample_aliases() -> dict[str, list[str]]:
    return json.loads(resources.files("bot").joinpath("data/actors.json").read_text("utf-8"))


async def seed_aliases(database: Database, aliases: dict[str, list[str]]) -> None:
    """Actors first, with the names readers use for them (Cyrillic too), so that the
    statements imported next index every alias."""
    async with database.write() as session:
        for name, names in aliases.items():
            actor = await get_or_create_actor(session, name)
            await add_aliases(session, actor, names)


async def is_empty(database: Database) -> bool:
    async with database.read() as session:
        return (await session.exec(select(func.count()).select_from(Statement))).one() == 0


async def load_sample(database: Database) -> ImportReport:
    aliases = sample_aliases()
    await seed_aliases(database, aliases)
    return await import_statements(database, "statements.jsonl", sample_corpus(), SAMPLE_WHO, known=KnownNames(aliases))


async def load_sample_if_empty(database: Database) -> ImportReport | None:
    if not await is_empty(database):
        return None
    return await load_sample(database)


@asynccontextmanager
async def temporary_sample_database(embedder: TextEmbedder | None = None) -> AsyncIterator[Database]:
    """A fresh SQLite file holding the sample, deleted afterwards: figures measured on it
    are reproducible wherever they are rerun."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{directory}/sample.db", embedder=embedder)
        try:
            await upgrade(database)
            await load_sample(database)
            yield database
        finally:
            await database.close()
