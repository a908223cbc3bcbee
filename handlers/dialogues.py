"""The bot's dialogues (the guided /add, the typed answers of /settings) are built alike
here: a ConversationHandler per user in a chat whose step is kept in the record (so it
survives a restart and goes on on any instance), ended after a spell of idleness, and left
with /cancel, answered by one fallback. /cancel with no dialogue to leave gets one answer
too."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.chat_state.dialogues import Expired, Forget, Idling, SharedConversationHandler
from bot.context import BotContext
from bot.i18n import ENGLISH, N_, _, use_language
from handlers.common import reply
from storage import chat_state
from storage.models import StateScope, utcnow

log = logging.getLogger(__name__)

CANCEL = "cancel"
NOTHING_TO_CANCEL = N_("Nothing to cancel.")
#: How often each instance looks for idle dialogues and expired lists: a dialogue ends at
#: most this long after its timeout.
IDLE_CHECK_INTERVAL = timedelta(seconds=30)

DialogueHandler = BaseHandler[Update, BotContext, Any]
State = str | int | None
"""What a dialogue's step returns: the next state (the answer it waits for, a string),
`ConversationHandler.END` to end the dialogue, or None to stay where it is."""


def forget_in(context: BotContext, update: Update, forget: Forget) -> None:
    """Drops what a dialogue keeps for the update's chat from its user's data."""
    if context.user_data is not None and update.effective_chat is not None:
        forget(context.user_data, update.effective_chat.id)


def _cancel_fallback(answer: str, forget: Forget) -> CommandHandler[BotContext, object]:
    async def cancel(update: Update, context: BotContext) -> object:
        forget_in(context, update, forget)
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
    expired: Expired,
    fallbacks: Sequence[DialogueHandler] = (),
    allow_reentry: bool = False,
) -> SharedConversationHandler:
    """/cancel ends the dialogue, drops its data (`forget`) and answers `cancelled`; it comes
    before the dialogue's own `fallbacks`. Left idle for `timeout`, the dialogue ends, its
    data is dropped and `expired` tells the chat."""
    with warnings.catch_warnings():
        # per_message=False on purpose: a dialogue is the user's in that chat, whichever
        # message its buttons are on (the guided /add's buttons carry its nonce instead).
        warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
        return SharedConversationHandler(
            idling=Idling(timeout, forget, expired),
            entry_points=list(entry_points),
            states=states,
            fallbacks=[_cancel_fallback(cancelled, forget), *fallbacks],
            allow_reentry=allow_reentry,
            name=name,
        )


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await reply(update, _(NOTHING_TO_CANCEL))


async def end_idle_dialogues(context: BotContext) -> None:
    """Every instance runs this; the record hands each idle dialogue to one of them."""
    database = context.database
    for handlers in context.application.handlers.values():
        for handler in handlers:
            if not isinstance(handler, SharedConversationHandler) or handler.name is None:
                continue
            idling = handler.idling
            for key in await chat_state.end_idle_dialogues(database, handler.name, utcnow() - idling.timeout):
                forget = functools.partial(_forget_for_chat, idling.forget, key.chat_id)
                await chat_state.edit_data(database, StateScope.user, key.user_id, forget)
                try:
                    with use_language(await _language_of(context, key.user_id)):
                        await idling.expired(context.bot, key.chat_id)
                except TelegramError as error:
                    log.info("chat %s not told its dialogue ended: %s", key.chat_id, error)
    await context.pages.forget_expired()


async def _language_of(context: BotContext, user_id: int) -> str:
    """The language the user chose, read from the record: this runs outside their updates
    (a user who never chose gets English, their Telegram language being unknown here)."""
    data = await chat_state.load_data(context.database, StateScope.user, user_id)
    return str(data.get(chat_state.USER_LANGUAGE) or ENGLISH)


def _forget_for_chat(forget: Forget, chat_id: int, user_data: dict[str, Any]) -> None:
    forget(user_data, chat_id)


def schedule_idle_check(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            end_idle_dialogues, interval=IDLE_CHECK_INTERVAL, first=IDLE_CHECK_INTERVAL, name="end idle dialogues"
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After every dialogue: /cancel that none of them took."""
    application.add_handler(CommandHandler(CANCEL, nothing_to_cancel))
