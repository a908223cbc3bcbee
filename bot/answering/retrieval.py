"""Ranking the record for one question: the engine's full-text index and the stored
sentence embeddings, with the question's filters applied to both and its boosts folded in
(bot.answering.fusion); and the decision that nothing in the record answers
(bot.answering.weights).

Without the model (`database.embedder is None`) the keyword evidence alone ranks, with the
same filters and boosts; that is logged once per process.

Cost per question: one round trip for the index's change counters, one for the term
statistics (and the names), one for the full-text ranking (run while the model embeds the
question in a worker thread), one for the texts of the leading candidates, then a dot
product with the in-memory matrix of stored embeddings (see bot.answering.keywords for
the words left out of the full-text query)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.fusion import SEMANTIC_CANDIDATES, rank
from bot.answering.keywords import COMMON_MIN, COMMON_SHARE, TermStats, keyword_hits, term_stats, weigh
from bot.answering.query import DEFAULT_OPTIONS, Options, Ranked, RetrievalQuery
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import Selection
from bot.answering.record_index.exact import contenders, make_exact
from bot.answering.record_index.loading import record_index
from bot.i18n import _
from storage.engine import Database, reading
from storage.search import query_terms

log = logging.getLogger(__name__)

_warned: weakref.WeakSet[Database] = weakref.WeakSet()


def _warn_keyword_only(database: Database, why: str) -> None:
    """Once per database object (so once per process in the bot)."""
    if database not in _warned:
        _warned.add(database)
        log.warning("answering questions with keyword search only: %s", why)


async def retrieve(
    database: Database, query: RetrievalQuery, options: Options = DEFAULT_OPTIONS, session: AsyncSession | None = None
) -> Ranked:
    """Every statement that answers, best first (at most fusion.MAX_ANSWERS), or a reason why
    none does. Reads through `session` (a read session of the caller's) if given."""
    if query.impossible and options.thresholds:
        return Ranked(reason=query.impossible)
    async with reading(database, session) as active:
        return await _retrieve(database, active, query, options)


async def _retrieve(database: Database, session: AsyncSession, query: RetrievalQuery, options: Options) -> Ranked:
    index = await record_index(database)
    selection = query.selection if options.filters else Selection(include_retracted=query.selection.include_retracted)
    filtered = selection.sides is not None or selection.since is not None or selection.until is not None
    use_semantic = options.semantic and database.embedder is not None and index.has_vectors
    if options.semantic and not use_semantic:
        _warn_keyword_only(
            database,
            "the sentence-embedding model is not installed"
            if database.embedder is None
            else "no statement has a stored embedding yet",
        )
    concepts = list(query.concepts) if query.concepts is not None else [(term,) for term in query_terms(query.text)]
    framing = list(query.framing)
    list_mode = not concepts and (filtered or bool(query.speakers))
    if list_mode:
        framing = []
    total = max(index.size, 1)
    cap = max(COMMON_MIN, int(total * COMMON_SHARE))

    embedding = None
    if use_semantic and not list_mode:
        embedding = asyncio.ensure_future(
            asyncio.to_thread(database.embedder.embed_query, query.semantic_text or query.text)  # type: ignore[union-attr]
        )
    try:
        terms = [term for concept in concepts for term in concept] + framing
        names = list(query.names) if options.thresholds else []
        stats = (
            await term_stats(database, terms, names, cap, session, index.term_cache)
            if (terms or names)
            else TermStats()
        )
        if stats.missing_names:
            return Ranked(
                keyword_only=not use_semantic,
                reason=_("the record does not mention {names}").format(names=", ".join(stats.missing_names)),
            )
        weighed = weigh(concepts, stats, total)
        searched = weighed.searched + [term for term in framing if stats.counts.get(term)]
        hits = (
            await keyword_hits(database, searched, selection, session=session) if options.keyword and searched else []
        )
        cosines = (
            await _similarities(database, index, await embedding, selection, hits) if embedding is not None else None
        )
    finally:
        if embedding is not None and not embedding.done():
            embedding.cancel()
    return await rank(
        database, session, index, query, options, selection, filtered, list_mode, use_semantic, weighed, hits, cosines
    )


async def _similarities(
    database: Database, index: RecordArrays, query_vector: Any, selection: Selection, hits: list[tuple[int, float]]
) -> npt.NDArray[np.float32]:
    """The question against every stored vector, off the event loop: the product reads the
    whole matrix (13 ms at 100k statements, 130 ms at 1M) with the GIL released, and on
    the loop it would hold up every other chat's update, a `/help` included, that long.
    Should the record change while it runs, the rows are scored again as they now stand,
    so that scores and rows stay aligned. Exact (record_index.exact) for every row fusion
    reads a similarity of: the semantic candidates it may take, and the keyword hits."""
    columns = index.columns
    cosines, bounds = await asyncio.to_thread(index.approximate, query_vector)
    if index.columns is not columns:
        cosines, bounds = index.approximate(query_vector)
    allowed = np.flatnonzero(index.mask(selection) & index.columns.has_vector)
    hit_rows = index.locate([statement_id for statement_id, _ in hits])
    rows = np.concatenate([contenders(cosines, bounds, allowed, SEMANTIC_CANDIDATES), hit_rows[hit_rows >= 0]])
    await make_exact(database, index, query_vector, cosines, rows)
    return cosines
