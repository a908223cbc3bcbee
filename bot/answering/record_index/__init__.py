"""The record as a question needs it, held in memory once per process: each statement's
stored embedding as a row of one matrix (cosine similarity of a question to every
statement is then one matrix-vector product), and beside it the facts filters and boosts
look at (side, speaker, dates, topics, places, stance, status).

The package: `columns` lays the facts out as arrays, `arrays` holds them and answers
filters, boosts and similarity over them, `facts` sums them up for question
understanding, and `loading` reads them from the database (storage.record_rows) and keeps
them current. What question understanding may resolve names against is defined here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class KnownActor:
    """A speaker as the record knows them: every alias, the roles they spoke in, and the
    side they usually speak for."""

    id: int
    name: str
    aliases: tuple[str, ...]
    side: str | None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordFacts:
    """What question understanding may resolve names against: the record's own speakers,
    sides and places, the first date each place was the scene of talks (so "after the
    Geneva talks" needs no calendar of events), and the span of dates the record covers."""

    actors: tuple[KnownActor, ...] = ()
    sides: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    events: dict[str, date] = field(default_factory=dict)
    first_date: date | None = None
    last_date: date | None = None
    version: int = 0


__all__ = ["KnownActor", "RecordFacts"]
