"""Reading the one-line `/add` and the guided dialogue's answers: each part checked by the
record's own rules, and a mistake named by the part it is in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.input.add_line import (
    USAGE,
    AddLineError,
    Speaker,
    check_values,
    parse_add_line,
    parse_date,
    parse_side,
    parse_source,
    parse_speaker,
    parse_stance,
    parse_text,
    parse_topic_list,
    parse_url,
    statement_values,
)
from storage.models import DatePrecision, Stance, Status, Topic
from storage.validation import MAX_TEXT


def line(*parts: str) -> str:
    return " | ".join(parts)


GOOD = (
    "Vladimir Putin",
    "2025-08-16",
    "ceasefire, talks",
    "A ceasefire now would only let Kyiv rearm.",
    "Kremlin readout",
)


def test_five_parts_make_a_reported_assessment_without_a_side() -> None:
    data = parse_add_line(line(*GOOD))

    assert data.speaker == "Vladimir Putin"
    assert data.side == ""
    assert data.said_on == date(2025, 8, 16)
    assert data.date_precision is DatePrecision.day
    assert data.topics == [Topic.ceasefire, Topic.talks]
    assert data.stance is Stance.assessment
    assert data.status is Status.reported
    assert data.text == GOOD[3]
    assert data.source == "Kremlin readout"
    assert data.source_url is None


def test_a_sixth_part_is_the_link() -> None:
    data = parse_add_line(line(*GOOD, "https://en.kremlin.ru/events/president/news/1"))
    assert data.source_url == "https://en.kremlin.ru/events/president/news/1"


def test_the_side_in_brackets_after_the_name() -> None:
    data = parse_add_line(line("Keir Starmer (United Kingdom)", *GOOD[1:]))
    assert (data.speaker, data.side) == ("Keir Starmer", "United Kingdom")


@pytest.mark.parametrize(
    ("typed", "expected", "precision"),
    [
        ("2025-08-16", date(2025, 8, 16), DatePrecision.day),
        ("2025-08", date(2025, 8, 1), DatePrecision.month),
        ("2025", date(2025, 1, 1), DatePrecision.year),
    ],
)
def test_the_date_carries_its_precision(typed: str, expected: date, precision: DatePrecision) -> None:
    data = parse_add_line(line(GOOD[0], typed, *GOOD[2:]))
    assert (data.said_on, data.date_precision) == (expected, precision)


def test_topics_may_be_written_with_spaces_hyphens_and_repeats() -> None:
    assert parse_topic_list("Security guarantees, foreign-troops; security_guarantees") == [
        Topic.security_guarantees,
        Topic.foreign_troops,
    ]


def test_text_is_kept_exactly_as_typed() -> None:
    text = 'No troops & no "guarantees" <5 km away\nsecond line'
    assert parse_add_line(line(*GOOD[:3], text, GOOD[4])).text == text
    assert parse_text(f"  {text}  ") == text


def test_text_at_the_limit_is_accepted() -> None:
    assert len(parse_add_line(line(*GOOD[:3], "x" * MAX_TEXT, GOOD[4])).text) == MAX_TEXT


def _future() -> str:
    return (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("argument", "part", "fragment"),
    [
        ("", "form", "found nothing"),
        (line("Vladimir Putin", "2025-08-16", "ceasefire"), "form", "found 3"),
        (line(*GOOD, "https://example.org", "extra"), "form", "found 7"),
        (
            line("Vladimir Putin", "2025-08-16", "talks", "a | b", "Kremlin", "https://example.org"),
            "form",
            "a | inside the text",
        ),
        (line("", *GOOD[1:]), "speaker", "empty"),
        (line(GOOD[0], "", *GOOD[2:]), "date", "empty"),
        (line(*GOOD[:2], "", *GOOD[3:]), "topics", "empty"),
        (line(*GOOD[:3], "", GOOD[4]), "text", "empty"),
        (line(*GOOD[:4], ""), "source", "empty"),
        (line(*GOOD, ""), "url", "empty"),
        (line("!!!", *GOOD[1:]), "speaker", "empty"),
        (line("Keir Starmer ()", *GOOD[1:]), "side", "brackets"),
        (line(GOOD[0], "16/08/2025", *GOOD[2:]), "date", "is not a date"),
        (line(GOOD[0], "2025-02-30", *GOOD[2:]), "date", "not a real calendar date"),
        (line(GOOD[0], "1899-12-31", *GOOD[2:]), "date", "not a plausible date"),
        (line(GOOD[0], _future(), *GOOD[2:]), "date", "not a plausible date"),
        (line(*GOOD[:2], "ceasefire, peace", *GOOD[3:]), "topics", "unknown topic 'peace'"),
        (line(*GOOD[:2], ", ;", *GOOD[3:]), "topics", "at least one topic"),
        (line(*GOOD[:3], "x" * (MAX_TEXT + 1), GOOD[4]), "text", f"{MAX_TEXT + 1} characters"),
        (line(*GOOD[:4], "x" * 501), "source", "longer than 500"),
        (line(*GOOD, "ftp://example.org/file"), "url", "not an http(s) link"),
        (line(*GOOD, "example.org"), "url", "not an http(s) link"),
        (line("x" * 201, *GOOD[1:]), "speaker", "longer than 200"),
        (line(*GOOD[:3], "<b>No</b> ceasefire", GOOD[4]), "text", "HTML markup (<b>)"),
        (line(*GOOD[:3], "<script>alert(1)</script>", GOOD[4]), "text", "HTML markup (<script>)"),
        (line(*GOOD[:4], '<a href="https://x.org">Reuters</a>'), "source", "HTML markup"),
        (line("Vladimir <i>Putin</i>", *GOOD[1:]), "speaker", "HTML markup"),
    ],
)
def test_each_mistake_is_named_by_its_part(argument: str, part: str, fragment: str) -> None:
    with pytest.raises(AddLineError) as raised:
        parse_add_line(argument)
    assert raised.value.part == part
    assert fragment in str(raised.value.problem)


def test_a_less_than_sign_is_no_markup() -> None:
    text = "Fewer than <5 villages, and losses < 3% where a<b held."
    assert parse_add_line(line(*GOOD[:3], text, GOOD[4])).text == text


def test_the_error_knows_the_position_of_its_part() -> None:
    assert AddLineError("date", "x").position == 2
    assert AddLineError("url", "x").position == 6
    assert AddLineError("form", "x").position is None
    assert "SOURCE [| URL]" in USAGE


# -- the dialogue's answers, one at a time ------------------------------------------


def test_speaker_answers() -> None:
    assert parse_speaker("  Vladimir   Putin ") == Speaker("Vladimir Putin", "")
    assert parse_speaker("Keir Starmer (United Kingdom)") == Speaker("Keir Starmer", "United Kingdom")
    with pytest.raises(AddLineError):
        parse_speaker("   ")


def test_side_answers() -> None:
    assert parse_side(" United   Kingdom ") == "United Kingdom"
    with pytest.raises(AddLineError, match="side"):
        parse_side("  ")
    with pytest.raises(AddLineError, match="longer than 100"):
        parse_side("+" + "x" * 101)
    with pytest.raises(AddLineError, match="unknown side '2025-12'") as refused:
        parse_side("2025-12")
    assert refused.value.part == "side"
    assert parse_side("+Freedonia") == "Freedonia"
    assert parse_side("freedonia", ("Freedonia",)) == "Freedonia"


def test_date_answers() -> None:
    assert parse_date("2025-03") == (date(2025, 3, 1), DatePrecision.month)
    with pytest.raises(AddLineError, match="not a real calendar date"):
        parse_date("2025-13-01")
    with pytest.raises(AddLineError, match="missing"):
        parse_date(" ")


def test_stance_answers() -> None:
    assert parse_stance(" Demand ") is Stance.demand
    with pytest.raises(AddLineError, match="not a stance"):
        parse_stance("opinion")


def test_source_answers_may_carry_the_link() -> None:
    assert parse_source("Reuters") == ("Reuters", None)
    assert parse_source("Reuters | https://www.reuters.com/world/1") == ("Reuters", "https://www.reuters.com/world/1")
    with pytest.raises(AddLineError) as raised:
        parse_source("Reuters | not a link")
    assert raised.value.part == "url"
    with pytest.raises(AddLineError) as raised:
        parse_source("Reuters |")
    assert raised.value.part == "url"
    with pytest.raises(AddLineError) as raised:
        parse_source(" | https://www.reuters.com")
    assert raised.value.part == "source"


def test_url_answers() -> None:
    assert parse_url(" https://example.org/a ") == "https://example.org/a"
    with pytest.raises(AddLineError, match="empty"):
        parse_url(" ")


def test_values_of_the_dialogue_make_the_same_statement_as_the_line() -> None:
    said_on, precision = parse_date("2025-08-16")
    values = statement_values(parse_speaker(GOOD[0]), said_on, precision, parse_topic_list(GOOD[2]), GOOD[3], GOOD[4])
    assert check_values(values) == parse_add_line(line(*GOOD))
