"""Time expressions in a question, read as spans of dates: months and years ("in August",
"since June", "before May 2025", "between March and May"), relative dates against today
("last week", "this month", "three days ago"), and events the record itself dates ("after
the Alaska summit": the first time the record has talks at that place).

A month without a year is the latest such month the record can speak of (the caller's
`month_anchor`); the words themselves come from bot/data/vocabulary/time_words.json."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.answering.understanding.mentions import Mention
from bot.answering.understanding.vocabulary import Ref, Vocabulary
from bot.answering.understanding.words import TIME_WORDS
from storage.actors import normalize_name


@dataclass(frozen=True)
class TimeSpan:
    since: date | None
    until: date | None
    label: str
    #: For "after/before an event": the event's date, answers closest to it first.
    anchor: date | None = None
    anchor_after: bool = True


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longer words first, so that a word is never cut
    short by another it starts with ("sept" before "sep", "round of talks" before "round")."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<{{n}}>{_alternatives(TIME_WORDS.months)})\.?"
_YEAR = r"(?P<{n}>(?:19|20)\d\d)"


def _m(name: str) -> str:
    return _MONTH.format(n=name)


def _y(name: str) -> str:
    return _YEAR.format(n=name)


_PREP = (
    r"(?P<prep>in|during|throughout|over|on|since|from|after|following|before|until|till|til|through|by|as of"
    r"|prior to|ahead of)"
)
_PART = r"(?:(?P<part>early|mid|late|the (?:start|beginning|end|middle) of|the first half of|the second half of)[ -]?)?"
_SEASON = rf"(?P<season>{_alternatives(TIME_WORDS.seasons)})"
_COUNT = rf"(?P<n>\d+|{_alternatives(TIME_WORDS.counts_after_last)})"
_NUMBER = rf"(?P<n>\d+|{_alternatives(TIME_WORDS.number_words)})"
_TIME_PATTERNS = [
    (
        "between",
        re.compile(
            rf"\b(?:between|from)\s+{_m('m1')}(?:\s+{_y('y1')})?"
            rf"\s+(?:and|to|until|till|through|-)\s+{_m('m2')}(?:\s+{_y('y2')})?\b",
            re.I,
        ),
    ),
    ("iso", re.compile(rf"\b(?:{_PREP}\s+)?(?P<iso>(?:19|20)\d\d-\d\d(?:-\d\d)?)\b", re.I)),
    (
        "day_month",
        re.compile(
            rf"\b(?:{_PREP}\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_m('m')}(?:,?\s+{_y('y')})?\b",
            re.I,
        ),
    ),
    (
        "month_day",
        re.compile(rf"\b(?:{_PREP}\s+)?{_m('m')}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+{_y('y')})?\b", re.I),
    ),
    ("month_year", re.compile(rf"\b(?:{_PREP}\s+)?{_PART}{_m('m')},?\s+{_y('y')}\b", re.I)),
    ("month", re.compile(rf"\b{_PREP}\s+{_PART}{_m('m')}\b", re.I)),
    ("part_month", re.compile(rf"\b(?P<part>early|mid|late)[ -]{_m('m')}\b", re.I)),
    (
        "season",
        re.compile(rf"\b(?:{_PREP}\s+)?(?:the\s+|this\s+|last\s+)?{_SEASON}(?:\s+(?:of\s+)?{_y('y')})?\b", re.I),
    ),
    ("year", re.compile(rf"\b{_PREP}\s+{_y('y')}\b", re.I)),
    (
        "relative",
        re.compile(
            r"\b(?:(?P<prep>in|during|over|since|from|before|after|until)\s+)?"
            rf"(?P<rel>(?:the\s+)?(?:last|past|previous|this|current)\s+(?:{_COUNT}\s+)?(?P<unit>days?|weeks?|months?|years?)"
            r"|today|yesterday|this morning|tonight|last night|so far this (?P<unit2>week|month|year))\b",
            re.I,
        ),
    ),
    ("ago", re.compile(rf"\b{_NUMBER}\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b", re.I)),
    ("recent", re.compile(rf"\b(?:{_alternatives(TIME_WORDS.recency)})\b", re.I)),
]
_EVENT = re.compile(
    r"\b(?P<prep>after|since|following|before|ahead of|prior to|until|in the run-up to|at|during)\s+the\s+"
    rf"(?:(?P<place1>[\w'’ .-]{{2,40}}?)\s+(?P<noun1>{_alternatives(TIME_WORDS.event_nouns)})"
    rf"|(?P<noun2>{_alternatives(TIME_WORDS.event_nouns_before_place)})\s+(?:in|at)\s+(?P<place2>[\w'’ .-]{{2,40}}?))"
    r"(?=$|[\s?.!,;:])",
    re.I,
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, anchor: date) -> int:
    """The year of the most recent `month` not after `anchor`."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _label_month(year: int, month: int) -> str:
    return f"{calendar.month_abbr[month]} {year}"


