"""Inline mode (`@bot words` in any chat): the statements that answer the words, or the
latest when there are none, as articles that cite speaker, date and source, each posting
the statement with its share link. Shared by the handler and its tests."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from bot.answering.ask import answer
from bot.answering.search_words import alternatives, read_search_words, with_speakers
from bot.i18n import _
from bot.input.search_syntax import parse_search
from bot.presentation.html import said_on, share_url, split_message, statement_shared
from bot.presentation.labels import speaker_name
from bot.record_names import checked_query
from storage.engine import Database
from storage.models import Statement
from storage.search import search
from storage.statements import latest

#: Results per answer; Telegram asks for the next page with the offset we give it.
INLINE_PAGE = 10
#: How far a reader may page; beyond it the record has better ways (/search).
MAX_INLINE_OFFSET = 200
DESCRIPTION_LIMIT = 160
#: How long Telegram may keep an answer for the same words: for that reader only
#: (`is_personal=True`: dates and buttons are in their language), and fresh enough for
#: what was just recorded.
CACHE_SECONDS = 30
#: The deep link of the button shown when nothing matches (`/start inline`): the private
#: chat, with its welcome.
START_PARAMETER = "inline"


@dataclass(frozen=True)
class InlinePage:
    results: list[InlineQueryResultArticle]
    #: The offset Telegram sends back for more; None when there is no more.
    next_offset: str | None


def parse_offset(offset: str) -> int:
    """Telegram echoes our `next_offset`; anything else counts as the first page."""
    return int(offset) if offset.isdigit() and int(offset) <= MAX_INLINE_OFFSET else 0


async def _found(database: Database, words: str, offset: int) -> tuple[list[Statement], int]:
    """Words as a question (`answer`), or as a search when they carry `/search` filters
    (`speaker:putin ceasefire`); no words: the latest statements."""
    if not words:
        return await latest(database, limit=INLINE_PAGE, offset=offset)
    parsed = await checked_query(database, lambda sides: parse_search(words, sides))
    if not parsed.filters.is_empty:
        # Read as /search reads them: Ukrainian and Russian words in the record's English too.
        found = alternatives(await read_search_words(database, parsed.text))
        filters = await with_speakers(database, parsed.filters)
        page = await search(database, found, filters, limit=INLINE_PAGE, offset=offset)
        return page.statements, page.total
    result = await answer(database, words, limit=INLINE_PAGE, offset=offset)
    return result.statements, result.total


def _description(statement: Statement) -> str:
    text = " ".join(statement.text.split())
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1] + "…"
    return f"{text} — {statement.source}"


def article(statement: Statement, bot_username: str) -> InlineQueryResultArticle:
    """One result: who and when as its title, what and where from as its description;
    chosen, it posts the statement with its share link and a button that opens it."""
    url = share_url(bot_username, statement.id)
    return InlineQueryResultArticle(
        id=f"s{statement.id}",
        title=f"{speaker_name(statement.speaker)} · {said_on(statement.said_on, statement.date_precision)}",
        description=_description(statement),
        input_message_content=InputTextMessageContent(
            split_message(statement_shared(statement, bot_username))[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Open in {bot}").format(bot=f"@{bot_username}"), url=url)]]
        ),
    )


async def inline_page(database: Database, words: str, offset: str, bot_username: str) -> InlinePage:
    start = parse_offset(offset)
    statements, total = await _found(database, " ".join(words.split()), start)
    end = start + len(statements)
    more = bool(statements) and end < total and end <= MAX_INLINE_OFFSET
    return InlinePage([article(statement, bot_username) for statement in statements], str(end) if more else None)
