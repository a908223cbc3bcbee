"""`/search` filters typed in the query: `speaker:putin topic:ceasefire since:2025-08-01
until:2025-12-31 side:russia place:Donetsk stance:demand status:contested`. Sides, topics,
stances and statuses may be written in the reader's words (`side:Україна
topic:"гарантії безпеки" stance:требование`), and so may the filters' names (`тема:`,
`спікер:`, `сторона:`, `з:` for since:, `до:` for until:; labels.json "filters"); see
bot.input.labels."""

from __future__ import annotations

import difflib
import functools
import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.input.labels import (
    MAX_ENDING,
    NEW_NAME,
    Vocabulary,
    carrying_side,
    find_side,
    find_topic,
    fold,
    listed,
    side_of,
    spelled_side,
    stance_of,
    status_of,
    topics_of,
    vocabulary,
    vocabulary_data,
)
from bot.known_speakers import known_speakers
from storage.errors import N_, InvalidInput, wording_of
from storage.models import Stance, Status, Topic
from storage.search import SearchFilters
from storage.validation import NUL, parse_said_on

FILTER_KEYS = ("speaker", "side", "topic", "place", "stance", "status", "since", "until")
#: The filters' names as refusals name them (translated there).
FILTER_NAMES = (
    N_("speaker"),
    N_("side"),
    N_("topic"),
    N_("place"),
    N_("stance"),
    N_("status"),
    N_("since"),
    N_("until"),
)
_LOOKS_LIKE_FILTER = re.compile(r"(?:^|\s)([^\W\d_]{3,}):(?!//)\S")
#: A Cyrillic place name this long or longer may be typed with an ending ("Стамбулі").
_PLACE_STEM_MIN = 4
_CYRILLIC = re.compile("[\u0400-\u04ff]")
#: The quotation marks a value of several words may be put in, each with its closing ones:
#: straight, and the guillemets and curly quotes of Ukrainian, Russian and English text.
_QUOTES = {'"': '"', "'": "'", "«": "»", "“": "”", "„": "“”", "”": "”"}
_VALUE = r'("[^"]*"|\'[^\']*\'|«[^»]*»|“[^”]*”|„[^“”]*[“”]|”[^”]*”|\S+)'


@functools.cache
def filter_names() -> Vocabulary:
    """Each filter by its English name, its names in the catalogs and in labels.json."""
    entries = listed("filters", FILTER_KEYS)
    return vocabulary({key: (key, entries[key]) for key in FILTER_KEYS})


def _one_word_forms() -> list[str]:
    return [form.words[0] for _, form in filter_names().forms if len(form.words) == 1]


@functools.cache
def _filter_names_pattern() -> str:
    """Every one-word name of a filter, a stem (`тем*`) with its endings, as alternatives."""
    names = {
        re.escape(word[:-1]) + f"[^\\W\\d_]{{0,{MAX_ENDING}}}" if word.endswith("*") else re.escape(word)
        for word in _one_word_forms()
    }
    return "|".join(sorted(names, key=lambda name: (-len(name), name)))


@functools.cache
def _filter_pattern() -> re.Pattern[str]:
    """`name:value`; also `name: value`, as people write after a colon, unless what
    follows the space is another filter (`speaker: topic:talks` gives speaker: no value)."""
    names = _filter_names_pattern()
    return re.compile(rf"(?i)(?<!\w)({names}):(?:\s+(?!(?:{names}):))?{_VALUE}")


@functools.cache
def _valueless_filter() -> re.Pattern[str]:
    """A filter's name and colon with no value after them (`ceasefire speaker:`)."""
    return re.compile(rf"(?i)(?<!\w)({_filter_names_pattern()}):(?!\S)")


@functools.cache
def _whole_names() -> tuple[str, ...]:
    """The filters' names a slip of the keyboard is compared with, English ones first."""
    return tuple(dict.fromkeys([*FILTER_KEYS, *(word for word in _one_word_forms() if not word.endswith("*"))]))


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    filters: SearchFilters
    #: The speaker was written `speaker:+Name`: someone the record need not hold yet (an
    #: alert that waits for them); see bot.record_names.checked_query.
    new_speaker: bool = False


