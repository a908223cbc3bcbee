"""Numbers as their digits, however written (bot.answering.numbers)."""

from __future__ import annotations

import pytest

from bot.answering.numbers import numbers_in


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("cap its armed forces at 600,000, and", ["600000"]),
        ("600 000", ["600000"]),
        ("600000", ["600000"]),
        ("600 тисяч", ["600000"]),
        ("потолок в 600 тысяч", ["600000"]),
        ("600 thousand", ["600000"]),
        ("90 billion", ["90000000000"]),
        ("90 млрд", ["90000000000"]),
        ("1,2 млн", ["1200000"]),
        ("1.5 million", ["1500000"]),
        ("about 1,200 prisoners each", ["1200"]),
        ("a 30-day pause", ["30"]),
        ("the 28-point plan", ["28"]),
        ("pre-2014 borders", ["2014"]),
        ("5, and 7", ["5", "7"]),
    ],
)
def test_a_number_is_read_as_its_digits(text: str, digits: list[str]) -> None:
    assert numbers_in(text) == digits


def test_a_fraction_without_a_multiplier_is_no_whole_number() -> None:
    assert numbers_in("1.5 or 2,25") == []
