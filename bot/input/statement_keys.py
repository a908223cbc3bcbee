"""A statement as people name it, read from whatever the bot showed them: its number
(`23`, `#23` as replies say it, `№23` as Ukrainian and Russian write it), the tappable
`/statement_23` of lists, a share link (`https://t.me/bot?start=s23`) or its payload
(`s23`), and its ref (`s23` in the sample, `u1f2e…` for one added in the bot, any imported
ref), as cards, `diplobot ask --json`, imports and pictures show it. Which statement a key
names is the record's to say (`bot.record.statement_id`); nothing here reads the record."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.i18n import N_
from bot.input.labels import translated
from storage.validation import REF_PATTERN

_NUMBER = re.compile(r"^[#№]?(\d{1,12})$")
_SHORTCUT = re.compile(r"^/statement_(\d{1,12})(?:@\w+)?$")
#: The payload of a share link (bot.presentation.html.share_url): "s" and the number.
_SHARE = re.compile(r"^[sS](\d{1,12})$")
_LINK = re.compile(r"^(?:https?://)?(?:t|telegram)\.me/\w+/?\?start=(\S+)$", re.IGNORECASE)
#: The word before a ref on a card ("(ref s23)"; "(код s23)" in Ukrainian and Russian).
REF_WORD = N_("ref")


@functools.cache
def _ref_word() -> re.Pattern[str]:
    """ "ref s23" as a card shows it in any language of the interface (in brackets there)."""
    words = "|".join(re.escape(word) for word in dict.fromkeys(translated(REF_WORD)))
    return re.compile(rf"^(?:{words})\s*[:\s]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class StatementKey:
    """What was typed, read: the statement it numbers and the ref it may be (`s23` is
    both); `shown` names it in answers ("#23" for a number, else as typed)."""

    shown: str
    number: int | None = None
    ref: str | None = None


def statement_key(text: str) -> StatementKey | None:
    """The key `text` writes; None when it is no number, link or ref at all."""
    typed = _ref_word().sub("", text.strip().strip("()").strip())
    link = _LINK.match(typed)
    if link:
        typed = link.group(1)
    number = _NUMBER.match(typed) or _SHORTCUT.match(typed)
    if number:
        value = int(number.group(1))
        return StatementKey(f"#{value}", value)
    if not REF_PATTERN.match(typed):
        return None
    share = _SHARE.match(typed)
    return StatementKey(typed, int(share.group(1)) if share else None, typed)
