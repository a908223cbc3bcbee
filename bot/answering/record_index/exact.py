"""Exact similarities where they decide an answer: the record index holds its vectors at
one byte per dimension (record_index.arrays), so a question's similarity to a row is
known within a bound; the rows that could be among the best, given those bounds, are
scored again from their stored float32 vectors, read back by id.

Which rows: those whose best possible score reaches the k-th best worst possible score.
Any other row is below k rows for certain, whatever its exact similarity, so the best k
and their order are the ones float32 vectors give. At 100,000 statements a question's
best 50 need 200-300 such rows, read in one statement (BENCHMARKS.md §2, §4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from bot.answering.record_index.arrays import RecordArrays, products
from storage.engine import Database
from storage.record_rows import stored_vectors


def contenders(
    scores: npt.NDArray[Any], bounds: npt.NDArray[Any], rows: npt.NDArray[np.intp], k: int
) -> npt.NDArray[np.intp]:
    """The rows among `rows` whose score, off by at most its bound, may be among the best
    `k` of them."""
    if len(rows) <= k:
        return rows
    lowest = scores[rows] - bounds[rows]
    kth = np.partition(lowest, len(rows) - k)[len(rows) - k]
    return rows[scores[rows] + bounds[rows] >= kth]


async def make_exact(
    database: Database, index: RecordArrays, query_vector: Any, cosines: npt.NDArray[np.float32], rows: Any
) -> None:
    """Replaces the approximate similarities of `rows` in `cosines` by exact ones, from the
    vectors stored now (a row whose vector went away keeps its approximation until the
    index catches up)."""
    rows = np.unique(np.asarray(rows, dtype=np.intp))
    if not rows.size or index.dimension is None:
        return
    stored = await stored_vectors(database, index.columns.ids[rows].tolist())
    width = 4 * index.dimension
    stored = [(statement_id, blob) for statement_id, blob in stored if len(blob) == width]
    if not stored:
        return
    at = index.locate([statement_id for statement_id, _ in stored])
    vectors = np.frombuffer(b"".join(blob for _, blob in stored), dtype="<f4").reshape(len(stored), index.dimension)
    exact = products(vectors, np.asarray(query_vector, dtype=np.float32))
    held = at >= 0
    cosines[at[held]] = exact[held]
