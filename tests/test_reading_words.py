"""Words of Ukrainian and Russian questions as the reader writes them (bot.answering.reading):
months and seasons in every case, apostrophes typed or not."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.reading import english_words, fold, month_or_season, read
from bot.answering.record_index import RecordFacts


@pytest.mark.parametrize(
    ("word", "months"),
    [
        ("июле", (7, 7)),
        ("июля", (7, 7)),
        ("июне", (6, 6)),
        ("липні", (7, 7)),
        ("серпня", (8, 8)),
        ("августе", (8, 8)),
        ("марте", (3, 3)),
        ("осенью", (9, 11)),
        ("july", (7, 7)),
    ],
)
def test_a_month_is_read_in_any_case(word: str, months: tuple[int, int]) -> None:
    assert month_or_season(word) == months


@pytest.mark.parametrize("word", ["майдан", "маршрут", "июльский-проект"])
def test_a_word_that_only_begins_like_a_month_is_none(word: str) -> None:
    assert month_or_season(word) is None


@pytest.mark.parametrize("written", ["перемир'я", "перемир’я", "перемирʼя", "перемиря", "перемирря"])
def test_an_apostrophe_typed_any_way_or_left_out_reads_the_same(written: str) -> None:
    assert "ceasefire" in english_words(fold(written))


def test_an_english_possessive_keeps_its_apostrophe() -> None:
    assert fold("Putin's") == "putin's"


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("Що казав Путін з серпня?", (date(2025, 8, 1), date(2025, 11, 25))),
        ("Что говорил Путин с августа?", (date(2025, 8, 1), date(2025, 11, 25))),
        ("Що казав Путін від березня?", (date(2025, 3, 1), date(2025, 11, 25))),
        ("Що казав Путін у серпні?", (date(2025, 8, 1), date(2025, 8, 31))),
        ("Что говорил Путин с марта по май?", (date(2025, 3, 1), date(2025, 5, 31))),
    ],
)
def test_since_a_month_reads_from_that_month_to_the_records_last_date(question: str, span: tuple[date, date]) -> None:
    assert read(question, RecordFacts(last_date=date(2025, 11, 25))).span == span
