"""Many digests in progress per sender, and several senders on one database, in process
on SQLite and PostgreSQL: the parts of other chats go while one chat waits for its slot,
no row stays locked while a chat waits, two senders share a tick (PostgreSQL only), and a sender that
stops mid-digest leaves its deliveries to the next one without losing or doubling more
than the documented one message per digest (bot/digests/tick.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from bot.digests.compose import DigestKey, compose
from bot.digests.rate_limit import CHAT_MARGIN, RateLimiter
from bot.digests.tick import TickReport, send_due
from bot.local.bot_api import BOT_USER
from storage.engine import Database
from storage.models import DeliveryState, Topic
from tests.conftest import on_postgresql_only
from tests.support.digests import FIRST_DUE, Telegram, deliveries, record, subscribe_chat


async def long_digests(database: Database, chats: range) -> list[str]:
    """`chats` subscribed to every topic, and a record since whose digest has several
    parts: the parts each of them is due."""
    subscribers = [await subscribe_chat(database, chat_id) for chat_id in chats]
    last = None
    for topic in Topic:
        for number in range(4):
            last = await record(database, topics=topic.value, text=f"{topic.value} {number}. " + "Long text, " * 60)
    assert last is not None
    key = DigestKey.of(subscribers[0], subscribers[0].cursor, last.id or 0)
    parts = (await compose(database, key, bot_username=BOT_USER["username"])).parts
    assert len(parts) >= 3
    return parts


def at_most_one_again(received: list[str], parts: list[str]) -> bool:
    """Every part once, in order, except at most one sent again right after itself: the
    part Telegram accepted just before its sender stopped, before it was recorded."""
    return received == parts or any(received == [*parts[:k], *parts[k - 1 :]] for k in range(1, len(parts) + 1))


class LockChecking(RateLimiter):
    """A limiter that, before a chat's later part waits for its slot, checks that no
    transaction holds that chat's subscriber row (PostgreSQL): a chat waiting a second
    between its parts must hold nothing another sender or a reader's change would wait on."""

    def __init__(self, database: Database, telegram: Telegram) -> None:
        super().__init__(30, 1, clock=telegram.clock.clock, sleep=telegram.clock.sleep)
        self.database = database
        self.telegram = telegram
        self.checked = 0

    async def acquire(self, chat_id: int) -> None:
        if self.database.is_postgresql and self.telegram.api.delivered(chat_id):
            async with self.database.write() as session:
                query = text("SELECT id FROM subscriber WHERE chat_id = :chat FOR UPDATE NOWAIT")
                assert (await session.exec(query, params={"chat": chat_id})).all()  # type: ignore[call-overload]
            self.checked += 1
        await super().acquire(chat_id)


async def test_other_chats_parts_go_while_one_waits_for_its_slot(database: Database, telegram: Telegram) -> None:
    chats = range(900, 920)
    parts = await long_digests(database, chats)
    limiter = LockChecking(database, telegram)
    report = await telegram.tick(FIRST_DUE, limiter=limiter, concurrency=60)
    assert (report.sent, report.messages) == (len(chats), len(chats) * len(parts))
    for chat_id in chats:
        assert telegram.api.delivered(chat_id) == parts
    # Every chat's first part went before any chat's second: no chat's wait for its own
    # slot held up the others.
    assert sorted(telegram.api.attempts[: len(chats)]) == list(chats)
    # Telegram's per-chat limit still holds for each chat.
    for chat_id in chats:
        times = [at for chat, at in telegram.api.sent_at if chat == chat_id]
        assert all(later - earlier >= CHAT_MARGIN - 1e-9 for earlier, later in zip(times, times[1:], strict=False))
    if database.is_postgresql:
        assert limiter.checked == len(chats) * (len(parts) - 1)


async def _other_process(database: Database, db_engine: str) -> Database:
    """A second Database on the same data, as a second bot process has."""
    if db_engine == "sqlite":
        return Database(database.url)
    async with database.read() as session:
        connection = await session.connection()
        search_path = (await connection.exec_driver_sql("SHOW search_path")).scalar_one()
    return Database(database.url, connect_args={"server_settings": {"search_path": search_path}})


