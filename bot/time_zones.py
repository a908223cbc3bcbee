"""Time zones by the names readers give: "Kyiv", "new_york", "Київ", "Москва" as well as
"Europe/Kyiv", or by their offset from UTC: "UTC+3", "GMT-5", "+03:00", "UTC+5:30"; with
the words readers put around them ("за Києвом", "по Москве", "in Kyiv", "Kyiv time"). A
subscription stores the IANA name, which survives DST rule changes, or a fixed offset
(storage.zones), which readers are shown as the offset they gave (`shown_zone`). The
names and words are data: bot/data/time_zone_names.json."""

from __future__ import annotations

import difflib
import functools
import json
import re
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from storage.zones import fixed_offset_minutes, fixed_zone, key_of

#: The areas of geographic IANA names; "US/Eastern" and the like name no city.
_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


#: The vowels of Ukrainian and Russian: a name's last one may change in another case.
_VOWELS = "аеєиіїоуюяыэё"
_CYRILLIC = re.compile("[\u0400-\u04ff]")

#: "UTC+3", "gmt-5", "+03:00", "UTC +3", "UTC+5:30", "+0545": hours, and quarter hours.
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:[:.]?(00|15|30|45))?$", re.IGNORECASE)


def _key(name: str) -> str:
    return "_".join(name.replace("-", " ").split()).casefold()


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("bot").joinpath("data/time_zone_names.json").read_text("utf-8"))
    return data


@functools.cache
def _fillers() -> frozenset[str]:
    return frozenset(_key(word) for word in _data()["fillers"])


def zone_words(name: str) -> str:
    """`name` without the words around a zone that name none ("за Києвом" -> "Києвом",
    "по киевскому времени" -> "киевскому"); as given when nothing else is left."""
    words = [word for word in name.split() if _key(word) not in _fillers()]
    return " ".join(words) if words else name.strip()


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
    names.update({_key(name): zone for name, zone in _data()["names"].items()})
    names.update({_key(zone): zone for zone in zones})
    return names


def _offset_zone(name: str) -> str | None:
    """The key of an offset's fixed zone ("UTC+3" -> "Etc/GMT-3", "UTC+5:30" ->
    "UTC+05:30"), from UTC-12 to UTC+14."""
    match = _OFFSET.match(name.strip())
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    offset = (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes or 0))
    try:
        return key_of(fixed_zone(offset))
    except ValueError:
        return None


@functools.cache
def _stems() -> dict[str, str]:
    """Every stem a Cyrillic city name takes a case ending on -> its zone ("харків" gives
    "харків" and "харков", "одеса" gives "одеса" and "одес"), as 'inflection' in
    bot/data/time_zone_names.json says. Where two names give one stem the longer name's
    zone is kept."""
    rules = _data()["inflection"]
    stems: dict[str, str] = {}
    for name, zone in sorted(_names().items(), key=lambda item: len(item[0])):
        if not _CYRILLIC.search(name):
            continue
        dropped = next((end for end in sorted(rules["name_endings"], key=len, reverse=True) if name.endswith(end)), "")
        stem = name[: len(name) - len(dropped)]
        found = {name, stem}
        vowel_at = max((stem.rfind(vowel) for vowel in rules["vowel_changes"]), default=-1)
        if vowel_at >= 0 and not any(letter in _VOWELS for letter in stem[vowel_at + 1 :]):
            found.update(
                stem[:vowel_at] + change + stem[vowel_at + 1 :] for change in rules["vowel_changes"][stem[vowel_at]]
            )
        stems.update({each: zone for each in found if len(each) >= rules["min_stem"]})
    return stems


def _inflected(key: str) -> str | None:
    """The zone of a Ukrainian or Russian city name in another case ("житомиром",
    "харкові", "москве", "одесі"): a stem (`_stems`) and one of the case endings of
    bot/data/time_zone_names.json. The longest stem decides."""
    if not _CYRILLIC.search(key):
        return None
    endings = sorted(_data()["inflection"]["case_endings"], key=len)
    for ending in endings:
        zone = _stems().get(key[: len(key) - len(ending)]) if key.endswith(ending) else None
        if zone is not None:
            return zone
    return None


