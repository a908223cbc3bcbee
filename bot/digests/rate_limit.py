"""Spacing digest sends to Telegram's limits: one `RateLimiter` per bot keeps them to
`digest_rate` overall (30/s by default, 1000/s for paid broadcasts) and `1/digest_chat_rate`
apart per chat (1/s), groups at most 20 a minute, with margins."""

from __future__ import annotations

import asyncio
import math
import time as time_module
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings

Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]

GROUP_RATE = 20 / 60
FREE_BROADCAST_RATE = 30.0
#: Telegram counts messages by when they arrive, and the event loop moves a send by some
#: milliseconds: no more than floor(rate) sends are released in any window this long.
WINDOW_SECONDS = 1.03
#: Margin on the per-chat and per-group intervals, for the same reason; 5% still drew
#: per-chat 429s when the event loop was saturated (BENCHMARKS.md).
CHAT_MARGIN = 1.2
#: How many intervals the overall timeline may fall behind the clock: a send released
#: late lets this many go without waiting, so the average keeps to the rate (the window
#: still caps every second).
CATCH_UP_SLOTS = 4


class RateLimiter:
    """Spaces digest sends: about `rate` a second overall, `1/chat_rate` seconds apart per
    chat (groups no more than `group_rate`), each with a margin (`CHAT_MARGIN`).

    A send first waits for its chat's own slot, holding nothing, so a digest waiting a
    second between its parts delays no other chat; then it takes the next overall slot.
    Overall slots follow an ideal timeline `1/rate` apart that a late wake-up does not push
    back (up to `CATCH_UP_SLOTS` behind the clock), and no more than floor(rate) sends go in
    any `WINDOW_SECONDS`, so catching up never bursts past Telegram's limit. A chat's next
    slot counts from when its send actually went, not from when it was planned.
    Once Telegram has answered a send, `delivered(chat)` counts the chat's next slot from
    then. `hold(seconds)` (flood control) holds every send. Clock and sleep are injectable, so
    tests count instead of waiting."""

    def __init__(
        self,
        rate: float,
        chat_rate: float,
        *,
        group_rate: float = GROUP_RATE,
        clock: Clock = time_module.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        # Above Telegram's free 30 messages/s, only paid broadcasts are granted the rate.
        self.paid_broadcast = rate > FREE_BROADCAST_RATE
        self.chat_interval = CHAT_MARGIN / chat_rate
        self.group_interval = max(self.chat_interval, CHAT_MARGIN / group_rate)
        self.clock = clock
        self.sleep = sleep
        self._released: deque[float] = deque(maxlen=max(1, math.floor(rate + 1e-9)))
        self._gate = asyncio.Lock()
        self._ideal = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._held_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> RateLimiter:
        return cls(settings.digest_rate, settings.digest_chat_rate, **kwargs)

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Returns when a message to `chat_id` may go."""
        await self._wait_until(lambda: max(self._held_until, self._next_in_chat.get(chat_id, 0.0)))
        async with self._gate:
            await self._wait_until(self._next_overall)
            now = self.clock()
            self._released.append(now)
            self._ideal = max(self._ideal, now - CATCH_UP_SLOTS * self.interval) + self.interval
            self._next_in_chat[chat_id] = now + self._interval(chat_id)
            if len(self._next_in_chat) > 10_000:
                self._next_in_chat = {chat: due for chat, due in self._next_in_chat.items() if due > now}

    def delivered(self, chat_id: int) -> None:
        """Telegram answered a send to `chat_id`: its next slot counts from now. A send can
        wait for a connection after its release (the sender saturated, its sends queued),
        and if the next one did not, the two would reach Telegram closer than a second
        apart: 309 per-chat refusals in 18,286 messages from one sender at 1,000/s."""
        self._next_in_chat[chat_id] = max(self._next_in_chat.get(chat_id, 0.0), self.clock() + self._interval(chat_id))

    def _interval(self, chat_id: int) -> float:
        """Between two messages to a chat: groups (negative ids) have their own limit."""
        return self.group_interval if chat_id < 0 else self.chat_interval

    def _next_overall(self) -> float:
        released = self._released
        window_full = len(released) == released.maxlen
        return max(self._held_until, self._ideal, released[0] + WINDOW_SECONDS if window_full else 0.0)

    async def _wait_until(self, ready: Callable[[], float]) -> None:
        """Sleeps until `ready()` has passed; asked again after each sleep, since a hold may
        have moved it meanwhile."""
        while (delay := ready() - self.clock()) > 0:
            await self.sleep(delay)
