"""A subscription's time zone as it is stored: an IANA name ("Europe/Kyiv", which follows
summer time and survives rule changes), or a fixed offset from UTC. IANA has fixed zones
for whole hours only ("Etc/GMT-3" is UTC+3: POSIX inverts the sign), so a whole-hour
offset is kept as that zone, and any other ("UTC+5:30", "UTC-3:30") as its own key,
"UTC+05:30", which `zone_of` reads back."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

Zone = ZoneInfo | timezone
"""What local times are computed in: an IANA zone or a fixed offset."""

#: The key of a fixed offset IANA has no zone for, as `datetime.timezone` names it.
_FIXED_KEY = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
#: The offsets clocks are set to somewhere: UTC-12 to UTC+14.
MIN_OFFSET_MINUTES, MAX_OFFSET_MINUTES = -12 * 60, 14 * 60


def fixed_zone(minutes: int) -> Zone:
    """The zone `minutes` east of UTC: IANA's own fixed zone for whole hours, else a
    fixed offset. Raises ValueError outside UTC-12..UTC+14."""
    if not MIN_OFFSET_MINUTES <= minutes <= MAX_OFFSET_MINUTES:
        raise ValueError(f"no clocks are set to {minutes} minutes from UTC")
    if minutes == 0:
        return ZoneInfo("Etc/UTC")
    hours, rest = divmod(abs(minutes), 60)
    if rest == 0:
        return ZoneInfo(f"Etc/GMT{'-' if minutes > 0 else '+'}{hours}")
    return timezone(timedelta(minutes=minutes))


def zone_of(key: str) -> Zone:
    """The zone a stored key names; ZoneInfoNotFoundError (a KeyError) for an unknown one."""
    match = _FIXED_KEY.match(key)
    if match is None:
        return ZoneInfo(key)
    sign, hours, minutes = match.groups()
    return fixed_zone((1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes)))


def as_zone(zone: Zone | str) -> Zone:
    return zone_of(zone) if isinstance(zone, str) else zone


def key_of(zone: Zone) -> str:
    """What is stored for `zone`: its IANA name, or "UTC+05:30" for a fixed offset."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    return zone.tzname(None)


def fixed_offset_minutes(key: str) -> int | None:
    """The offset east of UTC of a fixed zone's key ("Etc/GMT-3" -> 180, "UTC+05:30" ->
    330, "Etc/UTC" -> None: UTC is shown by name); None for a geographic zone."""
    etc = re.match(r"^Etc/GMT([+-])(\d{1,2})$", key)
    if etc is not None:
        sign, hours = etc.groups()
        return (-1 if sign == "+" else 1) * int(hours) * 60
    match = _FIXED_KEY.match(key)
    if match is not None:
        sign, hours, minutes = match.groups()
        return (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes))
    return None