def _apply_prep(prep: str | None, start: date, end: date, label: str) -> TimeSpan:
    prep = (prep or "in").lower()
    if prep in {"since", "from", "as of"}:
        return TimeSpan(start, None, f"since {label}")
    if prep in {"after", "following"}:
        return TimeSpan(end + timedelta(days=1), None, f"after {label}")
    if prep in {"before", "prior to", "ahead of"}:
        return TimeSpan(None, start - timedelta(days=1), f"before {label}")
    if prep in {"until", "till", "til", "through", "by"}:
        return TimeSpan(None, end, f"until {label}")
    return TimeSpan(start, end, label)


def _number(word: str | None) -> int:
    if not word:
        return 1
    word = word.lower()
    if word.isdigit():
        return int(word)
    numbers = TIME_WORDS.number_words
    return numbers.get(word, numbers.get(word.replace(" of", ""), 1))


def _part_of_month(part: str | None, year: int, month: int) -> tuple[date, date]:
    start, end = date(year, month, 1), _month_end(year, month)
    part = (part or "").lower()
    if part in {"early", "the start of", "the beginning of", "the first half of"}:
        return start, date(year, month, 15)
    if part in {"late", "the end of", "the second half of"}:
        return date(year, month, 16), end
    if part in {"mid", "the middle of"}:
        return date(year, month, 8), date(year, month, 23)
    return start, end


def _relative(match: re.Match[str], today: date) -> TimeSpan | None:
    rel = match.group("rel").lower()
    prep = (match.group("prep") or "").lower()
    if rel == "today" or rel in {"this morning", "tonight"}:
        span = TimeSpan(today, today, "today")
    elif rel == "yesterday":
        day = today - timedelta(days=1)
        span = TimeSpan(day, day, "yesterday")
    elif rel == "last night":
        span = TimeSpan(today - timedelta(days=1), today, "last night")
    else:
        unit = (match.group("unit") or match.group("unit2") or "").lower().rstrip("s")
        n = _number(match.group("n"))
        rolling = "past" in rel or match.group("n") is not None
        if rel.startswith("so far this") or ("this" in rel or "current" in rel):
            if unit == "week":
                start = today - timedelta(days=today.weekday())
            elif unit == "month":
                start = today.replace(day=1)
            elif unit == "year":
                start = today.replace(month=1, day=1)
            else:
                start = today
            span = TimeSpan(start, today, f"this {unit}")
        elif rolling:
            days = {"day": 1, "week": 7, "month": 31, "year": 366}[unit] * n
            span = TimeSpan(
                today - timedelta(days=days), today, f"the past {n} {unit}s" if n > 1 else f"the past {unit}"
            )
        elif unit == "week":
            # "Last week": the previous calendar week and this one so far, since a reader
            # asking on a Wednesday means Monday's words too.
            span = TimeSpan(today - timedelta(days=today.weekday() + 7), today, "last week")
        elif unit == "month":
            first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            span = TimeSpan(first, today, "last month")
        elif unit == "year":
            span = TimeSpan(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), f"{today.year - 1}")
        else:
            day = today - timedelta(days=1)
            span = TimeSpan(day, today, "yesterday")
    if prep in {"since", "from"}:
        return TimeSpan(span.since, None, f"since {span.label}")
    if prep == "before":
        return TimeSpan(None, span.since and span.since - timedelta(days=1), f"before {span.label}")
    if prep == "after":
        return TimeSpan(span.until and span.until + timedelta(days=1), None, f"after {span.label}")
    return span


