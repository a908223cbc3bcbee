"""The words of a keyword search (/search, /alert, inline mode with filters) as the record's
full-text index is asked for them. The record is in English and its readers are not all:
a Ukrainian or Russian word stands for itself, its Latin transliteration (storage.search:
"Лавров" -> lavrov), the English words the bilingual lexicon gives for it
(vocabulary/crosslingual.json: "перемир'я" -> ceasefire, truce, ...) and the record's
speakers, sides and places it names in any inflection, read as questions read names
("Путина" -> Vladimir Putin, "Росії" -> Russia); a statement holding any of them holds
the word. Ukrainian and Russian function words ("і", "и", "про") are left out, as English
ones are (vocabulary/search_words.json). English words are read as they always were."""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass, replace
from importlib import resources

from bot.answering.reading import english_words, fold, is_cyrillic, read
from bot.answering.record_index import RecordFacts
from bot.answering.record_index.loading import record_index
from bot.answering.speakers import speakers_named
from bot.answering.spellings import RecordSpellings, record_spellings
from bot.input.apostrophes import plain_apostrophes
from storage.actors import normalize_name
from storage.engine import Database
from storage.search import MAX_TERM_LENGTH, STOPWORDS, SearchFilters, query_words

#: A word, with the apostrophes inside it ("перемир'я" is one word, not "перемир" and "я").
_TOKEN = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*", re.UNICODE)
#: Markup pasted or typed with the words ("<b>truce</b>", "&lt;i&gt;"): no word of them.
_TAG = re.compile(
    r"</?(?:a|b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|tg-emoji|code|pre|blockquote|br|p|div|font|"
    r"sub|sup|mark|small|big|h[1-6]|li|ul|ol)\b[^<>]{0,200}>",
    re.IGNORECASE,
)
#: A word of a speaker's name this long or longer may be followed by an ending (as
#: bot.answering.reading reads names): "Путина" is Putin's.
_NAME_WORD_MIN = 4
_ENDING_MAX = 3


