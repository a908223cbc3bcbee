"""The statement as the product defines it, validated once for every way in: the one-line
`/add`, the guided dialogue, `/edit`, and JSON-lines or CSV imports."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from storage.errors import N_, BadValue, InvalidInput, Wording, wording_of
from storage.models import DatePrecision, Stance, Status, Topic

MAX_TEXT = 4000
MAX_SOURCE = 500
MAX_URL = 1000
EARLIEST_DATE = date(1900, 1, 1)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
#: What a ref may be: letters, digits, `.`, `_`, `:` and `-`, up to 64, starting with a letter or digit.
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
NOT_A_REF = N_("{value} is not a ref (letters, digits, . _ : -; up to 64)")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


NUL = "\x00"
NUL_PROBLEM = N_("contains a NUL character (\\0), which the record does not take")


def refuse_nul(field: str, value: str) -> str:
    """PostgreSQL cannot store a NUL character and SQLite would keep it invisibly: the
    record takes none, on either engine."""
    if NUL in value:
        raise InvalidInput(field, NUL_PROBLEM)
    return value


#: An HTML or XML tag (`<b>`, `</i>`, `<a href=…>`, `<br/>`) or comment. The record keeps
#: plain text: markup pasted from a web page would show as tags in every card and export.
#: A `<` before a space or a digit ("< 5 km") is no tag.
_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--")


def _plain(value: str) -> str:
    tag = _MARKUP.search(value)
    if tag:
        raise BadValue(
            N_("holds HTML markup ({tag}); the record keeps plain text, so write it without tags"),
            tag=tag.group()[:40],
        )
    return value


def _single_line(value: str) -> str:
    return " ".join(value.split())


def _at_most(value: str, limit: int) -> str:
    if len(value) > limit:
        raise BadValue(N_("longer than {limit} characters"), limit=limit)
    return value


def parse_said_on(value: str) -> tuple[date, DatePrecision]:
    """`2025-08-16`, `2025-08` or `2025`: how much of the date is known is part of it."""
    match = _PARTIAL_DATE.match(value.strip())
    if not match:
        raise BadValue(N_("{value} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"), value=repr(value.strip()))
    year, month, day = match.groups()
    precision = DatePrecision.day if day else DatePrecision.month if month else DatePrecision.year
    return _calendar_date(value.strip(), year, month or "1", day or "1"), precision


def _calendar_date(written: str, year: str, month: str, day: str) -> date:
    """A well-formed date that no calendar has (2025-02-30) is named so, the same way for
    every way in, apart from a date written in the wrong form."""
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue(N_("{value} is not a real calendar date"), value=repr(written)) from None


def parse_topics(value: str | list[str]) -> list[Topic]:
    names = value.replace(";", ",").split(",") if isinstance(value, str) else value
    topics: list[Topic] = []
    for name in names:
        key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
        if not key:
            continue
        try:
            topic = Topic(key)
        except ValueError:
            known = ", ".join(topic.value for topic in Topic)
            raise BadValue(
                N_("unknown topic {name} (one of: {known})"), name=repr(str(name).strip()), known=known
            ) from None
        if topic not in topics:
            topics.append(topic)
    return topics


def parse_places(value: str | list[str]) -> list[str]:
    names = value.replace(";", ",").split(",") if isinstance(value, str) else value
    return list(dict.fromkeys(_single_line(str(name)) for name in names if str(name).strip()))


class StatementData(BaseModel):
    """Everything a statement says, before it has an id."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    speaker: str
    said_on: date
    date_precision: DatePrecision = DatePrecision.day
    speaker_role: str = ""
    side: str = ""
    topics: list[Topic]
    places: list[str] = []
    stance: Stance = Stance.assessment
    text: str
    is_quote: bool = False
    source: str
    source_url: str | None = None
    status: Status = Status.reported
    retraction_reason: str | None = None
    ref: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for name, value in values.items():
                items = value if isinstance(value, list) else [value]
                if any(isinstance(item, str) and NUL in item for item in items):
                    raise BadValue("{field}: {problem}", field=Wording(name), problem=Wording(NUL_PROBLEM))
        return values

    @field_validator("speaker", "speaker_role", "side", "source")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _single_line(value)

    @field_validator("speaker", "speaker_role", "side", "source", "text")
    @classmethod
    def _no_markup(cls, value: str) -> str:
        return _plain(value)

    @field_validator("speaker")
    @classmethod
    def _speaker(cls, value: str) -> str:
        if not value:
            raise BadValue(N_("the speaker is missing"))
        return _at_most(value, 200)

    @field_validator("speaker_role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _at_most(value, 300)

    @field_validator("side")
    @classmethod
    def _side(cls, value: str) -> str:
        return _at_most(value, 100)

    @field_validator("said_on", mode="before")
    @classmethod
    def _said_on(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _FULL_DATE.match(value.strip())
            if not match:
                raise BadValue(N_("{value} is not a date in YYYY-MM-DD form"), value=repr(value.strip()))
            return _calendar_date(value.strip(), *match.groups())
        return value

    @field_validator("said_on")
    @classmethod
    def _plausible_date(cls, value: date) -> date:
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        if value < EARLIEST_DATE or value > tomorrow:
            raise BadValue(N_("{date} is not a plausible date (1900 to today)"), date=value.isoformat())
        return value

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, value: Any) -> Any:
        if isinstance(value, str | list):
            return parse_topics(value)
        return value

    @field_validator("topics")
    @classmethod
    def _at_least_one_topic(cls, value: list[Topic]) -> list[Topic]:
        if not value:
            raise BadValue(N_("at least one topic is needed"))
        return value

    @field_validator("places", mode="before")
    @classmethod
    def _places(cls, value: Any) -> Any:
        if isinstance(value, str | list):
            places = parse_places(value)
            if any(len(place) > 200 for place in places):
                raise BadValue(N_("a place name is longer than 200 characters"))
            return [_plain(place) for place in places]
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value:
            raise BadValue(N_("the text is empty"))
        if len(value) > MAX_TEXT:
            raise BadValue(N_("{length} characters, more than the {limit} allowed"), length=len(value), limit=MAX_TEXT)
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if not value:
            raise BadValue(N_("the source is missing"))
        return _at_most(value, MAX_SOURCE)

    @field_validator("source_url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not _URL.match(value.strip()) or len(value) > MAX_URL:
            raise BadValue(N_("{value} is not an http(s) link"), value=repr(str(value)[:80]))
        return value.strip()

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None  # a blank cell is a ref left out, which an import names as missing
        if value is not None and not REF_PATTERN.match(value):
            raise BadValue(NOT_A_REF, value=repr(value[:80]))
        return value

    @model_validator(mode="after")
    def _date_matches_precision(self) -> StatementData:
        if self.date_precision is DatePrecision.month and self.said_on.day != 1:
            raise BadValue(
                "{field}: {problem}",
                field="said_on",
                problem=Wording(N_("with date_precision 'month' the day must be 01")),
            )
        if self.date_precision is DatePrecision.year and (self.said_on.month, self.said_on.day) != (1, 1):
            raise BadValue(
                "{field}: {problem}",
                field="said_on",
                problem=Wording(N_("with date_precision 'year' the date must be YYYY-01-01")),
            )
        if self.status is Status.retracted and not self.retraction_reason:
            raise BadValue(
                "{field}: {problem}",
                field="retraction_reason",
                problem=Wording(N_("a retracted statement needs its reason")),
            )
        if self.status is not Status.retracted and self.retraction_reason:
            raise BadValue(
                "{field}: {problem}",
                field="retraction_reason",
                problem=Wording(N_("only a retracted statement has one")),
            )
        return self


_QUOTED = re.compile(r"'([^']*)'")


def _said(item: Any) -> Wording:
    """The message of one pydantic error: our own validators' `BadValue`, or pydantic's."""
    if item["type"] == "missing":
        return Wording(N_("missing"))
    if item["type"] == "extra_forbidden":
        return Wording(N_("not a field of the exchange format"))
    if item["type"] == "enum":
        # pydantic words the choices in English ("'a', 'b' or 'c'"): only the values are kept.
        expected = str(item.get("ctx", {}).get("expected", ""))
        allowed = ", ".join(_QUOTED.findall(expected)) or expected
        return Wording(N_("{value} is not one of: {allowed}"), value=repr(item.get("input")), allowed=allowed)
    cause = item.get("ctx", {}).get("error")
    if isinstance(cause, Exception):
        return wording_of(cause)
    if str(item["type"]).startswith("date"):
        # pydantic's own words ("Datetimes provided to dates should have zero time") are
        # English and about types: the admin wrote a date, or thought so.
        return Wording(N_("{value} is not a date in YYYY-MM-DD form"), value=repr(item.get("input")))
    return Wording(str(item["msg"]).removeprefix("Value error, "))


def problems(error: ValidationError) -> list[tuple[str, Wording]]:
    """(field, message) for each thing wrong, worded for the person who typed it."""
    found = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"] if not isinstance(part, int)) or ""
        message = _said(item)
        problem = message.params.get("problem")
        if not field and isinstance(problem, Wording):  # a rule about two fields names the one to fix
            field, message = str(message.params["field"]), problem
        found.append((field or "statement", message))
    return found


def validate_statement(values: dict[str, Any]) -> StatementData:
    """`StatementData` or an `InvalidInput` naming the first field that is wrong."""
    try:
        return StatementData.model_validate(values)
    except ValidationError as error:
        field, message = problems(error)[0]
        raise InvalidInput(field, message) from None
