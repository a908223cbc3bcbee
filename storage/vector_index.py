"""The record as a question needs it, held in memory once per process: each statement's
stored embedding as a row of one matrix (cosine similarity of a question to every
statement is then one matrix-vector product), and beside it the facts filters and boosts
look at (side, speaker, dates, topics, places, stance, status).

Nothing here embeds the corpus: the vectors are the ones written beside the statements
when they were added or imported, so every process of a PostgreSQL deployment reads the
same ones. The index is loaded on first use and then kept current cheaply: before each
question one round trip reads a few counters, each an index lookup (the audit log's newest
entry, the newest statement, the newest alias and the number of aliases); when they moved,
only the statements the new audit entries name, and new ones, are read again. Every change
to a statement is audited, so the audit log is an exact change feed. Every ten seconds the
number of statements is compared as well, to catch writers that bypass the audit log (a
full reload follows), and statements stored without a vector are looked for again every
thirty, in case another process filled them in."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
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

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)

TOPICS: tuple[Topic, ...] = tuple(Topic)
TOPIC_BIT = {topic: 1 << index for index, topic in enumerate(TOPICS)}
#: Statements stored without a vector (written while no model was installed) are looked
#: for again at most this often, in case another process filled them in.
PENDING_RECHECK_S = 30.0
#: How often the number of statements is compared with the index, to catch rows removed
#: or added behind the audit log's back.
COUNT_RECHECK_S = 10.0
#: Read in pieces, so that one `IN (...)` never grows past what the drivers accept.
_CHUNK = 900
#: Rows per matrix-vector product block (see `similarities`).
_BLOCK = 512


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


@dataclass
class _Row:
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
    vector: Any  # float32 (dim,) or None


@dataclass(frozen=True)
class Selection:
    """Which statements may answer: sides (any of, case-insensitive), a date range the
    statement's span must overlap, and retracted ones left out unless asked for."""

    sides: tuple[str, ...] | None = None
    actor_ids: tuple[int, ...] | None = None
    since: date | None = None
    until: date | None = None
    include_retracted: bool = False


