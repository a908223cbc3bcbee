"""Building blocks of the digest tests: a record and subscribers at known times, the
tick run against the Telegram double on a fake clock, the delivery rows."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import col, select
from telegram import Bot

from bot.digests.rate_limit import RateLimiter
from bot.digests.tick import TickReport, send_due
from storage.engine import Database
from storage.models import DigestDelivery, Statement, Subscriber
from storage.statements import add_statement
from storage.subscriptions import subscribe
from storage.validation import validate_statement
from tests.support.clock import FakeTime
from tests.support.telegram import TelegramDouble

KYIV = "Europe/Kyiv"
# Subscriptions are made at noon UTC on 1 Sep 2025; 08:00 in Kyiv (UTC+3) is 05:00 UTC.
SUBSCRIBED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
FIRST_DUE = datetime(2025, 9, 2, 5, 0, tzinfo=UTC)
TOKEN = "123456:digest-tests"

_refs = itertools.count(1)


async def record(
    database: Database,
    speaker: str = "Vladimir Putin",
    topics: str = "ceasefire",
    text: str | None = None,
    said_on: str = "2025-08-20",
    side: str = "Russia",
) -> Statement:
    number = next(_refs)
    data = validate_statement(
        {
            "ref": f"d{number}",
            "speaker": speaker,
            "side": side,
            "said_on": said_on,
            "topics": topics,
            "text": text or f"Statement number {number} by {speaker} on {topics}.",
            "source": "Test wire",
        }
    )
    return await add_statement(database, data, "test")


async def subscribe_chat(
    database: Database, chat_id: int, at: str = "08:00", zone: str = KYIV, now: datetime = SUBSCRIBED_AT
) -> Subscriber:
    hours, minutes = (int(part) for part in at.split(":"))
    result = await subscribe(
        database,
        chat_id,
        "private" if chat_id > 0 else "group",
        digest_time=time(hours, minutes),
        zone=zone,
        default_time=time(8, 0),
        default_zone="UTC",
        now=now,
    )
    return result.subscriber


class Telegram:
    """A Bot on the double, and a tick runner with the fake clock."""

    def __init__(self, database: Database, api: TelegramDouble, bot: Bot, clock: FakeTime) -> None:
        self.database = database
        self.api = api
        self.bot = bot
        self.clock = clock
        self.limiter = RateLimiter(30, 1, clock=clock.clock, sleep=clock.sleep)

    async def tick(self, now: datetime, **kwargs: Any) -> TickReport:
        kwargs.setdefault("limiter", self.limiter)
        kwargs.setdefault("concurrency", 1)
        return await send_due(self.bot, self.database, now, **kwargs)


async def deliveries(database: Database, subscriber_id: int | None = None) -> list[DigestDelivery]:
    async with database.read() as session:
        query = select(DigestDelivery).order_by(col(DigestDelivery.id))
        if subscriber_id is not None:
            query = query.where(DigestDelivery.subscriber_id == subscriber_id)
        return list((await session.exec(query)).all())


@contextlib.asynccontextmanager
async def telegram_on(database: Database) -> AsyncIterator[Telegram]:
    """A Bot on a fresh Telegram double with a fake clock, ticking on `database`."""
    clock = FakeTime()
    api = TelegramDouble(clock)
    async with Bot(TOKEN, request=api, get_updates_request=api) as bot:
        yield Telegram(database, api, bot, clock)
