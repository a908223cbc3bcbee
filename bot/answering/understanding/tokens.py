"""The words of a question, normalised as the record's names are (storage.actors), with
where each stands in the question's text, so that a match can be cut out of it; which of
them open a sentence, whose capital then says nothing of a name; and the courtesy that
addresses the bot rather than asks ("Thanks! What did ...", "Дякую, а що ...")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.input.small_talk import courtesy_phrases
from storage.actors import normalize_name

WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
#: What may stand before a word that opens a sentence: the start of the message, or the
#: end of a sentence, a line break, a colon or an opening quote, then no letter or digit.
_OPENING = re.compile(r"(?:^|[.!?…:;«»\"“”(\n])[\W_]*$")
#: Characters [start, end) of the text.
Span = tuple[int, int]


@dataclass
class Token:
    text: str
    norm: str
    start: int
    end: int
    #: The word opens a sentence: its capital is explained by where it stands.
    opens: bool = False


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


def opens_sentence(text: str, start: int, aside: Sequence[Span] = ()) -> bool:
    """Whether the word at `start` opens a sentence of `text` (the message's first word,
    or one after ".", "!", "?", a line break ...), courtesy `aside` not counted: in
    "Hello, What did ..." the question opens at "What"."""
    before = text[:start]
    for first, last in sorted(aside, reverse=True):
        if last <= start:
            before = before[:first] + before[last:]
    return bool(_OPENING.search(before))


def courtesy(text: str) -> list[Span]:
    """Where `text` greets, thanks or says please (bot/data/small_talk.json "courtesy"),
    as runs of such phrases that open a sentence or follow a comma ("Thanks, and what
    ...", "Скажіть, будь ласка, що ...", "... about Crimea, please?"). Elsewhere the
    words may be what is asked ("Did Zelensky say thank you?")."""
    phrases = courtesy_phrases()
    longest = max((len(phrase) for phrase in phrases), default=0)
    words = list(WORD.finditer(text))
    keys = [word.group().casefold() for word in words]
    spans: list[Span] = []
    at = 0
    while at < len(words):
        start = words[at].start()
        if not (opens_sentence(text, start, spans) or text[:start].rstrip().endswith(",")):
            at += 1
            continue
        end = at
        while end < len(words):
            width = next(
                (n for n in range(min(longest, len(words) - end), 0, -1) if tuple(keys[end : end + n]) in phrases), 0
            )
            if not width:
                break
            end += width
        if end > at:
            spans.append((start, words[end - 1].end()))
        at = max(end, at + 1)
    return spans


def tokens(question: str, aside: Sequence[Span] = ()) -> list[Token]:
    """One token per normalised word, but none for the words `aside` (courtesy); a word
    that normalises to several pieces gives each piece the span of the whole word."""
    out = []
    for match in WORD.finditer(question):
        if any(first <= match.start() < last for first, last in aside):
            continue
        norm = normalize_name(match.group())
        if norm:
            opens = opens_sentence(question, match.start(), aside)
            for piece in norm.split():
                out.append(Token(match.group(), piece, match.start(), match.end(), opens))
    return out
