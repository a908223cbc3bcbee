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
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol, Self

from telegram import Bot, Update
from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput

from bot.context import DATABASE
from storage import chat_state
from storage.engine import Database
from storage.models import StateScope

log = logging.getLogger(__name__)

#: Seconds between PTB's own periodic writes. Every update already writes what it changed
#: when it ends; this is a safety net for changes made outside updates.
UPDATE_INTERVAL = 60.0
_TYPE = "__type__"

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CallbackData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class Stored(Protocol):
    """An object a dialogue keeps in its data, stored as a JSON object of its own."""

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self: ...


class StateCodec:
    """JSON for dialogue data: plain values as they are, dates as ISO strings tagged as
    dates, and the registered kinds of object by name. Anything else is refused when it is
    written, not silently lost."""

    def __init__(self, kinds: Mapping[str, type[Stored]]) -> None:
        self._kinds = dict(kinds)
        self._names = {kind: name for name, kind in kinds.items()}

    def encode(self, data: dict[str, Any]) -> dict[str, Any]:
        encoded = self._encode(data)
        assert isinstance(encoded, dict)
        return encoded

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, date):
            return {_TYPE: "date", "value": value.isoformat()}
        if isinstance(value, list | tuple):
            return [self._encode(item) for item in value]
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise TypeError("dialogue data keys must be strings")
            return {key: self._encode(item) for key, item in value.items()}
        name = self._names.get(type(value))
        if name is None:
            raise TypeError(f"{type(value).__name__} cannot be kept in dialogue data")
        return {_TYPE: name, "value": value.to_json()}

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value
        kind = value.get(_TYPE)
        if kind == "date":
            return date.fromisoformat(value["value"])
        if kind is not None:
            stored = self._kinds.get(kind)
            # A kind this release no longer knows (stored by an older one) reads as nothing.
            return stored.from_json(value["value"]) if stored is not None else None
        return {key: self.decode(item) for key, item in value.items()}


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

    async def _refresh(self, scope: StateScope, owner_id: int, data: dict[str, Any]) -> None:
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
        encoded = self._codec.encode(data)
        if self._loaded.pop((scope, owner_id), None) == _canonical(encoded):
            return
        await chat_state.save_data(self._database(), scope, owner_id, encoded)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        chat_id, user_id = _chat_and_user(key)
        state = None if new_state is None else str(new_state)
        await chat_state.set_dialogue_state(self._database(), chat_state.DialogueKey(name, chat_id, user_id), state)

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


Forget = Callable[[dict[str, Any], int], None]
"""Drops from a user's data what one of their dialogues keeps there for a chat."""
Expired = Callable[[Bot, int], Awaitable[None]]
"""Tells a chat that its user's dialogue ended for being idle."""


@dataclass(frozen=True)
class Idling:
    """How a dialogue ends when left idle: after `timeout` without an answer, its data
    dropped (`forget`) and the chat told (`expired`)."""

    timeout: timedelta
    forget: Forget
    expired: Expired


class SharedConversationHandler(ConversationHandler[Any]):
    """A dialogue whose step is kept in the record, for a user in a chat.

    PTB keeps the steps of a persistent ConversationHandler in memory and reads the stored
    ones only at start, with no hook to read one again; `adopt` is that hook, the one place
    that reaches into PTB's private `_conversations`. PTB's own idle timeout is a timer in
    one process, blind to answers given to another instance; an idle dialogue is ended
    instead by the instance that first finds its stored step too old (handlers.dialogues)."""

    def __init__(self, *, idling: Idling, **options: Any) -> None:
        super().__init__(persistent=True, per_chat=True, per_user=True, per_message=False, **options)
        self.idling = idling

    def adopt(self, key: tuple[int, int], state: str | None) -> None:
        """Takes the step stored for `key` (None: no dialogue under way) as the one to go on from."""
        steps = self._conversations
        if state is not None:
            # A TrackingDict once persistence is set up: what is read is not written back.
            steps.update_no_track({key: state})  # type: ignore[attr-defined]
        elif key in steps:
            del steps[key]

    async def handle_update(self, update: Update, application: Any, check_result: Any, context: Any) -> object:
        """An answer that leaves the dialogue on the same step is written too: it is what
        tells the other instances, and the idle check, that the dialogue is alive."""
        result = await super().handle_update(update, application, check_result, context)
        key = conversation_key(update)
        steps = self._conversations
        if key is not None and key in steps and hasattr(steps, "mark_as_accessed"):
            steps.mark_as_accessed(key)
        return result


def conversation_key(update: object) -> tuple[int, int] | None:
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return None
    return update.effective_chat.id, update.effective_user.id


class StatefulApplication(Application[Any, Any, Any, Any, Any, Any]):
    """Reads the update's dialogue steps from the record before any handler looks at it,
    and writes what the update changed when it is done, whichever way it arrived (the
    webhook, polling, the console)."""

    async def process_update(self, update: object) -> None:
        await self._adopt_steps(update)
        try:
            await super().process_update(update)
        finally:
            try:
                await self.update_persistence()
            except Exception:
                log.exception("chat state not saved")

    async def _adopt_steps(self, update: object) -> None:
        key = conversation_key(update)
        dialogues = [
            handler
            for handlers in self.handlers.values()
            for handler in handlers
            if isinstance(handler, SharedConversationHandler)
        ]
        if key is None or not dialogues:
            return
        database: Database = self.bot_data[DATABASE]
        steps = await chat_state.dialogue_states(database, *key)
        for dialogue in dialogues:
            dialogue.adopt(key, steps.get(dialogue.name or ""))
