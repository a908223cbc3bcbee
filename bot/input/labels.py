"""The record's labels as people type them, in English, Ukrainian or Russian: topics,
stances, statuses and sides read into the record's own keys ("територія" -> territory,
"гарантии безопасности" -> security_guarantees, "Росія" -> Russia), wherever they are
typed (/add and its guided steps, /edit, /search and /alert filters, /topic, /positions,
/timeline, the command line), and the kinds of /link ("суперечить" -> contradicts).

The words are data: bot/data/vocabulary/labels.json (with stems, so "територія",
"території" and "територіями" are one topic) and sides.json (each side's names). A label as
the bot shows it (bot.presentation.labels, in every language of the interface) is always
taken back, so an admin can type whatever a list or a button showed them. A value that is
none of them is refused with the choices in the reader's language, and the nearest one
when there is a near miss. Sides are those of sides.json and those the record holds
beyond it (bot.record_names asks the record); an admin records a new one only written
`+Name`."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from bot.i18n import ENGLISH, LANGUAGES, N_, translations
from bot.presentation.labels import label_message, side_message
from storage.actors import UNKNOWN_SIDE
from storage.errors import BadValue, Translate, Wording
from storage.models import LinkKind, Stance, Status, Topic
from storage.validation import NUL, NUL_PROBLEM

E = TypeVar("E", bound=BaseException)

#: How many letters a stem ("територі*") takes after it: Ukrainian and Russian endings.
MAX_ENDING = 3
#: How close a typo must be to a label to be offered as "did you mean".
NEAR_MISS = 0.75
_FOLD = str.maketrans({"ё": "е", "’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'", "_": " ", "-": " "})
_ENDS = " \"'«».,;:!?()"
_STEM = "*"
_SHOWN_LENGTH = 60


def fold(text: str) -> str:
    """`text` as labels are compared: lower case, ё as е, one kind of apostrophe, `_` and
    `-` as spaces, single spaces, no quotes or full stop around it."""
    return " ".join(text.casefold().translate(_FOLD).split()).strip(_ENDS)


@dataclass(frozen=True)
class Form:
    """One way to write a label: its words, a stem ending in `*`."""

    words: tuple[str, ...]

    @classmethod
    def of(cls, phrase: str) -> Form:
        return cls(tuple(fold(phrase).split()))

    def score(self, words: tuple[str, ...]) -> int | None:
        """How much of `words` this form pins down (letters, a whole word counting one more
        than a stem of the same letters); None when it does not fit."""
        if len(words) != len(self.words):
            return None
        total = 0
        for mine, typed in zip(self.words, words, strict=True):
            if mine.endswith(_STEM):
                stem = mine[:-1]
                if not typed.startswith(stem) or len(typed) - len(stem) > MAX_ENDING:
                    return None
                total += len(stem)
            elif mine == typed:
                total += len(mine) + 1
            else:
                return None
        return total


class Choices(Wording):
    """Keys said as the reader reads them: in Ukrainian and Russian each key's label, in
    English the key itself (what the usage lines and examples write). `str()` gives the
    keys, for the command line and the logs."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = tuple(pairs)
        super().__init__(", ".join(key for key, _ in self.pairs))

    def render(self, translate: Translate) -> str:
        return ", ".join(_shown(key, message, translate) for key, message in self.pairs)


def _shown(key: str, message: str, translate: Translate) -> str:
    said = translate(message)
    return key if said == message else said


@dataclass(frozen=True)
class Vocabulary:
    """The ways to write each of a set of keys; `shown` pairs each key with the message
    its label is translated from, in the order choices are listed."""

    forms: tuple[tuple[str, Form], ...]
    shown: tuple[tuple[str, str], ...]
    #: Whole phrases (labels, keys, names) a near miss is compared with, and their key.
    whole: Mapping[str, str]

    def key_of(self, text: str) -> str | None:
        """The key `text` writes, the most specific form deciding; None for none."""
        words = tuple(fold(text).split())
        if not words:
            return None
        best, best_score = None, 0
        for key, form in self.forms:
            score = form.score(words)
            if score is not None and score > best_score:
                best, best_score = key, score
        return best

    def near(self, text: str) -> str | None:
        """The key whose label `text` is a slip of the keyboard away from, if any."""
        close = difflib.get_close_matches(fold(text), list(self.whole), n=1, cutoff=NEAR_MISS)
        return self.whole[close[0]] if close else None

    def choices(self) -> Choices:
        return Choices(self.shown)

    def choice(self, key: str) -> Choices:
        return Choices(pair for pair in self.shown if pair[0] == key)


def translated(message: str) -> list[str]:
    """`message` and its translation in each language of the interface."""
    return [message, *(translations(language).gettext(message) for language in LANGUAGES if language != ENGLISH)]


