"""Telegram handlers: parse the update, call a service, render.

`register_all` is the one place where every handler is registered, in the order that
decides which handler an update goes to: within a group the first handler that matches
takes it, and all of them are in the default group."""

from __future__ import annotations

from telegram.ext import Application

from handlers import admin, alerts, channels, dialogues, inline, language, positions, readers, settings, subscribers
from handlers.errors import error_handler


def register_all(application: Application) -> None:
    """The reader's language first (a group of its own, before every other); commands
    and buttons next; then the dialogues (the typed answers of /settings before
    the guided /add, so that text typed for /settings is never an answer to /add); then
    /cancel with no dialogue to leave; last the catch-alls, plain text as a question and
    unknown commands. The error handler sees whatever escaped a handler."""
    language.register(application)
    readers.register(application)
    positions.register(application)
    subscribers.register(application)
    alerts.register(application)
    channels.register(application)
    inline.register(application)
    settings.register(application)
    admin.register(application)
    dialogues.register(application)
    readers.register_plain_text(application)
    application.add_error_handler(error_handler)
