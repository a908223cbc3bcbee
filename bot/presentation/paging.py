"""Paged result lists behind inline buttons. Telegram allows 64 bytes of callback data,
less than a question; the listing is kept here under a short key instead."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _
from bot.presentation.callbacks import PageButton

PAGE_SIZE = 5


@dataclass(frozen=True)
class Listing:
    """What a list shows: a kind of listing ("search", "ask", "actor", ...) and its argument."""

    kind: str
    argument: str


class PageStore:
    """The most recent listings, oldest forgotten first; a button of a forgotten listing
    tells the reader to run the command again."""

    def __init__(self, capacity: int = 5000) -> None:
        self._capacity = capacity
        self._listings: OrderedDict[str, Listing] = OrderedDict()
        self._keys = itertools.count(1)

    def remember(self, listing: Listing) -> str:
        key = format(next(self._keys), "x")
        self._listings[key] = listing
        while len(self._listings) > self._capacity:
            self._listings.popitem(last=False)
        return key

    def recall(self, key: str) -> Listing | None:
        return self._listings.get(key)


def page_keyboard(key: str, offset: int, shown: int, total: int, size: int = PAGE_SIZE) -> InlineKeyboardMarkup | None:
    return paging_keyboard(lambda to: PageButton(key, to).encode(), offset, shown, total, size)


def paging_keyboard(
    button: Callable[[int], str], offset: int, shown: int, total: int, size: int = PAGE_SIZE
) -> InlineKeyboardMarkup | None:
    """Previous / next, each with the callback data `button(offset)` of the page it shows."""
    buttons = []
    if offset > 0:
        buttons.append(InlineKeyboardButton("◀ " + _("Previous"), callback_data=button(max(0, offset - size))))
    if offset + shown < total:
        buttons.append(InlineKeyboardButton(_("Next") + " ▶", callback_data=button(offset + size)))
    return InlineKeyboardMarkup([buttons]) if buttons else None
