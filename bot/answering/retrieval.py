"""Ranking the record for one question: the engine's full-text index and the stored
sentence embeddings, fused, with the question's filters applied to both and its boosts
folded in; and the decision that nothing in the record answers.

Fusion. Reciprocal rank fusion gives the keyword ranking an equal vote even when its best
match shares one common word with the question, which is exactly the paraphrased question
("Will American soldiers be sent ...?" against "no US ground troops"): there it pulls good
semantic answers down. Here the cosine similarity stays the backbone, on its own absolute
scale, and the keyword evidence is added as a bounded bonus: the share of the question's
words (weighted by how rare each is in the record) that the statement contains, scaled by
its full-text rank, times a fixed weight. A match on one common word of five adds little;
a statement holding every rare word of the question rises.

Nothing found. Three things say the record does not answer: a speaker or a proper name the
record has never heard of ("What did Erdogan say ...", "the Kakhovka dam"); a best cosine
similarity too low; words of the question the record holds nowhere. The last two are
weighed together with the keyword coverage of the best match (see `Weights.threshold`);
the weights were calibrated with benchmarks/calibrate_thresholds.py on question files
written for that purpose, not on the files the evaluation reports.

Without the model (`database.embedder is None`) the keyword evidence alone ranks, with the
same filters and boosts; that is logged once per process.

Cost per question: one round trip for the index's change counters, one for the term
statistics (and the names), one for the full-text ranking (run while the model embeds the
question in a worker thread), one for the texts of the leading candidates, then a dot
product with the in-memory matrix of stored embeddings. Words found in more than a twentieth
of the record are left out of the full-text query: they cost the most to rank and tell
statements apart the least. Their statistics are kept until the record changes."""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import re
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, func, text
from sqlmodel import col, select

from storage.engine import Database
from storage.models import Statement
from storage.search import FTS_TEXT, fts_match, query_terms, rank_on_index, ranked_query
from bot.answering.record_index import TOPIC_BIT, RecordIndex, Selection, record_index

log = logging.getLogger(__name__)

#: How many candidates each ranking contributes to the fusion.
SEMANTIC_CANDIDATES = 50
KEYWORD_CANDIDATES = 50
#: Candidates whose words are checked against the question (the keyword evidence).
CHECKED_CANDIDATES = 25
#: Answers shown at most for one question (pages included) ...
MAX_ANSWERS = 50
#: ... and at least, when anything answers (one page).
FIRST_PAGE = 5
#: A word in more than this share of the record (and more than `COMMON_MIN` statements)
#: is too common to search for or to weigh.
COMMON_SHARE = 0.05
COMMON_MIN = 50
#: Words whose statistics are kept between questions (until the record changes).
TERM_CACHE_SIZE = 50_000

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ening", "ened", "ings", "ing", "ations", "ation", "ments", "ment", "ed", "es", "en", "s")


@dataclass(frozen=True)
class Weights:
    """How the parts of the score add up (cosine similarity is the unit)."""

    keyword: float = 0.25
    speaker: float = 0.08
    side: float = 0.04
    topic: float = 0.03
    stance: float = 0.03
    place: float = 0.05
    #: For "after the summit": answers the days right after it first.
    anchor: float = 0.10
    anchor_days: float = 10.0
    #: "recently": newer first.
    recent: float = 0.05
    #: Nothing found when the evidence that the record answers falls below `threshold`:
    #: the best cosine similarity, plus `coverage_weight` times the share of the
    #: question's words (weighted by rarity) the best candidate contains, minus
    #: `absent_penalty` times the share of them that occur nowhere in the record, plus
    #: `filter_relief` when the question named for certain whose words or which dates it
    #: asks about. Calibrated with benchmarks/calibrate_thresholds.py on the calibration
    #: question files, not on the files the evaluation reports.
    threshold: float = 0.32
    coverage_weight: float = 0.2
    absent_penalty: float = 0.7
    filter_relief: float = 0.05
    #: Past the first page, a statement is listed only if its cosine similarity reaches
    #: `more_cosine` or it holds `more_coverage` of the question's words.
    more_cosine: float = 0.35
    more_coverage: float = 0.5
    #: Keyword only (no model): nothing found when the best candidate covers less than
    #: this share of the question's words, or when more than `keyword_max_absent` of them
    #: occur nowhere in the record.
    keyword_min_coverage: float = 0.1
    keyword_max_absent: float = 0.45


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class RetrievalQuery:
    """One question, as retrieval needs it (bot.answering.ask builds it from bot.answering.questions)."""

    text: str
    semantic_text: str
    #: The words to look for, each with its alternatives ("soldiers" or "troops"); empty
    #: when only who and when are asked. None: the words of `text`, one by one.
    concepts: tuple[tuple[str, ...], ...] | None = None
    #: Words searched for that are not expected in an answer ("promise").
    framing: tuple[str, ...] = ()
    selection: Selection = Selection()
    speakers: tuple[int, ...] = ()
    sides: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    anchor: date | None = None
    anchor_after: bool = True
    recent: bool = False
    #: Proper names the question uses that the record knows as no speaker, party or
    #: place: when the record does not mention one at all, nothing in it answers.
    names: tuple[str, ...] = ()
    #: Set when the question cannot be answered from this record at all (it asks what a
    #: person said whom the record has never heard speak).
    impossible: str | None = None


