"""The words question understanding knows, read once from bot/data/vocabulary/*.json.

They are data, not code, so that the record of another conflict (other parties, places and
topic words) is served by changing those files. Each file is read into a frozen, typed
value here and checked as it is read: a topic or stance the record does not have, a group
that includes an unknown party, or a verb listed both as saying and as doing is an error
at start-up, not a silent miss later. Read through importlib.resources, so an installed
wheel finds them as the checkout does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from storage.models import Stance, Topic

_PACKAGE = "bot"
_DIRECTORY = "data/vocabulary"


@dataclass(frozen=True)
class SideWords:
    """How people refer to one party. `names`, `capitals` and `institutions` name it
    (certain); `adjectives` ("American soldiers") are certain only when they qualify a
    word for the party itself ("the Russian side", "American officials"); `people` ("the
    Russians") name it. `members` are the other parties a group name covers ("the EU":
    its member states)."""

    side: str
    names: tuple[str, ...]
    capitals: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sides:
    sides: tuple[SideWords, ...]
    #: Nouns after an adjective that make it name the party itself ("the Russian side").
    party_nouns: frozenset[str]


@dataclass(frozen=True)
class Topics:
    words: Mapping[Topic, tuple[str, ...]]
    #: The words the record itself uses for a topic, searched for as well when a reader
    #: uses another ("soldiers" -> "troops", "POWs" -> "prisoners").
    record_words: Mapping[Topic, tuple[str, ...]]
    #: The words that name a topic and nothing else (Ukrainian and Russian as stems): a
    #: question using one asks about that topic ("prisoners", "санкцій").
    naming: Mapping[Topic, tuple[str, ...]]


@dataclass(frozen=True)
class Places:
    #: Other names readers use for a place; only places the record holds are matched.
    aliases: Mapping[str, tuple[str, ...]]
    #: A region and the places inside it: asking about Donbas is asking about these too.
    parts: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Stances:
    #: Asked with one of these ("What did Moscow demand"), the subject is the speaker.
    stance_verbs: frozenset[str]
    #: Asked "Did Washington stop ...", the answer may be anyone's report.
    action_verbs: frozenset[str]
    #: Either kind.
    verbs: frozenset[str]
    #: Words that ask for a kind of statement ("promise": a commitment).
    stance_of: Mapping[str, Stance]


@dataclass(frozen=True)
class TimeWords:
    months: Mapping[str, int]
    #: Month names that after "by", "on" or "over" are more likely another word ("by may").
    months_also_words: frozenset[str]
    seasons: Mapping[str, tuple[int, int]]
    number_words: Mapping[str, int]
    counts_after_last: tuple[str, ...]
    recency: tuple[str, ...]
    event_nouns: tuple[str, ...]
    event_nouns_before_place: tuple[str, ...]


@dataclass(frozen=True)
class Grammar:
    """Closed classes of English question words (see english_grammar.json), and the
    question words and verbs of saying of Russian and Ukrainian ones, transliterated."""

    auxiliaries: frozenset[str]
    leading_words: frozenset[str]
    determiners: frozenset[str]
    passive_markers: frozenset[str]
    irregular_participles: frozenset[str]
    phrase_breaks: frozenset[str]
    place_prepositions: frozenset[str]
    generic_role_words: frozenset[str]
    common_capitalised: frozenset[str]
    question_filler: frozenset[str]
    spelling: Mapping[str, str]
    #: Each irregular form and its base form ("sent" -> "send").
    irregular_verbs: Mapping[str, str]
    name_particles: frozenset[str]
    slavic_leading: frozenset[str]
    slavic_speech_verbs: frozenset[str]


def _read(name: str) -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath(f"{_DIRECTORY}/{name}").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{_DIRECTORY}/{name}: expected an object")
    return data


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def load_sides() -> Sides:
    data = _read("sides.json")
    entries = data["sides"]
    by_side = {entry["side"]: entry for entry in entries}

    def members(side: str, seen: tuple[str, ...] = ()) -> tuple[str, ...]:
        if side in seen:
            raise ValueError(f"sides.json: {side} includes itself")
        entry = by_side[side]
        included: list[str] = []
        for other in _strings(entry.get("includes_members_of", []), f"sides.json {side}"):
            if other not in by_side:
                raise ValueError(f"sides.json: {side} includes the members of {other}, which is not listed")
            included += members(other, (*seen, side))
        return (*included, *_strings(entry.get("members", []), f"sides.json {side}"))

    def side_words(entry: dict[str, Any]) -> SideWords:
        side = entry["side"]

        def listed(key: str) -> tuple[str, ...]:
            return _strings(entry.get(key, []), f"sides.json {side} {key}")

        return SideWords(
            side,
            names=(side, *listed("names")),
            capitals=listed("capitals"),
            institutions=listed("institutions"),
            adjectives=listed("adjectives"),
            people=listed("people"),
            members=members(side),
        )

    sides = tuple(side_words(entry) for entry in entries)
    return Sides(sides, frozenset(_strings(data["party_nouns"], "sides.json party_nouns")))


def load_topics() -> Topics:
    data = _read("topics.json")["topics"]
    topics = {Topic(name): entry for name, entry in data.items()}
    return Topics(
        words={topic: _strings(entry["words"], f"topics.json {topic}") for topic, entry in topics.items()},
        record_words={
            topic: _strings(entry["record_words"], f"topics.json {topic}") for topic, entry in topics.items()
        },
        naming={topic: _strings(entry["naming"], f"topics.json {topic}") for topic, entry in topics.items()},
    )


def load_places() -> Places:
    entries = _read("places.json")["places"]
    return Places(
        aliases={entry["place"]: _strings(entry["aliases"], f"places.json {entry['place']}") for entry in entries},
        parts={
            entry["place"]: _strings(entry["parts"], f"places.json {entry['place']}")
            for entry in entries
            if "parts" in entry
        },
    )


def load_stances() -> Stances:
    data = _read("stances.json")
    stance_verbs = frozenset(_strings(data["stance_verbs"], "stances.json stance_verbs"))
    action_verbs = frozenset(_strings(data["action_verbs"], "stances.json action_verbs"))
    if stance_verbs & action_verbs:
        raise ValueError(f"stances.json: verbs listed as both: {sorted(stance_verbs & action_verbs)}")
    stance_of = {
        word: Stance(stance)
        for stance, words in data["stance_words"].items()
        for word in _strings(words, f"stances.json {stance}")
    }
    return Stances(stance_verbs, action_verbs, stance_verbs | action_verbs, stance_of)


def load_time_words() -> TimeWords:
    data = _read("time_words.json")
    months = data["months"]
    if len(months) != 12:
        raise ValueError("time_words.json: months must list twelve months")
    seasons = {name: (int(first), int(last)) for name, (first, last) in data["seasons"].items()}
    return TimeWords(
        months={name: number for number, names in enumerate(months, start=1) for name in _strings(names, "months")},
        months_also_words=frozenset(_strings(data["months_also_words"], "time_words.json months_also_words")),
        seasons=seasons,
        number_words={word: int(number) for word, number in data["number_words"].items()},
        counts_after_last=_strings(data["counts_after_last"], "time_words.json counts_after_last"),
        recency=_strings(data["recency"], "time_words.json recency"),
        event_nouns=_strings(data["event_nouns"], "time_words.json event_nouns"),
        event_nouns_before_place=_strings(data["event_nouns_before_place"], "time_words.json event_nouns_before_place"),
    )


def load_grammar() -> Grammar:
    english = _read("english_grammar.json")
    slavic = _read("slavic_grammar.json")

    def words(data: dict[str, Any], key: str) -> frozenset[str]:
        return frozenset(_strings(data[key], key))

    return Grammar(
        auxiliaries=words(english, "auxiliaries"),
        leading_words=words(english, "leading_words"),
        determiners=words(english, "determiners"),
        passive_markers=words(english, "passive_markers"),
        irregular_participles=words(english, "irregular_participles"),
        phrase_breaks=words(english, "phrase_breaks"),
        place_prepositions=words(english, "place_prepositions"),
        generic_role_words=words(english, "generic_role_words"),
        common_capitalised=words(english, "common_capitalised"),
        question_filler=words(english, "question_filler"),
        spelling=dict(english["spelling"]),
        irregular_verbs={
            form: base
            for base, forms in english["irregular_verbs"].items()
            for form in _strings(forms, f"irregular_verbs {base}")
        },
        name_particles=words(english, "name_particles"),
        slavic_leading=words(slavic, "leading_words"),
        slavic_speech_verbs=words(slavic, "speech_verbs"),
    )


SIDES: Final = load_sides()
TOPICS: Final = load_topics()
PLACES: Final = load_places()
STANCES: Final = load_stances()
TIME_WORDS: Final = load_time_words()
GRAMMAR: Final = load_grammar()
