"""Reading what an admin types to add a statement: the one-line `/add` and each answer of
the guided dialogue, turned into the values the record validates. No Telegram and no
database here; every rule about the values themselves stays in `storage.validation`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.input.labels import NEW_NAME, carrying_side, side_of, stance_of, topic_choices, topics_of
from storage.actors import UNKNOWN_SIDE, clean_name
from storage.errors import N_, InvalidInput, Wording, wording_of
from storage.models import DatePrecision, Stance, Status, Topic
from storage.validation import StatementData, parse_said_on, validate_statement

SEPARATOR = "|"
#: The form and an example, shown translated: an admin may write the speaker's side and
#: the topics in their own language, and the example does.
USAGE = N_("/add SPEAKER | YYYY-MM-DD | TOPICS | TEXT | SOURCE [| URL]")
EXAMPLE = N_(
    "/add Keir Starmer (United Kingdom) | 2025-03-02 | security_guarantees, foreign_troops | "
    "We are prepared to back a deal with boots on the ground and planes in the air. | "
    "BBC | https://www.bbc.co.uk/news"
)
PARTS = ("speaker", "date", "topics", "text", "source", "url")
DEFAULT_STANCE = Stance.assessment
DEFAULT_STATUS = Status.reported

# The record's field names, as the parts of the one-line form call them.
_PART_OF_FIELD = {
    "speaker": "speaker",
    "side": "side",
    "said_on": "date",
    "date_precision": "date",
    "topics": "topics",
    "stance": "stance",
    "text": "text",
    "source": "source",
    "source_url": "url",
}
# Stand-ins for the values not known yet, so that one answer of the dialogue can be checked
# by the very rules the whole statement is checked by.
_PLACEHOLDERS: dict[str, Any] = {
    "speaker": "placeholder",
    "said_on": date(2025, 1, 1),
    "date_precision": DatePrecision.day,
    "topics": [Topic.talks],
    "text": "placeholder",
    "source": "placeholder",
}
_SPEAKER_WITH_SIDE = re.compile(r"^(?P<name>[^()]*?)\s*\((?P<side>[^()]*)\)\s*$")


class AddLineError(InvalidInput):
    """One part of what was typed is wrong; `part` names it as the form does."""

    def __init__(self, part: str, problem: str | Wording, /, **params: object) -> None:
        super().__init__(part, problem, **params)
        self.part = part

    @property
    def position(self) -> int | None:
        """1 for the speaker … 6 for the URL; None for the form as a whole."""
        return PARTS.index(self.part) + 1 if self.part in PARTS else None


@dataclass(frozen=True)
class Speaker:
    name: str
    side: str = ""
    """Empty when not typed: the record then takes the speaker's usual side."""
    new: bool = False
    """Written `+Name`: someone new to the record on purpose, even with a name close to a
    recorded speaker's; without a side in brackets, their side is left open."""


def _part_error(error: InvalidInput) -> AddLineError:
    return AddLineError(_PART_OF_FIELD.get(error.field, error.field), error.problem)


def check_values(values: dict[str, Any]) -> StatementData:
    """The statement, or an `AddLineError` naming the part that is wrong."""
    try:
        return validate_statement(values)
    except InvalidInput as error:
        raise _part_error(error) from None


def _check_part(**values: Any) -> StatementData:
    return check_values({**_PLACEHOLDERS, **values})


def _side(value: str, sides: Iterable[str]) -> str:
    """A side as an admin gives it (see bot.input.labels.side_of: `+Name` for a side new to
    the record); `sides`: the record's sides beyond the vocabulary that it may be."""
    try:
        return side_of(value, sides, new=True)
    except ValueError as error:
        raise carrying_side(AddLineError("side", wording_of(error)), error) from None


def parse_speaker(value: str, sides: Iterable[str] = ()) -> Speaker:
    """`Vladimir Putin`, or `Keir Starmer (United Kingdom)` to give the side as well;
    `+Name` for someone new (as a new side is `+Side`), the side then open unless given."""
    value = " ".join(value.split())
    new = value.startswith(NEW_NAME)
    value = value.removeprefix(NEW_NAME).strip()
    match = _SPEAKER_WITH_SIDE.match(value)
    name, side = (match.group("name"), match.group("side").strip()) if match else (value, "")
    if not name:
        raise AddLineError("speaker", N_("the speaker's name is missing"))
    if "," in name:
        # "Ivan Petrenko, Ukraine" as cards write speaker and role: a name of its own, never.
        raise AddLineError(
            "speaker",
            N_("a speaker's name has no comma; give the side in brackets, e.g. {example}"),
            example=f"{name.split(',')[0].strip()} ({name.split(',', 1)[1].strip() or 'Ukraine'})",
        )
    if match and not side:
        raise AddLineError(
            "side",
            N_("the brackets after the name are empty; write the side in them, e.g. Keir Starmer (United Kingdom)"),
        )
    data = _check_part(speaker=name, side=_side(side, sides) if side else (UNKNOWN_SIDE if new else ""))
    try:
        clean_name(data.speaker)
    except InvalidInput as error:
        raise AddLineError("speaker", error.problem) from None
    return Speaker(data.speaker, data.side, new)


