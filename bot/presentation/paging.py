"""Paged result lists behind inline buttons. Telegram allows 64 bytes of callback data,
less than a question; the listing is kept in the record under a short key instead, so a
button works on whichever instance receives it, and after a restart."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import _
from bot.presentation.callbacks import PageButton
from storage import chat_state
from storage.engine import Database
from storage.models import utcnow

PAGE_SIZE = 5
#: How long a list's buttons keep working; older ones say the list has expired.
LISTING_LIFETIME = timedelta(days=7)
#: Random bytes of a key: 96 bits, so a key cannot be guessed from any other.
KEY_BYTES = 12


@dataclass(frozen=True)
class Listing:
    """What a list shows: a kind of listing ("search", "ask", "actor", ...) and its argument."""

    kind: str
    argument: str


class PageStore:
    """Listings by key. A key is random and bound to the chat whose list it is: pressed
    anywhere else, or after LISTING_LIFETIME, its button tells the reader the list has
    expired (the question that made it is never shown to anyone else)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def remember(self, listing: Listing, chat_id: int) -> str:
        key = secrets.token_urlsafe(KEY_BYTES)
        await chat_state.save_listing(self._database, key, chat_id, listing.kind, listing.argument)
        return key

    async def recall(self, key: str, chat_id: int) -> Listing | None:
        found = await chat_state.load_listing(self._database, key, chat_id, utcnow() - LISTING_LIFETIME)
        return Listing(*found) if found is not None else None

    async def forget_expired(self) -> int:
        return await chat_state.forget_listings(self._database, utcnow() - LISTING_LIFETIME)


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