def _ago(match: re.Match[str], today: date) -> TimeSpan:
    n = _number(match.group("n"))
    unit = match.group("unit").lower().rstrip("s")
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
    center = today - timedelta(days=days * n)
    slack = timedelta(days=max(1, days // 2))
    return TimeSpan(center - slack, min(today, center + slack), f"{n} {unit}{'s' if n > 1 else ''} ago")


def _season(match: re.Match[str], month_anchor: date) -> TimeSpan | None:
    """ "In the summer", "last winter", "spring 2025"; a season named alone ("a summer
    offensive") is no time expression."""
    text = match.group(0)
    if not (match["prep"] or match["y"] or re.search(r"\b(this|last)\s", text, re.I)):
        return None
    season = match["season"].lower()
    first, last = TIME_WORDS.seasons[season]
    if match["y"]:
        year = int(match["y"])
    else:
        year = month_anchor.year if (month_anchor.month >= first or first == 12) else month_anchor.year - 1
        if re.search(r"\blast\s", text, re.I):
            year -= 1
    start = date(year, first, 1)
    end = _month_end(year + (1 if last < first else 0), last)
    return _apply_prep(match["prep"], start, end, f"{season} {year}")


def _span(kind: str, match: re.Match[str], today: date, month_anchor: date) -> TimeSpan | None:
    """The span one match of the pattern `kind` names, if it names one."""
    groups = match.groupdict()
    months = TIME_WORDS.months
    if kind == "between":
        m1, m2 = months[match["m1"].lower()], months[match["m2"].lower()]
        y2 = int(match["y2"]) if groups.get("y2") else _latest_month(m2, month_anchor)
        y1 = int(match["y1"]) if groups.get("y1") else (y2 if m1 <= m2 else y2 - 1)
        return TimeSpan(date(y1, m1, 1), _month_end(y2, m2), f"{_label_month(y1, m1)} – {_label_month(y2, m2)}")
    if kind == "iso":
        parts = [int(part) for part in match["iso"].split("-")]
        try:
            if len(parts) == 3:
                day = date(*parts)
                return _apply_prep(groups.get("prep"), day, day, day.isoformat())
            return _apply_prep(
                groups.get("prep"),
                date(parts[0], parts[1], 1),
                _month_end(parts[0], parts[1]),
                _label_month(parts[0], parts[1]),
            )
        except ValueError:
            return None
    if kind in {"day_month", "month_day"}:
        month = months[match["m"].lower()]
        year = int(match["y"]) if groups.get("y") else _latest_month(month, month_anchor)
        try:
            day = date(year, month, int(match["day"]))
        except ValueError:
            return None
        return _apply_prep(groups.get("prep"), day, day, f"{day.day} {calendar.month_abbr[month]} {year}")
    if kind in {"month_year", "month", "part_month"}:
        word = match["m"].lower()
        if kind == "month" and word in TIME_WORDS.months_also_words and match["prep"].lower() in {"by", "on", "over"}:
            return None  # "by may", "on march": too likely a verb
        month = months[word]
        year = int(match["y"]) if groups.get("y") else _latest_month(month, month_anchor)
        start, end = _part_of_month(groups.get("part"), year, month)
        part = (groups.get("part") or "").lower()
        label = f"{part + ' ' if part else ''}{_label_month(year, month)}"
        return _apply_prep(groups.get("prep"), start, end, label)
    if kind == "season":
        return _season(match, month_anchor)
    if kind == "year":
        year = int(match["y"])
        return _apply_prep(groups.get("prep"), date(year, 1, 1), date(year, 12, 31), str(year))
    if kind == "relative":
        return _relative(match, today)
    if kind == "ago":
        return _ago(match, today)
    return None


def parse_time(question: str, today: date, month_anchor: date) -> tuple[list[TimeSpan], list[tuple[int, int]], bool]:
    """Time spans found, the character ranges they cover, and whether recency was asked."""
    spans: list[TimeSpan] = []
    covered: list[tuple[int, int]] = []
    recent = False

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in covered)

    for kind, pattern in _TIME_PATTERNS:
        for match in pattern.finditer(question):
            if not free(match.start(), match.end()):
                continue
            if kind == "recent":
                recent = True
                covered.append((match.start(), match.end()))
                continue
            span = _span(kind, match, today, month_anchor)
            if span is not None:
                spans.append(span)
                covered.append((match.start(), match.end()))
    return spans, covered, recent


def event_spans(
    question: str, vocab: Vocabulary, covered: list[tuple[int, int]]
) -> tuple[list[TimeSpan], list[Mention]]:
    """ "After the Alaska summit": the record's first talks at that place date the event.
    Adds what it reads as time to `covered`."""
    spans: list[TimeSpan] = []
    places: list[Mention] = []
    for match in _EVENT.finditer(question):
        if any(not (match.end() <= a or match.start() >= b) for a, b in covered):
            continue
        place_text = (match.group("place1") or match.group("place2") or "").strip()
        words = tuple(normalize_name(place_text).split())
        # The place may be preceded by adjectives ("the first Istanbul talks"): try suffixes.
        refs: list[Ref] = []
        for start in range(len(words)):
            refs = [ref for ref in vocab.phrases.get(words[start:], []) if ref.kind in {"place", "side"}]
            if refs:
                break
        place = None
        for ref in refs:
            if ref.kind == "place":
                place = ref.places[0]
                break
            if ref.kind == "side" and ref.capital:
                # A capital names the city here, not the party ("the Moscow talks").
                place = next((p for p in vocab.facts.places if normalize_name(p) == normalize_name(place_text)), None)
        if place is None or place not in vocab.facts.events:
            continue
        day = vocab.facts.events[place]
        prep = match.group("prep").lower()
        noun = (match.group("noun1") or match.group("noun2")).lower()
        label = f"the {place} {noun}"
        if prep in {"after", "since", "following"}:
            spans.append(TimeSpan(day, None, f"after {label}", anchor=day, anchor_after=True))
        elif prep in {"before", "ahead of", "prior to", "until", "in the run-up to"}:
            spans.append(TimeSpan(None, day, f"before {label}", anchor=day, anchor_after=False))
        places.append(Mention("place", place, -1, -1, places=(place,), certain=False))
        if spans and spans[-1].anchor == day:
            covered.append((match.start(), match.end()))  # "at the Alaska summit" stays content
    return spans, places


def combine(spans: Sequence[TimeSpan]) -> TimeSpan | None:
    """Every span the question names at once ("since June, before the Geneva talks")."""
    if not spans:
        return None
    since = max((span.since for span in spans if span.since), default=None)
    until = min((span.until for span in spans if span.until), default=None)
    anchor = next((span for span in spans if span.anchor), None)
    return TimeSpan(
        since,
        until,
        " · ".join(span.label for span in spans),
        anchor.anchor if anchor else None,
        anchor.anchor_after if anchor else True,
    )
