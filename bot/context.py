"""The callback context every handler receives: the application's services by name, so
handlers never dig in `bot_data` by string key."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.presentation.paging import PageStore
from storage.engine import Database

SETTINGS = "settings"
DATABASE = "database"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[str, Any]]):
    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS]

    @property
    def database(self) -> Database:
        return self.bot_data[DATABASE]

    @property
    def pages(self) -> PageStore:
        return PageStore(self.database)


BotApplication = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], dict[str, Any], Any]