def zone_named(name: str) -> str | None:
    """The key (storage.zones) of the zone `name` stands for, if any: as written, else
    without the words around it (`zone_words`), else as a city's name with a case ending."""
    found = _offset_zone(name) or _names().get(_key(name))
    bare = zone_words(name)
    if found is None and bare != name.strip():
        found = _offset_zone(bare) or _names().get(_key(bare))
    return found or _inflected(_key(bare))


def _offset_shown(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def shown_zone(zone: str) -> str:
    """How a stored zone is shown to readers: a fixed offset as "UTC+3" or "UTC+5:30"
    rather than its inverted IANA name "Etc/GMT-3" or its key "UTC+05:30"; UTC itself
    ("UTC+0", "GMT" are kept as Etc/UTC) as "UTC", as the default zone shows; any other
    zone by its IANA name."""
    if zone == "Etc/UTC":
        return "UTC"
    minutes = fixed_offset_minutes(zone)
    return zone if minutes is None else _offset_shown(minutes)


def fixed_abbreviation(zone: str) -> tuple[str, str] | None:
    """For a zone named by an abbreviation whose offset never changes ("EST": UTC-5 all
    year, also when New York's clocks are on summer time), its offset as shown ("UTC-5")
    and the city zone to follow instead ("America/New_York"); None for any other zone."""
    city = _data()["fixed_abbreviations"].get(zone)
    if city is None:
        return None
    offset = ZoneInfo(zone).utcoffset(datetime.now(UTC).replace(tzinfo=None))
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return _offset_shown(minutes), str(city)


def is_fixed_offset(zone: str) -> bool:
    """Whether a stored zone is a fixed offset, whose clocks never change for summer time."""
    return fixed_offset_minutes(zone) is not None


def nearest_zone(name: str) -> str | None:
    """The zone whose name is nearest to a name no zone has ("Kiyv" -> "Europe/Kyiv"),
    as readers are shown it; None when no name is near enough to be a likely slip. A
    region ("Europe") has no nearest city, and a longer word is not a slip of a name it
    starts with ("Eastern" is not Easter Island), and a slip keeps the first letter. An
    abbreviation IANA does not know ("PST") is taken for the city zone it is used for
    ("America/Los_Angeles")."""
    bare = zone_words(name)
    for abbreviation, city in _data()["abbreviations"].items():
        if _key(abbreviation) == _key(bare):
            return str(city)
    key = _key(bare)
    if key in {area.casefold() for area in _AREAS}:
        return None
    found = [
        near
        for near in difflib.get_close_matches(key, _names(), n=3, cutoff=0.75)
        if near[:1] == key[:1]
        and not key.startswith(near)
        # Two letters swapped ("Kiyv") are as near as one letter dropped from a longer name.
        and (len(near) == len(key) or difflib.SequenceMatcher(None, key, near).ratio() >= 0.8)
    ]
    if found:
        return shown_zone(_names()[found[0]])
    return _nearest_inflected(key)


def _nearest_inflected(key: str) -> str | None:
    """The zone of the city a Cyrillic name in another case is a slip of ("Ландоні":
    London, "Харкиві": Kyiv): the name without its case ending near a city's stem, with
    the same first letter."""
    if not _CYRILLIC.search(key):
        return None
    for ending in sorted(_data()["inflection"]["case_endings"], key=len, reverse=True):
        stem = key[: len(key) - len(ending)] if key.endswith(ending) else ""
        if len(stem) < _data()["inflection"]["min_stem"]:
            continue
        near = [found for found in difflib.get_close_matches(stem, _stems(), n=3, cutoff=0.8) if found[:1] == stem[:1]]
        if near:
            return shown_zone(_stems()[near[0]])
    return None
