"""The bot's dialogues (the guided /add, the typed answers of /settings) are built alike
here: a ConversationHandler per user in a chat, named so that a persistence layer can store
it, ended by an idle timeout, and left with /cancel, answered by one fallback. /cancel with
no dialogue to leave gets one answer too."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.i18n import N_, _
from handlers.common import reply

CANCEL = "cancel"
NOTHING_TO_CANCEL = N_("Nothing to cancel.")

Forget = Callable[[Update, BotContext], None]
"""Drops what a dialogue keeps in `user_data` / `chat_data`."""
DialogueHandler = BaseHandler[Update, BotContext, Any]
State = str | int | None
"""What a dialogue's step returns: the next state (the answer it waits for, a string),
`ConversationHandler.END` to end the dialogue, or None to stay where it is."""


def _cancel_fallback(answer: str, forget: Forget) -> CommandHandler[BotContext, object]:
    async def cancel(update: Update, context: BotContext) -> object:
        forget(update, context)
        await reply(update, _(answer))
        return ConversationHandler.END

    return CommandHandler(CANCEL, cancel)


def dialogue(
    name: str,
    *,
    entry_points: Sequence[DialogueHandler],
    states: dict[object, list[DialogueHandler]],
    timeout: timedelta,
    cancelled: str,
    forget: Forget,
    fallbacks: Sequence[DialogueHandler] = (),
    allow_reentry: bool = False,
) -> ConversationHandler[BotContext]:
    """/cancel ends the dialogue, drops its data (`forget`) and answers `cancelled`; it comes
    before the dialogue's own `fallbacks`."""
    with warnings.catch_warnings():
        # per_message=False on purpose: a dialogue is the user's in that chat, whichever
        # message its buttons are on (the guided /add's buttons carry its nonce instead).
        warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states=states,
            fallbacks=[_cancel_fallback(cancelled, forget), *fallbacks],
            allow_reentry=allow_reentry,
            per_chat=True,
            per_user=True,
            per_message=False,
            conversation_timeout=timeout,
            name=name,
        )


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await reply(update, _(NOTHING_TO_CANCEL))


def register(application: Application) -> None:
    """After every dialogue: /cancel that none of them took."""
    application.add_handler(CommandHandler(CANCEL, nothing_to_cancel))
