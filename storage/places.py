"""The places the record holds, for a `place:` filter typed in a command: whether the
record holds a place, and which places it holds (asked only when a typed place is in
neither the vocabulary nor the record, to offer the nearest)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from storage.engine import Database
from storage.models import StatementPlace


async def place_recorded(database: Database, name: str) -> bool:
    """Whether some statement names the place `name`, case aside (as the filter compares)."""
    async with database.read() as session:
        found = await session.exec(
            select(StatementPlace.place).where(func.lower(StatementPlace.place) == name.strip().lower()).limit(1)
        )
        return found.first() is not None


async def recorded_places(database: Database) -> list[str]:
    """Every place the record holds, each once."""
    async with database.read() as session:
        return list((await session.exec(select(StatementPlace.place).distinct())).all())
