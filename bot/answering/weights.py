"""How the parts of a statement's score add up, and the decision that nothing in the
record answers.

Nothing found. Three things say the record does not answer: a speaker or a proper name the
record has never heard of ("What did Erdogan say ...", "the Kakhovka dam"); a best cosine
similarity too low; words of the question the record holds nowhere. The last two are
weighed together with the keyword coverage of the best match (see `Weights.threshold`);
the weights were calibrated with benchmarks/calibrate_thresholds.py on question files
written for that purpose, not on the files the evaluation reports."""

from __future__ import annotations

from dataclasses import dataclass


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
class Features:
    """What the nothing-found decision looks at."""

    best_cosine: float | None
    coverage: float
    absent: float
    filtered: bool
    semantic: bool
    #: Only who and when were asked: every statement passing the filters answers.
    listing: bool = False


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
