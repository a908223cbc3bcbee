"""A clock for code that takes its clock and sleep as arguments (the digest limiter)."""

from __future__ import annotations

import asyncio


class FakeTime:
    """A clock that only moves when someone sleeps: rate limits are counted, not waited."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