class RecordIndex:
    """One per `Database` (see :func:`record_index`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.dimension: int | None = None
        self._rows: dict[int, _Row] = {}
        self._lock = asyncio.Lock()
        self._signature: tuple[Any, ...] | None = None
        self._audit_cursor = 0
        self._pending_checked = 0.0
        self._counted = 0.0
        #: Full-text statistics of words (see storage.retrieval), valid for one version.
        self.term_cache: dict[str, Any] = {}
        self._facts = RecordFacts()
        self._version = 0
        self._alias_signature: tuple[Any, ...] | None = None
        self._actors: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._order: list[_Row] = []
        self.position: dict[int, int] = {}
        self._by_place: dict[str, list[_Row]] = {}
        # Dense arrays in row order (with numpy only), rebuilt after each change.
        self.matrix: npt.NDArray[np.float32] | None = None
        self.has_vector: npt.NDArray[np.bool_] | None = None
        self.loads = 0
        self.rows_read = 0

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
            if self._signature is None:
                await self._load_all(signature, session)
                return True
            changed = False
            if signature != self._signature:
                changed = await self._apply_changes(signature, session)
            if time.monotonic() - self._counted >= COUNT_RECHECK_S and await self._count_differs(session):
                # Rows went away or came in without an audit entry: start over.
                await self._load_all(await self._read_signature(session), session)
                return True
            if self._pending_recheck_due():
                changed = await self._recheck_pending(session) or changed
            if changed:
                self._rebuild()
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
        if count != len(self._rows):
            log.info("record index: %d statements in the database, %d indexed; reloading", count, len(self._rows))
            self._signature = None
            return True
        return False

    async def _load_all(self, signature: tuple[Any, ...], session: Any = None) -> None:
        started = time.perf_counter()
        async with self._reading(session) as reader:
            ids = [row[0] for row in (await reader.exec(select(Statement.id))).all()]
        self._rows = {}
        await self._read_rows(ids, session)
        await self._read_actors(session)
        self._signature = signature
        self._alias_signature = signature[2:]
        self._audit_cursor = signature[0] or 0
        self._pending_checked = self._counted = time.monotonic()
        self.loads += 1
        self._rebuild()
        log.info(
            "record index loaded: %d statements, %d with embeddings, in %.0f ms",
            len(self._rows),
            sum(1 for row in self._rows.values() if row.vector is not None),
            1000 * (time.perf_counter() - started),
        )

    async def _apply_changes(self, signature: tuple[Any, ...], session: Any = None) -> bool:
        audit_max, statement_max, *aliases = signature
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
            known_max = max(self._rows, default=0)
            if statement_max is not None and statement_max > known_max:
                touched |= {
                    row[0]
                    for row in (
                        await reader.exec(select(Statement.id).where(col(Statement.id) > known_max))
                    ).all()
                }
        await self._read_rows(sorted(touched), session)
        if tuple(aliases) != self._alias_signature:
            await self._read_actors(session)
            self._alias_signature = tuple(aliases)
        self._audit_cursor = audit_max or 0
        self._signature = signature
        return True

    def _pending_recheck_due(self) -> bool:
        if self.database.embedder is None:
            return False
        if time.monotonic() - self._pending_checked < PENDING_RECHECK_S:
            return False
        self._pending_checked = time.monotonic()
        return any(row.vector is None for row in self._rows.values())

    async def _recheck_pending(self, session: Any = None) -> bool:
        pending = [row.id for row in self._rows.values() if row.vector is None]
        found = False
        async with self._reading(session) as reader:
            for start in range(0, len(pending), _CHUNK):
                chunk = pending[start : start + _CHUNK]
                rows = (
                    await reader.exec(
                        select(Statement.id, Statement.embedding).where(
                            col(Statement.id).in_(chunk), col(Statement.embedding).is_not(None)
                        )
                    )
                ).all()
                for statement_id, blob in rows:
                    vector = self._vector(blob)
                    if vector is not None:
                        self._rows[statement_id].vector = vector
                        found = True
        return found

    async def _read_rows(self, ids: Sequence[int], session: Any = None) -> None:
        if not ids:
            return
        async with self._reading(session) as reader:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
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
                            Statement.retracted_at,
                            Statement.embedding,
                            Statement.speaker_role,
                        ).where(col(Statement.id).in_(chunk))
                    )
                ).all()
                topics: dict[int, int] = {}
                for statement_id, topic in (
                    await reader.exec(
                        select(StatementTopic.statement_id, StatementTopic.topic).where(
                            col(StatementTopic.statement_id).in_(chunk)
                        )
                    )
                ).all():
                    topics[statement_id] = topics.get(statement_id, 0) | TOPIC_BIT[Topic(topic)]
                places: dict[int, list[str]] = {}
                for statement_id, place in (
                    await reader.exec(
                        select(StatementPlace.statement_id, StatementPlace.place)
                        .where(col(StatementPlace.statement_id).in_(chunk))
                        .order_by(StatementPlace.statement_id, StatementPlace.position)
                    )
                ).all():
                    places.setdefault(statement_id, []).append(place)
                seen = set()
                for (statement_id, actor_id, side, said_on, precision, stance, status,
                     retracted_at, blob, role) in base:
                    seen.add(statement_id)
                    start_day, end_day = date_span(said_on, DatePrecision(precision))
                    row = _Row(
                        id=statement_id,
                        actor_id=actor_id,
                        side=side,
                        start=start_day,
                        end=end_day,
                        stance=str(Stance(stance).value),
                        status=str(Status(status).value),
                        retracted=retracted_at is not None,
                        topics=topics.get(statement_id, 0),
                        places=tuple(places.get(statement_id, ())),
                        role=role or "",
                        vector=self._vector(blob),
                    )
                    self._rows[statement_id] = row
                for missing in set(chunk) - seen:
                    self._rows.pop(missing, None)
                self.rows_read += len(base)

    def _vector(self, blob: bytes | None) -> Any:
        if blob is None:
            return None
        from storage.semantic import from_bytes

        vector = from_bytes(blob)
        if self.dimension is None:
            self.dimension = int(vector.shape[0])
        if vector.shape[0] != self.dimension:
            return None
        return vector

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

    def _rebuild(self) -> None:
        rows = sorted(self._rows.values(), key=lambda row: row.id)
        self._order = rows
        self.position = {row.id: index for index, row in enumerate(rows)}
        by_place: dict[str, list[_Row]] = {}
        for row in rows:
            for place in row.places:
                by_place.setdefault(place.casefold(), []).append(row)
        self._by_place = by_place
        np = _numpy()
        if np is not None:
            # Dense arrays for filtering and scoring every row at once; without numpy
            # (no semantic extra) there are no vectors and the keyword hits are checked
            # one by one with `allows`.
            n = len(rows)
            self.ids = np.fromiter((row.id for row in rows), dtype=np.int64, count=n)
            self.actor_ids = np.fromiter((row.actor_id for row in rows), dtype=np.int64, count=n)
            self.starts = np.fromiter((row.start for row in rows), dtype=np.int64, count=n)
            self.ends = np.fromiter((row.end for row in rows), dtype=np.int64, count=n)
            self.retracted = np.fromiter((row.retracted for row in rows), dtype=bool, count=n)
            self._side_code = {side: code for code, side in enumerate(sorted({row.side.casefold() for row in rows}))}
            self.side_codes = np.fromiter(
                (self._side_code[row.side.casefold()] for row in rows), dtype=np.int64, count=n
            )
            if self.dimension is not None:
                matrix = np.zeros((n, self.dimension), dtype=np.float32)
                has = np.zeros(n, dtype=bool)
                for index, row in enumerate(rows):
                    if row.vector is not None:
                        matrix[index] = row.vector
                        has[index] = True
                self.matrix, self.has_vector = matrix, has
            else:
                self.matrix, self.has_vector = None, np.zeros(n, dtype=bool)
        self._version += 1
        self.term_cache = {}
        self._facts = self._make_facts(rows)

    def _make_facts(self, rows: list[_Row]) -> RecordFacts:
        side_names: Counter[str] = Counter()
        usual: dict[int, Counter[str]] = {}
        roles: dict[int, Counter[str]] = {}
        places: dict[str, str] = {}
        first_seen: dict[str, int] = {}
        first_talks: dict[str, int] = {}
        talks = TOPIC_BIT[Topic.talks]
        first, last = None, None
        for row in rows:
            if row.retracted:
                continue
            side_names[row.side] += 1
            usual.setdefault(row.actor_id, Counter())[row.side] += 1
            if row.role:
                roles.setdefault(row.actor_id, Counter())[row.role] += 1
            first = row.start if first is None else min(first, row.start)
            last = row.end if last is None else max(last, row.end)
            for place in row.places:
                key = place.casefold()
                places.setdefault(key, place)
                first_seen[key] = min(first_seen.get(key, row.start), row.start)
                if row.topics & talks:
                    first_talks[key] = min(first_talks.get(key, row.start), row.start)
        actors = tuple(
            KnownActor(
                id=actor_id,
                name=name,
                aliases=aliases,
                side=usual[actor_id].most_common(1)[0][0] if actor_id in usual else None,
                roles=tuple(role for role, _ in roles.get(actor_id, Counter()).most_common()),
            )
            for actor_id, (name, aliases) in sorted(self._actors.items())
        )
        events = {
            places[key]: date.fromordinal(first_talks.get(key, first_seen[key])) for key in places
        }
        return RecordFacts(
            actors=actors,
            sides=tuple(side for side, _ in side_names.most_common()),
            places=tuple(sorted(places.values())),
            events=events,
            first_date=date.fromordinal(first) if first is not None else None,
            last_date=date.fromordinal(last) if last is not None else None,
            version=self._version,
        )

    # -- reading ------------------------------------------------------------------------

    @property
    def facts(self) -> RecordFacts:
        return self._facts

    @property
    def size(self) -> int:
        return len(self._rows)

    @property
    def has_vectors(self) -> bool:
        return self.matrix is not None and bool(self.has_vector is not None and self.has_vector.any())

    def row(self, statement_id: int) -> _Row | None:
        return self._rows.get(statement_id)

    def rows(self) -> Iterable[_Row]:
        return self._order

    def at_place(self, place: str) -> list[_Row]:
        """The statements about `place` (any spelling case)."""
        return self._by_place.get(place.casefold(), [])

    def allows(self, row: _Row, selection: Selection) -> bool:
        """Whether one statement passes the selection (the same test as `mask`)."""
        if row.retracted and not selection.include_retracted:
            return False
        if selection.sides is not None and row.side.casefold() not in {side.casefold() for side in selection.sides}:
            return False
        if selection.actor_ids is not None and row.actor_id not in selection.actor_ids:
            return False
        if selection.since is not None and row.end < selection.since.toordinal():
            return False
        return selection.until is None or row.start <= selection.until.toordinal()

    def mask(self, selection: Selection) -> npt.NDArray[np.bool_]:
        """Which rows (in index order) the selection lets through; needs numpy."""
        np = _numpy_required()
        keep = np.ones(len(self._order), dtype=bool)
        if not selection.include_retracted:
            keep &= ~self.retracted
        if selection.sides is not None:
            wanted = {side.casefold() for side in selection.sides}
            codes = [code for side, code in self._side_code.items() if side in wanted]
            keep &= np.isin(self.side_codes, np.asarray(codes, dtype=np.int64))
        if selection.actor_ids is not None:
            keep &= np.isin(self.actor_ids, np.asarray(selection.actor_ids, dtype=np.int64))
        if selection.since is not None:
            keep &= self.ends >= selection.since.toordinal()
        if selection.until is not None:
            keep &= self.starts <= selection.until.toordinal()
        return keep

    def similarities(self, query_vector: Any) -> npt.NDArray[np.float32]:
        """Cosine similarity of the (unit) query vector to every row; rows without a stored
        vector get -1, below anything real."""
        np = _numpy_required()
        if self.matrix is None:
            return np.full(len(self._order), -1.0, dtype=np.float32)
        vector = np.asarray(query_vector, dtype=np.float32)
        scores = np.empty(self.matrix.shape[0], dtype=np.float32)
        # In blocks: a product this small is fastest on one core, and a block stays under
        # the size at which BLAS fans out to threads that then wait for busy cores.
        for start in range(0, self.matrix.shape[0], _BLOCK):
            np.matmul(self.matrix[start : start + _BLOCK], vector, out=scores[start : start + _BLOCK])
        scores[~self.has_vector] = -1.0
        return scores


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _numpy_required() -> Any:
    np = _numpy()
    if np is None:  # pragma: no cover - numpy comes with the semantic extra
        raise RuntimeError("numpy is required for the record index")
    return np


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
    "KnownActor",
    "RecordFacts",
    "RecordIndex",
    "Selection",
    "date_span",
    "record_index",
]
