"""The record's vocabulary as readers see it: topics, stances, statuses and sides in the
reader's language (the record keeps the English keys), a speaker's name in the reader's
script where the speakers' aliases (bot/data/actors.json) have one, and a place by its
name in the reader's language where bot/data/vocabulary/places.json gives one."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from bot.i18n import ENGLISH, N_, _, current, ngettext
from storage.actors import UNKNOWN_SIDE
from storage.errors import Translate, Wording

_LABELS = {
    # topics
    "peace_terms": N_("peace terms"),
    "security_guarantees": N_("security guarantees"),
    "ceasefire": N_("ceasefire"),
    "territory": N_("territory"),
    "nato": N_("NATO"),
    "foreign_troops": N_("foreign troops"),
    "sanctions": N_("sanctions"),
    "prisoners": N_("prisoners"),
    "talks": N_("talks"),
    "battlefield": N_("battlefield"),
    # stances
    "demand": N_("demand"),
    "condition": N_("condition"),
    "proposal": N_("proposal"),
    "offer": N_("offer"),
    "commitment": N_("commitment"),
    "acceptance": N_("acceptance"),
    "rejection": N_("rejection"),
    "assessment": N_("assessment"),
    "warning": N_("warning"),
    "appeal": N_("appeal"),
    "claim": N_("claim"),
    "denial": N_("denial"),
    # statuses
    "reported": N_("reported"),
    "confirmed": N_("confirmed"),
    "contested": N_("contested"),
    "denied": N_("denied"),
    "retracted": N_("retracted"),
    # kinds of link
    "contradicts": N_("contradicts"),
    "responds_to": N_("responds to"),
}


#: A count of statements of one stance, "2 conditions", in the forms each language has for
#: it (Ukrainian and Russian have three); each is written out for the catalogs.
_STANCE_COUNTS: dict[str, Callable[[int], str]] = {
    "demand": lambda count: ngettext("{count} demand", "{count} demands", count),
    "condition": lambda count: ngettext("{count} condition", "{count} conditions", count),
    "proposal": lambda count: ngettext("{count} proposal", "{count} proposals", count),
    "offer": lambda count: ngettext("{count} offer", "{count} offers", count),
    "commitment": lambda count: ngettext("{count} commitment", "{count} commitments", count),
    "acceptance": lambda count: ngettext("{count} acceptance", "{count} acceptances", count),
    "rejection": lambda count: ngettext("{count} rejection", "{count} rejections", count),
    "assessment": lambda count: ngettext("{count} assessment", "{count} assessments", count),
    "warning": lambda count: ngettext("{count} warning", "{count} warnings", count),
    "appeal": lambda count: ngettext("{count} appeal", "{count} appeals", count),
    "claim": lambda count: ngettext("{count} claim", "{count} claims", count),
    "denial": lambda count: ngettext("{count} denial", "{count} denials", count),
}


def stance_count(stance: str, count: int) -> str:
    """`count` statements of `stance`: "1 condition", "2 conditions", "5 умов"."""
    counted = _STANCE_COUNTS.get(stance)
    if counted is None:
        return f"{label(stance)}: {count}"
    return counted(count).format(count=count)


def label(key: str) -> str:
    """A topic, stance, status or link key ("security_guarantees") as the reader's words."""
    return _translated(_LABELS, key, key.replace("_", " "))


def label_message(key: str) -> str | None:
    """The English label a topic, stance, status or link key is translated from (None: none)."""
    return _LABELS.get(key)


def _translated(known: dict[str, str], key: str, otherwise: str) -> str:
    message = known.get(key)
    return _(message) if message else otherwise


