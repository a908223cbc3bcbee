"""Time zones by the names readers give (bot.time_zones through bot.config.parse_timezone):
the IANA name is what is kept."""

from __future__ import annotations

import pytest

from bot.config import parse_timezone
from bot.time_zones import shown_zone
from storage.errors import BadValue


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
    assert parse_timezone(given).key == zone


@pytest.mark.parametrize(
    "given", ["Europe", "Eastern", "Kiyv", "Mars/Olympus", "UTC+15", "UTC-13", "UTC+3:30", "+05:45", "UTC+"]
)
def test_what_names_no_single_zone_is_refused_saying_what_to_give(given: str) -> None:
    with pytest.raises(BadValue, match=r"give a city .*, an IANA name .* or a whole-hour offset .*UTC\+3"):
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
        ("UTC+0", "Etc/UTC", "Etc/UTC"),
        ("Europe/Kyiv", "Europe/Kyiv", "Europe/Kyiv"),
    ],
)
def test_an_offset_is_kept_as_its_fixed_zone_and_shown_as_the_offset(given: str, zone: str, shown: str) -> None:
    kept = parse_timezone(given).key
    assert (kept, shown_zone(kept)) == (zone, shown)
