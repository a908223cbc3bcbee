"""Names typed in commands, checked against the record before anything is done with them.

A side is one of the vocabulary's (bot.input.labels, read without the record) or one the
record holds beyond it (an import may bring any side): the parsers refuse a side they do
not know with an `UnknownSide`, and `with_record_sides` asks the record about it once
before the refusal stands. A `speaker:` filter of /search or /alert must name a speaker
of the record; one that does not is refused with the nearest name when it looks like a
typo, rather than search for nothing or make an alert that never fires. An alert may wait
for someone the record does not hold yet only when written so, `speaker:+Name`. A
`place:` filter of /search names a place of places.json or of the record, or is refused
with the nearest name (an alert may wait for any place)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TypeVar

from bot.answering.near_names import nearest_actor
from bot.answering.record_index.loading import record_index
from bot.answering.speakers import speakers_named
from bot.input.labels import NEW_NAME, fold
from bot.input.search_syntax import ParsedQuery, place_names, vocabulary_place
from bot.presentation.labels import SpeakerName
from storage.engine import Database
from storage.errors import N_, Ended, InvalidInput, Wording
from storage.models import Actor
from storage.places import place_recorded, recorded_places
from storage.positions import side_named

T = TypeVar("T")

#: How close a typed place must be to one the record or places.json knows to be offered.
NEAR_PLACE = 0.75


def unknown_side(error: BaseException) -> str | None:
    """The side `error` was raised for not knowing (bot.input.labels.UnknownSide), if any."""
    side = getattr(error, "unknown_side", None)
    return side if isinstance(side, str) else None


async def with_record_sides(database: Database, parse: Callable[[tuple[str, ...]], T]) -> T:
    """`parse(sides)`, given at first no sides of the record's; when it refuses a side it
    does not know, given once more the record's spelling of that side if the record holds
    it. Any other refusal, or a side the record does not hold either, stands."""
    try:
        return parse(())
    except (ValueError, InvalidInput) as error:
        typed = unknown_side(error)
        recorded = await side_named(database, typed) if typed else None
        if recorded is None:
            raise
    return parse((recorded,))


async def nearest_speaker(database: Database, name: str) -> str | None:
    """The speaker `name` is a slip of the keyboard away from ("putn" -> Vladimir Putin),
    by their recorded name (bot.answering.near_names); None when none is that close."""
    actor = nearest_actor(name, (await record_index(database)).facts)
    return actor.name if actor is not None else None


async def speakers_meant(database: Database, name: str) -> list[Actor]:
    """Every speaker `name` may mean, read as /actor reads it: by any of their names, in
    any case or inflection ("Путіна")."""
    async with database.read() as session:
        return await speakers_named(database, session, name)


async def unknown_speaker(database: Database, speaker: str) -> Wording:
    """Why `speaker` names no one, with the nearest speaker when it looks like a slip."""
    near = await nearest_speaker(database, speaker)
    if near is None:
        return Wording(N_("no speaker called {name} in the record"), name=repr(speaker))
    return Wording(
        N_("no speaker called {name} in the record; did you mean {suggestion}?"),
        name=repr(speaker),
        suggestion=SpeakerName(near),
    )


async def refuse_unknown_speaker(database: Database, speaker: str | None, *, waiting: bool = False) -> None:
    """An `InvalidInput` naming `speaker` when it is no speaker of the record; `waiting`
    (an alert) adds how to wait for someone the record does not hold yet."""
    if not speaker or await speakers_meant(database, speaker):
        return
    refusal = await unknown_speaker(database, speaker)
    if waiting:
        written = NEW_NAME + speaker
        # The filter by its name in the reader's language ("мовець:+Name"), which /alert takes.
        example = Wording(
            "{filter}:{value}", filter=Wording(N_("speaker")), value=f'"{written}"' if " " in written else written
        )
        refusal = Wording(
            N_("{refusal} To be alerted when someone the record does not hold yet is recorded: {example}"),
            refusal=Ended(refusal),
            example=example,
        )
    raise InvalidInput(N_("speaker"), refusal)


async def refuse_unknown_place(database: Database, place: str | None) -> None:
    """An `InvalidInput` naming `place` when it is none of places.json's places and no
    statement names it, with the nearest name of either when it looks like a slip."""
    if not place or vocabulary_place(place) or await place_recorded(database, place):
        return
    names = {fold(name): name for name in [*place_names(), *await recorded_places(database)]}
    close = difflib.get_close_matches(fold(place), list(names), n=1, cutoff=NEAR_PLACE)
    if close:
        raise InvalidInput(
            N_("place"),
            N_("no place called {name} in the record; did you mean {suggestion}?"),
            name=repr(place),
            suggestion=names[close[0]],
        )
    raise InvalidInput(N_("place"), N_("no place called {name} in the record"), name=repr(place))


async def checked_query(
    database: Database, parse: Callable[[tuple[str, ...]], ParsedQuery], *, alert: bool = False
) -> ParsedQuery:
    """A /search or /alert query read by `parse`, its side, speaker and (for a search)
    place known to the record; an `alert` may wait for a speaker written `speaker:+Name`."""
    parsed = await with_record_sides(database, parse)
    if not (alert and parsed.new_speaker):
        await refuse_unknown_speaker(database, parsed.filters.speaker, waiting=alert)
    if not alert:
        await refuse_unknown_place(database, parsed.filters.place)
    return parsed
