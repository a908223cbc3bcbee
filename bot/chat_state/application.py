"""The Application that reads chat state from the record before an update and writes it
back after, holding none of it in memory between updates."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application

from bot.chat_state.dialogues import SharedConversationHandler, conversation_key
from bot.chat_state.persistence import DatabasePersistence
from bot.context import DATABASE
from storage import chat_state
from storage.engine import Database
from storage.models import StateScope

log = logging.getLogger(__name__)
T = TypeVar("T")


class StatefulApplication(Application[Any, Any, Any, Any, Any, Any]):
    """Reads the update's dialogue steps from the record before any handler looks at it,
    writes what the update changed when it is done, whichever way it arrived (the webhook,
    polling, the console), and then forgets it: between updates a process holds no chat
    state, so memory does not grow with every chat that ever wrote."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Updates under way per user, chat and dialogue: their state is forgotten when the
        # last of them is done and written.
        self._users: Counter[int] = Counter()
        self._chats: Counter[int] = Counter()
        self._steps: Counter[tuple[int, int]] = Counter()

    async def process_update(self, update: object) -> None:
        user, chat, key = _holders(update)
        self._users.update(user)
        self._chats.update(chat)
        self._steps.update(key)
        try:
            await self._adopt_steps(update)
            await super().process_update(update)
        finally:
            try:
                await self.update_persistence()
            except Exception:
                log.exception("chat state not saved")
            self._forget_idle(user, chat, key)

    def _dialogues(self) -> list[SharedConversationHandler]:
        return [
            handler
            for handlers in self.handlers.values()
            for handler in handlers
            if isinstance(handler, SharedConversationHandler)
        ]

    async def _adopt_steps(self, update: object) -> None:
        """The dialogues' steps, and the user's and chat's data for PTB's refresh, in one
        read; a dialogue under way is then claimed as answered now (`touch_dialogues`), so
        that the idle check leaves it alone while its answer is handled."""
        key = conversation_key(update)
        if key is None:
            return
        database: Database = self.bot_data[DATABASE]
        state = await chat_state.update_state(database, *key)
        steps = await chat_state.touch_dialogues(database, *key) if state.steps else {}
        for dialogue in self._dialogues():
            dialogue.adopt(key, steps.get(dialogue.name or ""))
        if isinstance(self.persistence, DatabasePersistence):
            chat_id, user_id = key
            self.persistence.began_from(key, steps)
            self.persistence.prefetched(StateScope.user, user_id, state.user)
            self.persistence.prefetched(StateScope.chat, chat_id, state.chat)

    def _forget_idle(self, users: list[int], chats: list[int], keys: list[tuple[int, int]]) -> None:
        """PTB keeps user and chat data in its private dicts for good; what the record
        holds needs no copy in memory once no update of theirs is under way."""
        persistence = self.persistence if isinstance(self.persistence, DatabasePersistence) else None
        for user in _done(self._users, users):
            self._user_data.pop(user, None)
            if persistence is not None:
                persistence.release(StateScope.user, user)
        for chat in _done(self._chats, chats):
            self._chat_data.pop(chat, None)
            if persistence is not None:
                persistence.release(StateScope.chat, chat)
        for key in _done(self._steps, keys):
            for dialogue in self._dialogues():
                dialogue.release(key)
            if persistence is not None:
                persistence.release_steps(key)


def _done(under_way: Counter[T], holders: list[T]) -> list[T]:
    """Counts these holders' update as done; returns those with none left under way."""
    under_way.subtract(holders)
    idle = [holder for holder in holders if under_way[holder] <= 0]
    for holder in idle:
        del under_way[holder]
    return idle


def _holders(update: object) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """The user, chat and dialogue key whose state the update may touch (each list empty or one)."""
    if not isinstance(update, Update):
        return [], [], []
    user = [update.effective_user.id] if update.effective_user is not None else []
    chat = [update.effective_chat.id] if update.effective_chat is not None else []
    key = conversation_key(update)
    return user, chat, [key] if key is not None else []
