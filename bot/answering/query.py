"""What retrieval (bot.answering.retrieval) is asked, how, and what it answers: the
question as retrieval reads it, the switches of the method, and the ranking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.answering.record_index.columns import Selection
from bot.answering.weights import DEFAULT_WEIGHTS, Features, Weights


@dataclass(frozen=True)
class RetrievalQuery:
    """One question, as retrieval needs it (bot.answering.ask builds it from bot.answering.understanding)."""

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


@dataclass
class Ranked:
    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    keyword_only: bool = False
    reason: str | None = None
    features: Features | None = None
