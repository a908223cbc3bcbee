"""The position matrix and timelines on the sample corpus, on each engine: which statement
each cell holds, its history, shifts and conditions, how imprecise dates sort, and that a
change to the record is seen at once despite the cache."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.positions.matrix import Matrix, arrange, chronological_key
from bot.positions.service import position_matrix, timeline_picture
from bot.positions.text import matrix_caption, matrix_html, timeline_caption
from bot.positions.timeline import SubjectKind, resolve_subject
from bot.positions.vocabulary import is_conditional, stance_families
from storage.engine import Database
from storage.errors import InvalidInput, NotFound
from storage.models import DatePrecision, Stance, Topic
from storage.positions import PositionEntry, RowKind, record_version
from storage.statements import add_statement, retract_statement
from storage.validation import validate_statement


def cell_of(matrix: Matrix, row: str, topic: str) -> dict[str, Any]:
    cell = matrix.cell(row, topic)
    assert cell is not None, f"no cell {row} × {topic}"
    return cell.as_json()


async def test_russia_on_territory_is_its_latest_statement_with_history_shift_and_condition(
    shared_sample_database: Database,
) -> None:
    matrix = await position_matrix(shared_sample_database)
    assert cell_of(matrix, "Russia", "territory") == {
        "row": "Russia",
        "topic": "territory",
        "ref": "s23",
        "said_on": "2025-08-16",
        "stance": "demand",
        # s43 is known only to the month (Aug 2025): after 2 Jun, before 16 Aug.
        "history": ["s14", "s43", "s23"],
        "shift": True,  # condition (s43) -> demand (s23)
        "conditional": True,  # "... in exchange for freezing the front line ..."
    }


async def test_cells_hold_the_latest_statement_of_each_row_on_each_topic(shared_sample_database: Database) -> None:
    matrix = await position_matrix(shared_sample_database)
    assert matrix.rows[:3] == ("United States", "Russia", "Ukraine")
    assert set(matrix.rows) == {"United States", "Russia", "Ukraine", "France", "European Union", "United Kingdom"}
    assert matrix.topics == tuple(topic.value for topic in Topic)
    assert len(matrix.cells) == 31
    assert cell_of(matrix, "United States", "peace_terms")["history"] == [
        "s01",
        "s10",
        "s17",
        "s19",
        "s24",
        "s26",
        "s34",
        "s36",
        "s39",
    ]
    # A single statement: no shift; a plain commitment is not conditional.
    assert cell_of(matrix, "United Kingdom", "foreign_troops") == {
        "row": "United Kingdom",
        "topic": "foreign_troops",
        "ref": "s04",
        "said_on": "2025-03-02",
        "stance": "commitment",
        "history": ["s04"],
        "shift": False,
        "conditional": False,
    }
    # The stance "condition" is conditional by itself.
    assert cell_of(matrix, "Russia", "sanctions")["conditional"] is True
    # "subject to acceptance by Russia": conditional by its wording.
    assert cell_of(matrix, "Ukraine", "ceasefire") == {
        "row": "Ukraine",
        "topic": "ceasefire",
        "ref": "s05",
        "said_on": "2025-03-11",
        "stance": "acceptance",
        "history": ["s46", "s05"],
        "shift": True,
        "conditional": True,
    }
    assert matrix.cell("France", "territory") is None
    assert (matrix.shifts, matrix.conditionals) == (18, 7)


async def test_month_precision_dates_print_and_sort_as_what_they_are(shared_sample_database: Database) -> None:
    matrix = await position_matrix(shared_sample_database)
    russia = cell_of(matrix, "Russia", "battlefield")
    assert (russia["ref"], russia["said_on"], russia["history"], russia["shift"]) == (
        "s41",
        "2025-08",
        ["s16", "s41"],
        False,
    )
    # Two statements of "Aug 2025": recording order decides; claim -> denial is a shift.
    ukraine = cell_of(matrix, "Ukraine", "battlefield")
    assert (ukraine["ref"], ukraine["history"], ukraine["stance"], ukraine["shift"]) == (
        "s42",
        ["s40", "s42"],
        "denial",
        True,
    )


def entry(statement_id: int, said_on: date, precision: DatePrecision) -> PositionEntry:
    return PositionEntry(statement_id, f"x{statement_id}", "Russia", "territory", said_on, precision, Stance.demand)


def test_an_imprecise_date_sorts_at_its_first_day_and_before_a_precise_one_there() -> None:
    entries = [
        entry(1, date(2025, 8, 15), DatePrecision.day),
        entry(2, date(2025, 8, 1), DatePrecision.month),
        entry(3, date(2025, 7, 31), DatePrecision.day),
        entry(4, date(2025, 8, 1), DatePrecision.day),
        entry(5, date(2025, 1, 1), DatePrecision.year),
        entry(6, date(2025, 1, 1), DatePrecision.day),
    ]
    ordered = [item.statement_id for item in sorted(entries, key=chronological_key)]
    assert ordered == [5, 6, 3, 2, 4, 1]
    assert [item.statement_id for item in arrange(entries)[("Russia", "territory")]] == ordered


def test_conditional_wording_is_whole_words_in_any_case() -> None:
    assert is_conditional(Stance.condition, "We will talk.")
    assert is_conditional(Stance.offer, "Talks can resume ONLY IF the shelling stops.")
    assert is_conditional(Stance.commitment, "Troops will stay, provided that a ceasefire holds.")
    assert is_conditional(Stance.demand, "No deal unless\nthe front is frozen.")
    assert is_conditional(Stance.proposal, "Переговори можливі лише якщо буде перемир'я.")
    assert not is_conditional(Stance.commitment, "The US provided air defence systems.")
    assert not is_conditional(Stance.assessment, "The ceasefire is unlikely, said the minister.")


def test_every_stance_has_exactly_one_family() -> None:
    families = stance_families()
    assert [family.name for family in families] == ["pressing", "opening", "describing"]
    assert sorted(stance for family in families for stance in family.stances) == sorted(Stance)


async def test_a_topic_filter_keeps_one_column(shared_sample_database: Database) -> None:
    matrix = await position_matrix(shared_sample_database, topic=Topic.territory)
    assert matrix.topics == ("territory",)
    assert matrix.rows == ("United States", "Russia", "Ukraine")
    assert [cell.ref for cell in matrix.ordered_cells()] == ["s36", "s23", "s20"]


async def test_rows_by_speaker(shared_sample_database: Database) -> None:
    matrix = await position_matrix(shared_sample_database, RowKind.speaker)
    assert matrix.as_json()["by"] == "speaker"
    putin = cell_of(matrix, "Vladimir Putin", "territory")
    assert (putin["ref"], putin["history"], putin["shift"]) == ("s23", ["s43", "s23"], True)
    assert cell_of(matrix, "Vladimir Medinsky", "territory")["history"] == ["s14"]


async def test_a_retraction_moves_the_cell_back_at_once(sample_database: Database) -> None:
    before = await position_matrix(sample_database)
    assert cell_of(before, "Russia", "territory")["ref"] == "s23"
    assert await position_matrix(sample_database) is before, "an unchanged record is served from the cache"
    version = await record_version(sample_database)
    await retract_statement(sample_database, 23, "misattributed", "tg:1")
    assert await record_version(sample_database) != version
    after = await position_matrix(sample_database)
    assert cell_of(after, "Russia", "territory") == {
        "row": "Russia",
        "topic": "territory",
        "ref": "s43",
        "said_on": "2025-08",
        "stance": "condition",
        "history": ["s14", "s43"],
        "shift": True,
        "conditional": True,
    }


async def test_a_precise_date_in_the_same_month_is_the_latest_word(sample_database: Database) -> None:
    """Russia's territory cell ends with s23 (16 Aug); a statement recorded later but known
    only as "Aug 2025" does not displace it, one dated 17 Aug does."""
    common = {"speaker": "Sergei Lavrov", "side": "Russia", "topics": ["territory"], "source": "TASS"}
    month = {"ref": "m1", "said_on": "2025-08-01", "date_precision": "month", "stance": "rejection"}
    await add_statement(
        sample_database, validate_statement({**common, **month, "text": "Rejected any freeze of the front."}), "t"
    )
    matrix = await position_matrix(sample_database)
    assert cell_of(matrix, "Russia", "territory")["history"] == ["s14", "s43", "m1", "s23"]
    await add_statement(
        sample_database,
        validate_statement(
            {**common, "ref": "d1", "said_on": "2025-08-17", "stance": "warning", "text": "Warned against delay."}
        ),
        "t",
    )
    cell = cell_of(await position_matrix(sample_database), "Russia", "territory")
    assert (cell["ref"], cell["said_on"], cell["stance"], cell["shift"], cell["conditional"]) == (
        "d1",
        "2025-08-17",
        "warning",
        True,
        False,
    )


async def test_an_empty_record_has_an_empty_matrix(database: Database) -> None:
    matrix = await position_matrix(database)
    assert matrix.as_json() == {"by": "side", "cells": []}
    assert matrix_html(matrix) == "No statements in the record yet."


async def test_text_says_every_mark_in_words(shared_sample_database: Database) -> None:
    matrix = await position_matrix(shared_sample_database)
    text = matrix_html(matrix)
    assert "<b>Russia</b> (14 statements)" in text
    assert (
        "• territory: <b>demand</b>, 16 Aug 2025; shifted from condition; conditional — /statement_23, "
        "2 earlier statements"
    ) in text
    assert "• battlefield: <b>claim</b>, Aug 2025 — /statement_41, 1 earlier statement" in text
    assert "6 sides × 10 topics: 31 positions, 18 shifts, 7 conditional. Latest statement: 25 Nov 2025." in text
    assert text.index("<b>United States</b>") < text.index("<b>Russia</b>") < text.index("<b>United Kingdom</b>")
    short = matrix_html(matrix, max_rows=2)
    assert "<b>Ukraine</b>" not in short and "…and 4 more sides with fewer statements" in short
    caption = matrix_caption(matrix, buttons=True)
    assert len(caption) <= 1024 and "Tap a side" in caption


PUTIN_TOPICS = ("peace_terms", "security_guarantees", "ceasefire", "territory", "foreign_troops", "talks")


@pytest.mark.parametrize(
    ("name", "kind", "shown", "lanes"),
    [
        ("territory", SubjectKind.topic, "territory", ("United States", "Russia", "Ukraine")),
        ("Security guarantees", SubjectKind.topic, "security guarantees", None),
        ("ukraine", SubjectKind.side, "Ukraine", None),
        ("Путин", SubjectKind.speaker, "Vladimir Putin", PUTIN_TOPICS),
        ("speaker:United States", SubjectKind.speaker, "United States", None),
        ("United States", SubjectKind.side, "United States", None),
    ],
)
async def test_timeline_subjects(
    shared_sample_database: Database, name: str, kind: SubjectKind, shown: str, lanes: tuple[str, ...] | None
) -> None:
    subject = await resolve_subject(shared_sample_database, name)
    assert (subject.kind, subject.name) == (kind, shown)
    timeline, png = await timeline_picture(shared_sample_database, subject)
    assert png.startswith(b"\x89PNG")
    if lanes is not None:
        assert timeline.lanes == lanes


async def test_timeline_of_a_topic_in_time_order(shared_sample_database: Database) -> None:
    timeline, _ = await timeline_picture(
        shared_sample_database, await resolve_subject(shared_sample_database, "territory")
    )
    assert [point.ref for point in timeline.points] == [
        "s01",
        "s09",
        "s10",
        "s14",
        "s43",
        "s44",
        "s20",
        "s23",
        "s26",
        "s33",
        "s34",
        "s36",
    ]
    assert {point.lane for point in timeline.points if point.ref == "s23"} == {"Russia"}


async def test_a_timelines_caption_counts_each_statements_stance_once(shared_sample_database: Database) -> None:
    """Putin's 7 statements are 10 points in the lanes of their topics."""
    subject = await resolve_subject(shared_sample_database, "Putin")
    timeline, _ = await timeline_picture(shared_sample_database, subject)
    assert timeline.statements == 7 < len(timeline.points)

    stances = timeline_caption(timeline).splitlines()[1].split("; ")[1].rstrip(".")

    named, more = stances.split(" and ")
    assert more == "2 more", "the caption names the commonest stances and counts the rest"
    assert sum(int(part.split()[0]) for part in named.split(", ")) + 2 == timeline.statements


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("", InvalidInput, "say which speaker, side or topic"),
        ("zebras", NotFound, "nothing in the record is called 'zebras'"),
        ("topic:zebras", InvalidInput, "unknown topic 'zebras'"),
        ("side:Atlantis", NotFound, "no side called 'Atlantis'"),
        ("speaker:zebras", InvalidInput, "no speaker called 'zebras'"),
        ("x" * 201, InvalidInput, "that is not a name"),
    ],
)
async def test_timeline_names_that_name_nothing(
    shared_sample_database: Database, name: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await resolve_subject(shared_sample_database, name)


async def test_a_subject_without_live_statements_has_no_timeline(sample_database: Database) -> None:
    subject = await resolve_subject(sample_database, "Keir Starmer")
    await retract_statement(sample_database, 4, "duplicate", "tg:1")
    with pytest.raises(NotFound, match="no live statements by Keir Starmer"):
        await timeline_picture(sample_database, subject)