@dataclass(frozen=True)
class Features:
    """What the nothing-found decision looks at."""

    best_cosine: float | None
    coverage: float
    absent: float
    filtered: bool
    semantic: bool
    #: Only who and when were asked: every statement passing the filters answers.
    listing: bool = False


@dataclass
class Ranked:
    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    keyword_only: bool = False
    reason: str | None = None
    features: Features | None = None


@dataclass(frozen=True)
class Options:
    """Switches for measuring what each part adds (see bot.answering.evaluation)."""

    semantic: bool = True
    keyword: bool = True
    boosts: bool = True
    filters: bool = True
    thresholds: bool = True
    #: "score": cosine plus bounded keyword bonus; "rrf": reciprocal rank fusion (k=60).
    fusion: str = "score"
    weights: Weights = DEFAULT_WEIGHTS


DEFAULT_OPTIONS = Options()
_warned: weakref.WeakSet[Database] = weakref.WeakSet()


def _warn_keyword_only(database: Database, why: str) -> None:
    """Once per database object (so once per process in the bot)."""
    if database not in _warned:
        _warned.add(database)
        log.warning("answering questions with keyword search only: %s", why)


def evidence_score(features: Features, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """How strongly the best candidates answer the question (see `Weights.threshold`)."""
    score = (features.best_cosine or 0.0) + weights.coverage_weight * features.coverage
    score -= weights.absent_penalty * features.absent
    if features.filtered:
        score += weights.filter_relief
    return score


def answers(features: Features, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """Whether the best candidates answer the question at all."""
    if features.listing:
        return True
    if not features.semantic:
        return features.coverage >= weights.keyword_min_coverage and features.absent <= weights.keyword_max_absent
    return evidence_score(features, weights) >= weights.threshold


# -- the engine's full-text index ----------------------------------------------------------


def word_stem(term: str) -> str:
    """A prefix the word's other forms share ("threaten" and "threat", "halted" and
    "halt"), for telling whether the record has the word in any form; words shorter than
    five letters are kept whole."""
    if len(term) < 5 or not term.isalpha():
        return term
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


@dataclass
class TermStats:
    """Per term, in how many statements the index finds it in any form (None: in too
    many to count); per name, whether any statement mentions it."""

    counts: dict[str, int | None] = field(default_factory=dict)
    missing_names: list[str] = field(default_factory=list)


async def term_stats(
    database: Database,
    terms: Sequence[str],
    names: Sequence[str],
    cap: int,
    session: Any = None,
    cache: dict[Any, Any] | None = None,
) -> TermStats:
    """One round trip for every term's document count and every name's presence. With
    a `cache` (the record index's, emptied whenever the record changes), words asked
    about before are not counted again."""
    stats = TermStats()
    cache = cache if cache is not None else {}
    if len(cache) > TERM_CACHE_SIZE:
        cache.clear()
    pending_terms = []
    for term in dict.fromkeys(terms):
        if ("term", term, cap) in cache:
            stats.counts[term] = cache[("term", term, cap)]
        else:
            pending_terms.append(term)
    pending_names = []
    for value in dict.fromkeys(names):
        if ("name", value) in cache:
            if not cache[("name", value)]:
                stats.missing_names.append(value)
        else:
            pending_names.append(value)
    columns: list[str] = []
    params: dict[str, Any] = {"cap": cap + 1}
    keys: list[tuple[str, str]] = []
    for number, term in enumerate(pending_terms):
        stem = word_stem(term)
        if not _WORD.fullmatch(stem):
            stats.counts[term] = 0
            continue
        name = f"t{number}"
        if database.is_sqlite:
            params[name] = f'{FTS_TEXT} : "{stem}" *'
            columns.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name} LIMIT :cap))"
            )
        else:
            params[name] = f"{stem}:*"
            columns.append(
                f"(CASE WHEN numnode(to_tsquery('english', :{name})) = 0 THEN -1 ELSE (SELECT count(*) FROM "
                f"(SELECT 1 FROM statement WHERE search_vector @@ to_tsquery('english', :{name}) LIMIT :cap) AS c{number}) END)"
            )
        keys.append(("term", term))
    for number, value in enumerate(pending_names):
        words = _WORD.findall(value.casefold())
        if not words:
            continue
        name = f"n{number}"
        if database.is_sqlite:
            params[name] = f'{FTS_TEXT} : "' + " ".join(words) + '"'
            columns.append(f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name} LIMIT 1))")
        else:
            params[name] = " ".join(words)
            # A phrase of English stop words only is an empty query: no evidence of absence.
            columns.append(
                f"(CASE WHEN numnode(phraseto_tsquery('english', :{name})) = 0 THEN 1 ELSE (SELECT count(*) FROM "
                f"(SELECT 1 FROM statement WHERE search_vector @@ phraseto_tsquery('english', :{name}) LIMIT 1) AS m{number}) END)"
            )
        keys.append(("name", value))
    if not columns:
        return stats
    async with _session(database, session) as active:
        connection = await active.connection()
        row = (await connection.execute(text("SELECT " + ", ".join(columns)), params)).one()
    for (kind, key), value in zip(keys, row, strict=True):
        if kind == "term":
            stats.counts[key] = cache[("term", key, cap)] = (
                None if value is None or value < 0 or value > cap else int(value)
            )
        else:
            cache[("name", key)] = bool(value)
            if not value:
                stats.missing_names.append(key)
    return stats


