"""The digest limiter under load, in virtual time: an event loop whose clock jumps to the
next timer whenever every task waits, so thousands of sends are scheduled exactly as on
a real clock, in milliseconds, and the same every run. Each test lets chats send their
digests' parts at once, as the tick's workers do, and checks the release times against
Telegram's limits: per chat, per group, and any one-second window overall."""

from __future__ import annotations

import asyncio
import itertools
import random
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from bot.config import Settings
from bot.digests.rate_limit import CHAT_MARGIN, WINDOW_SECONDS, RateLimiter

T = TypeVar("T")


class _Selector(selectors.DefaultSelector):
    """Waits no real time: a wait for the next timer moves the loop's clock there."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self.loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            raise RuntimeError("every task waits and no timer is set")
        self.loop.now += timeout
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_Selector(self))

    def time(self) -> float:
        return self.now


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())


async def send_parts(limiter: RateLimiter, parts: dict[int, int]) -> list[tuple[float, int]]:
    """Every chat sends its parts one after the other, all chats at once; the release
    times, with the chat, in the order they happened."""
    loop = asyncio.get_running_loop()
    released: list[tuple[float, int]] = []

    async def chat(chat_id: int, count: int) -> None:
        for _ in range(count):
            await limiter.acquire(chat_id)
            released.append((loop.time(), chat_id))

    await asyncio.gather(*(chat(chat_id, count) for chat_id, count in parts.items()))
    return released


def paced(rate: float) -> RateLimiter:
    """A limiter on the running loop's (virtual) clock, 1 message a second per chat."""
    return RateLimiter(rate, 1.0, clock=asyncio.get_running_loop().time, sleep=asyncio.sleep)


def most_in_one_second(times: list[float]) -> int:
    """The most releases any closed one-second window holds."""
    times = sorted(times)
    most = start = 0
    for end, at in enumerate(times):
        while times[start] < at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def gaps_per_chat(released: list[tuple[float, int]]) -> dict[int, list[float]]:
    last: dict[int, float] = {}
    gaps: dict[int, list[float]] = {}
    for at, chat_id in released:
        if chat_id in last:
            gaps.setdefault(chat_id, []).append(at - last[chat_id])
        last[chat_id] = at
    return gaps


def assert_within_limits(released: list[tuple[float, int]], rate: int) -> None:
    """Telegram's limits with the limiter's margin: a second between two messages to a
    chat, three to a group (20 a minute); no more than `rate` in any one second."""
    for chat_id, gaps in gaps_per_chat(released).items():
        assert min(gaps) >= (3.0 if chat_id < 0 else 1.0) * CHAT_MARGIN - 1e-9, chat_id
    assert most_in_one_second([at for at, _ in released]) <= rate


def audience(count: int, seed: int = 3) -> dict[int, int]:
    """Chats with one to four parts each, one in ten of them a group (negative id)."""
    rng = random.Random(seed)
    return {
        (-(index + 1) if rng.random() < 0.1 else index + 1): rng.choice((1, 1, 1, 2, 2, 3, 4)) for index in range(count)
    }


def test_per_chat_and_group_spacing_and_the_overall_window_hold_under_load() -> None:
    parts = audience(2000)

    async def main() -> list[tuple[float, int]]:
        return await send_parts(paced(30), parts)

    released = run(main)
    assert len(released) == sum(parts.values())
    assert_within_limits(released, 30)
    # While there is enough to send, the window costs ~3% of the rate and nothing more.
    first_minute = sum(1 for at, _ in released if at < 60.0)
    assert first_minute >= 0.97 * 30 * 60


def test_a_chat_waiting_between_its_parts_does_not_hold_the_others() -> None:
    parts = {1: 5, **{chat_id: 1 for chat_id in range(2, 31)}}

    async def main() -> list[tuple[float, int]]:
        return await send_parts(paced(30), parts)

    released = run(main)
    others = [at for at, chat_id in released if chat_id != 1]
    # 29 other chats at 30 a second: all of them within the first second...
    assert max(others) < 1.0
    # ...while chat 1's parts go a second (and the margin) apart.
    assert [at for at, chat_id in released if chat_id == 1] == pytest.approx([CHAT_MARGIN * n for n in range(5)])


