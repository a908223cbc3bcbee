"""Answering with the multilingual sentence model first: the question's similarity to each
statement's whole record (speaker, role, side, date, source, text, places, topics) ranks;
what the question names adds a small bonus; and the decision that nothing answers rests on
what generalises to questions nobody has seen.

Ranking. The cosine similarity is the score. A statement by a speaker the question names,
of a side or about a place it names, or said within the months it asks about, gets a bonus
of a few hundredths: enough to order near-equals, never enough to lift an unrelated
statement over a relevant one. Measured on development and calibration questions in three
languages (bot.answering.evaluation), each bonus adds recall and MRR; the ablation shows it.

Nothing found, when any of:
* the question uses a proper name the record never mentions (a person, body or place:
  "Erdogan", "Эрдоган", "Gaza"), checked against the full-text index;
* the best similarity falls below the threshold of the question's script (the model's
  cosines sit ~0.03 lower for Cyrillic questions against English statements), lowered by
  `absent_penalty` times the share of the question's content words the record holds
  nowhere (English questions only: "reparations", "elections").
The thresholds were fitted on calibration questions only (benchmarks/data/calibration_*),
never on the hold-out sets the evaluation reports."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.keywords import COMMON_MIN, COMMON_SHARE, term_stats
from bot.answering.query import Ranked
from bot.answering.reading import Reading, is_cyrillic, read
from bot.answering.record_index.arrays import RecordArrays
from bot.answering.record_index.columns import Selection
from bot.answering.record_index.exact import contenders, make_exact
from storage.actors import normalize_name
from storage.engine import Database

#: Answers listed for one question at most (pages included) ...
MAX_ANSWERS = 50


@dataclass(frozen=True)
class SemanticWeights:
    speaker: float = 0.02
    side: float = 0.01
    place: float = 0.014
    time: float = 0.03
    threshold_latin: float = 0.79
    threshold_cyrillic: float = 0.77
    absent_penalty: float = 0.05
    #: Past the first page, statements within this much of the best similarity are listed.
    listed_within: float = 0.06
    first_page: int = 5


@dataclass(frozen=True)
class SemanticOptions:
    """Switches for the ablation (bot.answering.evaluation)."""

    names: bool = True
    time: bool = True
    unknown_names: bool = True
    absent_words: bool = True
    thresholds: bool = True
    weights: SemanticWeights = SemanticWeights()


DEFAULT_SEMANTIC = SemanticOptions()


async def rank(
    database: Database,
    session: AsyncSession,
    index: RecordArrays,
    question: str,
    options: SemanticOptions = DEFAULT_SEMANTIC,
) -> Ranked:
    assert database.embedder is not None
    reading = read(question, index.facts)
    embedding = asyncio.ensure_future(asyncio.to_thread(database.embedder.embed_query, question))
    try:
        missing, absent = await _unheld(database, session, index, reading, options)
        vector = await embedding
    finally:
        if not embedding.done():
            embedding.cancel()
    if missing:
        return Ranked(reason=f"the record does not mention {', '.join(missing)}")
    columns = index.columns
    cosines, bounds = await asyncio.to_thread(index.approximate, vector)
    if index.columns is not columns:
        cosines, bounds = index.approximate(vector)
    live = index.mask(Selection())
    if not live.any():
        return Ranked(reason="the record is empty")
    weights = options.weights
    bonus = _bonus(index, reading, options)
    # Exact where it decides: the rows that may be among the answers, or the closest.
    rows = np.flatnonzero(live)
    approximate = cosines.astype(np.float64) + bonus
    contending = [contenders(approximate, bounds, rows, MAX_ANSWERS), contenders(cosines, bounds, rows, 1)]
    await make_exact(session, index, vector, cosines, np.concatenate(contending))
    scores = cosines.astype(np.float64)
    scores += bonus
    scores[~live] = -np.inf
    best = float(cosines[live].max())
    if options.thresholds:
        threshold = weights.threshold_cyrillic if reading.cyrillic else weights.threshold_latin
        if best - weights.absent_penalty * absent < threshold:
            return Ranked(reason="nothing in the record is close enough to the question")
    order = np.argsort(-scores, kind="stable")[:MAX_ANSWERS]
    order = order[np.isfinite(scores[order])]
    keep = np.arange(len(order)) < weights.first_page
    keep |= cosines[order] >= best - weights.listed_within
    order = order[keep]
    ids = index.columns.ids[order].tolist()
    return Ranked(ids=[int(i) for i in ids], scores=[float(scores[row]) for row in order])


def _bonus(index: RecordArrays, reading: Reading, options: SemanticOptions) -> np.ndarray:
    weights = options.weights
    bonus = np.zeros(index.size, dtype=np.float64)
    if options.names:
        if reading.speakers:
            bonus = np.maximum(bonus, weights.speaker * index.of_actors(reading.speakers))
        if reading.sides:
            bonus = np.maximum(bonus, weights.side * index.of_sides(reading.sides))
        if reading.places:
            bonus = np.maximum(bonus, weights.place * index.about_places(reading.places))
    if options.time and reading.span is not None:
        inside = index.mask(Selection(since=reading.span[0], until=reading.span[1], include_retracted=True))
        if inside.any():
            bonus += weights.time * inside
    return bonus


async def _unheld(
    database: Database, session: AsyncSession, index: RecordArrays, reading: Reading, options: SemanticOptions
) -> tuple[list[str], float]:
    """The question's proper names the record never mentions, and the share of its content
    words it holds nowhere; one round trip to the full-text index for both."""
    names = list(reading.names) if options.unknown_names and options.thresholds else []
    latin = [name for name in names if not is_cyrillic(name)]
    # A Cyrillic name is looked up by the stem of its transliteration, so its case ending
    # does not hide it: "Владивостоці" -> "vladivosto", found in "Vladivostok".
    stems = {name: _stem(normalize_name(name)) for name in names if is_cyrillic(name)}
    words = list(reading.content_words) if options.absent_words and options.thresholds else []
    if not names and not words:
        return [], 0.0
    cap = max(COMMON_MIN, int(max(index.size, 1) * COMMON_SHARE))
    stats = await term_stats(database, [*words, *stems.values()], latin, cap, session, index.term_cache)
    missing = [name for name in names if name in stats.missing_names or stats.counts.get(stems.get(name, ""), 1) == 0]
    absent = sum(1 for word in words if stats.counts.get(word) == 0) / len(words) if words else 0.0
    return missing, absent


def _stem(key: str) -> str:
    return key[: max(4, len(key) - 3)]
