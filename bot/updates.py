"""How updates are scheduled: different chats at once, one chat in order.

A question spends most of its time in SQLite, PostgreSQL, the model's C engine and numpy, which
all release the GIL, so readers in different chats can be answered side by side on
several cores. Within one chat, order matters: a guided `/add` dialogue, a page button
and the next question must each see what the previous update left behind, which is why
PTB's plain concurrent processing (any update at any time) is not enough.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: Updates being worked on at once, all chats together. Beyond a few per core, more only
#: add memory and database connections.
MAX_RUNNING_UPDATES = 8
#: Updates accepted from Telegram and not yet done, waiting ones included. Bounds memory
#: when one chat floods the bot: its updates wait their turn without holding a running
#: place that other chats need.
MAX_PENDING_UPDATES = 256


def chat_key(update: object) -> int | None:
    """The conversation an update belongs to: its chat, or its sender where Telegram gives
    no chat (inline queries, callbacks from inline messages). None: no order to keep."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and those of one chat one after the
    other, in the order they arrived."""

    def __init__(self, running: int = MAX_RUNNING_UPDATES, pending: int = MAX_PENDING_UPDATES) -> None:
        super().__init__(pending)
        self._running = asyncio.Semaphore(running)
        # The last update queued for each chat; the next one waits for it. A chat's entry
        # goes away when its last queued update is done, so the map holds busy chats only.
        self._last_in_chat: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        previous = self._last_in_chat.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last_in_chat[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._running:
                await coroutine
        except asyncio.CancelledError:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never started, nothing to undo
            raise
        finally:
            done.set_result(None)
            if self._last_in_chat.get(key) is done:
                del self._last_in_chat[key]

    async def initialize(self) -> None:
        """Nothing to open: the per-chat queue lives in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""
