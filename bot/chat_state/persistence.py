"""python-telegram-bot's persistence, kept in the record (SQLite or PostgreSQL) instead of
a process's memory: dialogues and what they keep survive a restart, and several instances
behind one webhook share them.

PTB's own model loads everything once at start and writes it back now and then; with two
instances each would work on its own stale copy. Here nothing is loaded at start: a
user's and a chat's data are read afresh when an update of theirs begins
(`refresh_user_data`, `refresh_chat_data`), the step of their dialogues likewise (see
handlers/dialogues.py), and whatever the update changed is written when it ends (the
update processor calls `Application.update_persistence`). Data is stored as JSON; the
few kinds of object a dialogue keeps (a draft statement) say how they are stored."""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.chat_state.codec import StateCodec
from storage import chat_state
from storage.engine import Database
from storage.models import StateScope

#: Seconds between PTB's own periodic writes. Every update already writes what it changed
#: when it ends; this is a safety net for changes made outside updates.
UPDATE_INTERVAL = 60.0
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CallbackData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """User and chat data and dialogue steps in the record, once `attach`ed to it: the
    record is opened after the application is built (in `post_init`), before any update."""

    def __init__(self, codec: StateCodec) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=UPDATE_INTERVAL,
        )
        self._attached: Database | None = None
        self._codec = codec
        # What each user's and chat's data was when its update began, as stored: only what
        # an update changed is written back. Entries live from the start of an update to
        # its end.
        self._loaded: dict[tuple[StateScope, int], str] = {}
        self._prefetched: dict[tuple[StateScope, int], dict[str, Any]] = {}
        # The dialogue steps each update began from, by (chat, user): a step is written
        # only over the one its update began from.
        self._began: dict[tuple[int, int], dict[str, str]] = {}

    def attach(self, database: Database) -> None:
        self._attached = database

    def _database(self) -> Database:
        if self._attached is None:
            raise RuntimeError("chat state used before the record was opened")
        return self._attached

    # -- read when an update begins ---------------------------------------------------

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        await self._refresh(StateScope.user, user_id, user_data)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        await self._refresh(StateScope.chat, chat_id, chat_data)

    def began_from(self, key: tuple[int, int], steps: dict[str, str]) -> None:
        """The dialogues' steps the update about to begin for this chat and user goes on from."""
        self._began[key] = steps

    def prefetched(self, scope: StateScope, owner_id: int, stored: dict[str, Any]) -> None:
        """Data already read for the update about to begin: its refresh reads nothing more."""
        self._prefetched[(scope, owner_id)] = stored

    async def _refresh(self, scope: StateScope, owner_id: int, data: dict[str, Any]) -> None:
        stored = self._prefetched.pop((scope, owner_id), None)
        if stored is None:
            stored = await chat_state.load_data(self._database(), scope, owner_id)
        self._loaded[(scope, owner_id)] = _canonical(stored)
        data.clear()
        data.update(self._codec.decode(stored))

    # -- written when it ends -------------------------------------------------------

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._update(StateScope.user, user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._update(StateScope.chat, chat_id, data)

    async def _update(self, scope: StateScope, owner_id: int, data: dict[str, Any]) -> None:
        """Writes what an update under way changed. Data no update under way has read is
        not theirs but PTB's empty stand-in: it marks a concurrent update's user and chat
        for writing once more when the update's task ends, after this process let their
        data go, and writing that would wipe what the record holds."""
        loaded = self._loaded.get((scope, owner_id))
        if loaded is None:
            return
        encoded = self._codec.encode(data)
        if loaded == _canonical(encoded):
            return
        await chat_state.save_data(self._database(), scope, owner_id, encoded)
        self._loaded[(scope, owner_id)] = _canonical(encoded)

    def release(self, scope: StateScope, owner_id: int) -> None:
        """The update that read this data is over (whether it wrote it or not)."""
        self._loaded.pop((scope, owner_id), None)
        self._prefetched.pop((scope, owner_id), None)

    def release_steps(self, key: tuple[int, int]) -> None:
        """The updates of this chat and user are over."""
        self._began.pop(key, None)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        chat_id, user_id = _chat_and_user(key)
        state = None if new_state is None else str(new_state)
        continuing = self._began.get((chat_id, user_id), {}).get(name)
        dialogue = chat_state.DialogueKey(name, chat_id, user_id)
        await chat_state.set_dialogue_state(self._database(), dialogue, state, continuing=continuing)

    async def drop_user_data(self, user_id: int) -> None:
        await chat_state.save_data(self._database(), StateScope.user, user_id, {})

    async def drop_chat_data(self, chat_id: int) -> None:
        await chat_state.save_data(self._database(), StateScope.chat, chat_id, {})

    # -- nothing is loaded at start: each update reads its own --------------------------

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_conversations(self, name: str) -> ConversationDict:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> CallbackData | None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """bot_data holds the process's services, never stored."""

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """bot_data holds the process's services, never stored."""

    async def update_callback_data(self, data: CallbackData) -> None:
        """Callback data is not stored: buttons carry their own (bot.presentation.callbacks)."""

    async def flush(self) -> None:
        """Every write has gone to the record already."""


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _chat_and_user(key: ConversationKey) -> tuple[int, int]:
    """Every dialogue here is per user in a chat (per_chat and per_user, not per_message)."""
    chat_id, user_id = key
    return int(chat_id), int(user_id)
