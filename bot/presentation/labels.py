"""The record's vocabulary as readers see it: topics, stances and statuses in the reader's
language (the record keeps the English keys), and a speaker's name in the reader's script
where the speakers' aliases (bot/data/actors.json) have one."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

from bot.i18n import ENGLISH, N_, _, current

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
}


def label(key: str) -> str:
    """A topic, stance or status key ("security_guarantees") as the reader's words."""
    known = _LABELS.get(key)
    return _(known) if known else key.replace("_", " ")


_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
_RUSSIAN_ENDING = re.compile(r"(?<!ь)(?:ский|цкий)\b")


def _is_cyrillic(alias: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in alias)


def _best(name: str, aliases: list[str], language: str) -> str | None:
    """The fullest alias written in the language, and no shorter than the recorded name (a
    surname alone would say less than the name in Latin letters): Ukrainian prefers its own
    letters and never takes Russian ones; Russian never takes Ukrainian ones."""
    mine, theirs = (_UKRAINIAN_ONLY, _RUSSIAN_ONLY) if language == "uk" else (_RUSSIAN_ONLY, _UKRAINIAN_ONLY)
    words = len(name.split())
    fitting = [
        alias for alias in aliases if _is_cyrillic(alias) and not theirs & set(alias) and len(alias.split()) >= words
    ]
    if language == "uk":
        fitting = [alias for alias in fitting if not _RUSSIAN_ENDING.search(alias)]
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
