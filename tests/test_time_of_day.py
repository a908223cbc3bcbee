"""Times of day as readers write them for their digest (bot.time_of_day): 12- and 24-hour
clocks, a bare hour, the half of the day in English, Ukrainian or Russian, and the time
found among the words of a time zone."""

from __future__ import annotations

from datetime import time

import pytest

from bot.time_of_day import split_time, time_of_day
from storage.errors import BadValue


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("20:00", time(20, 0)),
        ("20.00", time(20, 0)),
        ("08:30", time(8, 30)),
        ("0:30", time(0, 30)),
        ("9", time(9, 0)),
        ("08", time(8, 0)),
        ("8pm", time(20, 0)),
        ("8PM", time(20, 0)),
        ("8:00pm", time(20, 0)),
        ("8 pm", time(20, 0)),
        ("8 p.m.", time(20, 0)),
        ("8p.m.", time(20, 0)),
        ("7:30 am", time(7, 30)),
        ("12 am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("7 in the morning", time(7, 0)),
        ("9 утра", time(9, 0)),
        ("9 ранку", time(9, 0)),
        ("8 вечера", time(20, 0)),
        ("8 вечора", time(20, 0)),
        ("20 вечора", time(20, 0)),
        ("3 дня", time(15, 0)),
        ("12 дня", time(12, 0)),
        ("11 ночи", time(23, 0)),
        ("2 ночі", time(2, 0)),
        ("12 ночи", time(0, 0)),
        ("noon", time(12, 0)),
        ("опівночі", time(0, 0)),
        ("в полдень", time(12, 0)),
    ],
)
def test_a_time_is_read_as_readers_write_it(written: str, meant: time) -> None:
    assert time_of_day(written) == meant


@pytest.mark.parametrize("written", ["25:00", "8:60", "20 am", "13am", "0 pm", "7 ночи", "8h", "8:0", "8 o'clock", ""])
def test_what_is_not_a_time_is_named(written: str) -> None:
    with pytest.raises(BadValue, match=r"is not a time of day \(e\.g\. 08:00, 20:30 or 8pm\)"):
        time_of_day(written)


@pytest.mark.parametrize(
    ("written", "meant", "rest"),
    [
        ("8 pm Kyiv", time(20, 0), "Kyiv"),
        ("8pm New York", time(20, 0), "New York"),
        ("Київ 9 ранку", time(9, 0), "Київ"),
        ("UTC+5:30 7:15", time(7, 15), "UTC+5:30"),
        ("UTC + 3", None, "UTC + 3"),
        ("UTC + 3 9", time(9, 0), "UTC + 3"),
        ("+3 20:00", time(20, 0), "+3"),
        ("Europe/Kyiv", None, "Europe/Kyiv"),
        ("о 9 Київ", time(9, 0), "Київ"),
        ("Київ о 9", time(9, 0), "Київ"),
        ("в полдень Москва", time(12, 0), "Москва"),
        ("at 8 pm Kyiv", time(20, 0), "Kyiv"),
        ("9:00 за Києвом", time(9, 0), "за Києвом"),
        ("в UTC+3", None, "в UTC+3"),
        ("", None, ""),
    ],
)
def test_the_time_is_found_among_the_words_of_a_zone(written: str, meant: time | None, rest: str) -> None:
    """A number after "+" or "-" is an offset's, not an hour."""
    assert split_time(written) == (meant, rest)


def test_two_times_are_refused_naming_both() -> None:
    with pytest.raises(BadValue, match=r"give one time of day, not '8pm' and '9 утра'"):
        split_time("8pm Kyiv 9 утра")
