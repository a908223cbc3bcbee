"""Months and seasons in Ukrainian and Russian, in every case (bot.answering.reading)."""

from __future__ import annotations

import pytest

from bot.answering.reading import month_or_season


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