def parse_side(value: str, sides: Iterable[str] = ()) -> str:
    side = " ".join(value.split())
    if not side:
        raise AddLineError("side", N_("the side is missing, e.g. Ukraine, Russia, United States"))
    return _check_part(side=_side(side, sides)).side


def parse_date(value: str) -> tuple[date, DatePrecision]:
    """`2025-08-16`, `2025-08` or `2025`; not in the future, not before 1900."""
    if not value.strip():
        raise AddLineError("date", N_("the date is missing (YYYY-MM-DD, YYYY-MM or YYYY)"))
    try:
        said_on, precision = parse_said_on(value)
    except ValueError as error:
        raise AddLineError("date", wording_of(error)) from None
    _check_part(said_on=said_on, date_precision=precision)
    return said_on, precision


def parse_topic_list(value: str) -> list[Topic]:
    """Comma-separated topics, as keys ("security_guarantees", spaces and hyphens counting
    as underscores) or in the admin's words ("гарантії безпеки, територія")."""
    try:
        topics = topics_of(value)
    except ValueError as error:
        raise AddLineError("topics", wording_of(error)) from None
    if not topics:
        raise AddLineError("topics", N_("name at least one topic (one of: {topics})"), topics=topic_choices())
    return topics


def parse_stance(value: str) -> Stance:
    """A stance as its key ("demand") or in the admin's words ("вимога", "требование")."""
    try:
        return stance_of(value)
    except ValueError as error:
        raise AddLineError("stance", wording_of(error)) from None


def parse_text(value: str) -> str:
    """The statement's words exactly as typed (markup included), trimmed at the ends."""
    return _check_part(text=value).text


def parse_source(value: str) -> tuple[str, str | None]:
    """`Reuters`, or `Reuters | https://…` with the link in the same answer."""
    source, separator, url = value.partition(SEPARATOR)
    data = _check_part(source=source, source_url=url if separator else None)
    if separator and data.source_url is None:
        raise AddLineError("url", N_("the link after | is empty; leave out the | or give an http(s) link"))
    return data.source, data.source_url


def parse_url(value: str) -> str:
    url = _check_part(source_url=value).source_url
    if url is None:
        raise AddLineError("url", N_("the link is empty"))
    return url


def statement_values(
    speaker: Speaker,
    said_on: date,
    precision: DatePrecision,
    topics: list[Topic],
    text: str,
    source: str,
    url: str | None = None,
    stance: Stance = DEFAULT_STANCE,
) -> dict[str, Any]:
    """The values for `validate_statement`; a new statement is `reported` until confirmed."""
    return {
        "speaker": speaker.name,
        "side": speaker.side,
        "said_on": said_on,
        "date_precision": precision,
        "topics": topics,
        "stance": stance,
        "text": text,
        "source": source,
        "source_url": url,
        "status": DEFAULT_STATUS,
    }


def parse_add_line(argument: str, sides: Iterable[str] = ()) -> StatementData:
    """What follows `/add`: five parts separated by `|`, or six with a link; `sides` as
    for `parse_speaker`."""
    parts = [part.strip() for part in argument.split(SEPARATOR)]
    if len(parts) not in (5, 6):
        if not argument.strip():
            raise AddLineError("form", N_("found nothing separated by |, expected 5, or 6 with a link"))
        if len(parts) > 6:
            raise AddLineError(
                "form",
                N_(
                    "expected 5 parts separated by |, or 6 with a link; found {count} (a | inside the text "
                    "is not possible here; send /add alone for the guided dialogue)"
                ),
                count=len(parts),
            )
        raise AddLineError(
            "form", N_("expected 5 parts separated by |, or 6 with a link; found {count}"), count=len(parts)
        )
    for position, part in enumerate(parts):
        if not part:
            raise AddLineError(PARTS[position], N_("this part is empty"))
    speaker = parse_speaker(parts[0], sides)
    said_on, precision = parse_date(parts[1])
    topics = parse_topic_list(parts[2])
    url = parse_url(parts[5]) if len(parts) == 6 else None
    values = statement_values(speaker, said_on, precision, topics, parts[3], parts[4], url)
    return check_values(values)
