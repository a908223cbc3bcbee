"""Reading a question in English, Ukrainian or Russian for what the sentence model cannot
weigh on its own: whom it names (a speaker, a side, a place of the record), when it asks
about, and the names and words it uses that the record may not hold.

Names are matched word by word, both transliterated to Latin letters (storage.actors), with
room for inflection: a question word matches a name's
word when they are equal, or when the name's word (four letters or more) begins it and at
most three letters follow ("Донецька", "Зеленського", "Putin's"). Stems in the data files
("серп" for серпень, серпня, серпні) match the same way. Short names ("US", "ЄС") match only
as written, in capitals, so "us" is not the United States. Everything a reader may call
by name is data (bot/data/vocabulary); the code knows no conflict."""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.answering.near_names import nearest_actor
from bot.answering.record_index import RecordFacts
from bot.answering.understanding.tokens import courtesy, is_cyrillic, opens_sentence
from bot.answering.understanding.words import GRAMMAR, SIDES, STANCES, TOPICS, load_places, load_sides
from storage.actors import normalize_name
from storage.models import Stance, Topic
from storage.search import STOPWORDS

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"(?<=[A-Za-z])['’]s$")
_HYPHEN = re.compile(r"-")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_ARTICLES = frozenset(("the", "a", "an"))
#: A name's word this long or longer may be followed by an ending in the question.
_STEM_MIN = 4
_ENDING_MAX = 3
#: A stem of the bilingual lexicon this long or longer may be followed by one more letter
#: (verbs: "погодилися"); shorter ones by no more than `_ENDING_MAX`, none under three.
_LEXICON_LONG_STEM = 5
_LEXICON_STEM_MIN = 3


#: An apostrophe after a Cyrillic letter ("перемир'я", "об’єднання"): written, typed as ’ or
#: ʼ, or left out ("перемиря"); folded away so that all three meet.
_CYRILLIC_APOSTROPHE = re.compile(r"(?<=[а-яіїєґ])['’ʼ]")


def fold(word: str) -> str:
    folded = unicodedata.normalize("NFKC", word).casefold().replace("ё", "е").replace("’", "'")
    return _CYRILLIC_APOSTROPHE.sub("", folded)


@dataclass(frozen=True)
class _Name:
    kind: str  # "speaker", "side" or "place"
    value: str | int  # actor id, side or place
    words: tuple[str, ...]  # folded
    exact: bool  # short or all-capitals: matched only as written
    #: For a group of parties ("Europe", "the EU"), the other parties of the record it covers.
    members: tuple[str, ...] = ()
    #: A group the record does not hold as a side ("Europe", "the West"): its words are
    #: read as any other word too, as they were before it named the parties.
    group: bool = False