def _date(key: str, value: str, *, end: bool) -> date:
    try:
        day, precision = parse_said_on(value)
    except ValueError as error:
        raise InvalidInput(key, wording_of(error)) from None
    if not end:
        return day
    if precision.value == "year":
        return date(day.year, 12, 31)
    if precision.value == "month":
        # The month's last day, also for December 9999 (there is no month after it).
        return date(day.year, day.month, monthrange(day.year, day.month)[1])
    return day


def _unquoted(key: str, raw: str, written: str) -> str:
    if raw[0] not in _QUOTES:
        return raw
    if len(raw) < 2 or raw[-1] not in _QUOTES[raw[0]]:
        raise InvalidInput(key, N_('the quotation mark is not closed, e.g. {key}:"Vladimir Putin"'), key=written)
    return raw[1:-1]


def _topic(value: str) -> Topic:
    """The first topic named (`topic:` filters on one)."""
    try:
        return topics_of(value)[0]
    except ValueError as error:
        raise InvalidInput("topic", wording_of(error)) from None
    except IndexError:
        raise InvalidInput("topic", N_("empty value")) from None


def _stance(value: str) -> Stance:
    try:
        return stance_of(value)
    except ValueError as error:
        raise InvalidInput("stance", wording_of(error)) from None


def _status(value: str) -> Status:
    try:
        return status_of(value)
    except ValueError as error:
        raise InvalidInput("status", wording_of(error)) from None


def _side(value: str, sides: Iterable[str], open_sides: bool) -> str:
    if open_sides:
        return spelled_side(value)
    try:
        return side_of(value, sides)
    except ValueError as error:
        raise carrying_side(InvalidInput("side", wording_of(error)), error) from None


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@functools.cache
def _place_names() -> tuple[tuple[str, str, str], ...]:
    """Every name places.json gives a place, the names cards show among them: (as
    written, folded, the place)."""
    entries = vocabulary_data("places.json")["places"]
    return tuple(
        (str(name), fold(name), str(entry["place"]))
        for entry in entries
        for name in (entry["place"], *entry.get("names", {}).values(), *entry["aliases"])
    )


def vocabulary_place(place: str) -> bool:
    """Whether `place` (as `place_of` gives it) is one of places.json's places."""
    return any(fold(place) == fold(known) for _, _, known in _place_names())


def place_names() -> tuple[str, ...]:
    """The names of places.json a reader may be offered for a slip: its places and their
    other names, those written as names are (capitalised; not stems such as "півостр")."""
    return tuple(dict.fromkeys(written for written, _, _ in _place_names() if written[:1].isupper()))


def _known_place(value: str) -> str | None:
    """The place places.json gives `value` for ("Стамбулі" -> Istanbul), if any."""
    typed = fold(value)
    names = [(name, place) for _, name, place in _place_names()]
    for name, place in names:
        if typed == name:
            return place
    for name, place in names:
        inflected = typed.startswith(name) and len(typed) - len(name) <= MAX_ENDING
        if inflected and len(name) >= _PLACE_STEM_MIN and is_cyrillic(name):
            return place
    return None


def known_place(value: str) -> bool:
    return _known_place(value) is not None


def place_of(value: str) -> str:
    """A place as the record spells it, from a name places.json gives it ("Стамбул",
    "Стамбулі", "Київ" -> Istanbul, Kyiv; a Cyrillic name with an ending of up to three
    letters), the names cards show among them; any other place as typed."""
    return _known_place(value) or value


#: Words after a filter's value that may still be part of it ("тема:гарантії безпеки").
_MORE_WORDS = 3
_NEXT_WORD = re.compile(r"\s+(\S+)")


