"""The words of a question, normalised as the record's names are (storage.actors), with
where each stands in the question's text, so that a match can be cut out of it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.actors import normalize_name

WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class Token:
    text: str
    norm: str
    start: int
    end: int


def tokens(question: str) -> list[Token]:
    """One token per normalised word; a word that normalises to several pieces gives each
    piece the span of the whole word."""
    out = []
    for match in WORD.finditer(question):
        norm = normalize_name(match.group())
        if norm:
            for piece in norm.split():
                out.append(Token(match.group(), piece, match.start(), match.end()))
    return out