async def keyword_hits(
    database: Database,
    terms: Sequence[str],
    selection: Selection,
    limit: int = KEYWORD_CANDIDATES,
    session: Any = None,
) -> list[tuple[int, float]]:
    """The engine's own full-text ranking (FTS5 bm25 / ts_rank_cd, through
    storage.search) for an OR of `terms`, best first, among the statements the selection
    roughly allows (the caller checks each hit exactly against the index).

    With nothing selected but retraction, SQLite ranks on its index alone, over the whole
    record: unlike `/search`, no window of recent statements first. The words that make
    ranking slow (in more than COMMON_SHARE of the record) are left out before this, and
    a window would keep an older statement holding every rare word of the question out
    of the candidates."""
    if not terms:
        return []
    if database.is_sqlite and selection == Selection(include_retracted=selection.include_retracted):
        match = fts_match(terms, include_retracted=selection.include_retracted)
        async with _session(database, session) as active:
            return await rank_on_index(active, match, offset=0, limit=limit, window=None)
    ranked, score = ranked_query(database, list(terms))
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
    async with _session(database, session) as active:
        rows = (await active.exec(query)).all()
    return [(int(row[0]), float(row[1] or 0.0)) for row in rows]


async def candidate_words(database: Database, ids: Sequence[int], session: Any = None) -> dict[int, list[str]]:
    """The indexed words of each statement (speaker and aliases, role, side, topics,
    places, text, source), sorted, for prefix lookups."""
    if not ids:
        return {}
    async with _session(database, session) as active:
        rows = (
            await active.exec(select(Statement.id, Statement.search_text).where(col(Statement.id).in_(list(ids))))
        ).all()
    return {int(statement_id): sorted(set(_WORD.findall((value or "").casefold()))) for statement_id, value in rows}


@asynccontextmanager
async def _session(database: Database, session: Any) -> AsyncIterator[Any]:
    """The caller's session, or a read session of our own."""
    if session is not None:
        yield session
        return
    async with database.read() as own:
        yield own


def _has(words: list[str], stem: str) -> bool:
    at = bisect.bisect_left(words, stem)
    return at < len(words) and words[at].startswith(stem)


def _idf(count: int, total: int) -> float:
    return math.log(1.0 + (total - count + 0.5) / (count + 0.5))