def vocabulary(keyed: Mapping[str, tuple[str, Iterable[str]]]) -> Vocabulary:
    """From key -> (the message its label is translated from, the other ways to write it)."""
    forms: list[tuple[str, Form]] = []
    whole: dict[str, str] = {}
    for key, (message, written) in keyed.items():
        exact = [key, *translated(message)]
        for phrase in dict.fromkeys([*exact, *written]):
            forms.append((key, Form.of(phrase)))
        for phrase in exact:
            whole.setdefault(fold(phrase), key)
    return Vocabulary(tuple(forms), tuple((key, message) for key, (message, _) in keyed.items()), whole)


@functools.cache
def vocabulary_data(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath(f"data/vocabulary/{name}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def listed(section: str, keys: Iterable[str]) -> dict[str, list[str]]:
    """labels.json's `section`, which must name exactly `keys`, as key -> phrases."""
    entries: dict[str, list[str]] = vocabulary_data("labels.json")[section]
    wanted = list(keys)
    if set(entries) != set(wanted):
        raise ValueError(f"labels.json {section}: {sorted(set(entries) ^ set(wanted))} listed or missing")
    for key, phrases in entries.items():
        if not isinstance(phrases, list) or not all(isinstance(phrase, str) and fold(phrase) for phrase in phrases):
            raise ValueError(f"labels.json {section} {key}: a list of phrases, please")
    return entries


def _record_labels(section: str, keys: Iterable[str]) -> Vocabulary:
    entries = listed(section, keys)
    return vocabulary({key: (label_message(key) or key, entries[key]) for key in entries})


@functools.cache
def topics() -> Vocabulary:
    return _record_labels("topics", (topic.value for topic in Topic))


@functools.cache
def stances() -> Vocabulary:
    return _record_labels("stances", (stance.value for stance in Stance))


@functools.cache
def statuses() -> Vocabulary:
    return _record_labels("statuses", (status.value for status in Status))


@functools.cache
def link_kinds() -> Vocabulary:
    return _record_labels("links", (kind.value for kind in LinkKind))


@functools.cache
def listed_sides() -> tuple[str, ...]:
    """The sides sides.json lists, in its order (the parties first)."""
    return tuple(entry["side"] for entry in vocabulary_data("sides.json")["sides"])


@functools.cache
def sides() -> Vocabulary:
    """The sides sides.json lists, by their names there and their names in the catalogs,
    and the side left open for a new speaker ("unknown", "невідома")."""
    keyed: dict[str, tuple[str, list[str]]] = {}
    for entry in vocabulary_data("sides.json")["sides"]:
        side = entry["side"]
        keyed[side] = (side_message(side) or side, list(entry.get("names", [])))
    keyed[UNKNOWN_SIDE] = (side_message(UNKNOWN_SIDE) or UNKNOWN_SIDE, [])
    return vocabulary(keyed)


def _shown_value(text: str) -> str:
    return repr(" ".join(text.split())[:_SHOWN_LENGTH])


def _refusal(
    words: Vocabulary, text: str, plain: str, near: str, choices_name: str, value_name: str = "value"
) -> BadValue:
    close = words.near(text)
    params: dict[str, object] = {value_name: _shown_value(text), choices_name: words.choices()}
    if close is None:
        return BadValue(plain, **params)
    return BadValue(near, suggestion=words.choice(close), **params)


def find_topic(text: str) -> Topic | None:
    key = topics().key_of(text)
    return Topic(key) if key else None


def topic_of(text: str) -> Topic:
    """One topic, or a `BadValue` naming the topics in the reader's language."""
    topic = find_topic(text)
    if topic is None:
        raise _refusal(
            topics(),
            text,
            N_("unknown topic {name} (one of: {known})"),
            N_("unknown topic {name}; did you mean {suggestion}? (one of: {known})"),
            "known",
            "name",
        )
    return topic


def topics_of(value: str | Iterable[str]) -> list[Topic]:
    """Comma- or semicolon-separated topics, each once, in the order given; empty parts
    are skipped (the caller says when none is left)."""
    names = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    found: list[Topic] = []
    for name in names:
        if not fold(name):
            continue
        topic = topic_of(name)
        if topic not in found:
            found.append(topic)
    return found


def stance_of(text: str) -> Stance:
    key = stances().key_of(text)
    if key is None:
        raise _refusal(
            stances(),
            text,
            N_("{value} is not a stance (one of: {stances})"),
            N_("{value} is not a stance; did you mean {suggestion}? (one of: {stances})"),
            "stances",
        )
    return Stance(key)


def status_of(text: str) -> Status:
    key = statuses().key_of(text)
    if key is None:
        raise _refusal(
            statuses(),
            text,
            N_("{value} is not a status (one of: {statuses})"),
            N_("{value} is not a status; did you mean {suggestion}? (one of: {statuses})"),
            "statuses",
        )
    return Status(key)


def link_kind_of(text: str) -> LinkKind:
    """How one statement stands to another, in any of the three languages ("суперечить",
    "отвечает на", "responds to"), or a `BadValue` naming the kinds in the reader's language."""
    key = link_kinds().key_of(text)
    if key is None:
        raise _refusal(
            link_kinds(),
            text,
            N_("{value} is not a kind of link (one of: {kinds})"),
            N_("{value} is not a kind of link; did you mean {suggestion}? (one of: {kinds})"),
            "kinds",
        )
    return LinkKind(key)


#: Written before a name, it names on purpose one the record does not hold yet, never by a
#: slip of the keyboard: a side an admin records ("+Azerbaijan"), a speaker an alert waits
#: for ("speaker:+Fidan").
NEW_NAME = "+"


class UnknownSide(BadValue):
    """A side that is none of the vocabulary's, nor one of the record's sides the caller
    passed. `unknown_side` is the side as typed: a caller that can read the record looks it
    up there (bot.record_names.with_record_sides) before the refusal stands."""

    def __init__(self, typed: str, message: str | Wording, /, **params: object) -> None:
        super().__init__(message, **params)
        self.unknown_side = typed


def find_side(text: str) -> str | None:
    """The vocabulary's side `text` names ("Україна", "США" -> "Ukraine", "United
    States"); None for none."""
    return sides().key_of(" ".join(text.split()))


def spelled_side(text: str) -> str:
    """A side to look for in the record: the vocabulary's spelling, else as typed."""
    return find_side(text) or " ".join(text.split())


def imported_side(text: str) -> str:
    """A side an imported line gives: the vocabulary's spelling; a side new to it as
    written (a file may bring any party); but a slip away from a known side ("Russsia")
    is refused naming it, for a typo never becomes a side of its own."""
    found = find_side(text)
    if found is not None:
        return found
    if sides().near(text) is not None:
        raise _refusal(
            sides(),
            text,
            N_("unknown side {value} (one of: {sides})"),
            N_("unknown side {value}; did you mean {suggestion}? (one of: {sides})"),
            "sides",
        )
    return " ".join(text.split())


def _recorded(typed: str, recorded: Iterable[str]) -> str | None:
    return next((side for side in recorded if fold(side) == fold(typed)), None)


def side_of(text: str, recorded: Iterable[str] = (), *, new: bool = False) -> str:
    """The side as the record spells it: one of the vocabulary (sides.json, in any of
    the three languages) or of `recorded` (sides the record holds beyond it, as the
    record spells them). With `new` (an admin recording a statement), `+Name` records a
    side the record does not hold yet. Anything else is refused naming the sides, and the
    nearest one when it looks like a typo: a typo never becomes a side of its own."""
    if NUL in text:
        raise BadValue(NUL_PROBLEM)
    recorded = tuple(recorded)
    typed = " ".join(text.split())
    if new and typed.startswith(NEW_NAME):
        name = typed[len(NEW_NAME) :].strip()
        if not any(character.isalpha() for character in name):
            raise BadValue(N_("{value} is not a side's name, e.g. +Azerbaijan"), value=_shown_value(typed))
        return find_side(name) or _recorded(name, recorded) or name
    found = find_side(typed) or _recorded(typed, recorded)
    if found is not None:
        return found
    refusal = _refusal(
        sides(),
        typed,
        N_("unknown side {value} (one of: {sides})"),
        N_("unknown side {value}; did you mean {suggestion}? (one of: {sides})"),
        "sides",
    ).wording
    if new and any(character.isalpha() for character in typed):
        refusal = Wording(
            N_("{refusal}. A side the record does not hold yet is written with + before its name: {example}"),
            refusal=refusal,
            example=NEW_NAME + typed,
        )
    raise UnknownSide(typed, refusal)


def carrying_side(error: E, cause: BaseException) -> E:
    """`error`, raised in place of `cause`, keeps the side `cause` did not know (see
    `UnknownSide`), so that the record can still be asked about it."""
    error.unknown_side = getattr(cause, "unknown_side", None)  # type: ignore[attr-defined]
    return error


def topic_choices() -> Choices:
    return topics().choices()


def stance_choices() -> Choices:
    return stances().choices()


def record_label(field: str, value: str) -> str:
    """A side, topic, stance or status an imported line gives, in any of the three
    languages, as the record keeps it (storage.exchange.LabelReader): as /add reads them,
    a side the vocabulary does not know as typed, an unknown topic, stance or status refused."""
    if field == "side":
        return imported_side(value)
    if field == "topics":
        return topic_of(value).value
    if field == "stance":
        return stance_of(value).value
    if field == "status":
        return status_of(value).value
    return value
