"""Time zones by the names readers give (bot.time_zones through bot.config.parse_timezone):
the IANA name is what is kept."""

from __future__ import annotations

import pytest

from bot.config import parse_timezone
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


@pytest.mark.parametrize("given", ["Europe", "Eastern", "Kiyv", "Mars/Olympus", "UTC+3"])
def test_what_names_no_single_zone_is_refused_saying_what_to_give(given: str) -> None:
    with pytest.raises(BadValue, match="give a city .* or an IANA name"):
        parse_timezone(given)
