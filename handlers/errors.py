"""The last resort: log what went wrong (never the token: httpx is held at WARNING and the
log handler masks it) and tell the user briefly, without a stack trace."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter

from bot.context import BotContext
from bot.i18n import N_, _

log = logging.getLogger(__name__)

SORRY = N_("Sorry, something went wrong on my side. It has been logged; please try again later.")
#: Telegram gives a token's updates to one consumer: one long-polling process, or a webhook.
#: A second `diplobot run` polling with the token takes them in turns with this one.
SECOND_CONSUMER = (
    "another program takes this bot's updates (Telegram: %s): only one `diplobot run` may poll per "
    "token, and none while a webhook is set; stop the other one, or run every instance with "
    "--webhook-url (README, Webhook mode)"
)


async def error_handler(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, BadRequest):
        log.warning("Telegram refused a request: %s", error)
    elif isinstance(error, Forbidden):
        log.info("cannot write to a chat: %s", error)
        return
    elif isinstance(error, RetryAfter):
        log.warning("flood control: retry after %s s", error.retry_after)
        return
    elif isinstance(error, Conflict):
        log.error(SECOND_CONSUMER, error.message)
        return
    elif isinstance(error, NetworkError):
        log.warning("network error talking to Telegram: %s", error)
        return
    else:
        log.error("unhandled error while processing an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(_(SORRY))
        except (BadRequest, Forbidden, NetworkError):
            log.warning("could not tell the user about the error")
