"""What every handler shares: sending HTML safely, refusing non-admins, and turning the
record's input errors into a plain answer that changes nothing."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Concatenate, ParamSpec

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.context import BotContext
from bot.presentation.html import split_message
from storage.errors import RecordError

log = logging.getLogger(__name__)
P = ParamSpec("P")
Handler = Callable[Concatenate[Update, BotContext, P], Awaitable[None]]

MAX_QUERY = 1000


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Sends `text` (HTML) in as many messages as Telegram's limit needs; the keyboard goes
    on the last one."""
    chat = update.effective_chat
    if chat is None:
        return None
    pieces = split_message(text)
    sent = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await chat.send_message(
            piece, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None,
            disable_web_page_preview=True,
        )
    return sent


def who(update: Update) -> str:
    user = update.effective_user
    return f"tg:{user.id}" if user else "tg:unknown"


def command_argument(update: Update) -> str:
    """The text after the command, as typed (spaces and line breaks kept)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    if not text.startswith("/"):
        return text.strip()
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def answers_errors(handler: Handler[P]) -> Handler[P]:
    """A `RecordError` (bad input, unknown id, conflict) becomes the user's answer."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(update, context, *args, **kwargs)
        except RecordError as error:
            await reply(update, f"⚠️ {escape(str(error), quote=False)}")

    return wrapper


def admins_only(handler: Handler[P]) -> Handler[P]:
    """Only the configured admins change the record; everyone else is told so."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext, *args: P.args, **kwargs: P.kwargs) -> None:
        user = update.effective_user
        if not context.settings.is_admin(user.id if user else None):
            log.info("refused %s from non-admin %s", handler.__name__, user.id if user else None)
            await reply(update, "⛔ Only the bot's admins can change the record.")
            return
        await handler(update, context, *args, **kwargs)

    return wrapper
