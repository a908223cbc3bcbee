"""Admins change the record: add, edit, retract, link, import, export, stats."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

COMMANDS: list[BotCommand] = []


def register(application: Application) -> None:  # type: ignore[type-arg]
    return None
