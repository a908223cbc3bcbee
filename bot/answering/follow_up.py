"""Follow-up questions: "And Zelensky?", "а Лавров?", "What about in July?" ask the
reader's previous question again, of another speaker, side, place or time.

Read alone, "And Zelensky?" would list whatever Zelensky said and drop what the reader was
asking about. A message is taken as a follow-up when it begins with an opening such as
"and", "what about", "а", "а як щодо" (vocabulary/follow_ups.json), asks about no subject
of its own (no content word, word for a topic or unknown name), names a speaker, side,
place or time of the record, is short, and the previous question asked about something
(not a name alone). A bare name ("Zelensky") is a question of its own: readers type it to
see what that speaker said. The question a follow-up stands for is the previous one with
its speaker or side (or its place) replaced by the new one, or with the new ones added
when it named none; a time is added. The reader sees that question as the heading of the
answer, found or not, so a wrong guess shows at once and a full question sets it right."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.answering.reading import fold, month_or_season, names_in, read, vocabulary
from bot.answering.record_index import RecordFacts
from bot.answering.record_index.loading import record_index
from storage.engine import Database

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
#: Which kinds of name stand for whom a question asks about, and which for where.
_WHO = frozenset({"speaker", "side"})
_WHERE = frozenset({"place"})


@dataclass(frozen=True)
class _Words:
    #: Openings, each as its words, longest first.
    openings: tuple[tuple[str, ...], ...]
    fillers: frozenset[str]
    #: Words between two names of one list ("and", "і", "и").
    joiners: frozenset[str]
    max_words: int


@lru_cache(maxsize=1)
def _words() -> _Words:
    raw = vocabulary("follow_ups.json")
    openings = {tuple(fold(word) for word in _WORD.findall(phrase)) for phrase in raw["openings"]}
    return _Words(
        openings=tuple(sorted(openings, key=len, reverse=True)),
        fillers=frozenset(fold(word) for word in raw["fillers"]),
        joiners=frozenset(fold(word) for word in raw["joiners"]),
        max_words=int(raw["max_words"]),
    )


async def resolve_follow_up(database: Database, previous: str | None, message: str) -> str | None:
    """The question `message` stands for after the reader's `previous` question, or None
    when it is a question of its own."""
    if not previous:
        return None
    index = await record_index(database)
    return follow_up(previous, message, index.facts)


def follow_up(previous: str, message: str, facts: RecordFacts) -> str | None:
    words = _words()
    matches = list(_WORD.finditer(message))
    folded = [fold(match.group()) for match in matches]
    opening = next((len(phrase) for phrase in words.openings if tuple(folded[: len(phrase)]) == phrase), 0)
    if not matches or len(matches) - opening > words.max_words:
        return None
    reading = read(message, facts)
    if reading.content_words or reading.translated_words or reading.topic_groups or reading.names:
        return None
    named = names_in(message, facts)
    if not named and reading.span is None:
        return None
    rest = [
        at
        for at, match in enumerate(matches)
        if at >= opening and not any(start <= match.start() < end for start, end, _ in named)
    ]
    if not opening:
        return None
    if not _asks_something(previous, facts):
        return None
    question = previous.strip()
    for kinds in (_WHO, _WHERE):
        asked = [message[start:end] for start, end, kind in named if kind in kinds]
        if asked:
            question = _replace(question, kinds, ", ".join(asked), facts)
    # The time as written, with the word before it that ties it ("in July", "в июле").
    times = [at for at in rest if _time(folded[at])]
    when = " ".join(
        matches[at].group() for at in rest if at in times or (at + 1 in times and _filler(folded[at], words))
    )
    if reading.span is not None and when:
        question = f"{_open_end(_without_time(question, words))} {when}?"
    return question


def _without_time(question: str, words: _Words) -> str:
    """`question` without the time it named ("in July", "у липні", "2025"): a follow-up's
    time replaces it."""
    matches = list(_WORD.finditer(question))
    folded = [fold(match.group()) for match in matches]
    times = {at for at, word in enumerate(folded) if _time(word)}
    dropped = times | {at for at in range(len(matches)) if at + 1 in times and _filler(folded[at], words)}
    kept = question
    for at in sorted(dropped, reverse=True):
        kept = kept[: matches[at].start()] + kept[matches[at].end() :]
    return " ".join(kept.split())


def _replace(question: str, kinds: frozenset[str], names: str, facts: RecordFacts) -> str:
    """`question` with its names of `kinds` replaced by `names`, or with `names` added
    when it has none."""
    spans = [(start, end) for start, end, kind in names_in(question, facts) if kind in kinds]
    if not spans:
        return f"{_open_end(question)} — {names}?"
    parts = []
    last = 0
    for number, (start, end) in enumerate(spans):
        between = question[last:start]
        # "Putin and Lavrov" goes whole, not leaving "and".
        if number == 0 or not set(map(fold, _WORD.findall(between))) <= _words().joiners:
            parts.append(between)
        if number == 0:
            parts.append(names)
        last = end
    parts.append(question[last:])
    return " ".join("".join(parts).split())


def _asks_something(question: str, facts: RecordFacts) -> bool:
    """Whether `question` asked about something to ask again: a word for its subject
    ("ceasefire", "обмін"), or two words beside its names and numbers ("What does Moscow
    want for Donetsk?"); not a word alone ("Trump", "600,000", "Putna", "ceasefire": a
    search rather than a question, too short to tell)."""
    if len(_WORD.findall(question)) < 2:
        return False
    reading = read(question, facts)
    if reading.content_words or reading.translated_words or reading.topic_groups:
        return True
    named = names_in(question, facts)
    rest = [
        match
        for match in _WORD.finditer(question)
        if not match.group().isdigit() and not any(start <= match.start() < end for start, end, _ in named)
    ]
    return len(rest) >= 2


def _open_end(question: str) -> str:
    return question.rstrip(" ?!.")


def _filler(word: str, words: _Words) -> bool:
    return word in words.fillers


def _time(word: str) -> bool:
    return word.isdigit() or month_or_season(word) is not None
