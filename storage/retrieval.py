"""Ranking the record for one question: the engine's full-text index and the stored
sentence embeddings, fused, with the question's filters applied to both and its boosts
folded in; and the decision that nothing in the record answers.

Fusion. Reciprocal rank fusion gives the keyword ranking an equal vote even when its best
match shares one common word with the question, which is exactly the paraphrased
question ("Will American soldiers be sent ...?" against "no US ground troops"): there it
pulled good semantic answers down. Here the cosine similarity stays the backbone, on its
own absolute scale, and the keyword score is added as a bounded bonus: each hit's score
relative to the best hit, times a fixed weight, and times how much of the question the
keyword match covers, so that a match on one word of five counts for little.

Nothing found. The best cosine similarity tells whether anything in the record is about
what was asked; the keyword evidence tells whether the question's distinctive words occur
in the record at all. A question is answered when the best candidate is close enough, or
close and backed by the words of the question; the thresholds were calibrated on
questions written for that purpose (benchmarks/data/calibration_*.jsonl), not on the sets
the evaluation reports.

Without the model (`database.embedder is None`) the keyword ranking alone is used, with
the same filters and boosts; that is logged once per process."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func
from sqlmodel import col, select

from storage.engine import Database
from storage.models import Statement
from storage.search import _ranked_query, query_terms
from storage.vector_index import TOPIC_BIT, RecordIndex, Selection, record_index

log = logging.getLogger(__name__)

#: How many candidates each ranking contributes to the fusion.
SEMANTIC_CANDIDATES = 60
KEYWORD_CANDIDATES = 100
#: Answers shown at most for one question (pages included).
MAX_ANSWERS = 50


@dataclass(frozen=True)
class Weights:
    """How the parts of the score add up (cosine similarity is the unit)."""

    keyword: float = 0.25
    speaker: float = 0.08
    side: float = 0.04
    topic: float = 0.03
    place: float = 0.05
    #: For "after the summit": answers the days right after it first.
    anchor: float = 0.10
    anchor_days: float = 10.0
    #: "recently": newer first.
    recent: float = 0.05
    #: Nothing found below this cosine ...
    min_cosine: float = 0.38
    #: ... or below this one unless the keyword match covers enough of the question.
    sure_cosine: float = 0.52
    min_coverage: float = 0.5
    #: Answers scoring this far below the best are not shown.
    cutoff: float = 0.22
    #: Keyword only (no model): nothing found below this coverage of the question.
    keyword_min_coverage: float = 0.5


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class RetrievalQuery:
    """One question, as retrieval needs it (see bot.questions for where it comes from)."""

    text: str
    semantic_text: str
    content_terms: tuple[str, ...] = ()
    selection: Selection = Selection()
    speakers: tuple[int, ...] = ()
    sides: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    anchor: date | None = None
    anchor_after: bool = True
    recent: bool = False
    #: Set when the question cannot be answered from this record at all (it asks what a
    #: person said whom the record has never heard speak).
    impossible: str | None = None


@dataclass
class Ranked:
    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    keyword_only: bool = False
    reason: str | None = None
    best_cosine: float | None = None
    coverage: float = 0.0
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass
class Options:
    """Switches for measuring what each part adds (see bot.evaluation)."""

    semantic: bool = True
    keyword: bool = True
    boosts: bool = True
    filters: bool = True
    thresholds: bool = True
    weights: Weights = DEFAULT_WEIGHTS


DEFAULT_OPTIONS = Options()
_warned_keyword_only: set[int] = set()


def _warn_keyword_only(database: Database, why: str) -> None:
    key = id(database)
    if key not in _warned_keyword_only:
        _warned_keyword_only.add(key)
        log.warning("answering questions with keyword search only: %s", why)


async def keyword_hits(
    database: Database, terms: Sequence[str], selection: Selection, limit: int = KEYWORD_CANDIDATES
) -> list[tuple[int, float]]:
    """The engine's own full-text ranking (FTS5 bm25 / ts_rank_cd) for an OR of `terms`,
    best first, among the statements the selection roughly allows (the caller checks
    each hit exactly against the index)."""
    if not terms:
        return []
    ranked, score = _ranked_query(database, list(terms))
    clauses = []
    if not selection.include_retracted:
        clauses.append(col(Statement.retracted_at).is_(None))
    if selection.sides is not None:
        clauses.append(func.lower(Statement.side).in_([side.casefold() for side in selection.sides] or [""]))
    if selection.actor_ids is not None:
        clauses.append(col(Statement.actor_id).in_(selection.actor_ids or (-1,)))
    if selection.since is not None:
        # A statement known only to the month or year starts before `since` and may still
        # fall inside it: the exact test is the index's.
        clauses.append(col(Statement.said_on) >= date(selection.since.year, 1, 1))
    if selection.until is not None:
        clauses.append(col(Statement.said_on) <= selection.until)
    query = ranked.where(and_(True, *clauses)).order_by(score.desc(), col(Statement.id).desc()).limit(limit)
    async with database.read() as session:
        rows = (await session.exec(query)).all()
    return [(int(row[0]), float(row[1] or 0.0)) for row in rows]


async def term_presence(database: Database, terms: Sequence[str], ids: Sequence[int]) -> dict[int, set[str]]:
    """Which of `terms` the full-text index finds in each of the statements `ids`."""
    found: dict[int, set[str]] = {statement_id: set() for statement_id in ids}
    if not terms or not ids:
        return found
    async with database.read() as session:
        for term in terms:
            ranked, _ = _ranked_query(database, [term])
            rows = (await session.exec(ranked.where(col(Statement.id).in_(list(ids))))).all()
            for row in rows:
                found[int(row[0])].add(term)
    return found


async def term_document_counts(database: Database, terms: Sequence[str], cap: int = 1000) -> dict[str, int]:
    """In how many statements the full-text index finds each term (up to `cap`)."""
    counts: dict[str, int] = {}
    if not terms:
        return counts
    async with database.read() as session:
        for term in terms:
            ranked, _ = _ranked_query(database, [term])
            inner = ranked.limit(cap).subquery()
            counts[term] = int((await session.exec(select(func.count()).select_from(inner))).one())
    return counts


def _idf(count: int, total: int) -> float:
    return math.log(1.0 + (total - count + 0.5) / (count + 0.5))


async def retrieve(database: Database, query: RetrievalQuery, options: Options = DEFAULT_OPTIONS) -> Ranked:
    """Every statement that answers, best first (at most MAX_ANSWERS), or a reason why
    none does."""
    weights = options.weights
    if query.impossible and options.thresholds:
        return Ranked(reason=query.impossible)
    index = await record_index(database)
    selection = query.selection if options.filters else Selection(include_retracted=query.selection.include_retracted)
    use_semantic = options.semantic and database.embedder is not None and index.has_vectors
    if options.semantic and not use_semantic:
        _warn_keyword_only(
            database,
            "the sentence-embedding model is not installed" if database.embedder is None
            else "no statement has a stored embedding yet",
        )
    terms = list(query_terms(query.text)) if options.keyword else []
    content = [term for term in query.content_terms if term in terms] if terms else list(query.content_terms)

    keyword_task = asyncio.ensure_future(keyword_hits(database, terms, selection)) if terms else None
    cosines = None
    if use_semantic:
        vector = (await asyncio.to_thread(database.embedder.embed, [query.semantic_text or query.text]))[0]  # type: ignore[union-attr]
        cosines = index.similarities(vector)
    hits = await keyword_task if keyword_task is not None else []

    # Exact filter on the keyword hits; relative keyword strength.
    positions: dict[int, int] = index.position
    keyword: dict[int, float] = {}
    for statement_id, score in hits:
        row = index.row(statement_id)
        if row is not None and index.allows(row, selection):
            keyword[statement_id] = score
    best_keyword = max(keyword.values(), default=0.0)

    candidates: dict[int, float] = {}
    evidence: dict[str, float] = {}
    best_cosine = None
    if cosines is not None:
        import numpy as np

        mask = index.mask(selection)
        allowed = np.flatnonzero(mask & index.has_vector)
        if allowed.size:
            local = cosines[allowed]
            top = allowed[np.argsort(-local, kind="stable")[:SEMANTIC_CANDIDATES]]
            best_cosine = float(cosines[top[0]])
            for position in top:
                candidates[int(index.ids[position])] = float(cosines[position])
        for statement_id in keyword:
            if statement_id not in candidates:
                position = positions[statement_id]
                candidates[statement_id] = float(cosines[position]) if index.has_vector[position] else 0.0
    else:
        candidates = {statement_id: 0.0 for statement_id in keyword}

    # Coverage: how much of what the question asks (its content words, weighted by how
    # rare each is in the record) the best keyword matches contain.
    coverage = 0.0
    presence: dict[int, set[str]] = {}
    if content and keyword:
        counts = await term_document_counts(database, content)
        total = max(index.size, 1)
        idf = {term: _idf(counts.get(term, 0), total) for term in content}
        leaders = sorted(keyword, key=keyword.__getitem__, reverse=True)[:10]
        presence = await term_presence(database, content, leaders)
        weight_all = sum(idf.values()) or 1.0
        for statement_id in leaders:
            covered = sum(idf[term] for term in presence.get(statement_id, ()))
            coverage = max(coverage, covered / weight_all)
        evidence["absent_terms"] = float(sum(1 for term in content if counts.get(term, 0) == 0))
    evidence["content_terms"] = float(len(content))

    list_mode = not content and (selection.sides is not None or selection.since or selection.until or query.speakers)
    if list_mode and not candidates:
        # Only who and when were asked ("What did Putin say last week?"): every statement
        # that passes the filters.
        candidates = {row.id: 0.0 for row in index.rows() if index.allows(row, selection)}
        if not candidates:
            return Ranked(reason="nothing in the record matches those filters", keyword_only=not use_semantic)

    scored: list[tuple[float, int, int]] = []
    topic_bits = 0
    for topic in query.topics:
        topic_bits |= TOPIC_BIT.get(topic, 0)  # type: ignore[call-overload]
    boost_sides = {side.casefold() for side in query.sides}
    boost_places = {place.casefold() for place in query.places}
    for statement_id, cosine in candidates.items():
        row = index.row(statement_id)
        if row is None:
            continue
        score = cosine if (cosines is not None and not list_mode) else 0.0
        if statement_id in keyword and best_keyword > 0 and not list_mode:
            relative = keyword[statement_id] / best_keyword
            share = 1.0 if cosines is None else max(coverage, 0.25)
            score += weights.keyword * relative * share
        if options.boosts:
            if query.speakers and row.actor_id in query.speakers:
                score += weights.speaker
            if boost_sides and row.side.casefold() in boost_sides:
                score += weights.side
            if topic_bits and row.topics & topic_bits:
                score += weights.topic
            if boost_places and any(place.casefold() in boost_places for place in row.places):
                score += weights.place
            if query.anchor is not None:
                anchor = query.anchor.toordinal()
                distance = (row.start - anchor) if query.anchor_after else (anchor - row.end)
                score += weights.anchor * math.exp(-max(distance, 0) / weights.anchor_days)
            if query.recent or list_mode:
                score += weights.recent * (row.end - 700_000) / 100_000  # monotone in the date
        scored.append((score, row.end, statement_id))
    scored.sort(key=lambda item: (-item[0], -item[1], -item[2]))

    ranked = Ranked(
        ids=[statement_id for _, _, statement_id in scored],
        scores=[score for score, _, _ in scored],
        keyword_only=not use_semantic,
        best_cosine=best_cosine,
        coverage=coverage,
        evidence=evidence,
    )
    if not options.thresholds:
        ranked.ids, ranked.scores = ranked.ids[:MAX_ANSWERS], ranked.scores[:MAX_ANSWERS]
        return ranked
    if list_mode:
        ranked.ids, ranked.scores = ranked.ids[:MAX_ANSWERS], ranked.scores[:MAX_ANSWERS]
        return ranked
    if not ranked.ids:
        ranked.reason = "nothing in the record matches the question"
        return ranked
    if use_semantic:
        sure = best_cosine is not None and best_cosine >= weights.sure_cosine
        backed = best_cosine is not None and best_cosine >= weights.min_cosine and coverage >= weights.min_coverage
        if not (sure or backed):
            ranked.reason = "nothing in the record is close enough to the question"
            ranked.ids, ranked.scores = [], []
            return ranked
    elif content and coverage < weights.keyword_min_coverage:
        ranked.reason = "the record has too few of the question's words"
        ranked.ids, ranked.scores = [], []
        return ranked
    top = ranked.scores[0]
    keep = [i for i, score in enumerate(ranked.scores) if score >= top - weights.cutoff][:MAX_ANSWERS]
    ranked.ids = [ranked.ids[i] for i in keep]
    ranked.scores = [ranked.scores[i] for i in keep]
    return ranked


__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_WEIGHTS",
    "Options",
    "Ranked",
    "RetrievalQuery",
    "Weights",
    "keyword_hits",
    "retrieve",
]


def _unused(index: RecordIndex) -> None:  # pragma: no cover - keeps the type import used
    del index
