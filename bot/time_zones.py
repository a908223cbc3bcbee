"""Time zones by the names readers give: "Kyiv", "new_york", "Київ", "Москва" as well as
"Europe/Kyiv", or by their offset from UTC: "UTC+3", "GMT-5", "+03:00". A subscription
always stores the IANA name, which survives DST rule changes; an offset is kept as the fixed
zone IANA has for it ("Etc/GMT-3" is UTC+3: POSIX inverts the sign), which readers are
shown as the offset they gave (`shown_zone`)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from zoneinfo import available_timezones

#: The areas of geographic IANA names; "US/Eastern" and the like name no city.
_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


#: "UTC+3", "gmt-5", "+03:00", "UTC +3": whole hours only, as the Etc zones are.
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$", re.IGNORECASE)
_ETC_OFFSET = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")


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


def _offset_zone(name: str) -> str | None:
    """The fixed zone of an offset ("UTC+3" -> "Etc/GMT-3"), if IANA has one: whole hours
    from UTC-12 to UTC+14."""
    match = _OFFSET.match(name.strip())
    if match is None:
        return None
    sign, hours = match.groups()
    if int(hours) == 0:
        return "Etc/UTC"
    zone = f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
    return zone if zone in available_timezones() else None


def zone_named(name: str) -> str | None:
    """The IANA name `name` stands for, if any."""
    return _offset_zone(name) or _names().get(_key(name))


def shown_zone(zone: str) -> str:
    """How a stored zone is shown to readers: a fixed offset as "UTC+3" rather than its
    inverted IANA name "Etc/GMT-3"; any other zone by its IANA name."""
    match = _ETC_OFFSET.match(zone)
    if match is None:
        return zone
    sign, hours = match.groups()
    return f"UTC{'-' if sign == '+' else '+'}{int(hours)}"
