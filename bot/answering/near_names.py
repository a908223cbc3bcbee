"""The speaker a misspelt name in a question most likely means ("Zelenksy", "Зиленський",
"Путн"), to suggest when the record does not mention the name as typed. Compared as
storage.actors.normalize_name keys (one script, case and endings folded), against every
name and alias of the record's speakers and each longer word of them, in memory."""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources

from bot.answering.record_index import KnownActor, RecordFacts
from bot.answering.understanding.tokens import is_cyrillic
from bot.i18n import current
from storage.actors import normalize_name

#: How close a typed name must be to a speaker's name (or a word of it) to be suggested.
NEAR = 0.75
#: Names and words of names shorter than this are not compared ("de", "von", "Путн" is).
MIN_WORD = 4


def nearest_actor(typed: str, facts: RecordFacts) -> KnownActor | None:
    """The speaker `typed` is a slip of the keyboard away from ("putn" -> Vladimir Putin),
    by any of their names or a longer word of one; None when none is that close."""
    key = normalize_name(typed)
    if not key:
        return None
    speakers: dict[str, KnownActor] = {}
    for actor in facts.actors:
        for name in (actor.name, *actor.aliases):
            whole = normalize_name(name)
            speakers.setdefault(whole, actor)
            for word in whole.split():
                if len(word) >= MIN_WORD:
                    speakers.setdefault(word, actor)
    close = difflib.get_close_matches(key, list(speakers), n=1, cutoff=NEAR)
    return speakers[close[0]] if close else None


def nearest_speaker(typed: str, facts: RecordFacts, question: str = "") -> str | None:
    """The speaker a word of a question is a slip away from, by their full name in the
    script it was typed in when the record has one ("Зиленський" -> "Володимир
    Зеленський"), in the language of `question`; None when no speaker is that close, or
    the word too short to tell."""
    if len(normalize_name(typed)) < MIN_WORD:
        return None
    actor = nearest_actor(typed, facts)
    return _written_as(actor, typed, question) if actor is not None else None


def _written_as(actor: KnownActor, typed: str, question: str) -> str:
    """The actor's name when it is in the script `typed` is; else, of their full names in
    that script, one in the question's language ("і", "ї", "є", "ґ" are Ukrainian's, "ы",
    "э", "ъ", "ё" Russian's; with neither, the reader's), the nearest to what was typed."""
    cyrillic = is_cyrillic(typed)
    if is_cyrillic(actor.name) == cyrillic:
        return actor.name
    known = (*actor.aliases, *_spellings().get(actor.name, ()))
    names = [name for name in known if is_cyrillic(name) == cyrillic and " " in name.strip()]
    if not names:
        return actor.name
    # Ukrainian writes "і" in nearly every sentence, Russian never; a question with neither
    # language's own letters ("Лавро") is taken to be in the language the reader reads.
    letters = set((question or typed).casefold())
    ukrainian = bool(letters & _UKRAINIAN) or (not letters & _RUSSIAN and current() == "uk")
    own, other = (_UKRAINIAN, _RUSSIAN) if ukrainian else (_RUSSIAN, _UKRAINIAN)
    names = [name for name in names if not other & set(name.casefold())] or names
    # "Сергей" has no letter Russian alone writes, "Сергій" one Ukrainian does.
    names = [name for name in names if own & set(name.casefold())] or names
    folded = typed.casefold()
    return max(names, key=lambda name: difflib.SequenceMatcher(None, folded, name.casefold()).ratio())


@functools.cache
def _spellings() -> dict[str, tuple[str, ...]]:
    """Every spelling bot/data/actors.json knows of a speaker's name: the record keeps one
    of those that fold alike ("Сергей Лавров", "Сергій Лавров"), and a suggestion should
    be in the reader's own."""
    text = resources.files("bot").joinpath("data/actors.json").read_text("utf-8")
    return {name: tuple(aliases) for name, aliases in json.loads(text).items()}


_UKRAINIAN = frozenset("іїєґ")
_RUSSIAN = frozenset("ыэъё")
