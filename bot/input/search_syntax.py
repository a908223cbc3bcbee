"""`/search` filters typed in the query: `speaker:putin topic:ceasefire since:2025-08-01
until:2025-12-31 side:russia place:Donetsk stance:demand status:contested`. Sides, topics,
stances and statuses may be written in the reader's words (`side:Україна
topic:"гарантії безпеки" stance:требование`); see bot.input.labels."""

from __future__ import annotations

import difflib
import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.input.labels import NEW_NAME, carrying_side, side_of, spelled_side, stance_of, status_of, topics_of
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
_LOOKS_LIKE_FILTER = re.compile(r"(?:^|\s)([A-Za-z]{3,}):(?!//)\S")
_FILTER = re.compile(r"(?i)\b(" + "|".join(FILTER_KEYS) + r'):("[^"]*"|\'[^\']*\'|\S+)')


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


def _unquoted(key: str, raw: str) -> str:
    if raw[0] not in "\"'":
        return raw
    if len(raw) < 2 or raw[-1] != raw[0]:
        raise InvalidInput(key, N_('the quotation mark is not closed, e.g. {key}:"Vladimir Putin"'), key=key)
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


def _refuse_misspelt_filters(text: str) -> None:
    """`speker:putin` would otherwise be looked for as a word and find nothing, saying
    nothing of why; a word before a colon that is not close to a filter stays a word."""
    for match in _LOOKS_LIKE_FILTER.finditer(text):
        key = match.group(1).lower()
        close = difflib.get_close_matches(key, FILTER_KEYS, n=1, cutoff=0.7)
        if close:
            raise InvalidInput(key, N_("not a filter; did you mean {filter}?"), filter=f"{close[0]}:")


def parse_search(query: str, sides: Iterable[str] = (), *, open_sides: bool = False) -> ParsedQuery:
    """The words and filters of `query`. A side is one of the vocabulary or of `sides`
    (the record's sides beyond it), else refused; with `open_sides` any side is taken as
    spelled (an alert saved before sides were checked, read again to match)."""
    # A NUL character is no part of any word (and PostgreSQL refuses it in a query).
    query = query.replace(NUL, " ")
    values: dict[str, str] = {}
    for match in _FILTER.finditer(query):
        key, raw = match.group(1).lower(), match.group(2)
        value = _unquoted(key, raw)
        if not value.strip():
            raise InvalidInput(key, N_("empty value"))
        values[key] = value.strip()
    text = " ".join(_FILTER.sub(" ", query).split())
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
        place=values.get("place"),
        stance=_stance(values["stance"]) if "stance" in values else None,
        status=_status(values["status"]) if "status" in values else None,
        since=_date("since", values["since"], end=False) if "since" in values else None,
        until=_date("until", values["until"], end=True) if "until" in values else None,
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("since", N_("is after until"))
    return ParsedQuery(text, filters, new_speaker)
