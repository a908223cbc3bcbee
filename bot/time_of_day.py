"""Times of day as readers write them for their digest: "20:00", "20.00", "8pm", "8:30 pm",
"8 p.m.", bare "9" (09:00), "9 утра", "8 вечера", "20 вечора", "noon", "опівночі", also
after a preposition ("о 9", "в 9", "at 8 pm"). The words are data
(bot/data/time_of_day_words.json); what each half of the day does to an hour is here. `split_time` finds the time among other words ("8 pm Kyiv"), which are left
for the time zone."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import time
from importlib import resources

from storage.errors import N_, BadValue

NOT_A_TIME = N_("{value} is not a time of day (e.g. 08:00, 20:30 or 8pm)")
ONE_TIME = N_("give one time of day, not {first} and {second}")

#: An hour, its minutes after ":" or ".", and any word glued on ("8pm", "9утра").
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(\D.*)?$")
#: The longest phrase a period or a named time is ("in the morning").
_MAX_PHRASE = 3


@dataclass(frozen=True)
class _Words:
    periods: dict[str, str]
    """word -> "morning", "afternoon", "evening" or "night"."""
    named: dict[str, time]
    before: frozenset[str]
    """Words put before a time ("о", "в", "at"), which say nothing of it."""


def _key(words: str) -> str:
    return "_".join(words.replace(".", "").split()).casefold()


@functools.cache
def _words() -> _Words:
    text = resources.files("bot").joinpath("data/time_of_day_words.json").read_text("utf-8")
    data = json.loads(text)
    periods = {_key(word): period for period, words in data["periods"].items() for word in words}
    named = {_key(word): time.fromisoformat(value) for word, value in data["named"].items()}
    return _Words(periods, named, frozenset(_key(word) for word in data["before"]))


def _in_period(hour: int, period: str | None) -> int | None:
    """The 24-hour clock's hour for `hour` said with `period`; None when they do not fit
    ("20 am"). An hour already past noon is taken as it is in the afternoon, evening and
    night ("20 вечора")."""
    if period is None:
        return hour if hour <= 23 else None
    if period == "morning":
        return 0 if hour == 12 else hour if hour <= 11 else None
    if period in ("afternoon", "evening"):
        return hour + 12 if 1 <= hour <= 11 else hour if 12 <= hour <= 23 else None
    if hour == 12:  # night
        return 0
    return hour if hour <= 5 or 21 <= hour <= 23 else hour + 12 if 9 <= hour <= 11 else None


def _clock(token: str, period: str | None) -> time | None:
    """`token` ("8", "8:30", "20.00", "8pm") read as a time, `period` the word after it."""
    match = _CLOCK.match(token)
    if match is None:
        return None
    hours, minutes, glued = match.groups()
    if glued:
        if period is not None:
            return None
        period = _words().periods.get(_key(glued))
        if period is None:
            return None
    hour = _in_period(int(hours), period)
    minute = int(minutes) if minutes else 0
    if hour is None or minute > 59:
        return None
    return time(hour, minute)


def _phrase_at(tokens: list[str], start: int, table: dict[str, str] | dict[str, time]) -> int:
    """How many tokens from `start` make the longest phrase of `table`; 0 when none do."""
    for length in range(min(_MAX_PHRASE, len(tokens) - start), 0, -1):
        if _key(" ".join(tokens[start : start + length])) in table:
            return length
    return 0


def _starts_time(tokens: list[str], index: int) -> bool:
    """Whether a time begins at `index`: a number, or a time said in words."""
    return index < len(tokens) and (tokens[index][:1].isdigit() or bool(_phrase_at(tokens, index, _words().named)))


def split_time(text: str) -> tuple[time | None, str]:
    """The time of day among the words of `text`, and the other words (a time zone,
    perhaps): "8 pm Kyiv" -> (20:00, "Kyiv"), "о 9 Київ" -> (09:00, "Київ"). A number
    right after "+" or "-" belongs to an offset ("UTC + 3"). Raises BadValue for a time
    that cannot be read and for two."""
    tokens = text.split()
    words = _words()
    found: tuple[time, str] | None = None
    rest: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        named = _phrase_at(tokens, index, words.named)
        if not named and _key(token) in words.before and _starts_time(tokens, index + 1):
            index += 1
            continue
        if named:
            said = " ".join(tokens[index : index + named])
            reading: tuple[time, str] = (words.named[_key(said)], said)
            index += named
        elif token[:1].isdigit() and not (rest and rest[-1].endswith(("+", "-"))):
            length = _phrase_at(tokens, index + 1, words.periods) if _CLOCK.match(token) else 0
            period = words.periods[_key(" ".join(tokens[index + 1 : index + 1 + length]))] if length else None
            said = " ".join(tokens[index : index + 1 + length])
            clock = _clock(token, period)
            if clock is None:
                raise BadValue(NOT_A_TIME, value=repr(said[:40]))
            reading = (clock, said)
            index += 1 + length
        else:
            rest.append(token)
            index += 1
            continue
        if found is not None:
            raise BadValue(ONE_TIME, first=repr(found[1][:40]), second=repr(reading[1][:40]))
        found = reading
    return (found[0] if found else None), " ".join(rest)


def time_of_day(value: str) -> time:
    """`value` as a time of day and nothing else: "20:00", "8pm", "9 утра"."""
    found, rest = split_time(value)
    if found is None or rest:
        raise BadValue(NOT_A_TIME, value=repr(value.strip()[:40]))
    return found