@dataclass(frozen=True)
class SearchWord:
    """One word of a search as typed, and what finds it."""

    written: str
    #: The word as the index reads it, and a Cyrillic word's transliteration.
    forms: tuple[str, ...]
    #: The lexicon's English words for a Cyrillic word; for one it does not know that names
    #: nothing the record's names do, the record's Latin names it may be spelt as
    #: ("Новогригорівка" -> novohryhorivka, bot.answering.spellings).
    english: tuple[str, ...] = ()
    #: The record's speakers, sides and places a Cyrillic word names, as the record spells them.
    names: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Every form that finds the word: any one of them is the word found."""
        return tuple(dict.fromkeys((*self.forms, *self.english, *self.names)))


@functools.cache
def _function_words() -> frozenset[str]:
    text = resources.files("bot").joinpath("data/vocabulary/search_words.json").read_text(encoding="utf-8")
    return frozenset(fold(word) for word in json.loads(text)["function_words"])


_by_name_word: list[tuple[RecordFacts, dict[str, frozenset[int]]]] = []


def _name_words(facts: RecordFacts) -> dict[str, frozenset[int]]:
    """Each word of the speakers' names and aliases, transliterated, four letters or more,
    and whose name it is; built once for each state of the record."""
    if _by_name_word and _by_name_word[0][0] is facts:
        return _by_name_word[0][1]
    found: dict[str, set[int]] = {}
    for actor in facts.actors:
        for name in (actor.name, *actor.aliases):
            for part in normalize_name(name).split():
                if len(part) >= _NAME_WORD_MIN:
                    found.setdefault(part, set()).add(actor.id)
    _by_name_word[:] = [(facts, {part: frozenset(ids) for part, ids in found.items()})]
    return _by_name_word[0][1]


def _named_by_word(word: str, facts: RecordFacts) -> set[int]:
    """The speakers one of whose names holds `word` as a word, inflected as a question's
    names may be ("Путина", "Зеленського": a name's word and at most three letters after
    it; a surname in -sky without its "y"), though their aliases spell the whole name
    only ("Vladimir Putin")."""
    key = normalize_name(word)
    words = _name_words(facts)
    found: set[int] = set()
    for length in range(max(_NAME_WORD_MIN - 1, len(key) - _ENDING_MAX), len(key) + 1):
        stem = key[:length]
        found.update(words.get(stem, ()))
        if stem.endswith("sk"):
            found.update(words.get(f"{stem}y", ()))
    return found


def _names(word: str, facts: RecordFacts) -> tuple[str, ...]:
    """The speakers, sides and places of the record `word` names, as the record spells
    them: a speaker by each name in Latin letters ("Putin" also finds what is said of him)."""
    reading = read(word, facts)
    speaker_ids = reading.speakers | _named_by_word(word, facts)
    speakers = [
        name
        for actor in facts.actors
        if actor.id in speaker_ids
        for name in (actor.name, *actor.aliases)
        if not is_cyrillic(name)
    ]
    return tuple(dict.fromkeys((*speakers, *sorted(reading.sides), *sorted(reading.places))))


def _cyrillic(word: str, facts: RecordFacts | None, spellings: RecordSpellings | None) -> SearchWord | None:
    folded = fold(word)
    if folded in _function_words() or len(folded) > MAX_TERM_LENGTH:
        return None
    forms = tuple(dict.fromkeys(form for form in (folded, normalize_name(word)) if form))
    english = tuple(english for english in english_words(folded) if english not in STOPWORDS)
    names = _names(word, facts) if facts is not None else ()
    if not english and not names and spellings is not None:
        english = spellings.latin_for(word)
    return SearchWord(word, forms, english, names)


def without_markup(text: str) -> str:
    """`text` with its HTML tags and entities taken out: "<b>truce</b>" is the word truce,
    not "b", "truce" and "b" (the reply still shows what was typed, escaped)."""
    return _TAG.sub(" ", html.unescape(text))


def search_words(
    text: str, facts: RecordFacts | None = None, spellings: RecordSpellings | None = None
) -> list[SearchWord]:
    """The words of `text` in order, each once. Names are looked for among the record's
    `facts` and `spellings` when given (`read_search_words` gives them); without, a
    Cyrillic word finds its spelling, its transliteration and its English words."""
    found: list[SearchWord] = []
    for match in _TOKEN.finditer(plain_apostrophes(without_markup(text))):
        token = match.group()
        if is_cyrillic(token):
            word = _cyrillic(token, facts, spellings)
            words = [word] if word is not None else []
        else:
            words = [SearchWord(token, forms) for forms in query_words(token)]
        for word in words:
            if all(word.alternatives != known.alternatives for known in found):
                found.append(word)
    return found


async def read_search_words(database: Database, text: str) -> list[SearchWord]:
    """`search_words` with the names of the record (its index, kept in memory for
    questions anyway), which only Cyrillic words need; its Latin spellings (a read of the
    record after each change) only when a Cyrillic word is neither in the lexicon nor one
    of its names."""
    if not is_cyrillic(text):
        return search_words(text)
    index = await record_index(database)
    words = search_words(text, index.facts)
    if any(is_cyrillic(word.written) and not word.english and not word.names for word in words):
        words = search_words(text, index.facts, await record_spellings(database, index))
    return words


async def with_speakers(database: Database, filters: SearchFilters) -> SearchFilters:
    """`speaker:` read as /actor reads a name: an alias first, then the name in any case,
    script or inflection ("speaker:Зеленського"); no speaker found: none to filter on."""
    if not filters.speaker or filters.actor_ids is not None:
        return filters
    async with database.read() as session:
        actors = await speakers_named(database, session, filters.speaker)
    return replace(filters, actor_ids=tuple(actor.id for actor in actors if actor.id is not None))


def alternatives(words: list[SearchWord]) -> list[tuple[str, ...]]:
    """What storage's searches take (`storage.search.Words`)."""
    return [word.alternatives for word in words]


def translations(words: list[SearchWord]) -> str:
    """The Cyrillic words looked for in English, "перемир'я → ceasefire, truce, …", for the
    reader to see what was searched; empty when none was."""
    return "; ".join(f"{word.written} → {', '.join(word.english)}" for word in words if word.english)
