"""The record summed up for question understanding (`RecordFacts`), from the columns:
who speaks, for which side usually and in which roles, which sides and places occur, when
each place was first the scene of talks, and the span of dates the record covers."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.answering.record_index import KnownActor, RecordFacts
from bot.answering.record_index.columns import TOPIC_BIT, Columns, Names
from storage.models import Topic

#: Greater than any value `_smallest` is given.
_NEVER = 2**63 - 1


def record_facts(
    columns: Columns,
    actors: dict[int, tuple[str, tuple[str, ...]]],
    sides: Names,
    roles: Names,
    places: Names,
    place_rows: npt.NDArray[np.int32],
    place_codes: npt.NDArray[np.int32],
    version: int,
) -> RecordFacts:
    """Counted over the statements not retracted: a side's or role's order is that of
    `Counter.most_common` (more statements first, then first said), a place's spelling
    the first one said. `actors`: each speaker's name and aliases, by id."""
    live = ~columns.retracted
    side_codes, actor_ids, role_codes = columns.side_codes[live], columns.actor_ids[live], columns.role_codes[live]
    usual: dict[int, str] = {}
    for actor_id, code in _most_common(actor_ids, side_codes):
        usual.setdefault(actor_id, sides.names[code])
    spoken: dict[int, list[str]] = {}
    said_as = role_codes != roles.code("")
    for actor_id, code in _most_common(actor_ids[said_as], role_codes[said_as]):
        spoken.setdefault(actor_id, []).append(roles.names[code])
    actor_facts = tuple(
        KnownActor(
            id=actor_id,
            name=name,
            aliases=aliases,
            side=usual.get(actor_id),
            roles=tuple(spoken.get(actor_id, ())),
        )
        for actor_id, (name, aliases) in sorted(actors.items())
    )

    # Per place (case aside): its first spelling, and the first day it was the scene
    # of talks, else the first day it was mentioned at all.
    entries = live[place_rows]
    rows, codes = place_rows[entries], place_codes[entries]
    keys, starts = places.folded()[codes], columns.starts[rows].astype(np.int64)
    count = len(places.names)
    first_entry = _smallest(keys, np.arange(len(keys)), count)
    mentioned = _smallest(keys, starts, count)
    talks = (columns.topics[rows] & TOPIC_BIT[Topic.talks]) != 0
    in_talks = _smallest(keys[talks], starts[talks], count)
    in_talks = np.where(in_talks == _NEVER, mentioned, in_talks)
    named = np.flatnonzero(first_entry != _NEVER)
    events = {
        places.names[codes[first_entry[key]]]: date.fromordinal(int(in_talks[key]))
        for key in named[np.argsort(first_entry[named])].tolist()
    }

    any_live = bool(live.any())
    return RecordFacts(
        actors=actor_facts,
        sides=tuple(sides.names[code] for _, code in _most_common(np.zeros_like(side_codes), side_codes)),
        places=tuple(sorted(events)),
        events=events,
        first_date=date.fromordinal(int(columns.starts[live].min())) if any_live else None,
        last_date=date.fromordinal(int(columns.ends[live].max())) if any_live else None,
        version=version,
    )


def _most_common(groups: npt.NDArray[Any], values: npt.NDArray[Any]) -> list[tuple[int, int]]:
    """The distinct (group, value) pairs, by group, then in `Counter.most_common` order
    within each: more occurrences first, then first occurrence first."""
    if not len(values):
        return []
    width = int(values.max()) + 1
    pairs, first, counts = np.unique(groups.astype(np.int64) * width + values, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts, pairs // width))
    return list(zip((pairs[order] // width).tolist(), (pairs[order] % width).tolist(), strict=True))


def _smallest(keys: npt.NDArray[np.int64], values: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.int64]:
    """The smallest value of each key (0 to `count` - 1); `_NEVER` for a key with none."""
    smallest = np.full(count, _NEVER, dtype=np.int64)
    np.minimum.at(smallest, keys, values)
    return smallest
