"""A Ukrainian or Russian question's name matched with the Latin names the record holds
(its places, sources and speakers' roles): "Джидді" is the Jeddah of a statement's
source, "Новогригорівку" the village Novohryhorivka. Transliteration alone misses these:
the record spells a name as English writes it ("Jeddah", "Reuters"), not as any scheme
would spell the Cyrillic. Both spellings are compared by their consonants, each reduced
to a class both scripts share (bot/data/vocabulary/spellings.json); vowels, which
transliterations render most variously, are left out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.answering.record_index.arrays import RecordArrays
from storage.engine import Database, reading
from storage.record_rows import sources

#: The consonants of a Cyrillic name shorter than this are too few to tell it by.
_MIN_CONSONANTS = 2
#: From this many consonants, a Latin name may hold one more at its end (the plural of
#: "Reuters", a silent letter) and still match.
_PREFIX_FROM = 3
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
_SILENT_W = re.compile(r"w(?![aeiouy])")
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLED = re.compile(r"(.)\1+")
#: The record's spellings in the record index's word cache (emptied when the record changes).
_CACHE_KEY = "spellings"


@dataclass(frozen=True)
class _Rules:
    latin: tuple[tuple[str, str], ...]
    cyrillic_pairs: tuple[tuple[str, str], ...]
    cyrillic: dict[str, str]
    endings: tuple[str, ...]


@cache
def _rules() -> _Rules:
    raw = json.loads(resources.files("bot.data.vocabulary").joinpath("spellings.json").read_text(encoding="utf-8"))
    return _Rules(
        latin=tuple((old, new) for old, new in raw["latin"]),
        cyrillic_pairs=tuple((old, new) for old, new in raw["cyrillic_pairs"]),
        cyrillic=dict(raw["cyrillic"]),
        endings=tuple(sorted(raw["endings"], key=len, reverse=True)),
    )


def latin_consonants(word: str) -> str:
    """ "Jeddah" -> "jd", "Reuters" -> "rtrs"."""
    text = _SILENT_W.sub("", word.casefold())
    text = text[:-1] if text.endswith("h") and not text.endswith(("ch", "sh", "kh", "zh", "th", "ph")) else text
    for old, new in _rules().latin:
        text = text.replace(old, new)
    return _DOUBLED.sub(r"\1", _VOWELS.sub("", text))


def cyrillic_consonants(word: str) -> tuple[str, ...]:
    """The word's consonant classes, and those of its stem when it ends in a case ending
    holding a consonant ("Лукойлом": "lkjlm" and "lkl" -> the latter matches Lukoil)."""
    rules = _rules()
    folded = word.casefold().replace("ё", "е")
    forms = [folded]
    ending = next((ending for ending in rules.endings if folded.endswith(ending)), None)
    if ending is not None and len(folded) - len(ending) >= 3:
        forms.append(folded[: -len(ending)])
    keys = []
    for form in forms:
        for old, new in rules.cyrillic_pairs:
            form = form.replace(old, new)
        # What the pairs wrote is Latin already.
        classes = "".join(rules.cyrillic.get(char, char if char.isascii() else "") for char in form)
        keys.append(_DOUBLED.sub(r"\1", classes))
    return tuple(dict.fromkeys(keys))


class RecordSpellings:
    """The record's Latin names by their consonants."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._by_consonants: dict[str, set[str]] = {}
        #: The same names by their consonants less the last, for the longer matches.
        self._by_all_but_last: dict[str, set[str]] = {}
        for text in texts:
            for word in _LATIN_WORD.findall(text):
                # Capitalised words only: an acronym ("MoD", "CNN") is not spelt out in Cyrillic.
                if word[0].isupper() and word[1:].islower():
                    key, name = latin_consonants(word), word.casefold()
                    self._by_consonants.setdefault(key, set()).add(name)
                    self._by_all_but_last.setdefault(key[:-1], set()).add(name)

    def latin_for(self, name: str) -> tuple[str, ...]:
        """The record's Latin names a Cyrillic name may be, by its consonants: the same,
        or, from `_PREFIX_FROM` of them on, with one more at the end."""
        found: set[str] = set()
        for key in cyrillic_consonants(name):
            if len(key) < _MIN_CONSONANTS:
                continue
            found |= self._by_consonants.get(key, set())
            if len(key) >= _PREFIX_FROM:
                found |= self._by_all_but_last.get(key, set())
        return tuple(sorted(found))


async def record_spellings(
    database: Database, index: RecordArrays, session: AsyncSession | None = None
) -> RecordSpellings:
    """The Latin names of the record's places, sources and roles, gathered once per change
    of the record. Speakers' names are left out: a slip on one is answered with the
    speaker meant (bot.answering.near_names), not read as another name."""
    spellings = index.term_cache.get(_CACHE_KEY)
    if spellings is None:
        async with reading(database, session) as active:
            cited = await sources(active)
        facts = index.facts
        spellings = RecordSpellings([*facts.places, *cited, *(role for actor in facts.actors for role in actor.roles)])
        index.term_cache[_CACHE_KEY] = spellings
    assert isinstance(spellings, RecordSpellings)
    return spellings