def test_a_chats_next_slot_counts_from_when_telegram_answered() -> None:
    """A send that waited 0.5 s for a connection after its release reached Telegram late:
    the chat's next part goes a second (and the margin) after the answer, not after the
    release, or the two would arrive 0.7 s apart."""

    async def main() -> list[float]:
        limiter = paced(30)
        loop = asyncio.get_running_loop()
        released = []
        for _ in range(3):
            await limiter.acquire(7)
            released.append(loop.time())
            await asyncio.sleep(0.5)  # queued for a connection, then answered
            limiter.delivered(7)
        return released

    released = run(main)
    assert [later - earlier for earlier, later in itertools.pairwise(released)] == pytest.approx(
        [0.5 + CHAT_MARGIN] * 2
    )


def test_late_wake_ups_catch_up_without_bursting() -> None:
    rng = random.Random(11)

    async def late_sleep(seconds: float) -> None:
        # The event loop wakes a sleeper late: mostly by a few ms, sometimes by 100 ms.
        await asyncio.sleep(seconds + (0.1 if rng.random() < 0.05 else rng.uniform(0.0, 0.01)))

    parts = audience(2000, seed=5)

    async def main() -> list[tuple[float, int]]:
        loop = asyncio.get_running_loop()
        slow = RateLimiter(30, 1, clock=loop.time, sleep=late_sleep)
        return await send_parts(slow, parts)

    released = run(main)
    assert_within_limits(released, 30)
    # Late sends are made up for: the first minute still carries 96% of the rate (a
    # timeline that every late wake-up pushed back would carry 79% here).
    assert sum(1 for at, _ in released if at < 60.0) >= 0.95 * 30 * 60


def test_paid_broadcast_rate_and_the_window_at_1000_a_second() -> None:
    async def main() -> list[tuple[float, int]]:
        return await send_parts(paced(1000), {chat_id: 1 for chat_id in range(1, 2501)})

    released = run(main)
    times = [at for at, _ in released]
    assert times[:5] == pytest.approx([0.0, 0.001, 0.002, 0.003, 0.004])
    assert most_in_one_second(times) <= 1000
    assert times[1000] == pytest.approx(WINDOW_SECONDS)


def test_flood_control_holds_every_send_including_chats_waiting_for_their_slot() -> None:
    async def main() -> list[tuple[float, int]]:
        limiter = paced(30)
        await limiter.acquire(1)
        limiter.hold(5.0)
        return await send_parts(limiter, {1: 1, 2: 1, 3: 1})

    assert min(at for at, _ in run(main)) >= 5.0


def test_a_hold_while_waiting_at_the_gate_is_honoured() -> None:
    async def main() -> list[tuple[float, int]]:
        limiter = paced(1)  # one a second: the second chat waits at the gate

        async def flood() -> None:
            await asyncio.sleep(0.5)
            limiter.hold(10.0)

        released, _ = await asyncio.gather(send_parts(limiter, {1: 1, 2: 1}), flood())
        return released

    assert [at for at, _ in run(main)] == pytest.approx([0.0, 10.5])


def test_limits_come_from_the_settings() -> None:
    paid = RateLimiter.from_settings(Settings(DIPLOBOT_DIGEST_RATE=1000, DIPLOBOT_DIGEST_CHAT_RATE=2))
    assert paid.paid_broadcast and paid.interval == pytest.approx(0.001)
    assert paid.chat_interval == pytest.approx(0.5 * CHAT_MARGIN)
    assert paid.group_interval == pytest.approx(3.0 * CHAT_MARGIN)
    assert not RateLimiter.from_settings(Settings()).paid_broadcast
