"""The layout of the record in memory. Every fact is a column: one numpy array per fact,
row i of each (and of the matrix of vectors) being the i-th statement in id order, so a
filter or a boost over the whole record is a handful of array operations and a statement
costs some 50 bytes besides its vector. Strings (sides, roles, places) are stored once
and referred to by number; a statement's places are entries (row, place) sorted by row.
Also here: which statements may answer (`Selection`), and one statement's facts read out
of the columns (`IndexedStatement`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from storage.models import DatePrecision, Stance, Status, Topic

TOPICS: tuple[Topic, ...] = tuple(Topic)
TOPIC_BIT = {topic: 1 << index for index, topic in enumerate(TOPICS)}
STANCES: tuple[Stance, ...] = tuple(Stance)
STATUSES: tuple[Status, ...] = tuple(Status)
STANCE_NAMES = tuple(stance.value for stance in STANCES)
STATUS_NAMES = tuple(status.value for status in STATUSES)
STANCE_CODE = {name: code for code, name in enumerate(STANCE_NAMES)}
STATUS_CODE = {name: code for code, name in enumerate(STATUS_NAMES)}


def date_span(said_on: date, precision: DatePrecision) -> tuple[int, int]:
    """The days a statement may have been made on, as ordinals: "Aug 2025" is the whole
    of August, so that "in late August" still finds it."""
    if precision is DatePrecision.year:
        return date(said_on.year, 1, 1).toordinal(), date(said_on.year, 12, 31).toordinal()
    if precision is DatePrecision.month:
        first = date(said_on.year, said_on.month, 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first.toordinal(), following.toordinal() - 1
    return said_on.toordinal(), said_on.toordinal()


class IndexedStatement(NamedTuple):
    """One statement's facts, read out of the columns for callers that look at
    statements one at a time (dates as ordinals, see `date_span`)."""

    id: int
    actor_id: int
    side: str
    start: int
    end: int
    stance: str
    status: str
    retracted: bool
    topics: int
    places: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class Selection:
    """Which statements may answer: sides (any of, case-insensitive), a date range the
    statement's span must overlap, and retracted ones left out unless asked for."""

    sides: tuple[str, ...] | None = None
    actor_ids: tuple[int, ...] | None = None
    since: date | None = None
    until: date | None = None
    include_retracted: bool = False


#: Each column's type (see `Columns`): ids as stored, codes and flags as small as they fit.
_TYPES = {
    "ids": "int64",
    "actor_ids": "int32",
    "side_codes": "int32",
    "starts": "int32",
    "ends": "int32",
    "stance_codes": "int8",
    "status_codes": "int8",
    "retracted": "bool",
    "topics": "int32",
    "role_codes": "int32",
    "has_vector": "bool",
}


@dataclass
class Columns:
    """One array per fact, row i of each being the same statement; ids ascending. Sides,
    stances, statuses and roles are codes (see `Names`); topics a bit set (see
    `TOPIC_BIT`); dates the ordinals of the statement's span."""

    ids: npt.NDArray[np.int64]
    actor_ids: npt.NDArray[np.int32]
    side_codes: npt.NDArray[np.int32]
    starts: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int32]
    stance_codes: npt.NDArray[np.int8]
    status_codes: npt.NDArray[np.int8]
    retracted: npt.NDArray[np.bool_]
    topics: npt.NDArray[np.int32]
    role_codes: npt.NDArray[np.int32]
    has_vector: npt.NDArray[np.bool_]

    @classmethod
    def empty(cls) -> Columns:
        return cls(**{name: np.zeros(0, dtype=dtype) for name, dtype in _TYPES.items()})

    def resized(self, capacity: int, size: int) -> Columns:
        return Columns(**{name: with_room(values, capacity, size) for name, values in vars(self).items()})

    def head(self, size: int) -> Columns:
        return Columns(**{name: values[:size] for name, values in vars(self).items()})


#: The facts a `Batch` carries, in the order the loader lists them (`has_vector` comes
#: from the vectors).
FACTS = tuple(name for name in _TYPES if name != "has_vector")


class Names:
    """The distinct strings of one fact, each kept once; rows hold their codes. Codes are
    never reused, so arrays published earlier keep their meaning."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._codes: dict[str, int] = {}
        self._folded: dict[str, list[int]] = {}

    def code(self, name: str) -> int:
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self.names)
            self.names.append(name)
            self._folded.setdefault(name.casefold(), []).append(code)
        return code

    def matching(self, wanted: Iterable[str]) -> list[int]:
        """The codes of every spelling of `wanted`, case aside."""
        return [code for name in {name.casefold() for name in wanted} for code in self._folded.get(name, ())]

    def folded(self) -> npt.NDArray[np.int64]:
        """For each code, a number shared by the spellings of its name (case aside)."""
        number = np.zeros(len(self.names), dtype=np.int64)
        for key, codes in enumerate(self._folded.values()):
            number[codes] = key
        return number


@dataclass
class Batch:
    """Statements as read, ids ascending: each fact as a sequence (strings already coded),
    the stored vectors, and the place entries (the statement's number in the batch)."""

    facts: Mapping[str, Sequence[Any]]
    vectors: list[bytes | None]
    place_of: list[int]
    place_codes: list[int]

    @property
    def ids(self) -> Sequence[int]:
        return self.facts.get("ids", ())


def pick(values: npt.NDArray[Any], rows: npt.NDArray[np.intp] | None) -> npt.NDArray[Any]:
    return values if rows is None else values[rows]


def among(values: npt.NDArray[Any], wanted: Iterable[int]) -> npt.NDArray[np.bool_]:
    """Which of `values` equal one of `wanted`, a handful (a comparison each: for a few
    values much faster than `np.isin`)."""
    found = np.zeros(len(values), dtype=bool)
    for value in wanted:
        found |= values == value
    return found


def with_room(values: npt.NDArray[Any], capacity: int, size: int) -> npt.NDArray[Any]:
    """A copy of the first `size` rows with room for `capacity` (zeros: untouched room is
    not resident)."""
    grown = np.zeros((capacity, *values.shape[1:]), dtype=values.dtype)
    grown[:size] = values[:size]
    return grown
