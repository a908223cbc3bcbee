"""Daily digests exactly once, in process on SQLite and PostgreSQL: a delivery resumed
where it stopped, catch-up after downtime, the day's delivery finished together with the
subscriber moving on, the claim, and two tickers at once (across real processes and
crashes: test_digest_concurrency.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import event

from bot.digests.compose import DigestKey, compose
from bot.digests.rate_limit import RateLimiter
from bot.digests.tick import TickReport, send_due
from bot.local.bot_api import BOT_USER
from storage.deliveries import NewDelivery, claim_due, digest_sender, start_deliveries
from storage.engine import Database
from storage.models import DeliveryState, DigestDelivery, Subscriber, Topic
from storage.subscriptions import get_subscriber, unsubscribe
from tests.support.digests import (
    FIRST_DUE,
    SUBSCRIBED_AT,
    Telegram,
    deliveries,
    record,
    subscribe_chat,
)

# -- exactly once, catch-up ----------------------------------------------------


async def _claim_by_hand(
    database: Database, subscriber: Subscriber, cursor_to: int, sent: int, state: DeliveryState
) -> None:
    async with database.write() as session:
        session.add(
            DigestDelivery(
                subscriber_id=subscriber.id or 0,
                local_date=date(2025, 9, 2),
                state=state,
                cursor_from=subscriber.cursor,
                cursor_to=cursor_to,
                messages_sent=sent,
            )
        )


async def test_a_claimed_delivery_resumes_after_the_confirmed_parts(database: Database, telegram: Telegram) -> None:
    """What a restart finds when the last process died between claim and completion."""
    subscriber = await subscribe_chat(database, 561)
    last = None
    for topic in Topic:
        for _ in range(4):
            last = await record(database, topics=topic.value, text="Long text, " * 60)
    assert last is not None
    key = DigestKey.of(subscriber, subscriber.cursor, last.id or 0)
    parts = (await compose(database, key, bot_username=BOT_USER["username"])).parts
    assert len(parts) >= 3
    await _claim_by_hand(database, subscriber, last.id or 0, 2, DeliveryState.claimed)
    # Recorded after the claim: not part of the resumed digest.
    await record(database, text="Too late for this digest.")
    report = await telegram.tick(FIRST_DUE)
    assert (report.resumed, report.sent, report.messages) == (1, 1, len(parts) - 2)
    assert telegram.api.delivered(561) == parts[2:]
    after = await get_subscriber(database, 561)
    assert after is not None and after.cursor == last.id
    assert all("Too late for this digest." not in part for part in telegram.api.delivered(561))
    await telegram.tick(FIRST_DUE + timedelta(days=1))
    assert "Too late for this digest." in telegram.api.delivered(561)[-1]


async def test_a_finished_delivery_whose_subscriber_did_not_move_on_sends_nothing(
    database: Database, telegram: Telegram
) -> None:
    subscriber = await subscribe_chat(database, 562)
    statement = await record(database)
    await _claim_by_hand(database, subscriber, statement.id or 0, 1, DeliveryState.sent)
    report = await telegram.tick(FIRST_DUE)
    assert report.messages == 0 and telegram.api.delivered(562) == []
    after = await get_subscriber(database, 562)
    assert after is not None
    assert after.cursor == statement.id and after.next_due_at == FIRST_DUE + timedelta(days=1)


async def test_catch_up_after_several_days_is_one_digest_covering_all(database: Database, telegram: Telegram) -> None:
    subscriber = await subscribe_chat(database, 571)
    statements = [await record(database, text=f"Recorded during the outage, {n}.") for n in range(4)]
    back = FIRST_DUE + timedelta(days=3, hours=2)  # 10:00 Kyiv, three days late
    report = await telegram.tick(back)
    assert (report.due, report.sent) == (1, 1)
    [text] = telegram.api.delivered(571)
    assert all(statement.text in text for statement in statements)
    after = await get_subscriber(database, 571)
    assert after is not None
    assert after.cursor == statements[-1].id
    assert after.next_due_at == FIRST_DUE + timedelta(days=4)  # the next regular 08:00
    assert (await telegram.tick(back + timedelta(hours=1))).due == 0
    [delivery] = await deliveries(database, subscriber.id)
    assert delivery.local_date == date(2025, 9, 2)


async def test_changing_the_time_after_todays_digest_does_not_send_a_second_one(
    database: Database, telegram: Telegram
) -> None:
    from storage.subscriptions import set_digest_time

    await subscribe_chat(database, 572)
    await record(database)
    await telegram.tick(FIRST_DUE)
    await record(database)
    # At 09:00 Kyiv the subscriber moves the digest to 20:00: today's is done, so tomorrow.
    await set_digest_time(database, 572, time(20, 0), now=FIRST_DUE + timedelta(hours=1))
    report = await telegram.tick(datetime(2025, 9, 2, 17, 0, tzinfo=UTC))
    assert report.due == 1 and report.messages == 0
    assert len(telegram.api.delivered(572)) == 1
    after = await get_subscriber(database, 572)
    assert after is not None and after.next_due_at == datetime(2025, 9, 3, 17, 0, tzinfo=UTC)


async def test_paused_subscribers_are_skipped_and_resume_with_everything(
    database: Database, telegram: Telegram
) -> None:
    from storage.subscriptions import set_paused

    await subscribe_chat(database, 573)
    await record(database, text="While paused.")
    await set_paused(database, 573, True, now=SUBSCRIBED_AT)
    assert (await telegram.tick(FIRST_DUE)).due == 0
    await set_paused(database, 573, False, now=FIRST_DUE + timedelta(hours=1))
    await telegram.tick(FIRST_DUE + timedelta(days=1))
    [text] = telegram.api.delivered(573)
    assert "While paused." in text


@contextlib.contextmanager
def on_every_statement(database: Database, listener: Callable[[str], None]) -> Iterator[None]:
    """Calls `listener` with each SQL statement the database's drivers are given."""

    def seen(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        listener(statement)

    engines = {database.read_engine.sync_engine, database.write_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)


async def test_a_tick_costs_a_few_statements_however_many_subscribers_are_due(
    database: Database, telegram: Telegram
) -> None:
    # 1, 4 and 10 subscribers due at 08:00, 09:00 and 10:00 Kyiv, all with the same digest.
    chats = itertools.count(1100)
    sizes = {8: 1, 9: 4, 10: 10}
    for hour, count in sizes.items():
        for _ in range(count):
            await subscribe_chat(database, next(chats), f"{hour:02d}:00")
    await record(database)
    statements: dict[int, list[str]] = {}
    for hour, count in sizes.items():
        seen: list[str] = []
        with on_every_statement(database, seen.append):
            report = await telegram.tick(FIRST_DUE + timedelta(hours=hour - 8), concurrency=100)
        assert (report.due, report.sent, report.renders) == (count, count, 1)
        statements[count] = [text for text in seen if not text.startswith(("BEGIN", "SET", "LOCK", "SELECT pg_"))]

    # The due subscribers are read once a tick and claimed in one transaction (marked,
    # read with their open deliveries, the days' rows looked up and inserted; then one
    # more claim finds none left); completions waiting together commit together
    # (ownership checked, deliveries finished, subscribers moved on).
    for texts in statements.values():
        assert sum(text.startswith("INSERT") for text in texts) == 1
        assert sum(text.startswith("UPDATE subscriber SET digest_sender") for text in texts) == 2
    assert len(statements[10]) < len(statements[1]) + 10


async def test_the_delivery_is_finished_and_the_subscriber_moved_on_together_or_not_at_all(
    database: Database, telegram: Telegram
) -> None:
    subscriber = await subscribe_chat(database, 581)
    statement = await record(database)

    def database_fails_on_moving_on(text: str) -> None:
        if text.startswith("UPDATE subscriber SET cursor"):
            raise RuntimeError("the database went away")

    with on_every_statement(database, database_fails_on_moving_on):
        report = await telegram.tick(FIRST_DUE)
    assert report.failed == 1 and len(telegram.api.delivered(581)) == 1
    [delivery] = await deliveries(database)
    assert delivery.state is DeliveryState.claimed and delivery.finished_at is None
    unmoved = await get_subscriber(database, 581)
    assert unmoved is not None and (unmoved.cursor, unmoved.next_due_at) == (subscriber.cursor, FIRST_DUE)

    report = await telegram.tick(FIRST_DUE + timedelta(minutes=1))
    assert (report.resumed, report.sent) == (1, 1)
    [delivery] = await deliveries(database)
    assert (delivery.state, delivery.messages_sent) == (DeliveryState.sent, 1)
    after = await get_subscriber(database, 581)
    assert after is not None and (after.cursor, after.next_due_at) == (statement.id, FIRST_DUE + timedelta(days=1))
    # The last part is recorded with the completion, so it went again: the one-message window.
    assert len(telegram.api.delivered(581)) == 2


async def test_a_claim_takes_the_due_subscribers_no_live_sender_has_in_hand(database: Database, db_engine: str) -> None:
    subscriber = await subscribe_chat(database, 582)
    postgresql = db_engine == "postgresql"

    async def claim(sender: int, now: datetime = FIRST_DUE) -> list[int]:
        async with database.write() as session:
            return await claim_due(session, now, sender, 10, postgresql=postgresql)

    async with digest_sender(database) as first:
        assert await claim(first, FIRST_DUE - timedelta(minutes=1)) == []
        assert await claim(first) == [subscriber.id]
        assert await claim(first) == []  # in its hands already
        if postgresql:
            # On PostgreSQL senders share the database: the first lives, so the second
            # passes its subscriber over. (On SQLite one process sends.)
            async with digest_sender(database) as second:
                assert await claim(second) == []
    # The first sender is gone: what it had in hand is free.
    async with digest_sender(database) as third:
        assert await claim(third) == [subscriber.id]
    await unsubscribe(database, 582)
    async with digest_sender(database) as fourth:
        assert await claim(fourth) == []


async def test_a_day_has_one_delivery_and_a_second_start_finds_it(database: Database) -> None:
    subscriber = await subscribe_chat(database, 583)
    day = date(2025, 9, 2)
    async with database.write() as session:
        [started], done = await start_deliveries(session, [NewDelivery(subscriber, day, 10)], FIRST_DUE)
    assert done == {}
    [stored] = await deliveries(database, subscriber.id)
    assert (stored.id, stored.state, stored.cursor_from, stored.cursor_to) == (
        started.id,
        DeliveryState.claimed,
        subscriber.cursor,
        10,
    )
    async with database.write() as session:
        again, done = await start_deliveries(session, [NewDelivery(subscriber, day, 12)], FIRST_DUE)
    assert again == [] and done[subscriber.id or 0].id == started.id
    assert len(await deliveries(database, subscriber.id)) == 1


# -- two tickers ---------------------------------------------------------------


async def test_two_tickers_at_once_send_each_digest_once(
    database: Database, telegram: Telegram, make_database: Any, db_engine: str
) -> None:
    for chat_id in range(700, 730):
        await subscribe_chat(database, chat_id)
    await record(database)
    # A second Database on the same data stands for a second bot process.
    if db_engine == "sqlite":
        other = Database(database.url)
    else:
        other = Database(database.url, connect_args={"server_settings": {"search_path": await _search_path(database)}})
    try:
        slow = telegram.api
        slow.latency = 0.01  # a round trip, so that the two interleave

        async def tick(db: Database) -> TickReport:
            return await send_due(telegram.bot, db, FIRST_DUE, concurrency=4, limiter=RateLimiter(1000, 1000))

        reports = await asyncio.gather(tick(database), tick(other))
    finally:
        await other.close()
    assert sorted(slow.attempts) == list(range(700, 730))
    assert sum(report.sent for report in reports) == 30
    if db_engine == "postgresql":
        # Both took part, each skipping what the other had locked.
        assert all(report.sent > 0 for report in reports)
    else:
        # SQLite: one process sends; the other tick stood aside.
        assert sorted(report.locked_out for report in reports) == [False, True]
    assert len(await deliveries(database)) == 30


async def _search_path(database: Database) -> str:
    async with database.read() as session:
        connection = await session.connection()
        return (await connection.exec_driver_sql("SHOW search_path")).scalar_one()
