"""The record index of a database: its arrays (`RecordArrays`) read from the database
(through storage.record_rows) on first use and then kept current cheaply.

Nothing here embeds the corpus: the vectors are the ones written beside the statements
when they were added or imported, so every process of a PostgreSQL deployment reads the
same ones; without the model they are not read at all (nothing could use them). Before
each question one round trip reads a few counters, each an index lookup (the audit log's
newest entry, the newest statement, the newest alias and the number of aliases); when
they moved, only the statements the new audit entries name, and new ones, are read again
and written over their rows (new ones after the last). Every change to a statement is
audited, so the audit log is an exact change feed. Every ten seconds the number of
statements is compared as well, to catch writers that bypass the audit log (a full
reload follows, as it does when a statement went away or a new one sorts before the
last), and statements stored without a vector are looked for again every thirty, in case
another process filled them in.

Writes reach the published arrays only between two awaits, so a question never sees half
of a change; a full reload builds new arrays beside the published ones and swaps them in.
Needs numpy."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import (
    FACTS,
    STANCE_CODE,
    STATUS_CODE,
    TOPIC_BIT,
    Batch,
    Columns,
    date_span,
)
from storage.engine import Database
from storage.record_rows import (
    IdCondition,
    audited_since,
    batch_end,
    change_counters,
    count_statements,
    ids_above,
    ids_after,
    ids_in,
    speakers,
    statement_rows,
    stored_vectors,
)

log = logging.getLogger(__name__)

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


class RecordIndex(RecordArrays):
    """One per `Database` (see :func:`record_index`)."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self._lock = asyncio.Lock()
        self._signature: tuple[Any, ...] | None = None
        self._audit_cursor = 0
        self._pending_checked = 0.0
        self._counted = 0.0
        self._alias_signature: tuple[Any, ...] | None = None
        self._with_vectors = False

    async def refresh(self) -> bool:
        """Brings the index up to date with the database; True when anything changed.
        Read on its own, never through a caller's session: the counters are read first,
        alone (`change_counters`), and whatever they say changed must then be read from
        a snapshot no older than them, which a session begun earlier may not be."""
        async with self._lock:
            signature = await self._read_signature()
            if self._signature is None or self._with_vectors != (self.database.embedder is not None):
                await self._load_all(signature)
                return True
            changed = False
            if signature != self._signature:
                if not await self._apply_changes(signature):
                    await self._load_all(signature)
                    return True
                self._publish()
                changed = True
            if time.monotonic() - self._counted >= COUNT_RECHECK_S and await self._count_differs():
                # Rows went away or came in without an audit entry: start over.
                await self._load_all(await self._read_signature())
                return True
            if self._pending_recheck_due():
                changed = await self._recheck_pending() or changed
            return changed

    async def _read_signature(self) -> tuple[Any, ...]:
        return await change_counters(self.database)

    async def _count_differs(self) -> bool:
        """Whether the number of statements disagrees with the index (checked now and
        then: a count reads the whole table on some engines)."""
        self._counted = time.monotonic()
        async with self.database.read() as reader:
            count = await count_statements(reader)
        if count != self.size:
            log.info("record index: %d statements in the database, %d indexed; reloading", count, self.size)
            self._signature = None
            return True
        return False

    async def _load_all(self, signature: tuple[Any, ...]) -> None:
        """Reads the record in id ranges into new arrays; the published ones serve
        questions until the new ones are complete."""
        started = time.perf_counter()
        self._signature = None  # until the new arrays are complete: a failed load is redone
        self._with_vectors = self.database.embedder is not None
        self._store, self._size, self._matrix = Columns.empty(), 0, None
        place_rows, place_codes = [], []
        async with self.database.read() as reader:
            self._reserve(await count_statements(reader))
            after = 0
            while True:
                until = await batch_end(reader, after, _LOAD_BATCH)
                batch = await self._read_batch(reader, ids_after(after, until))
                at = np.arange(self._size, self._size + len(batch.ids))
                self._put(batch, at)
                place_rows.append(at[batch.place_of])
                place_codes.append(np.asarray(batch.place_codes, dtype=np.int32))
                if until is None:
                    break
                after = until
        await self._read_actors()
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

    async def _apply_changes(self, signature: tuple[Any, ...]) -> bool:
        """Reads the statements changed or added since the last look and writes them over
        their rows; False when that cannot be done in place (a full reload must)."""
        audit_max, statement_max, *aliases = signature
        known_max = int(self.columns.ids[-1]) if self.size else 0
        async with self.database.read() as reader:
            touched = await audited_since(reader, self._audit_cursor)
            if statement_max is not None and statement_max > known_max:
                touched |= await ids_above(reader, known_max)
            ordered = sorted(touched)
            chunks = [ordered[start : start + _CHUNK] for start in range(0, len(ordered), _CHUNK)]
            batches = [await self._read_batch(reader, ids_in(chunk)) for chunk in chunks]
        if tuple(aliases) != self._alias_signature:
            await self._read_actors()
            self._alias_signature = tuple(aliases)
        # No await from here on: questions see all of the change or none of it.
        for chunk, batch in zip(chunks, batches, strict=True):
            if not self._merge(chunk, batch):
                return False
        self._audit_cursor = audit_max or 0
        self._signature = signature
        return True

    def _pending_recheck_due(self) -> bool:
        if not self._with_vectors:
            return False
        if time.monotonic() - self._pending_checked < PENDING_RECHECK_S:
            return False
        self._pending_checked = time.monotonic()
        return not self.columns.has_vector.all()

    async def _recheck_pending(self) -> bool:
        pending = self.columns.ids[~self.columns.has_vector].tolist()
        found = await stored_vectors(self.database, pending)
        if not found:
            return False
        at = self.locate([statement_id for statement_id, _ in found])
        known = at >= 0
        self._put_vectors(at[known], [blob for (_, blob), kept in zip(found, known, strict=True) if kept])
        self._show()
        return bool(self.columns.has_vector[at[known]].any())

    async def _read_batch(self, reader: AsyncSession, where: IdCondition) -> Batch:
        """The statements whose id passes `where`, in id order, coded for the columns."""
        read = await statement_rows(reader, where, with_vectors=self._with_vectors)
        topics: dict[int, int] = {}
        for statement_id, topic in read.topics:
            topics[statement_id] = topics.get(statement_id, 0) | TOPIC_BIT[topic]
        numbers: dict[int, int] = {}
        rows: list[tuple[Any, ...]] = []
        vectors: list[bytes | None] = []
        for statement_id, actor_id, side, said_on, precision, stance, status, retracted, role, blob in read.statements:
            numbers[statement_id] = len(rows)
            start, end = date_span(said_on, precision)
            rows.append(
                (
                    statement_id,
                    actor_id,
                    self._sides.code(side),
                    start,
                    end,
                    STANCE_CODE[stance],
                    STATUS_CODE[status],
                    retracted,
                    topics.get(statement_id, 0),
                    self._roles.code(role or ""),
                )
            )
            vectors.append(blob)
        place_of: list[int] = []
        place_codes: list[int] = []
        for statement_id, place in read.places:
            number = numbers.get(statement_id)
            if number is not None:
                place_of.append(number)
                place_codes.append(self._places.code(place))
        facts = dict(zip(FACTS, zip(*rows, strict=True), strict=True)) if rows else {}
        return Batch(facts, vectors, place_of, place_codes)

    async def _read_actors(self) -> None:
        async with self.database.read() as reader:
            names, aliases = await speakers(reader)
        by_actor: dict[int, list[str]] = {}
        for actor_id, alias in aliases:
            by_actor.setdefault(actor_id, []).append(alias)
        self._actors = {
            actor_id: (name, tuple(dict.fromkeys([name, *by_actor.get(actor_id, [])])))
            for actor_id, name in names.items()
        }


_indexes: weakref.WeakKeyDictionary[Database, RecordIndex] = weakref.WeakKeyDictionary()


async def record_index(database: Database) -> RecordIndex:
    """The process's index of `database`, current as of now."""
    index = _indexes.get(database)
    if index is None:
        index = _indexes[database] = RecordIndex(database)
    await index.refresh()
    return index
