"""The record's columns and matrix in memory (see `columns` for the layout): rows written
as statements are read, and the questions filters, boosts and similarity ask of them.

Vectors are decoded from the stored bytes and kept at one byte per dimension: each row as
int8 codes with one scale (symmetric, the row's largest component is 127), a quarter of
float32's memory (1,465 -> 370 MB at 1M statements). A question's similarity to a row is
then approximate, within a bound this module gives with it (`approximate`); the rows that
could decide an answer are scored again exactly from the stored vectors
(record_index.exact), so answers are the same as with float32 (BENCHMARKS.md §2). Arrays are allocated with room to grow, so that a statement added later is written
in place rather than copying the matrix; the room not yet written to is never touched
and so takes no memory. Questions read views of the rows written so far (`columns`,
`matrix`), pointed at the new rows only once a change is complete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.answering.record_index import RecordFacts
from bot.answering.record_index.columns import (
    STANCE_CODE,
    STANCE_NAMES,
    STATUS_NAMES,
    TOPIC_BIT,
    Batch,
    Columns,
    IndexedStatement,
    Names,
    Selection,
    among,
    pick,
    with_room,
)
from bot.answering.record_index.facts import record_facts
from storage.models import Topic

#: Rows per matrix-vector product block (see `similarities`).
_BLOCK = 512


class RecordArrays:
    """The arrays of one record; `RecordIndex` (bot.answering.record_index.loading) fills
    them from the database and keeps them current."""

    def __init__(self) -> None:
        self.dimension: int | None = None
        #: Full-text statistics of words (see bot.answering.keywords), valid for one version.
        self.term_cache: dict[Any, Any] = {}
        self._facts = RecordFacts()
        self._version = 0
        #: Each speaker's name and aliases, by id.
        self._actors: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._sides = Names()
        self._roles = Names()
        self._places = Names()
        # What is being written (`_store`, rows up to `_size`, with room beyond) ...
        self._store = Columns.empty()
        self._size = 0
        self._matrix: npt.NDArray[np.int8] | None = None
        self._scales = np.zeros(0, dtype=np.float32)
        # ... and what questions read: views of the same arrays, set by `_show`.
        self.columns = self._store
        self.matrix: npt.NDArray[np.int8] | None = None
        #: Each row's scale: the row's vector is about `matrix[row] * scales[row]`.
        self.scales = self._scales
        #: The place entries: row and place code, sorted by row (see `_merge`).
        self._place_rows = self._place_codes = np.zeros(0, dtype=np.int32)
        self.loads = 0

    # -- writing --------------------------------------------------------------------------

    def _reserve(self, rows: int) -> None:
        """Room for `rows` rows, with an eighth more when the arrays must grow."""
        if rows <= len(self._store.ids):
            return
        capacity = rows + rows // 8
        self._store = self._store.resized(capacity, self._size)
        if self._matrix is not None:
            self._matrix = with_room(self._matrix, capacity, self._size)
            self._scales = with_room(self._scales, capacity, self._size)

    def _put(self, batch: Batch, at: npt.NDArray[np.intp]) -> None:
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
            self._matrix = np.zeros((len(self._store.ids), width // 4), dtype=np.int8)
            self._scales = np.zeros(len(self._store.ids), dtype=np.float32)
        joined = b"".join([blob for blob in blobs if blob is not None and len(blob) == width])
        vectors = np.frombuffer(joined, dtype="<f4").reshape(-1, width // 4)
        scales = np.abs(vectors).max(axis=1) / 127.0
        scales[scales == 0] = 1.0
        self._matrix[at[valid]] = np.rint(vectors / scales[:, None]).astype(np.int8)
        self._scales[at[valid]] = scales

    def _merge(self, asked: Sequence[int], batch: Batch) -> bool:
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

    def _show(self) -> None:
        """Points the published views at the rows written so far."""
        self.columns = self._store.head(self._size)
        self.matrix = self._matrix[: self._size] if self._matrix is not None else None
        self.scales = self._scales[: self._size]

    def _publish(self) -> None:
        self._show()
        self._version += 1
        self.term_cache = {}
        self._facts = record_facts(
            self.columns,
            self._actors,
            self._sides,
            self._roles,
            self._places,
            self._place_rows,
            self._place_codes,
            self._version,
        )

    # -- reading --------------------------------------------------------------------------

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
        rows = self._place_rows[among(self._place_codes, self._places.matching((place,)))]
        if between is not None:
            rows = rows[(self.columns.ends[rows] >= between[0]) & (self.columns.starts[rows] <= between[1])]
        # Sorted by row; a statement naming the place in two spellings comes twice.
        return self._statements(rows[np.diff(rows, prepend=-1) != 0])

    # Which rows (all, or those at `rows`) have a fact: for filters and boosts.

    def of_actors(self, actor_ids: Iterable[int], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        return among(pick(self.columns.actor_ids, rows), actor_ids)

    def of_sides(self, sides: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Case aside."""
        return among(pick(self.columns.side_codes, rows), self._sides.matching(sides))

    def of_stances(self, stances: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        codes = [STANCE_CODE[stance] for stance in stances if stance in STANCE_CODE]
        return among(pick(self.columns.stance_codes, rows), codes)

    def on_topics(self, topics: Iterable[Topic], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        bits = sum(TOPIC_BIT[topic] for topic in topics)
        return (pick(self.columns.topics, rows) & bits) != 0

    def about_places(self, places: Iterable[str], rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Case aside."""
        about = np.zeros(self.size, dtype=bool)
        about[self._place_rows[among(self._place_codes, self._places.matching(places))]] = True
        return pick(about, rows)

    def mask(self, selection: Selection, rows: npt.NDArray[np.intp] | None = None) -> npt.NDArray[np.bool_]:
        """Which rows the selection lets through: every row in index order, or `rows`."""
        columns = self.columns
        keep = np.ones(self.size if rows is None else len(rows), dtype=bool)
        if not selection.include_retracted:
            keep &= ~pick(columns.retracted, rows)
        if selection.sides is not None:
            keep &= self.of_sides(selection.sides, rows)
        if selection.actor_ids is not None:
            keep &= self.of_actors(selection.actor_ids, rows)
        if selection.since is not None:
            keep &= pick(columns.ends, rows) >= selection.since.toordinal()
        if selection.until is not None:
            keep &= pick(columns.starts, rows) <= selection.until.toordinal()
        return keep

    def approximate(self, query_vector: Any) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Cosine similarity of the (unit) query vector to every row from the int8 rows,
        and for each row the bound its error stays within (each code is off by at most
        half its scale: |error| <= scale / 2 * sum |query|); rows without a stored vector
        get -1, below anything real, with no error."""
        # One consistent set, even if a refresh swaps them while this runs in a thread.
        matrix, scales, has_vector = self.matrix, self.scales, self.columns.has_vector
        if matrix is None:
            return np.full(len(has_vector), -1.0, dtype=np.float32), np.zeros(len(has_vector), dtype=np.float32)
        vector = np.asarray(query_vector, dtype=np.float32)
        scores = products(matrix, vector)
        scores *= scales
        # A margin for the float32 arithmetic of the product itself.
        bounds = scales * (float(np.abs(vector).sum()) / 2) + 1e-5
        scores[~has_vector] = -1.0
        bounds[~has_vector] = 0.0
        return scores, bounds

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
        return list(
            map(
                IndexedStatement._make,
                zip(
                    columns.ids[rows].tolist(),
                    columns.actor_ids[rows].tolist(),
                    [sides[code] for code in columns.side_codes[rows].tolist()],
                    columns.starts[rows].tolist(),
                    columns.ends[rows].tolist(),
                    [STANCE_NAMES[code] for code in columns.stance_codes[rows].tolist()],
                    [STATUS_NAMES[code] for code in columns.status_codes[rows].tolist()],
                    columns.retracted[rows].tolist(),
                    columns.topics[rows].tolist(),
                    places,
                    [roles[code] for code in columns.role_codes[rows].tolist()],
                    strict=True,
                ),
            )
        )


def products(matrix: npt.NDArray[Any], vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """`matrix @ vector` in float32, in blocks: a product this small is fastest on one core,
    and a block stays under the size at which BLAS fans out to threads that then wait for
    busy cores (and an int8 block is widened to float32 a block at a time)."""
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], _BLOCK):
        np.matmul(matrix[start : start + _BLOCK], vector, out=out[start : start + _BLOCK], casting="unsafe")
    return out