@dataclass(frozen=True)
class Reading:
    speakers: frozenset[int] = frozenset()
    sides: frozenset[str] = frozenset()
    #: Sides a named speaker is also a name of ("the Kremlin", "the United States"): such a
    #: speaker is the voice of its side, through whoever speaks for it.
    voiced: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    #: The places as the question names them, before a region's parts are added.
    named_places: tuple[str, ...] = ()
    #: First and last day the question asks about, when it names a month, season or year.
    span: tuple[date, date] | None = None
    #: Whether `span` is of the months or seasons the question names, or of a year it asks
    #: about as when ("in 2024"): a year alone is as often what it asks about ("the 2014
    #: borders") as when.
    months_named: bool = False
    #: Capitalised words that are none of the record's speakers, sides or places, nor a
    #: word of a question: proper names the record must hold for it to answer. Cyrillic
    #: ones come with their Latin transliteration.
    names: tuple[str, ...] = ()
    #: The question's other content words in Latin script, to count how many the record
    #: holds nowhere; words the vocabulary knows for a topic are left out, as synonyms of
    #: what the record says.
    content_words: tuple[str, ...] = ()
    #: The question's Cyrillic content words the bilingual lexicon knows, each as the
    #: English words the record would use for it: a word is held when the record holds
    #: any of them. Words for a topic are left out here too; words the lexicon does not
    #: know tell nothing either way.
    translated_words: tuple[tuple[str, ...], ...] = ()
    #: The record's topics the question names by a word that names nothing else
    #: ("prisoners", "санкцій"; vocabulary/topics.json "naming"): asked of a speaker,
    #: place or months, some statement there must be on it.
    topics: frozenset[Topic] = frozenset()
    #: The words left out above as a topic's ("guarantees", "summit"; a Cyrillic word as
    #: its English words): asked of a speaker, place or months, such a word is held there
    #: when a statement is on a topic it may stand for (`topics_of`) or uses it or their words.
    topic_groups: tuple[tuple[str, ...], ...] = ()
    #: The kinds of statement the question asks for by its words ("threatened": warning,
    #: "пообіцяв": commitment).
    stances: frozenset[Stance] = frozenset()
    cyrillic: bool = False
    #: Where the question greets, thanks or says please (`courtesy`): not what is asked.
    courtesy: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class _Data:
    #: Words readers use for the record's topics ("soldiers" for troops): never "absent"
    #: in the whole record; each with the topics whose phrases hold it.
    topic_words: dict[str, frozenset[Topic]]
    #: Folded word (English) or stem (Ukrainian, Russian) -> the one topic it names.
    naming: tuple[tuple[str, Topic], ...]
    months: tuple[tuple[int, str], ...]
    seasons: tuple[tuple[str, int, int], ...]
    not_names: frozenset[str]
    question_words: frozenset[str]
    after_words: frozenset[str]
    #: Words that, before a year, make it the time asked about ("in 2024").
    year_words: frozenset[str]
    since_words: frozenset[str]
    #: Ukrainian and Russian stems -> English words (vocabulary/crosslingual.json).
    english_of: dict[str, tuple[str, ...]]
    #: Taken off a verb the lexicon's stems do not find whole (vocabulary/crosslingual.json).
    reflexive_endings: tuple[str, ...]
    #: Verbs of saying and words for a kind of statement (vocabulary/stances.json): how
    #: something was said, which a statement's record holds as its stance, not its words.
    manner_words: frozenset[str]
    about_words: frozenset[str]
    subject_openers: frozenset[str]
    #: English words after which a party is spoken of, not speaking ("soldiers in Ukraine").
    spoken_of_words: frozenset[str]


@lru_cache(maxsize=1)
def _data() -> _Data:
    raw = vocabulary("reading.json")
    months = tuple((number, fold(word)) for number, words in enumerate(raw["months"], start=1) for word in words)
    seasons = tuple((fold(word), int(first), int(last)) for word, (first, last) in raw["seasons"].items())
    topics_of: dict[str, set[Topic]] = {}
    for topic, phrases in TOPICS.words.items():
        for phrase in phrases:
            for word in _WORD.findall(phrase):
                topics_of.setdefault(fold(word), set()).add(topic)
    topic_words = {word: frozenset(topics) for word, topics in topics_of.items()}
    naming = tuple((fold(word), topic) for topic, words in TOPICS.naming.items() for word in words)
    return _Data(
        topic_words=topic_words,
        naming=naming,
        months=months,
        seasons=seasons,
        not_names=frozenset(fold(word) for word in raw["not_names"]),
        question_words=frozenset(fold(word) for word in raw["question_words"]),
        after_words=frozenset(fold(word) for word in raw["after_words"]),
        year_words=frozenset(fold(word) for word in raw["year_words"]),
        since_words=frozenset(fold(word) for word in raw["since_words"]),
        english_of=_lexicon(vocabulary("crosslingual.json")),
        reflexive_endings=tuple(vocabulary("crosslingual.json")["reflexive_endings"]),
        manner_words=frozenset(fold(word) for word in (*STANCES.stance_verbs, *STANCES.stance_of)),
        about_words=frozenset(fold(word) for word in raw["about_words"]),
        subject_openers=frozenset(fold(word) for word in raw["subject_openers"]),
        spoken_of_words=frozenset(fold(word) for word in raw["spoken_of_words"]),
    )


