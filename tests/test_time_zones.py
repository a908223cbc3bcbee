"""Time zones by the names readers give (bot.time_zones through bot.config.parse_timezone):
the IANA name is what is kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from importlib import resources
from zoneinfo import available_timezones

import pytest

from bot.config import parse_timezone
from bot.time_zones import fixed_abbreviation, is_fixed_offset, shown_zone
from storage.errors import BadValue
from storage.subscriptions import next_due_at
from storage.zones import key_of, zone_of


@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/berlin", "Europe/Berlin"),
        ("Kyiv", "Europe/Kyiv"),
        ("Kiev", "Europe/Kyiv"),
        ("new_york", "America/New_York"),
        ("Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Київ", "Europe/Kyiv"),
        ("Харків", "Europe/Kyiv"),
        ("москва", "Europe/Moscow"),
        ("Нью-Йорк", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_a_zone_is_known_by_its_city_in_english_ukrainian_or_russian(given: str, zone: str) -> None:
    assert key_of(parse_timezone(given)) == zone


@pytest.mark.parametrize(
    "given", ["Europe", "Eastern", "Atlantis", "Mars/Olympus", "UTC+15", "UTC-13", "UTC+3:20", "+05:50", "UTC+"]
)
def test_what_names_no_single_zone_is_refused_saying_what_to_give(given: str) -> None:
    with pytest.raises(
        BadValue, match=r"give a city .*, an IANA name .* or an offset from UTC-12 to UTC\+14"
    ) as refused:
        parse_timezone(given)
    assert "did you mean" not in str(refused.value)


@pytest.mark.parametrize(
    ("given", "guess"),
    [
        ("Kiyv", "Europe/Kyiv"),
        ("Londn", "Europe/London"),
        ("Киэв", "Europe/Kyiv"),
        ("Tokio", "Asia/Tokyo"),
        ("Ландоні", "Europe/London"),
        ("Харкиві", "Europe/Kyiv"),
        ("Мадріді", "Europe/Madrid"),
    ],
)
def test_a_slip_in_a_city_name_is_refused_with_the_zone_it_was_likely_meant_to_be(given: str, guess: str) -> None:
    with pytest.raises(BadValue, match=rf"^'{given}' is not a known time zone; did you mean {guess}\? Give a city"):
        parse_timezone(given)


@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("Лондон", "Europe/London"),
        ("Київ", "Europe/Kyiv"),
        ("Киев", "Europe/Kyiv"),
        ("Одеса", "Europe/Kyiv"),
        ("Moskva", "Europe/Moscow"),
        ("Івано-Франківськ", "Europe/Kyiv"),
        ("ивано франковск", "Europe/Kyiv"),
        ("New York", "America/New_York"),
    ],
)
def test_ukrainian_russian_and_transliterated_city_names_are_data(given: str, zone: str) -> None:
    assert key_of(parse_timezone(given)) == zone


@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("за Києвом", "Europe/Kyiv"),
        ("по Москве", "Europe/Moscow"),
        ("Москвою", "Europe/Moscow"),
        ("у Києві", "Europe/Kyiv"),
        ("в Житомирі", "Europe/Kyiv"),
        ("в Одесі", "Europe/Kyiv"),
        ("в Харкові", "Europe/Kyiv"),
        ("у Львові", "Europe/Kyiv"),
        ("Одесі", "Europe/Kyiv"),
        ("Берлине", "Europe/Berlin"),
        ("в Тернополі", "Europe/Kyiv"),
        ("у Хмельницькому", "Europe/Kyiv"),
        ("в Черкасах", "Europe/Kyiv"),
        ("в Кишиневі", "Europe/Chisinau"),
        ("у Празі", "Europe/Prague"),
        ("по Берлину", "Europe/Berlin"),
        ("МСК", "Europe/Moscow"),
        ("msk", "Europe/Moscow"),
        ("за київським часом", "Europe/Kyiv"),
        ("по киевскому времени", "Europe/Kyiv"),
        ("по московскому времени", "Europe/Moscow"),
        ("in New York", "America/New_York"),
        ("Kyiv time", "Europe/Kyiv"),
        ("по UTC+3", "Etc/GMT-3"),
        ("Port of Spain", "America/Port_of_Spain"),
    ],
)
def test_a_zone_is_read_with_the_words_around_it_and_a_citys_case_endings(given: str, zone: str) -> None:
    assert key_of(parse_timezone(given)) == zone


def test_a_refusal_names_the_zone_without_the_words_around_it() -> None:
    with pytest.raises(BadValue, match=r"^'Атлантидою' is not a known time zone"):
        parse_timezone("за Атлантидою")
    with pytest.raises(BadValue, match=r"^'Рима' is not a known time zone"):
        parse_timezone("по Рима")  # a name shorter than four letters takes no endings


@pytest.mark.parametrize(
    ("given", "offset", "city"),
    [("EST", "UTC-5", "America/New_York"), ("MST", "UTC-7", "America/Denver"), ("HST", "UTC-10", "Pacific/Honolulu")],
)
def test_an_abbreviation_of_a_fixed_offset_is_kept_and_told_apart(given: str, offset: str, city: str) -> None:
    assert key_of(parse_timezone(given)) == given
    assert fixed_abbreviation(given) == (offset, city)
    assert fixed_abbreviation("America/New_York") is None and fixed_abbreviation("Etc/GMT+5") is None


@pytest.mark.parametrize(
    ("given", "guess"), [("PST", "America/Los_Angeles"), ("CEST", "Europe/Berlin"), ("edt", "America/New_York")]
)
def test_an_abbreviation_iana_does_not_know_is_refused_with_the_city_zone_it_is_used_for(
    given: str, guess: str
) -> None:
    with pytest.raises(BadValue, match=rf"^'{given}' is not a known time zone; did you mean {guess}\?"):
        parse_timezone(given)


@pytest.mark.parametrize(
    ("given", "zone", "shown"),
    [
        ("UTC+3", "Etc/GMT-3", "UTC+3"),
        ("utc-5", "Etc/GMT+5", "UTC-5"),
        ("+03:00", "Etc/GMT-3", "UTC+3"),
        ("GMT+2", "Etc/GMT-2", "UTC+2"),
        ("UTC+14", "Etc/GMT-14", "UTC+14"),
        ("UTC-12", "Etc/GMT+12", "UTC-12"),
        ("UTC+0", "Etc/UTC", "UTC"),
        ("GMT+0", "Etc/UTC", "UTC"),
        ("+3", "Etc/GMT-3", "UTC+3"),
        ("UTC+5:30", "UTC+05:30", "UTC+5:30"),
        ("utc +0530", "UTC+05:30", "UTC+5:30"),
        ("+05:45", "UTC+05:45", "UTC+5:45"),
        ("GMT-3:30", "UTC-03:30", "UTC-3:30"),
        ("UTC+3:30", "UTC+03:30", "UTC+3:30"),
        ("UTC-9:30", "UTC-09:30", "UTC-9:30"),
        ("Europe/Kyiv", "Europe/Kyiv", "Europe/Kyiv"),
    ],
)
def test_an_offset_is_kept_as_its_fixed_zone_and_shown_as_the_offset(given: str, zone: str, shown: str) -> None:
    kept = key_of(parse_timezone(given))
    assert (kept, shown_zone(kept)) == (zone, shown)


def test_a_half_hour_offset_keeps_its_clocks_all_year() -> None:
    """A kept key reads back as the same fixed offset, and a digest at 08:00 UTC+5:30 is
    due at 02:30 UTC in winter and in summer alike."""
    zone = zone_of(key_of(parse_timezone("UTC+5:30")))
    for day in (date(2026, 1, 15), date(2026, 7, 15)):
        due = next_due_at(time(8, 0), zone, datetime.combine(day, time(0, 0), tzinfo=UTC))
        assert due == datetime.combine(day, time(2, 30), tzinfo=UTC)
    assert is_fixed_offset("UTC+05:30") and is_fixed_offset("Etc/GMT-3")
    assert not is_fixed_offset("Europe/Kyiv") and not is_fixed_offset("Etc/UTC")


def test_every_zone_the_names_file_gives_is_a_zone() -> None:
    text = resources.files("bot").joinpath("data/time_zone_names.json").read_text("utf-8")
    data = json.loads(text)
    zones = [*data["names"].values(), *data["abbreviations"].values(), *data["fixed_abbreviations"].values()]
    assert all(zone in available_timezones() for zone in zones)
    assert all(zone in available_timezones() for zone in data["fixed_abbreviations"])
