"""What every handler shares: sending HTML safely, and turning the record's input errors
into a plain answer that changes nothing."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from html import escape
from typing import Any, Concatenate, ParamSpec

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot.context import BotContext
from bot.i18n import said
from bot.presentation.html import split_message
from storage.errors import RecordError

P = ParamSpec("P")
Handler = Callable[Concatenate[Update, BotContext, P], Coroutine[Any, Any, None]]

MAX_QUERY = 1000


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message | None:
    """Sends `text` in as many messages as Telegram's limit needs; the keyboard goes on the
    last one. HTML without link previews: the application's `Defaults`."""
    chat = update.effective_chat
    if chat is None:
        return None
    pieces = split_message(text)
    sent = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await chat.send_message(piece, reply_markup=keyboard if last else None)
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
            await reply(update, f"⚠️ {escape(said(error), quote=False)}")

    return wrapper


def addressed_text(message: Message) -> str | None:
    """The text of a message meant for the bot, its @mention taken out: any text in a
    private chat; in a group, only one that mentions the bot or replies to it, as
    Telegram's privacy mode delivers them (the rest is talk among the members)."""
    text = message.text
    if text is None:
        return None
    if message.chat.type == ChatType.PRIVATE:
        return text
    bot = message.get_bot()
    mention = f"@{bot.username}"
    replied = message.reply_to_message
    replied_to_bot = bool(replied and replied.from_user and replied.from_user.id == bot.id)
    if mention.casefold() not in text.casefold() and not replied_to_bot:
        return None
    return re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE)


class _Addressed(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return addressed_text(message) is not None


ADDRESSED = _Addressed(name="ADDRESSED")
"""Text meant for the bot (`addressed_text`), what a dialogue waiting for typed text takes."""
