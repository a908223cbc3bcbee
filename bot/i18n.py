"""The interface's languages: English source strings in the code, Ukrainian and Russian
in gettext catalogs (`bot/locale/<lang>/LC_MESSAGES/diplobot.po`, kept with `make
messages`).

The catalogs are compiled in memory from the `.po` files when first used, so no compiled
`.mo` can be stale or missing on a fresh clone. The language of what is being written is a
context variable: set once per update from the reader's choice or their Telegram language,
and per recipient by the digest and alert jobs, so the services below need no language
argument."""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from importlib import resources
from io import BytesIO
from typing import Protocol

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ENGLISH = "en"
LANGUAGES = (ENGLISH, "uk", "ru")
"""Every language the interface speaks; English is the source and the fallback."""
LANGUAGE_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}
DOMAIN = "diplobot"

_current: ContextVar[str] = ContextVar("language", default=ENGLISH)


#: What readers type for a language besides its code: its name as /language's buttons
#: show it or in English, and "ua", Ukraine's country code, which many take for the language's.
_LANGUAGE_WORDS = {
    **{name.casefold(): code for code, name in LANGUAGE_NAMES.items()},
    "ukrainian": "uk",
    "russian": "ru",
    "ua": "uk",
}


def language_named(text: str) -> str | None:
    """The language `text` names: its code ("uk", "ru-RU"), its name ("Українська",
    "Russian") or "ua"; None for a language we do not speak, or no language."""
    word = text.strip().casefold()
    code = word.split("-")[0].split("_")[0]
    return code if code in LANGUAGES else _LANGUAGE_WORDS.get(word)


def language_of(code: str | None) -> str:
    """A language we speak for a Telegram `language_code` ("uk", "ru-RU", "de"): English
    unless it is Ukrainian or Russian."""
    base = (code or "").split("-")[0].split("_")[0].strip().lower()
    return base if base in LANGUAGES else ENGLISH


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalog, compiled from its `.po` once; fuzzy entries are left out."""
    if language not in LANGUAGES or language == ENGLISH:
        return gettext.NullTranslations()
    po = resources.files("bot").joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.po")
    with po.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def current() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """For the rest of the current task (an update's handling)."""
    _current.set(language if language in LANGUAGES else ENGLISH)


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """For one recipient of a job (a digest, an alert), then back to what it was."""
    token = _current.set(language if language in LANGUAGES else ENGLISH)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` (Ukrainian and Russian have three); `%(count)s` in the
    message is left for the caller to fill."""
    return translations(current()).ngettext(singular, plural, count)


class Renderable(Protocol):
    """A message made below the handlers (storage's `Wording` and errors): an English
    template marked for extraction, and its parameters."""

    def render(self, translate: Callable[[str], str], /) -> str: ...


def said(message: Renderable) -> str:
    """`message` in the current language."""
    return message.render(_)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined (a constant); `_` translates it
    where it is shown."""
    return message


def format_date(day: date, pattern: str) -> str:
    """A date in the current language, with a CLDR pattern ("d MMM y")."""
    return dates.format_date(day, pattern, locale=current())


def format_datetime(moment: datetime, pattern: str) -> str:
    return dates.format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=current())


def format_number(number: int | float) -> str:
    return numbers.format_decimal(number, locale=current())