def vocabulary(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath(f"data/vocabulary/{name}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _lexicon(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Stem -> English words; a stem listed under two entries gets the words of both."""
    english_of: dict[str, tuple[str, ...]] = {}
    for entry in raw["entries"]:
        words = tuple(fold(word) for word in entry["en"])
        for stem in entry["stems"]:
            key = fold(stem)
            english_of[key] = tuple(dict.fromkeys((*english_of.get(key, ()), *words)))
    return english_of


def english_words(word: str) -> tuple[str, ...]:
    """The English words the lexicon gives for a folded Cyrillic word: those of the
    longest stem that begins it with an ending short enough (see `_LEXICON_LONG_STEM`);
    none when no stem does. A verb's reflexive ending is taken off when the whole
    word finds nothing ("дотримуються": respect, observe)."""
    data = _data()
    found = _english_of_stem(word, data.english_of)
    if not found:
        reflexive = next((ending for ending in data.reflexive_endings if word.endswith(ending)), None)
        if reflexive is not None:
            found = _english_of_stem(word[: -len(reflexive)], data.english_of)
    return found


def _english_of_stem(word: str, english_of: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    for ending in range(_ENDING_MAX + 2):
        stem = word[: len(word) - ending]
        if len(stem) < _LEXICON_STEM_MIN:
            break
        if stem in english_of and (ending <= _ENDING_MAX or len(stem) >= _LEXICON_LONG_STEM):
            return english_of[stem]
    return ()


def tells_manner(words: tuple[str, ...]) -> bool:
    """Whether a content word (or a Cyrillic word's English words) says how something was
    said ("threatened", "пообіцяв" -> promise) rather than what about; an English "-ing"
    form by its verb ("asking", "promising")."""
    manner = _data().manner_words
    return any(word in manner or _ing_verb(word) & manner for word in words)


def _ing_verb(word: str) -> frozenset[str]:
    """The verbs an English "-ing" form may be of: "asking" -> ask, "promising" -> promise."""
    if not word.endswith("ing") or len(word) < 6:
        return frozenset()
    stem = word[:-3]
    return frozenset((stem, stem + "e"))


def _topic_named(word: str) -> Topic | None:
    for known, topic in _data().naming:
        if word == known or (is_cyrillic(known) and _word_matches(word, known)):
            return topic
    return None


def topics_of(words: tuple[str, ...]) -> frozenset[Topic]:
    """The topics whose readers' words (vocabulary/topics.json "words") hold any of
    `words` (folded English)."""
    known = _data().topic_words
    return frozenset(topic for word in words for topic in known.get(word, ()))


def topic_words(topic: Topic) -> tuple[str, ...]:
    """The English words that name a topic and the record's own, four letters or more (a
    shorter one, "pow", would be found in "power"), to look for in statements' words."""
    words = (*TOPICS.record_words[topic], *TOPICS.naming[topic])
    return tuple(dict.fromkeys(fold(word) for word in words if not is_cyrillic(word) and len(word) >= 4))


def _stem(known: str) -> str:
    """What of a name's word an ending may follow. Surnames in -ський/-ский decline as
    adjectives ("Зеленського", "Зеленським"): their transliterated "sky" loses its "y"."""
    return known[:-1] if known.endswith("sky") else known


def _word_matches(asked: str, known: str) -> bool:
    if asked == known:
        return True
    stem = _stem(known)
    return len(known) >= _STEM_MIN and asked.startswith(stem) and len(asked) - len(stem) <= _ENDING_MAX


@dataclass(frozen=True)
class _Names:
    """Every way of naming a speaker, side or place the record holds, longest first, and
    where each name's first word is in that order: a question word can start only the
    names whose first word it begins with (with at most `_ENDING_MAX` letters after), so
    a question is checked against those few instead of every name of the record."""

    names: tuple[_Name, ...]
    by_first_word: dict[str, list[int]]
    #: The side each side's name stands for ("kremlin" -> Russia), for speakers named alike.
    sides_by_words: dict[tuple[str, ...], str]
    #: A region's parts the record holds, as it spells them (places.json "parts": Donbas ->
    #: Donetsk, Luhansk): a region is asked about with its parts.
    region_parts: dict[str, tuple[str, ...]]

    def starting_at(self, keys: list[str]) -> list[_Name]:
        """The names that may start at one of the words `keys`, in the names' order."""
        found: set[int] = set()
        for key in keys:
            for length in range(max(1, len(key) - _ENDING_MAX), len(key) + 1):
                found.update(self.by_first_word.get(key[:length], ()))
        return [self.names[at] for at in sorted(found)]


_built: list[tuple[RecordFacts, _Names]] = []


def _names(facts: RecordFacts) -> _Names:
    """Built once for each state of the record (the facts object changes with it)."""
    if _built and _built[0][0] is facts:
        return _built[0][1]
    names = _build_names(facts)
    by_first_word: dict[str, list[int]] = {}
    for at, name in enumerate(names):
        for first in dict.fromkeys((name.words[0], _stem(name.words[0]))):
            by_first_word.setdefault(first, []).append(at)
    sides = {name.words: str(name.value) for name in names if name.kind == "side"}
    held = _record_places(facts)
    region_parts = {
        region: tuple(held[part.casefold()] for part in parts if part.casefold() in held)
        for region, parts in load_places().parts.items()
    }
    _built[:] = [(facts, _Names(names, by_first_word, sides, region_parts))]
    return _built[0][1]


def _build_names(facts: RecordFacts) -> tuple[_Name, ...]:
    found: list[_Name] = []

    def add(kind: str, value: str | int, name: str, members: tuple[str, ...] = (), group: bool = False) -> None:
        words = tuple(key for key in (normalize_name(word) for word in _WORD.findall(name)) if key)
        if words:
            exact = len(name) <= 3 or (name.isupper() and len(name) <= 4)
            found.append(_Name(kind, value, words, exact, members, group))

    for actor in facts.actors:
        for name in (actor.name, *actor.aliases):
            add("speaker", actor.id, name)
    record_sides = {side.casefold(): side for side in facts.sides}
    for words in load_sides().sides:
        # A group ("Europe", "the EU") names the parties of it the record holds, itself or not.
        held = [
            record_sides[side.casefold()] for side in (words.side, *words.members) if side.casefold() in record_sides
        ]
        if not held:
            continue
        side, *members = dict.fromkeys(held)
        group = words.side.casefold() not in record_sides
        for name in (words.side, *words.names, *words.capitals, *words.institutions, *words.adjectives, *words.people):
            add("side", side, name, tuple(members), group)
    # The record's own place names first: "Zaporizke" (a village) is itself, not a form
    # of an alias of Zaporizhzhia ("Запорізьк").
    for place in facts.places:
        add("place", place, place)
    record_places = _record_places(facts)
    places = load_places()
    for place, aliases in places.aliases.items():
        held = [
            record_places[part.casefold()]
            for part in (place, *places.parts.get(place, ()))
            if part.casefold() in record_places
        ]
        for value in held:
            for name in (place, *aliases):
                add("place", value, name)
    return tuple(sorted(found, key=lambda name: -len(name.words)))


def _record_places(facts: RecordFacts) -> dict[str, str]:
    """The record's places by their case-folded names."""
    return {place.casefold(): place for place in facts.places}


def month_or_season(word: str) -> tuple[int, int] | None:
    data = _data()
    for number, known in data.months:
        if word == known or (is_cyrillic(known) and _month_matches(word, known)):
            return number, number
    for known, first, last in data.seasons:
        if word == known or (is_cyrillic(known) and _month_matches(word, known)):
            return first, last
    return None


def _month_matches(asked: str, known: str) -> bool:
    """A Cyrillic month's stem in any case: three letters are stem enough for a month
    ("июл" in июле, июля), with at most two letters after them ("майдан" is no May)."""
    if len(known) == 3:
        return asked.startswith(known) and len(asked) - len(known) <= 2
    return _word_matches(asked, known)


def _span(words: list[str], raw: list[str], last: date | None) -> tuple[tuple[date, date] | None, bool]:
    """The months asked about: a month or season without a year is the latest one the
    record can hold (on or before its last date); and whether months or seasons were named
    (or a year as the time asked about)."""
    years = [int(word) for word in words if _YEAR.match(word)]
    year = years[0] if years else None
    anchor = last or date.today()
    spans: list[tuple[date, date]] = []
    since = False
    for at, (word, written) in enumerate(zip(words, raw, strict=True)):
        months = month_or_season(word)
        # "May I ask", "the march on Kyiv": English month names count only capitalised.
        if months is None or (not is_cyrillic(word) and word in ("may", "march") and not written[0].isupper()):
            continue
        first, last_month = months
        start_year = year if year is not None else (anchor.year if first <= anchor.month else anchor.year - 1)
        end_year = start_year + (1 if last_month < first else 0)
        spans.append(
            (date(start_year, first, 1), date(end_year, last_month, calendar.monthrange(end_year, last_month)[1]))
        )
        since = at > 0 and words[at - 1] in _data().since_words
    if len(spans) == 1 and since and spans[0][0] <= anchor:
        # "з серпня", "с августа": from that month up to the record's last date.
        return (spans[0][0], max(spans[0][1], anchor)), True
    if spans:
        return (min(span[0] for span in spans), max(span[1] for span in spans)), True
    if year is not None:
        # "in 2024", "у 2024 році": the year is when, as a month would be.
        at = next(at for at, word in enumerate(words) if _YEAR.match(word))
        when = at > 0 and words[at - 1] in _data().year_words
        return (date(year, 1, 1), date(year, 12, 31)), when
    return None, False


def _named(raw: list[str], known: _Names) -> tuple[list[bool], list[tuple[int, int, _Name]]]:
    """Which of the words `raw` a name of the record covers, and the names found there
    (with the first word each covers and how many), longest first and each word in one
    name only."""
    # Names are compared in one script: "Путіна" and "Putin" meet as "putina" and "putin".
    keys = [normalize_name(word) for word in raw]
    covered = [False] * len(raw)
    found: list[tuple[int, int, _Name]] = []
    for name in known.starting_at(keys):
        width = len(name.words)
        for at in range(len(raw) - width + 1):
            if any(covered[at : at + width]):
                continue
            if name.exact:
                hit = tuple(keys[at : at + width]) == name.words and all(
                    not word.islower() for word in raw[at : at + width]
                )
            else:
                hit = all(_word_matches(keys[at + k], name.words[k]) for k in range(width))
            if hit:
                covered[at : at + width] = [True] * width
                found.append((at, width, name))
    return covered, found


def _tokens(text: str) -> list[tuple[int, str]]:
    """The words of `text` with where each starts. Hyphenated words holding a capital are
    their parts ("Russia-Ukraine", "US-brokered", "NATO-style"): a name joined to a word
    is still the name; lowercase ones ("30-day", "що-небудь") stay whole. An English
    possessive is left off."""
    tokens: list[tuple[int, str]] = []
    for match in _WORD.finditer(text):
        # "China's" is China: the possessive is no part of a name the record holds.
        word = _POSSESSIVE.sub("", match.group())
        if "-" not in word or word.islower() or is_cyrillic(word) or not any(letter.isalpha() for letter in word):
            tokens.append((match.start(), word))
            continue
        at = match.start()
        for part in _HYPHEN.split(word):
            if part:
                tokens.append((at, part))
            at += len(part) + 1
    return tokens


def speakers_called(text: str, facts: RecordFacts) -> frozenset[int]:
    """The speakers `text` is wholly a name of, in any case, script or inflection
    ("Зеленського", "Путина"): none when any word of it is not their name."""
    covered, found = _named([word for _, word in _tokens(text)], _names(facts))
    if not covered or not all(covered) or any(name.kind != "speaker" for _, _, name in found):
        return frozenset()
    return frozenset(int(name.value) for _, _, name in found)


def names_in(text: str, facts: RecordFacts) -> list[tuple[int, int, str]]:
    """Where `text` names a speaker, side or place of the record: the characters' start
    and end, and which kind of name it is ("speaker", "side", "place")."""
    tokens = _tokens(text)
    _, found = _named([word for _, word in tokens], _names(facts))
    return sorted(
        (tokens[at][0], tokens[at + width - 1][0] + len(tokens[at + width - 1][1]), name.kind)
        for at, width, name in found
    )


def _named_before_about(
    at: int,
    words: list[str],
    raw: list[str],
    question: str,
    tokens: list[tuple[int, str]],
    aside: list[tuple[int, int]],
    facts: RecordFacts,
) -> bool:
    """Whether the word at `at` is who the question asks about though written as any word
    may be: it opens the question, or follows a verb of saying, and "about" follows it
    ("Meloni on troops", "мерц про гарантії", "что сказал мерц о ..."), and nothing the
    record's vocabulary knows is it. Capitals cannot tell there: the first word has one
    anyway, and readers in chat often write names in lower case."""
    data = _data()
    word, written = words[at], raw[at]
    if at + 1 >= len(words) or words[at + 1] not in data.about_words or len(word) < 3 or not word.isalpha():
        return False
    if word in data.subject_openers or word in data.question_words or word in STOPWORDS or word in data.manner_words:
        return False
    if word in data.not_names or word in data.topic_words or topics_of((word,)) or month_or_season(word) is not None:
        return False
    cyrillic = is_cyrillic(word)
    if cyrillic and (english_words(word) or any(_word_matches(word, opener) for opener in data.subject_openers)):
        return False
    if not cyrillic and not written[0].isupper():
        return False
    if not opens_sentence(question, tokens[at][0], aside) and not (
        at > 0 and normalize_name(raw[at - 1]) in GRAMMAR.slavic_speech_verbs
    ):
        return False
    # A slip on a speaker's name ("Уиткоф") is theirs, as the model reads it, not a stranger.
    return nearest_actor(written, facts) is None


def _spoken_of(words: list[str], at: int) -> bool:
    """Whether the party named at `at` is what the question speaks of rather than who
    speaks: after "in", "for", "against", "про" ... ("Will soldiers be sent to Ukraine?"),
    but not "according to Kyiv" (reading.json "spoken_of_words")."""
    while at > 0 and words[at - 1] in _ARTICLES:
        at -= 1
    before = words[at - 1] if at > 0 else ""
    if before not in _data().spoken_of_words:
        return False
    return not (before == "to" and at > 1 and words[at - 2] == "according")


def read(question: str, facts: RecordFacts) -> Reading:
    # Greetings, thanks and please ("Дякую, а що ...") address the bot: no word of them is
    # a name or a word the record must hold.
    aside = courtesy(question)
    tokens = [(start, word) for start, word in _tokens(question) if not any(a <= start < b for a, b in aside)]
    raw = [word for _, word in tokens]
    words = [fold(word) for word in raw]
    speakers: set[int] = set()
    sides: set[str] = set()
    places: set[str] = set()
    voiced: set[str] = set()
    known = _names(facts)
    covered, found = _named(raw, known)
    party_nouns = SIDES.party_nouns
    for at, width, name in found:
        if name.kind == "side" and at + width < len(words) and words[at + width] in party_nouns:
            # "the Ukrainian leader", "US officials": who speaks, not what about.
            covered[at + width] = True
        if name.group:
            covered[at : at + width] = [False] * width
        if name.kind == "speaker":
            speakers.add(int(name.value))
            if name.words in known.sides_by_words:
                voiced.add(known.sides_by_words[name.words])
        elif name.kind == "side":
            if not _spoken_of(words, at):
                sides.update((str(name.value), *name.members))
        else:
            places.add(str(name.value))
    named_places = tuple(sorted(places))
    # A region is asked about with its parts ("Donbas": Donetsk and Luhansk too).
    for place in list(places):
        places.update(known.region_parts.get(place, ()))
    data = _data()
    names: list[str] = []
    content: list[str] = []
    translated: list[tuple[str, ...]] = []
    topics: set[Topic] = set()
    topic_groups: list[tuple[str, ...]] = []
    for at, (word, written) in enumerate(zip(words, raw, strict=True)):
        if covered[at] or word.isdigit() or month_or_season(word) is not None:
            continue
        topic = _topic_named(word)
        if topic is not None:
            topics.add(topic)
        if _named_before_about(at, words, raw, question, tokens, aside, facts):
            names.append(written)
            continue
        if written[0].isupper() and not opens_sentence(question, tokens[at][0], aside):
            if word not in data.not_names and not any(_word_matches(word, known) for known in data.not_names):
                names.append(written)
                continue
            # A capitalised word that names no one the record must hold may still name a
            # topic ("NATO", "НАТО"): it is what is asked about. Others ("Europe") are left
            # out, as before, for they name where rather than what.
            english = english_words(word) if is_cyrillic(word) else (word,)
            if topics_of(english):
                topic_groups.append(english)
            continue
        if is_cyrillic(word):
            english = english_words(word)
            if topics_of(english):
                topic_groups.append(english)
            elif english:
                translated.append(english)
        else:
            # "30-day", "pre-war": the words the full-text index reads them as.
            for part in _HYPHEN.split(word):
                if len(part) >= 4 and part.isalpha() and part not in STOPWORDS and part not in data.question_words:
                    if topics_of((part,)):
                        topic_groups.append((part,))
                    else:
                        content.append(part)
    stances = {
        STANCES.stance_of[english]
        for word in words
        for english in (english_words(word)[:1] if is_cyrillic(word) else (word,))
        if english in STANCES.stance_of
    }
    span, months_named = _span(words, raw, facts.last_date)
    if span is None and facts.last_date is not None and data.after_words & set(words):
        # "after the Alaska summit", "після переговорів у Стамбулі": from the first talks there.
        events = [facts.events[place] for place in places if place in facts.events]
        if events:
            span = (min(events), facts.last_date)
    return Reading(
        speakers=frozenset(speakers),
        sides=frozenset(sides),
        voiced=frozenset(voiced),
        places=frozenset(places),
        named_places=named_places,
        span=span,
        months_named=months_named,
        names=tuple(dict.fromkeys(names)),
        content_words=tuple(dict.fromkeys(content)),
        translated_words=tuple(dict.fromkeys(translated)),
        topics=frozenset(topics),
        topic_groups=tuple(dict.fromkeys(topic_groups)),
        stances=frozenset(stances),
        cyrillic=is_cyrillic(question),
        courtesy=tuple(aside),
    )