#: The parties of bot/data/vocabulary/sides.json as readers see them (the record keeps the
#: English name), and the side a new speaker's statement is left with until an admin sets
#: it; a side the record names but this list does not is shown as recorded.
_SIDES = {
    "Russia": N_("Russia"),
    "Ukraine": N_("Ukraine"),
    "United States": N_("United States"),
    "United Kingdom": N_("United Kingdom"),
    "France": N_("France"),
    "Germany": N_("Germany"),
    "Poland": N_("Poland"),
    "Italy": N_("Italy"),
    "Spain": N_("Spain"),
    "Netherlands": N_("Netherlands"),
    "Belgium": N_("Belgium"),
    "Sweden": N_("Sweden"),
    "Finland": N_("Finland"),
    "Denmark": N_("Denmark"),
    "Norway": N_("Norway"),
    "Estonia": N_("Estonia"),
    "Latvia": N_("Latvia"),
    "Lithuania": N_("Lithuania"),
    "Hungary": N_("Hungary"),
    "Slovakia": N_("Slovakia"),
    "Czech Republic": N_("Czech Republic"),
    "Romania": N_("Romania"),
    "Bulgaria": N_("Bulgaria"),
    "Greece": N_("Greece"),
    "Austria": N_("Austria"),
    "Portugal": N_("Portugal"),
    "Ireland": N_("Ireland"),
    "Switzerland": N_("Switzerland"),
    "Moldova": N_("Moldova"),
    "Belarus": N_("Belarus"),
    "Georgia": N_("Georgia"),
    "Turkey": N_("Turkey"),
    "China": N_("China"),
    "India": N_("India"),
    "Japan": N_("Japan"),
    "Canada": N_("Canada"),
    "Australia": N_("Australia"),
    "Iran": N_("Iran"),
    "North Korea": N_("North Korea"),
    "Saudi Arabia": N_("Saudi Arabia"),
    "Qatar": N_("Qatar"),
    "United Arab Emirates": N_("United Arab Emirates"),
    "Israel": N_("Israel"),
    "Brazil": N_("Brazil"),
    "South Africa": N_("South Africa"),
    "Holy See": N_("Holy See"),
    "NATO": N_("NATO"),
    "United Nations": N_("United Nations"),
    "G7": N_("G7"),
    "European Union": N_("European Union"),
    "Europe": N_("Europe"),
    "the West": N_("the West"),
    UNKNOWN_SIDE: N_("unknown"),
}


def side_name(side: str) -> str:
    """A side as the record spells it ("United States") in the reader's language."""
    return _translated(_SIDES, side, side)


def side_message(side: str) -> str | None:
    """The English name a side is translated from; None for a side this list lacks."""
    return _SIDES.get(side)


_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
_RUSSIAN_ENDING = re.compile(r"(?<!ь)(?:ский|цкий)\b")
_UKRAINIAN_ENDING = re.compile(r"(?:ський|цький)\b")


def _is_cyrillic(alias: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in alias)


def _best(name: str, aliases: list[str], language: str) -> str | None:
    """The fullest alias written in the language, of two words or more when the recorded
    name has them (a surname alone would say less than the name in Latin letters; an
    institution's name may take fewer words in translation): Ukrainian prefers its own
    letters and never takes Russian ones or endings (-ский); Russian never takes Ukrainian
    ones (-ський)."""
    mine, theirs = (_UKRAINIAN_ONLY, _RUSSIAN_ONLY) if language == "uk" else (_RUSSIAN_ONLY, _UKRAINIAN_ONLY)
    words = min(len(name.split()), 2)
    fitting = [
        alias for alias in aliases if _is_cyrillic(alias) and not theirs & set(alias) and len(alias.split()) >= words
    ]
    ending = _RUSSIAN_ENDING if language == "uk" else _UKRAINIAN_ENDING
    fitting = [alias for alias in fitting if not ending.search(alias)]
    if not fitting:
        return None
    return max(fitting, key=lambda alias: (len(alias.split()), bool(mine & set(alias))))


@functools.cache
def _names(language: str) -> dict[str, str]:
    text = resources.files("bot").joinpath("data/actors.json").read_text("utf-8")
    aliases: dict[str, list[str]] = json.loads(text)
    found = {name: _best(name, names, language) for name, names in aliases.items()}
    return {name: alias for name, alias in found.items() if alias}


def speaker_name(name: str) -> str:
    """`name` in the reader's script when its aliases have it, else as recorded."""
    language = current()
    if language == ENGLISH:
        return name
    return _names(language).get(name, name)


class SpeakerName(Wording):
    """A speaker's name inside a message made below the handlers (a refusal's "did you
    mean …?"), shown as cards show it; `str()` gives the name as recorded."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def render(self, translate: Translate) -> str:
        return speaker_name(self.name)

    def __str__(self) -> str:
        return self.name


@functools.cache
def _place_names(language: str) -> dict[str, str]:
    text = resources.files("bot").joinpath("data/vocabulary/places.json").read_text("utf-8")
    entries: list[dict[str, Any]] = json.loads(text)["places"]
    return {
        str(entry["place"]).casefold(): str(entry["names"][language])
        for entry in entries
        if language in entry.get("names", {})
    }


def place_name(place: str) -> str:
    """A place as the record spells it ("Crimea") by its name in the reader's language
    ("Крим", "Крым"); as recorded where places.json gives it none."""
    language = current()
    if language == ENGLISH:
        return place
    return _place_names(language).get(place.casefold(), place)
