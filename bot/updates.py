"""How updates are scheduled: different chats at once, one chat in order, and no chat or
sender able to crowd out the others.

A question spends most of its time in SQLite, PostgreSQL, the model's C engine and numpy, which
all release the GIL, so readers in different chats can be answered side by side on
several cores. Within one chat, order matters: a guided `/add` dialogue, a page button
and the next question must each see what the previous update left behind, which is why
PTB's plain concurrent processing (any update at any time) is not enough.

A flood (hundreds of messages from one user, or from one busy group) must not delay
anyone else nor spend the bot's sending budget (about 30 messages a second in all) on
answers nobody reads: each sender has an allowance (a burst, then one message a second);
beyond it their updates are dropped and they are told once to slow down. Each chat keeps
at most a few updates waiting; beyond that its updates are dropped.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

#: Updates being worked on at once, all chats together. Beyond a few per core, more only
#: add memory and database connections.
MAX_RUNNING_UPDATES = 8
#: Updates accepted and not yet done, all chats together: bounds memory. Dropped updates
#: leave at once, and no chat holds more than MAX_QUEUED_PER_CHAT, so one chat never fills it.
MAX_PENDING_UPDATES = 1024
#: Updates of one chat accepted and not yet done (the running one included).
MAX_QUEUED_PER_CHAT = 20
#: Messages a sender may send at once, and how many a second after that.
SENDER_BURST = 20
SENDER_RATE = 1.0
SLOW_DOWN = "You are sending messages too fast; please wait a few seconds."


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


def sender_key(update: object) -> int | None:
    """Who sent an update a person sends (a message, a button, a query); None for what
    Telegram reports on its own, such as the bot being added to a chat."""
    if not isinstance(update, Update) or update.effective_user is None:
        return None
    if update.my_chat_member is not None or update.chat_member is not None:
        return None
    return update.effective_user.id


class Verdict(Enum):
    admit = "admit"
    warn = "warn"  # over the allowance, for the first time since it was last full
    drop = "drop"


@dataclass
class _Allowance:
    tokens: float
    at: float
    warned: bool = False


class SenderLimit:
    """A token bucket per sender: `burst` at once, then `rate` a second. A sender over it
    is warned once; the warning is owed again only after they slowed down enough for the
    bucket to fill up."""

    def __init__(self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self._senders: dict[int, _Allowance] = {}

    def admit(self, sender: int) -> Verdict:
        now = self.clock()
        allowance = self._senders.get(sender)
        if allowance is None:
            allowance = self._senders[sender] = _Allowance(float(self.burst), now)
        allowance.tokens = min(float(self.burst), allowance.tokens + (now - allowance.at) * self.rate)
        allowance.at = now
        if allowance.tokens >= self.burst:
            allowance.warned = False
        if allowance.tokens >= 1:
            allowance.tokens -= 1
            return Verdict.admit
        if allowance.warned:
            return Verdict.drop
        allowance.warned = True
        return Verdict.warn

    def forget_idle(self) -> None:
        """Drops senders whose allowance is full again: they are as good as new."""
        now = self.clock()
        full = [
            sender
            for sender, allowance in self._senders.items()
            if allowance.tokens + (now - allowance.at) * self.rate >= self.burst
        ]
        for sender in full:
            del self._senders[sender]

    def __len__(self) -> int:
        return len(self._senders)


async def tell_to_slow_down(update: object) -> None:
    """The one answer a flooding sender gets: a toast on a button, a message otherwise."""
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SLOW_DOWN)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(SLOW_DOWN)
    except TelegramError as error:
        log.warning("could not ask a sender to slow down: %s", error)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and those of one chat one after the
    other, in the order they arrived; drops what a sender sends beyond their allowance,
    and what a chat has beyond MAX_QUEUED_PER_CHAT waiting."""

    #: Senders remembered before the full allowances are forgotten.
    SENDERS_KEPT = 10_000

    def __init__(
        self,
        running: int = MAX_RUNNING_UPDATES,
        pending: int = MAX_PENDING_UPDATES,
        *,
        per_chat: int = MAX_QUEUED_PER_CHAT,
        burst: int = SENDER_BURST,
        rate: float = SENDER_RATE,
        clock: Callable[[], float] = time.monotonic,
        slow_down: Callable[[object], Awaitable[None]] = tell_to_slow_down,
    ) -> None:
        super().__init__(pending)
        self._running = asyncio.Semaphore(running)
        self._per_chat = per_chat
        self._senders = SenderLimit(burst, rate, clock)
        self._slow_down = slow_down
        # The last update queued for each chat; the next one waits for it. A chat's entry
        # goes away when its last queued update is done, so the map holds busy chats only.
        self._last_in_chat: dict[int, asyncio.Future[None]] = {}
        self._queued_in_chat: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        sender = sender_key(update)
        if sender is not None:
            verdict = self._senders.admit(sender)
            if len(self._senders) > self.SENDERS_KEPT:
                self._senders.forget_idle()
            if verdict is not Verdict.admit:
                _discard(coroutine)
                log.debug("dropped an update from sender %s over their allowance", sender)
                if verdict is Verdict.warn:
                    log.info("sender %s is sending too fast; their updates are dropped for now", sender)
                    await self._slow_down(update)
                return
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        if self._queued_in_chat.get(key, 0) >= self._per_chat:
            _discard(coroutine)
            log.info("dropped an update of chat %s: %d of its updates are waiting already", key, self._per_chat)
            return
        self._queued_in_chat[key] = self._queued_in_chat.get(key, 0) + 1
        previous = self._last_in_chat.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last_in_chat[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._running:
                await coroutine
        except asyncio.CancelledError:
            _discard(coroutine)  # cancelled while waiting: never started, nothing to undo
            raise
        finally:
            done.set_result(None)
            if self._last_in_chat.get(key) is done:
                del self._last_in_chat[key]
            self._queued_in_chat[key] -= 1
            if not self._queued_in_chat[key]:
                del self._queued_in_chat[key]

    async def initialize(self) -> None:
        """Nothing to open: the per-chat queue lives in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def _discard(coroutine: Awaitable[Any]) -> None:
    """An update's handling that will never run: closed, so Python does not warn that it
    was never awaited."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
