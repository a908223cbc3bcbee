"""Inline mode: `@bot words` in any chat answers with the statements that match, `@bot`
alone with the latest (bot/presentation/inline.py). Operators switch inline mode on with
BotFather (/setinline); Telegram sends no inline queries before that."""

from __future__ import annotations

from telegram import InlineQueryResultsButton, Update
from telegram.ext import Application, InlineQueryHandler

from bot.context import BotContext
from bot.i18n import N_, _
from bot.presentation.inline import CACHE_SECONDS, START_PARAMETER, InlinePage, inline_page
from storage.errors import RecordError

NOTHING_FOUND = N_("Nothing in the record matches: ask me in a private chat")


async def inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    try:
        page = await inline_page(context.database, query.query, query.offset, context.bot.username)
    except RecordError:  # e.g. a filter with a bad value: nothing matches it
        page = InlinePage([], None)
    button = None
    if not page.results and not query.offset:
        button = InlineQueryResultsButton(text=_(NOTHING_FOUND), start_parameter=START_PARAMETER)
    await query.answer(
        page.results, cache_time=CACHE_SECONDS, is_personal=True, next_offset=page.next_offset, button=button
    )


def register(application: Application) -> None:
    application.add_handler(InlineQueryHandler(inline_query))