@dataclass
class _Concepts:
    """The question's concepts that tell statements apart, with their weights (rarer,
    heavier; all summing to one), and the share of the weight the record lacks."""

    stems: list[tuple[str, ...]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    absent: float = 0.0
    searched: list[str] = field(default_factory=list)

    def coverage(self, words: list[str]) -> float:
        return sum(
            weight for stems, weight in zip(self.stems, self.weights, strict=True)
            if any(_has(words, stem) for stem in stems)
        )


def _weigh(concepts: Sequence[tuple[str, ...]], stats: TermStats, total: int) -> _Concepts:
    out = _Concepts()
    raw: list[tuple[tuple[str, ...], float, bool]] = []
    for concept in concepts:
        counts = [stats.counts.get(term, 0) for term in concept]
        if any(count is None for count in counts):
            continue  # a word most statements contain tells nothing
        present = [(term, count) for term, count in zip(concept, counts, strict=True) if count]
        if not present:
            raw.append((tuple(word_stem(term) for term in concept), _idf(0, total), False))
            continue
        raw.append((
            tuple(word_stem(term) for term, _ in present),
            max(_idf(count, total) for _, count in present),  # type: ignore[arg-type]
            True,
        ))
        out.searched.extend(term for term, _ in present)
    whole = sum(weight for _, weight, _ in raw)
    if whole <= 0:
        return out
    for stems, weight, found in raw:
        if found:
            out.stems.append(stems)
            out.weights.append(weight / whole)
        else:
            out.absent += weight / whole
    return out


# -- ranking --------------------------------------------------------------------------------


async def retrieve(
    database: Database, query: RetrievalQuery, options: Options = DEFAULT_OPTIONS, session: Any = None
) -> Ranked:
    """Every statement that answers, best first (at most MAX_ANSWERS), or a reason why
    none does. Reads through `session` (a read session of the caller's) if given."""
    if query.impossible and options.thresholds:
        return Ranked(reason=query.impossible)
    async with _session(database, session) as active:
        return await _retrieve(database, active, query, options)


async def _retrieve(database: Database, session: Any, query: RetrievalQuery, options: Options) -> Ranked:
    index = await record_index(database, session)
    selection = query.selection if options.filters else Selection(include_retracted=query.selection.include_retracted)
    filtered = selection.sides is not None or selection.since is not None or selection.until is not None
    use_semantic = options.semantic and database.embedder is not None and index.has_vectors
    if options.semantic and not use_semantic:
        _warn_keyword_only(
            database,
            "the sentence-embedding model is not installed" if database.embedder is None
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
            asyncio.to_thread(database.embedder.embed, [query.semantic_text or query.text])  # type: ignore[union-attr]
        )
    try:
        terms = [term for concept in concepts for term in concept] + framing
        names = list(query.names) if options.thresholds else []
        stats = (
            await term_stats(database, terms, names, cap, session, index.term_cache) if (terms or names) else TermStats()
        )
        if stats.missing_names:
            return Ranked(keyword_only=not use_semantic, reason=f"the record does not mention {', '.join(stats.missing_names)}")
        weighed = _weigh(concepts, stats, total)
        searched = weighed.searched + [term for term in framing if stats.counts.get(term)]
        hits = await keyword_hits(database, searched, selection, session=session) if options.keyword and searched else []
        cosines = await _similarities(index, (await embedding)[0]) if embedding is not None else None
    finally:
        if embedding is not None and not embedding.done():
            embedding.cancel()
    return await _rank(
        database, session, index, query, options, selection, filtered, list_mode, use_semantic, weighed, hits, cosines
    )


async def _similarities(index: RecordIndex, query_vector: Any) -> npt.NDArray[np.float32]:
    """The question against every stored vector, off the event loop: the product reads the
    whole matrix (13 ms at 100k statements, 130 ms at 1M) with the GIL released, and on
    the loop it would hold up every other chat's update, a `/help` included, that long.
    Should the record change while it runs, the rows are scored again as they now stand,
    so that scores and rows stay aligned."""
    columns = index.columns
    cosines = await asyncio.to_thread(index.similarities, query_vector)
    if index.columns is not columns:
        cosines = index.similarities(query_vector)
    return cosines


async def _rank(
    database: Database,
    session: Any,
    index: RecordIndex,
    query: RetrievalQuery,
    options: Options,
    selection: Selection,
    filtered: bool,
    list_mode: bool,
    use_semantic: bool,
    weighed: _Concepts,
    hits: list[tuple[int, float]],
    cosines: Any,
) -> Ranked:
    """Candidates are rows of the index (arrays of them, best first where the order
    matters), scored all at once."""
    weights = options.weights
    columns = index.columns

    # The keyword hits the filters allow (the SQL filter was approximate).
    hit_rows = index.locate([statement_id for statement_id, _ in hits])
    hit_scores = np.array([score for _, score in hits], dtype=np.float64)
    allowed_hits = hit_rows >= 0
    allowed_hits[allowed_hits] = index.mask(selection, hit_rows[allowed_hits])
    keyword_rows, keyword_scores = hit_rows[allowed_hits], hit_scores[allowed_hits]
    best_keyword = float(keyword_scores.max()) if keyword_scores.size else 0.0

    best_cosine = None
    if cosines is not None:
        allowed = np.flatnonzero(index.mask(selection) & columns.has_vector)
        top = np.empty(0, dtype=np.intp)
        if allowed.size:
            scores = -cosines[allowed]
            if allowed.size > SEMANTIC_CANDIDATES:
                # Only the best few are needed: partition (linear) instead of sorting the
                # whole record, then order those by score, earlier position first on ties.
                best = np.argpartition(scores, SEMANTIC_CANDIDATES - 1)[:SEMANTIC_CANDIDATES]
                order = best[np.lexsort((best, scores[best]))]
            else:
                order = np.argsort(scores, kind="stable")
            top = allowed[order]
            best_cosine = float(cosines[top[0]])
        rows = np.concatenate([top, keyword_rows[~np.isin(keyword_rows, top)]])
    elif list_mode:
        # Only who and when were asked ("What did Putin say last week?"): every statement
        # that passes the filters, ranked by the boosts and by date.
        rows = np.flatnonzero(index.mask(selection))
    else:
        rows = keyword_rows
        if query.speakers and (rows.size or weighed.absent <= weights.keyword_max_absent):
            # Keyword only: what the speaker asked about said is a candidate too, after
            # the statements that match the words ("What did Putin demand about ...").
            speaking = np.flatnonzero(index.mask(selection) & index.of_actors(query.speakers))
            rows = np.concatenate([rows, speaking[~np.isin(speaking, rows)]])
        if not rows.size and filtered and weighed.absent <= weights.keyword_max_absent:
            # Keyword only, no word matched within the filters, but the question named who
            # and when for certain and its words are in the record: what passes the
            # filters answers, ranked by the boosts ("What did Washington threaten Moscow
            # with in July?" against "very severe tariffs").
            rows = np.flatnonzero(index.mask(selection))
            list_mode = bool(rows.size)
    if cosines is not None:
        closeness = np.where(columns.has_vector[rows], cosines[rows], 0.0).astype(np.float64)
    else:
        closeness = np.zeros(len(rows))
    ids = columns.ids[rows]

    # Keyword evidence for the leading candidates: the share of the question's words each
    # one holds, in any form.
    coverage: dict[int, float] = {}
    if weighed.stems and rows.size and options.keyword:
        leading = dict.fromkeys([
            *columns.ids[keyword_rows[_descending(keyword_scores)[:CHECKED_CANDIDATES]]].tolist(),
            *ids[_descending(closeness)[:CHECKED_CANDIDATES]].tolist(),
        ])
        words = await candidate_words(database, list(leading), session)
        coverage = {statement_id: weighed.coverage(found) for statement_id, found in words.items()}
    covered = _lookup(ids, np.array(list(coverage), dtype=np.int64), np.array(list(coverage.values())))

    scores = _score(
        index, rows, closeness, covered, keyword_rows, keyword_scores, best_keyword, query, options,
        semantic=cosines is not None,
    )
    ends = columns.ends[rows]
    if options.fusion == "rrf" and not list_mode:
        fused = np.zeros(len(rows))
        if cosines is not None:
            fused[_descending(closeness)] += 1.0 / (60 + np.arange(1, len(rows) + 1))
        by_keyword = keyword_rows[_descending(keyword_scores)]
        fused += _lookup(rows, by_keyword, 1.0 / (60 + np.arange(1, len(by_keyword) + 1)))
        scores = fused
    if query.recent and rows.size:
        # "Recently": the date may outweigh small differences in closeness.
        scores = scores - weights.recent * np.minimum((ends.max() - ends) / 365.0, 1.0)
    order = np.lexsort((-ids, -ends, -scores))

    ranked = Ranked(
        keyword_only=not use_semantic,
        features=Features(
            best_cosine=best_cosine,
            coverage=max(coverage.values(), default=0.0),
            absent=weighed.absent,
            filtered=filtered,
            semantic=use_semantic,
            listing=list_mode,
        ),
    )
    if not rows.size:
        ranked.reason = (
            "nothing in the record matches those filters" if filtered else "nothing in the record matches the question"
        )
        return ranked
    if options.thresholds and not list_mode:
        if not answers(ranked.features, weights):  # type: ignore[arg-type]
            ranked.reason = "nothing in the record is close enough to the question"
            return ranked
        # A first page always; past it, only statements that are about the question on
        # their own: close in meaning, or holding most of its words (every keyword-only
        # candidate matched words, or the speaker, of the question).
        relevant = (covered >= weights.more_coverage) | (not use_semantic) | (closeness >= weights.more_cosine)
        order = order[(np.arange(len(order)) < FIRST_PAGE) | relevant[order]]
    order = order[:MAX_ANSWERS]
    ranked.ids, ranked.scores = ids[order].tolist(), scores[order].tolist()
    return ranked


def _score(
    index: RecordIndex,
    rows: npt.NDArray[np.intp],
    closeness: npt.NDArray[np.float64],
    covered: npt.NDArray[np.float64],
    keyword_rows: npt.NDArray[np.intp],
    keyword_scores: npt.NDArray[np.float64],
    best_keyword: float,
    query: RetrievalQuery,
    options: Options,
    *,
    semantic: bool,
) -> npt.NDArray[np.float64]:
    """The score of each of `rows`: its cosine (zero, keyword only), the keyword bonus
    (`covered`: the share of the question's words it holds) and the boosts."""
    weights = options.weights
    keyword_weight = weights.keyword if semantic else 1.0
    if best_keyword > 0:
        relative = _lookup(rows, keyword_rows, keyword_scores) / best_keyword
    else:
        relative = np.zeros(len(rows))
    scores = closeness + keyword_weight * covered * (0.5 + 0.5 * relative)
    if not options.boosts:
        return scores
    columns = index.columns
    topic_bits = 0
    for topic in query.topics:
        topic_bits |= TOPIC_BIT.get(topic, 0)  # type: ignore[call-overload]
    if query.speakers:
        scores += np.where(index.of_actors(query.speakers, rows), weights.speaker, 0.0)
    if query.sides:
        scores += np.where(index.of_sides(query.sides, rows), weights.side, 0.0)
    if topic_bits:
        scores += np.where((columns.topics[rows] & topic_bits) != 0, weights.topic, 0.0)
    if query.stances:
        scores += np.where(index.of_stances(query.stances, rows), weights.stance, 0.0)
    if query.places:
        scores += np.where(index.about_places(query.places, rows), weights.place, 0.0)
    if query.anchor is not None:
        anchor = query.anchor.toordinal()
        distance = columns.starts[rows] - anchor if query.anchor_after else anchor - columns.ends[rows]
        scores += weights.anchor * np.exp(-np.maximum(distance, 0) / weights.anchor_days)
    return scores


def _descending(values: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Positions of `values`, greatest first, ties in their order (as `sorted(...,
    reverse=True)` orders them)."""
    return np.argsort(-values, kind="stable")


def _lookup(
    keys: npt.NDArray[Any], table_keys: npt.NDArray[Any], table_values: npt.NDArray[Any]
) -> npt.NDArray[np.float64]:
    """For each of `keys`, the value beside it in `table_keys`, or 0 where it is not."""
    found = np.zeros(len(keys))
    if len(table_keys):
        order = np.argsort(table_keys)
        at = order[np.searchsorted(table_keys, keys, sorter=order).clip(max=len(table_keys) - 1)]
        hit = table_keys[at] == keys
        found[hit] = table_values[at[hit]]
    return found


__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_WEIGHTS",
    "Features",
    "Options",
    "Ranked",
    "RetrievalQuery",
    "Weights",
    "answers",
    "evidence_score",
    "keyword_hits",
    "retrieve",
    "term_stats",
    "word_stem",
]
