"""Time zones by the names readers give: "Kyiv", "new_york", "Київ", "Москва" as well as
"Europe/Kyiv". A subscription always stores the IANA name, which survives DST rule changes."""

from __future__ import annotations

import functools
import json
from importlib import resources
from zoneinfo import available_timezones

#: The areas of geographic IANA names; "US/Eastern" and the like name no city.
_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def _key(name: str) -> str:
    return "_".join(name.replace("-", " ").split()).casefold()


@functools.cache
def _names() -> dict[str, str]:
    """Every accepted spelling -> its IANA name: the IANA names in any case, their city
    alone, and bot/data/time_zone_names.json. Geographic names that end in the same city
    are links of one zone ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"); the
    most specific is taken."""
    zones = sorted(available_timezones())
    cities: dict[str, set[str]] = {}
    for zone in zones:
        if zone.startswith(_AREAS) and "/" in zone:
            cities.setdefault(_key(zone.rsplit("/", 1)[1]), set()).add(zone)
    names = {city: max(found, key=lambda zone: (zone.count("/"), zone)) for city, found in cities.items()}
    text = resources.files("bot").joinpath("data/time_zone_names.json").read_text("utf-8")
    names.update({_key(name): zone for name, zone in json.loads(text)["names"].items()})
    names.update({_key(zone): zone for zone in zones})
    return names


def zone_named(name: str) -> str | None:
    """The IANA name `name` stands for, if any."""
    return _names().get(_key(name))
