"""The record as a question needs it, held in memory once per process: each statement's
stored embedding as a row of one matrix (cosine similarity of a question to every
statement is then one matrix-vector product), and beside it the facts filters and boosts
look at (side, speaker, dates, topics, places, stance, status).

Layout. Every fact is a column: one numpy array per fact, row i of each (and of the
matrix) being the i-th statement in id order, so a filter or a boost over the whole record
is a handful of array operations and a statement costs some 50 bytes besides its vector.
Strings (sides, roles, places) are stored once and referred to by number; a statement's
places are entries (row, place) sorted by row. Vectors are decoded from the stored bytes
straight into their matrix rows, a batch at a time; without the model they are not read at
all (nothing could use them). Arrays are allocated with room to grow, so that a statement
added later is written in place rather than copying the matrix; the room not yet written
to is never touched and so takes no memory.

Nothing here embeds the corpus: the vectors are the ones written beside the statements
when they were added or imported, so every process of a PostgreSQL deployment reads the
same ones. The index is loaded on first use and then kept current cheaply: before each
question one round trip reads a few counters, each an index lookup (the audit log's newest
entry, the newest statement, the newest alias and the number of aliases); when they moved,
only the statements the new audit entries name, and new ones, are read again and written
over their rows (new ones after the last). Every change to a statement is audited, so the
audit log is an exact change feed. Every ten seconds the number of statements is compared
as well, to catch writers that bypass the audit log (a full reload follows, as it does when
a statement went away or a new one sorts before the last), and statements stored without a
vector are looked for again every thirty, in case another process filled them in.

Writes reach the published arrays only between two awaits, so a question never sees half
of a change; a full reload builds new arrays beside the published ones and swaps them in.
Needs numpy."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, func, null, select
from sqlmodel import col

from storage.engine import Database
from storage.models import (
    Actor,
    ActorAlias,
    AuditEntry,
    DatePrecision,
    Stance,
    Statement,
    StatementPlace,
    StatementTopic,
    Status,
    Topic,
)

log = logging.getLogger(__name__)

TOPICS: tuple[Topic, ...] = tuple(Topic)
TOPIC_BIT = {topic: 1 << index for index, topic in enumerate(TOPICS)}
STANCES: tuple[Stance, ...] = tuple(Stance)
STATUSES: tuple[Status, ...] = tuple(Status)
_STANCE_NAMES = tuple(stance.value for stance in STANCES)
_STATUS_NAMES = tuple(status.value for status in STATUSES)
_STANCE_CODE = {name: code for code, name in enumerate(_STANCE_NAMES)}
_STATUS_CODE = {name: code for code, name in enumerate(_STATUS_NAMES)}
#: Statements stored without a vector (written while no model was installed) are looked
#: for again at most this often, in case another process filled them in.
PENDING_RECHECK_S = 30.0
#: How often the number of statements is compared with the index, to catch rows removed
#: or added behind the audit log's back.
COUNT_RECHECK_S = 10.0
#: Read in pieces, so that one `IN (...)` never grows past what the drivers accept.
_CHUNK = 900
#: Statements per round trip when the whole record is read (a range of ids, no `IN`).
_LOAD_BATCH = 1024
#: Rows per matrix-vector product block (see `similarities`).
_BLOCK = 512
#: Greater than any value `_smallest` is given.
_NEVER = 2**63 - 1


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
    "ids": "int64", "actor_ids": "int32", "side_codes": "int32", "starts": "int32", "ends": "int32",
    "stance_codes": "int8", "status_codes": "int8", "retracted": "bool", "topics": "int32",
    "role_codes": "int32", "has_vector": "bool",
}


@dataclass
class Columns:
    """One array per fact, row i of each being the same statement; ids ascending. Sides,
    stances, statuses and roles are codes (see `RecordIndex`); topics a bit set (see
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
        return Columns(**{name: _resized(values, capacity, size) for name, values in vars(self).items()})

    def head(self, size: int) -> Columns:
        return Columns(**{name: values[:size] for name, values in vars(self).items()})


#: The facts `_read_batch` reads, in the order it lists them (`has_vector` comes from the
#: vectors).
_FACTS = tuple(name for name in _TYPES if name != "has_vector")


class _Names:
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
class _Batch:
    """Statements as read, ids ascending: each fact as a sequence (strings already coded),
    the stored vectors, and the place entries (the statement's number in the batch)."""

    facts: dict[str, Sequence[Any]]
    vectors: list[bytes | None]
    place_of: list[int]
    place_codes: list[int]

    @property
    def ids(self) -> Sequence[int]:
        return self.facts.get("ids", ())


class RecordIndex:
    """One per `Database` (see :func:`record_index`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.dimension: int | None = None
        self._lock = asyncio.Lock()
        self._signature: tuple[Any, ...] | None = None
        self._audit_cursor = 0
        self._pending_checked = 0.0
        self._counted = 0.0
        #: Full-text statistics of words (see bot.answering.retrieval), valid for one version.
        self.term_cache: dict[str, Any] = {}
        self._facts = RecordFacts()
        self._version = 0
        self._alias_signature: tuple[Any, ...] | None = None
        self._actors: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._with_vectors = False
        self._sides = _Names()
        self._roles = _Names()
        self._places = _Names()
        # What is being written (`_store`, rows up to `_size`, with room beyond) ...
        self._store = Columns.empty()
        self._size = 0
        self._matrix: npt.NDArray[np.float32] | None = None
        # ... and what questions read: views of the same arrays, set by `_show`.
        self.columns = self._store
        self.matrix: npt.NDArray[np.float32] | None = None
        #: The place entries: row and place code, sorted by row (see `_merge`).
        self._place_rows = self._place_codes = np.zeros(0, dtype=np.int32)
        self.loads = 0

    # -- keeping current ----------------------------------------------------------------

    @asynccontextmanager
    async def _reading(self, session: Any) -> AsyncIterator[Any]:
        """The caller's read session, or one of our own."""
        if session is not None:
            yield session
            return
        async with self.database.read() as own:
            yield own

    async def refresh(self, session: Any = None) -> bool:
        """Brings the index up to date with the database (read through `session` if
        given); True when anything changed."""
        async with self._lock:
            signature = await self._read_signature(session)
            if self._signature is None or self._with_vectors != (self.database.embedder is not None):
                await self._load_all(signature, session)
                return True
            changed = False
            if signature != self._signature:
                if not await self._apply_changes(signature, session):
                    await self._load_all(signature, session)
                    return True
                self._publish()
                changed = True
            if time.monotonic() - self._counted >= COUNT_RECHECK_S and await self._count_differs(session):
                # Rows went away or came in without an audit entry: start over.
                await self._load_all(await self._read_signature(session), session)
                return True
            if self._pending_recheck_due():
                changed = await self._recheck_pending(session) or changed
            return changed

    async def _read_signature(self, session: Any = None) -> tuple[Any, ...]:
        """The change counters, each an index lookup: newest audit entry, newest
        statement, newest alias and the number of aliases."""
        async with self._reading(session) as reader:
            row = (
                await reader.exec(
                    select(
                        select(func.max(AuditEntry.id)).scalar_subquery(),
                        select(func.max(Statement.id)).scalar_subquery(),
                        select(func.max(ActorAlias.id)).scalar_subquery(),
                        select(func.count()).select_from(ActorAlias).scalar_subquery(),
                    )
                )
            ).one()
        return tuple(row)

    async def _count_differs(self, session: Any = None) -> bool:
        """Whether the number of statements disagrees with the index (checked now and
        then: a count reads the whole table on some engines)."""
        self._counted = time.monotonic()
        async with self._reading(session) as reader:
            count = (await reader.exec(select(func.count()).select_from(Statement))).scalar_one()
        if count != self.size:
            log.info("record index: %d statements in the database, %d indexed; reloading", count, self.size)
            self._signature = None
            return True
        return False

    async def _load_all(self, signature: tuple[Any, ...], session: Any = None) -> None:
        """Reads the record in id ranges into new arrays; the published ones serve
        questions until the new ones are complete."""
        started = time.perf_counter()
        self._signature = None  # until the new arrays are complete: a failed load is redone
        self._with_vectors = self.database.embedder is not None
        self._store, self._size, self._matrix = Columns.empty(), 0, None
        place_rows, place_codes = [], []
        async with self._reading(session) as reader:
            count = (await reader.exec(select(func.count()).select_from(Statement))).scalar_one()
            self._reserve(count)
            after = 0
            while True:
                until = (
                    await reader.exec(
                        select(Statement.id)
                        .where(col(Statement.id) > after)
                        .order_by(col(Statement.id))
                        .offset(_LOAD_BATCH - 1)
                        .limit(1)
                    )
                ).scalar()
                batch = await self._read_batch(reader, _ids_after(after, until))
                at = np.arange(self._size, self._size + len(batch.ids))
                self._put(batch, at)
                place_rows.append(at[batch.place_of])
                place_codes.append(np.asarray(batch.place_codes, dtype=np.int32))
                if until is None:
                    break
                after = until
        await self._read_actors(session)
        self._place_rows = np.concatenate(place_rows).astype(np.int32)
        self._place_codes = np.concatenate(place_codes)
        self._signature = signature
        self._alias_signature = signature[2:]
        self._audit_cursor = signature[0] or 0
        self._pending_checked = self._counted = time.monotonic()
        self.loads += 1
        self._publish()
        log.info(
            "record index loaded: %d statements, %d with embeddings, in %.0f ms",
            self.size,
            int(self.columns.has_vector.sum()),
            1000 * (time.perf_counter() - started),
        )

    async def _apply_changes(self, signature: tuple[Any, ...], session: Any = None) -> bool:
        """Reads the statements changed or added since the last look and writes them over
        their rows; False when that cannot be done in place (a full reload must)."""
        audit_max, statement_max, *aliases = signature
        known_max = int(self.columns.ids[-1]) if self.size else 0
        async with self._reading(session) as reader:
            touched = {
                row[0]
                for row in (
                    await reader.exec(
                        select(AuditEntry.statement_id).where(
                            col(AuditEntry.id) > self._audit_cursor,
                            col(AuditEntry.statement_id).is_not(None),
                        )
                    )
                ).all()
            }
            if statement_max is not None and statement_max > known_max:
                touched |= {
                    row[0]
                    for row in (
                        await reader.exec(select(Statement.id).where(col(Statement.id) > known_max))
                    ).all()
                }
            ordered = sorted(touched)
            chunks = [ordered[start : start + _CHUNK] for start in range(0, len(ordered), _CHUNK)]
            batches = [await self._read_batch(reader, _ids_in(chunk)) for chunk in chunks]
        if tuple(aliases) != self._alias_signature:
            await self._read_actors(session)
            self._alias_signature = tuple(aliases)
        # No await from here on: questions see all of the change or none of it.
        for chunk, batch in zip(chunks, batches, strict=True):
            if not self._merge(chunk, batch):
                return False
        self._audit_cursor = audit_max or 0
        self._signature = signature
        return True

    def _merge(self, asked: Sequence[int], batch: _Batch) -> bool:
        """Writes statements read again over their rows, new ones after the last row;
        False when a statement went away or a new one would not come last."""
        if (self.locate(sorted(set(asked) - set(batch.ids))) >= 0).any():
            return False
        at = self.locate(batch.ids)
        new = at < 0
        if new.any():
            if self.size and batch.ids[int(np.argmax(new))] <= self.columns.ids[-1]:
                return False
            at[new] = np.arange(self.size, self.size + int(new.sum()))
        self._put(batch, at)
        keep = ~np.isin(self._place_rows, at)
        rows = np.concatenate([self._place_rows[keep], at[batch.place_of].astype(np.int32)])
        codes = np.concatenate([self._place_codes[keep], np.asarray(batch.place_codes, dtype=np.int32)])
        order = np.argsort(rows, kind="stable")
        self._place_rows, self._place_codes = rows[order], codes[order]
        self._show()
        return True

    def _pending_recheck_due(self) -> bool:
        if not self._with_vectors:
            return False
        if time.monotonic() - self._pending_checked < PENDING_RECHECK_S:
            return False
        self._pending_checked = time.monotonic()
        return not self.columns.has_vector.all()

    async def _recheck_pending(self, session: Any = None) -> bool:
        pending = self.columns.ids[~self.columns.has_vector].tolist()
        found: list[tuple[int, bytes]] = []
        async with self._reading(session) as reader:
            for start in range(0, len(pending), _CHUNK):
                chunk = pending[start : start + _CHUNK]
                found += (
                    await reader.exec(
                        select(Statement.id, Statement.embedding).where(
                            col(Statement.id).in_(chunk), col(Statement.embedding).is_not(None)
                        )
                    )
                ).all()
        if not found:
            return False
        at = self.locate([statement_id for statement_id, _ in found])
        known = at >= 0
        self._put_vectors(at[known], [blob for (_, blob), kept in zip(found, known, strict=True) if kept])
        self._show()
        return bool(self.columns.has_vector[at[known]].any())

    async def _read_batch(self, reader: Any, where: Callable[[Any], Any]) -> _Batch:
        """The statements whose id passes `where` (a condition on each table's statement
        id column), in id order."""
        vector = col(Statement.embedding) if self._with_vectors else null()
        base = (
            await reader.exec(
                select(
                    Statement.id,
                    Statement.actor_id,
                    Statement.side,
                    Statement.said_on,
                    Statement.date_precision,
                    Statement.stance,
                    Statement.status,
                    col(Statement.retracted_at).is_not(None),
                    Statement.speaker_role,
                    vector,
                )
                .where(where(col(Statement.id)))
                .order_by(col(Statement.id))
            )
        ).all()
        topics: dict[int, int] = {}
        for statement_id, topic in (
            await reader.exec(
                select(StatementTopic.statement_id, StatementTopic.topic).where(
                    where(col(StatementTopic.statement_id))
                )
            )
        ).all():
            topics[statement_id] = topics.get(statement_id, 0) | TOPIC_BIT[topic]
        numbers: dict[int, int] = {}
        rows: list[tuple[Any, ...]] = []
        vectors: list[bytes | None] = []
        for statement_id, actor_id, side, said_on, precision, stance, status, retracted, role, blob in base:
            numbers[statement_id] = len(rows)
            start, end = date_span(said_on, precision)
            rows.append((
                statement_id, actor_id, self._sides.code(side), start, end, _STANCE_CODE[stance],
                _STATUS_CODE[status], retracted, topics.get(statement_id, 0), self._roles.code(role or ""),
            ))
            vectors.append(blob)
        place_of: list[int] = []
        place_codes: list[int] = []
        for statement_id, place in (
            await reader.exec(
                select(StatementPlace.statement_id, StatementPlace.place)
                .where(where(col(StatementPlace.statement_id)))
                .order_by(StatementPlace.statement_id, StatementPlace.position)
            )
        ).all():
            number = numbers.get(statement_id)
            if number is not None:
                place_of.append(number)
                place_codes.append(self._places.code(place))
        facts = dict(zip(_FACTS, zip(*rows, strict=True), strict=True)) if rows else {}
        return _Batch(facts, vectors, place_of, place_codes)

    def _reserve(self, rows: int) -> None:
        """Room for `rows` rows, with an eighth more when the arrays must grow."""
        if rows <= len(self._store.ids):
            return
        capacity = rows + rows // 8
        self._store = self._store.resized(capacity, self._size)
        if self._matrix is not None:
            self._matrix = _resized(self._matrix, capacity, self._size)

    def _put(self, batch: _Batch, at: npt.NDArray[np.intp]) -> None:
        """Writes the batch's statements into rows `at` (past the end: appended)."""
        if not len(at):
            return
        self._reserve(int(at.max()) + 1)
        for name, values in batch.facts.items():
            getattr(self._store, name)[at] = values
        self._put_vectors(at, batch.vectors)
        self._size = max(self._size, int(at.max()) + 1)

    def _put_vectors(self, at: npt.NDArray[np.intp], blobs: Sequence[bytes | None]) -> None:
        """Decodes the stored vectors into their matrix rows; a row whose vector is
        missing or of another width is marked as having none."""
        if self.dimension is None:
            self.dimension = next((len(blob) // 4 for blob in blobs if blob), None)
        width = 4 * self.dimension if self.dimension else -1
        valid = np.fromiter((blob is not None and len(blob) == width for blob in blobs), dtype=bool, count=len(blobs))
        self._store.has_vector[at] = valid
        if not valid.any():
            return
        if self._matrix is None:
            self._matrix = np.zeros((len(self._store.ids), width // 4), dtype=np.float32)
        joined = b"".join([blob for blob in blobs if blob is not None and len(blob) == width])
        self._matrix[at[valid]] = np.frombuffer(joined, dtype="<f4").reshape(-1, width // 4)

    async def _read_actors(self, session: Any = None) -> None:
        async with self._reading(session) as reader:
            actors = {
                actor_id: name for actor_id, name in (await reader.exec(select(Actor.id, Actor.name))).all()
            }
            aliases: dict[int, list[str]] = {}
            for actor_id, alias in (
                await reader.exec(select(ActorAlias.actor_id, ActorAlias.alias).order_by(ActorAlias.id))
            ).all():
                aliases.setdefault(actor_id, []).append(alias)
        self._actors = {
            actor_id: (name, tuple(dict.fromkeys([name, *aliases.get(actor_id, [])])))
            for actor_id, name in actors.items()
        }

    def _show(self) -> None:
        """Points the published views at the rows written so far."""
        self.columns = self._store.head(self._size)
        self.matrix = self._matrix[: self._size] if self._matrix is not None else None

    def _publish(self) -> None:
        self._show()
        self._version += 1
        self.term_cache = {}
        self._facts = self._make_facts()

    def _make_facts(self) -> RecordFacts:
        """Counted over the statements not retracted: a side's or role's order is that of
        `Counter.most_common` (more statements first, then first said), a place's spelling
        the first one said."""
        columns = self.columns
        live = ~columns.retracted
        sides, actors, roles = columns.side_codes[live], columns.actor_ids[live], columns.role_codes[live]
        usual: dict[int, str] = {}
        for actor_id, code in _most_common(actors, sides):
            usual.setdefault(actor_id, self._sides.names[code])
        spoken: dict[int, list[str]] = {}
        said_as = roles != self._roles.code("")
        for actor_id, code in _most_common(actors[said_as], roles[said_as]):
            spoken.setdefault(actor_id, []).append(self._roles.names[code])
        actor_facts = tuple(
            KnownActor(
                id=actor_id, name=name, aliases=aliases, side=usual.get(actor_id),
                roles=tuple(spoken.get(actor_id, ())),
            )
            for actor_id, (name, aliases) in sorted(self._actors.items())
        )

        # Per place (case aside): its first spelling, and the first day it was the scene
        # of talks, else the first day it was mentioned at all.
        entries = live[self._place_rows]
        rows, codes = self._place_rows[entries], self._place_codes[entries]
        keys, starts = self._places.folded()[codes], columns.starts[rows].astype(np.int64)
        count = len(self._places.names)
        first_entry = _smallest(keys, np.arange(len(keys)), count)
        mentioned = _smallest(keys, starts, count)
        talks = (columns.topics[rows] & TOPIC_BIT[Topic.talks]) != 0
        in_talks = _smallest(keys[talks], starts[talks], count)
        in_talks = np.where(in_talks == _NEVER, mentioned, in_talks)
        named = np.flatnonzero(first_entry != _NEVER)
        events = {
            self._places.names[codes[first_entry[key]]]: date.fromordinal(int(in_talks[key]))
            for key in named[np.argsort(first_entry[named])].tolist()
        }

        any_live = bool(live.any())
        return RecordFacts(
            actors=actor_facts,
            sides=tuple(self._sides.names[code] for _, code in _most_common(np.zeros_like(sides), sides)),
            places=tuple(sorted(events)),
            events=events,
            first_date=date.fromordinal(int(columns.starts[live].min())) if any_live else None,
            last_date=date.fromordinal(int(columns.ends[live].max())) if any_live else None,
            version=self._version,
        )

    # -- reading ------------------------------------------------------------------------

    @property
    def facts(self) -> RecordFacts:
        return self._facts

    @property
    def size(self) -> int:
        return len(self.columns.ids)

    @property
    def has_vectors(self) -> bool:
        return self.matrix is not None and bool(self.columns.has_vector.any())

    def locate(self, statement_ids: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
        """Each statement's row, or -1 for a statement the index does not hold."""
        wanted = np.asarray(statement_ids, dtype=np.int64)
        at = np.searchsorted(self.columns.ids, wanted)
        found = at < self.size
        found[found] = self.columns.ids[at[found]] == wanted[found]
        return np.where(found, at, -1)

    def row(self, statement_id: int) -> IndexedStatement | None:
        at = self.locate([statement_id])
        return self._statements(at)[0] if at[0] >= 0 else None

    def at_place(self, place: str, between: tuple[int, int] | None = None) -> list[IndexedStatement]:
        """The statements about `place` (any spelling case), in id order; with `between`
        (first and last day, as ordinals), only those whose span overlaps it. A place
        may be the scene of a fifth of the record: the dates are best narrowed here."""
        rows = self._place_rows[_among(self._place_codes, self._places.matching((place,)))]
        if between is not None:
            rows = rows[(self.columns.ends[rows] >= between[0]) & (self.columns.starts[rows] <= between[1])]
        # Sorted by row; a statement naming the place in two spellings comes twice.
        return self._statements(rows[np.diff(rows, prepend=-1) != 0])

    # Which rows (all, or those at `rows`) have a fact: for filters and boosts.

    def of_actors(self, actor_ids: Iterable[int], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        return _among(_pick(self.columns.actor_ids, rows), actor_ids)

    def of_sides(self, sides: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Case aside."""
        return _among(_pick(self.columns.side_codes, rows), self._sides.matching(sides))

    def of_stances(self, stances: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        codes = [_STANCE_CODE[stance] for stance in stances if stance in _STANCE_CODE]
        return _among(_pick(self.columns.stance_codes, rows), codes)

    def about_places(self, places: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Case aside."""
        about = np.zeros(self.size, dtype=bool)
        about[self._place_rows[_among(self._place_codes, self._places.matching(places))]] = True
        return _pick(about, rows)

    def mask(self, selection: Selection, rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Which rows the selection lets through: every row in index order, or `rows`."""
        columns = self.columns
        keep = np.ones(self.size if rows is None else len(rows), dtype=bool)
        if not selection.include_retracted:
            keep &= ~_pick(columns.retracted, rows)
        if selection.sides is not None:
            keep &= self.of_sides(selection.sides, rows)
        if selection.actor_ids is not None:
            keep &= self.of_actors(selection.actor_ids, rows)
        if selection.since is not None:
            keep &= _pick(columns.ends, rows) >= selection.since.toordinal()
        if selection.until is not None:
            keep &= _pick(columns.starts, rows) <= selection.until.toordinal()
        return keep

    def similarities(self, query_vector: Any) -> npt.NDArray[np.float32]:
        """Cosine similarity of the (unit) query vector to every row; rows without a stored
        vector get -1, below anything real."""
        # One consistent pair, even if a refresh swaps them while this runs in a thread.
        matrix, has_vector = self.matrix, self.columns.has_vector
        if matrix is None:
            return np.full(len(has_vector), -1.0, dtype=np.float32)
        vector = np.asarray(query_vector, dtype=np.float32)
        scores = np.empty(matrix.shape[0], dtype=np.float32)
        # In blocks: a product this small is fastest on one core, and a block stays under
        # the size at which BLAS fans out to threads that then wait for busy cores.
        for start in range(0, matrix.shape[0], _BLOCK):
            np.matmul(matrix[start : start + _BLOCK], vector, out=scores[start : start + _BLOCK])
        scores[~has_vector] = -1.0
        return scores

    def _statements(self, rows: npt.NDArray[np.intp]) -> list[IndexedStatement]:
        """The statements at `rows`, read out of the columns together."""
        columns = self.columns
        first = np.searchsorted(self._place_rows, rows)
        counts = np.searchsorted(self._place_rows, rows + 1) - first
        # Each row's entries, one run after another.
        entries = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        names = iter([self._places.names[code] for code in self._place_codes[entries].tolist()])
        places = [tuple(islice(names, count)) for count in counts.tolist()]
        sides, roles = self._sides.names, self._roles.names
        return list(map(IndexedStatement._make, zip(
            columns.ids[rows].tolist(),
            columns.actor_ids[rows].tolist(),
            [sides[code] for code in columns.side_codes[rows].tolist()],
            columns.starts[rows].tolist(),
            columns.ends[rows].tolist(),
            [_STANCE_NAMES[code] for code in columns.stance_codes[rows].tolist()],
            [_STATUS_NAMES[code] for code in columns.status_codes[rows].tolist()],
            columns.retracted[rows].tolist(),
            columns.topics[rows].tolist(),
            places,
            [roles[code] for code in columns.role_codes[rows].tolist()],
            strict=True,
        )))


def _ids_after(after: int, until: int | None) -> Callable[[Any], Any]:
    """Ids above `after`, up to `until` (if any)."""
    if until is None:
        return lambda column: column > after
    return lambda column: and_(column > after, column <= until)


def _ids_in(ids: Sequence[int]) -> Callable[[Any], Any]:
    return lambda column: column.in_(ids)


def _pick(values: npt.NDArray[Any], rows: npt.NDArray[np.intp] | None) -> npt.NDArray[Any]:
    return values if rows is None else values[rows]


def _among(values: npt.NDArray[Any], wanted: Iterable[int]) -> npt.NDArray[np.bool_]:
    """Which of `values` equal one of `wanted`, a handful (a comparison each: for a few
    values much faster than `np.isin`)."""
    found = np.zeros(len(values), dtype=bool)
    for value in wanted:
        found |= values == value
    return found


def _resized(values: npt.NDArray[Any], capacity: int, size: int) -> npt.NDArray[Any]:
    """A copy of the first `size` rows with room for `capacity` (zeros: untouched room is
    not resident)."""
    grown = np.zeros((capacity, *values.shape[1:]), dtype=values.dtype)
    grown[:size] = values[:size]
    return grown


def _most_common(groups: npt.NDArray[Any], values: npt.NDArray[Any]) -> list[tuple[int, int]]:
    """The distinct (group, value) pairs, by group, then in `Counter.most_common` order
    within each: more occurrences first, then first occurrence first."""
    if not len(values):
        return []
    width = int(values.max()) + 1
    pairs, first, counts = np.unique(
        groups.astype(np.int64) * width + values, return_index=True, return_counts=True
    )
    order = np.lexsort((first, -counts, pairs // width))
    return list(zip((pairs[order] // width).tolist(), (pairs[order] % width).tolist(), strict=True))


def _smallest(keys: npt.NDArray[np.int64], values: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.int64]:
    """The smallest value of each key (0 to `count` - 1); `_NEVER` for a key with none."""
    smallest = np.full(count, _NEVER, dtype=np.int64)
    np.minimum.at(smallest, keys, values)
    return smallest


_indexes: weakref.WeakKeyDictionary[Database, RecordIndex] = weakref.WeakKeyDictionary()


async def record_index(database: Database, session: Any = None) -> RecordIndex:
    """The process's index of `database`, current as of now (checked through `session`,
    a read session of the caller's, if given)."""
    index = _indexes.get(database)
    if index is None:
        index = _indexes[database] = RecordIndex(database)
    await index.refresh(session)
    return index


__all__ = [
    "Columns",
    "IndexedStatement",
    "KnownActor",
    "RecordFacts",
    "RecordIndex",
    "Selection",
    "date_span",
    "record_index",
]
