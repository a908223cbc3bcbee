"""Subscribers: the daily digest at their own local time."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

COMMANDS: list[BotCommand] = []


def register(application: Application) -> None:  # type: ignore[type-arg]
    return None


def schedule_digests(application: Application) -> None:  # type: ignore[type-arg]
    return None