@on_postgresql_only
async def test_two_senders_share_a_tick_of_long_digests(database: Database, telegram: Telegram, db_engine: str) -> None:
    """On SQLite one process sends: test_digest_exactly_once.py."""
    chats = range(1000, 1040)
    parts = await long_digests(database, chats)
    other = await _other_process(database, db_engine)
    telegram.api.latency = 0.002  # a round trip, so that the two interleave

    async def tick(db: Database) -> TickReport:
        # Ten chats in progress each, claimed five at a time; one bot's limit shared, 50 a
        # second per chat: the parts of a digest 24 ms apart.
        return await send_due(telegram.bot, db, FIRST_DUE, concurrency=10, limiter=RateLimiter(1000, 50))

    try:
        reports = await asyncio.gather(tick(database), tick(other))
    finally:
        await other.close()
    for chat_id in chats:
        assert telegram.api.delivered(chat_id) == parts
    assert sum(report.sent for report in reports) == len(chats)
    assert all(report.sent > 0 for report in reports)
    rows = await deliveries(database)
    assert len(rows) == len(chats) and {row.state for row in rows} == {DeliveryState.sent}


async def test_a_sender_stopped_mid_digest_leaves_its_deliveries_to_the_next(
    database: Database, telegram: Telegram, db_engine: str
) -> None:
    chats = range(1100, 1130)
    parts = await long_digests(database, chats)
    stopped_after = len(chats) + 5  # every first part, and a few second ones
    limiter = RateLimiter(30, 1, clock=telegram.clock.clock, sleep=telegram.clock.sleep)

    async def first_sender() -> None:
        await telegram.tick(FIRST_DUE, limiter=limiter, concurrency=60)

    sending = asyncio.create_task(first_sender())
    while len(telegram.api.sent_at) < stopped_after:
        assert not sending.done()
        await asyncio.sleep(0)
    sending.cancel()  # the process stops: nothing more of it runs
    with pytest.raises(asyncio.CancelledError):
        await sending
    before = {chat_id: len(telegram.api.delivered(chat_id)) for chat_id in chats}
    assert 0 < sum(before.values()) < len(chats) * len(parts)

    other = await _other_process(database, db_engine)
    try:
        kwargs: dict[str, Any] = {"limiter": limiter, "concurrency": 60}
        report = await send_due(telegram.bot, other, FIRST_DUE, **kwargs)
    finally:
        await other.close()
    assert report.resumed == len(chats)
    for chat_id in chats:
        assert at_most_one_again(telegram.api.delivered(chat_id), parts), chat_id
    again = sum(len(telegram.api.delivered(chat_id)) for chat_id in chats) - len(chats) * len(parts)
    assert again <= len(chats)
    rows = await deliveries(database)
    assert len(rows) == len(chats) and {row.state for row in rows} == {DeliveryState.sent}


class TakenOver(RateLimiter):
    """A limiter during whose wait for a chat's second part another sender takes that
    chat's subscriber over (as when this one's database connection dropped and it was
    taken for gone)."""

    def __init__(self, database: Database, telegram: Telegram, chat_id: int) -> None:
        super().__init__(30, 1, clock=telegram.clock.clock, sleep=telegram.clock.sleep)
        self.database = database
        self.telegram = telegram
        self.chat_id = chat_id

    async def acquire(self, chat_id: int) -> None:
        if chat_id == self.chat_id and len(self.telegram.api.delivered(chat_id)) == 1:
            async with self.database.write() as session:
                query = text("UPDATE subscriber SET digest_sender = -1 WHERE chat_id = :chat")
                await session.exec(query, params={"chat": chat_id})  # type: ignore[call-overload]
        await super().acquire(chat_id)


async def test_a_sender_whose_subscriber_was_taken_over_sends_no_more_of_its_digest(
    database: Database, telegram: Telegram
) -> None:
    parts = await long_digests(database, range(1200, 1201))
    report = await telegram.tick(FIRST_DUE, limiter=TakenOver(database, telegram, 1200), concurrency=10)
    # The part on its way when the other sender took over went; its record was refused.
    assert telegram.api.delivered(1200) == parts[:2]
    assert (report.skipped, report.sent) == (1, 0)
    [delivery] = await deliveries(database)
    assert (delivery.state, delivery.messages_sent) == (DeliveryState.claimed, 1)
    # The other sender (gone now) left it to the next tick, which resumes after part 1.
    report = await telegram.tick(FIRST_DUE, concurrency=10)
    assert report.resumed == 1
    assert telegram.api.delivered(1200) == [*parts[:2], *parts[1:]]
