"""Fusion: the candidates of both rankings scored together, ordered, and cut to what
answers.

Reciprocal rank fusion gives the keyword ranking an equal vote even when its best match
shares one common word with the question, which is exactly the paraphrased question
("Will American soldiers be sent ...?" against "no US ground troops"): there it pulls good
semantic answers down. Here the cosine similarity stays the backbone, on its own absolute
scale, and the keyword evidence is added as a bounded bonus: the share of the question's
words (weighted by how rare each is in the record) that the statement contains, scaled by
its full-text rank, times a fixed weight. A match on one common word of five adds little;
a statement holding every rare word of the question rises. The question's boosts (speaker,
side, topic, stance, place, dates) are added on top, and the nothing-found decision
(bot.answering.weights) is taken on the best candidates."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.keywords import Concepts, candidate_words
from bot.answering.query import Options, Ranked, RetrievalQuery
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import TOPIC_BIT, Selection
from bot.answering.weights import Features, answers
from storage.engine import Database

#: How many candidates the semantic ranking contributes to the fusion.
SEMANTIC_CANDIDATES = 50
#: Candidates whose words are checked against the question (the keyword evidence).
CHECKED_CANDIDATES = 25
#: Answers shown at most for one question (pages included) ...
MAX_ANSWERS = 50
#: ... and at least, when anything answers (one page).
FIRST_PAGE = 5


async def rank(
    database: Database,
    session: AsyncSession,
    index: RecordArrays,
    query: RetrievalQuery,
    options: Options,
    selection: Selection,
    filtered: bool,
    list_mode: bool,
    use_semantic: bool,
    weighed: Concepts,
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
        leading = dict.fromkeys(
            [
                *columns.ids[keyword_rows[_descending(keyword_scores)[:CHECKED_CANDIDATES]]].tolist(),
                *ids[_descending(closeness)[:CHECKED_CANDIDATES]].tolist(),
            ]
        )
        words = await candidate_words(database, list(leading), session)
        coverage = {statement_id: weighed.coverage(found) for statement_id, found in words.items()}
    covered = _lookup(ids, np.array(list(coverage), dtype=np.int64), np.array(list(coverage.values())))

    scores = _score(
        index,
        rows,
        closeness,
        covered,
        keyword_rows,
        keyword_scores,
        best_keyword,
        query,
        options,
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
    index: RecordArrays,
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