def _names_a_label(key: str, value: str, sides: Iterable[str]) -> bool:
    """Whether `value` is wholly a topic, side, place or speaker the filter `key` knows
    (a speaker by a name bot/data/actors.json gives them: "Vladimir Putin", not the
    "Vladimir" that is also Medinsky's)."""
    if key == "topic":
        return find_topic(value) is not None
    if key == "side":
        return find_side(value) is not None or any(fold(side) == fold(value) for side in sides)
    if key == "place":
        return known_place(value)
    if key == "speaker":
        return bool(known_speakers().names_of(value.removeprefix(NEW_NAME)))
    return False


def _whole_value(key: str, value: str, query: str, end: int, sides: Iterable[str]) -> tuple[str, int]:
    """An unquoted topic, side, place or speaker of several words (`тема:гарантії безпеки`,
    `сторона:Сполучені Штати`, `місце:Чорне море`, `speaker:Vladimir Putin`): the longest
    run of the words after the value that, with it, names one; else the value alone. A
    word that is itself a filter ends the run. Returns the value and where it ends in `query`."""
    if key not in ("topic", "side", "place", "speaker"):
        return value, end
    sides = tuple(sides)
    best, best_end = value, end
    words, position = value, end
    for _ in range(_MORE_WORDS):
        following = _NEXT_WORD.match(query, position)
        if following is None or _filter_pattern().match(query, following.start(1)):
            break
        words, position = f"{words} {following.group(1)}", following.end()
        if _names_a_label(key, words, sides):
            best, best_end = words, position
    return best, best_end


def _refuse_misspelt_filters(text: str) -> None:
    """`speker:putin` would otherwise be looked for as a word and find nothing, saying
    nothing of why; a word before a colon that is not close to a filter stays a word."""
    for match in _LOOKS_LIKE_FILTER.finditer(text):
        key = fold(match.group(1))
        close = difflib.get_close_matches(key, _whole_names(), n=1, cutoff=0.7)
        if close:
            raise InvalidInput(key, N_("not a filter; did you mean {filter}?"), filter=f"{close[0]}:")


def parse_search(query: str, sides: Iterable[str] = (), *, open_sides: bool = False) -> ParsedQuery:
    """The words and filters of `query`. A side is one of the vocabulary or of `sides`
    (the record's sides beyond it), else refused; with `open_sides` any side is taken as
    spelled (an alert saved before sides were checked, read again to match)."""
    # A NUL character is no part of any word (and PostgreSQL refuses it in a query).
    query = query.replace(NUL, " ")
    values: dict[str, str] = {}
    pattern = _filter_pattern()
    kept: list[str] = []
    start = 0
    for match in pattern.finditer(query):
        written, raw = match.group(1), match.group(2)
        key = filter_names().key_of(written) or written.lower()
        value = _unquoted(key, raw, written)
        if not value.strip():
            raise InvalidInput(key, N_("empty value"))
        end = match.end()
        if raw[0] not in _QUOTES:
            value, end = _whole_value(key, value, query, end, sides)
        values[key] = value.strip()
        kept.append(query[start : match.start()])
        start = max(end, match.end())
    kept.append(query[start:])
    text = " ".join(" ".join(kept).split())
    valueless = _valueless_filter().search(text)
    if valueless:
        written = valueless.group(1)
        raise InvalidInput(filter_names().key_of(written) or written.lower(), N_("empty value"))
    _refuse_misspelt_filters(text)
    speaker = values.get("speaker")
    new_speaker = bool(speaker and speaker.startswith(NEW_NAME))
    if speaker and new_speaker:
        speaker = speaker[len(NEW_NAME) :].strip()
        if not speaker:
            raise InvalidInput("speaker", N_("empty value"))
    filters = SearchFilters(
        speaker=speaker,
        side=_side(values["side"], sides, open_sides) if "side" in values else None,
        topic=_topic(values["topic"]) if "topic" in values else None,
        place=place_of(values["place"]) if "place" in values else None,
        stance=_stance(values["stance"]) if "stance" in values else None,
        status=_status(values["status"]) if "status" in values else None,
        since=_date("since", values["since"], end=False) if "since" in values else None,
        until=_date("until", values["until"], end=True) if "until" in values else None,
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("since", N_("is after until"))
    return ParsedQuery(text, filters, new_speaker)
