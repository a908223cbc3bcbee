"""Who may use the admins' commands: one filter, built from the application's settings and
set on every admin handler, and the answers for everyone else (a command that changes the
record, or one that only reads it)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import filters

from bot.config import Settings
from bot.context import BotContext
from bot.i18n import _
from bot.presentation.admin import REFUSED_CHANGE, REFUSED_READ
from handlers.common import reply

log = logging.getLogger(__name__)


class AdminFilter(filters.UpdateFilter):
    """The update comes from one of the configured admins: a message, a document or a
    button press alike (the user who acted, not the author of the message)."""

    __slots__ = ("_settings",)

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="admins")
        self._settings = settings

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        return self._settings.is_admin(user.id if user else None)


def _refused(update: Update) -> None:
    user = update.effective_user
    message = update.effective_message
    command = (message.text or message.caption or "").split(maxsplit=1)[:1] if message else []
    log.info("refused %s from non-admin %s", command[0] if command else "an update", user.id if user else None)


async def refuse_change(update: Update, context: BotContext) -> None:
    _refused(update)
    await reply(update, _(REFUSED_CHANGE))


async def refuse_read(update: Update, context: BotContext) -> None:
    _refused(update)
    await reply(update, _(REFUSED_READ))
