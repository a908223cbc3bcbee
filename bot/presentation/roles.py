"""A speaker's role in the reader's language. Roles are free text, recorded in English
with each statement ("US Secretary of State", "Defence Minister of Ukraine, head of
delegation"); the known ones and their parts are data (bot/data/vocabulary/roles.json),
and a role that is not, or has a part that is not, is shown as recorded: half a
translation would say less than the English."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

from bot.i18n import ENGLISH, LANGUAGES, current

_PARTS = re.compile(r"\s*[,;]\s*")
_US = re.compile(r"\bu\.s\.(?=\s|$)")


def _fold(role: str) -> str:
    """A role as roles are compared: lower case, one space, no final full stop, "U.S." as "US"."""
    return " ".join(_US.sub("us", role.casefold().replace("’", "'")).split()).strip(" .")


@functools.cache
def _roles(language: str) -> dict[str, str]:
    """Folded English role -> the role in `language`."""
    text = resources.files("bot").joinpath("data/vocabulary/roles.json").read_text(encoding="utf-8")
    known: dict[str, str] = {}
    for entry in json.loads(text)["roles"]:
        for english in entry["en"]:
            known.setdefault(_fold(english), entry[language])
    return known


def _part(english: str, translated: str) -> str:
    """A part after the first: in lower case when the English writes it so ("head of delegation")."""
    return translated[:1].lower() + translated[1:] if english[:1].islower() else translated


def translate_role(role: str, language: str) -> str:
    """`role` in `language`, or as recorded when it is not known (see the module)."""
    if language == ENGLISH or language not in LANGUAGES or not role.strip():
        return role
    known = _roles(language)
    whole = known.get(_fold(role))
    if whole is not None:
        return whole
    parts = [part for part in _PARTS.split(role.strip()) if part]
    translated = [known.get(_fold(part)) for part in parts]
    if len(parts) < 2 or any(part is None for part in translated):
        return role
    first, *rest = (part for part in translated if part is not None)
    return ", ".join([first, *(_part(english, part) for english, part in zip(parts[1:], rest, strict=True))])


def role_name(role: str) -> str:
    """`role` in the reader's language where roles.json knows it, else as recorded."""
    return translate_role(role, current())
