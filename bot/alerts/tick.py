"""The alert tick: what the record's latest changes match, told of at once, exactly once.

One function, `send_alerts(application_or_bot, database, now)`, is a tick: the JobQueue
job (bot/alerts/schedule.py) runs it every `TICK_SECONDS`, `diplobot alerts send-due`
runs it once. A tick

1. takes the end of the record's changes (the newest audit entry with no older one in
   flight: `storage.alerts.change_end`);
2. matches every alert behind that end against the changes after its cursor
   (bot/alerts/match.py), leaving out what each alert has told of already;
3. per chat, in one transaction: claims a delivery (`alert_delivery`, state `claimed`)
   with the (alert, statement) pairs it tells of (`alert_match`, whose primary key lets an
   alert tell of a statement once) and moves the chat's alerts' cursors to the end; then
   moves every other alert's cursor to the end;
4. sends every claimed delivery: one message per chat however many statements matched
   (an import of 500: "500 new statements match your alert …", five a page, with buttons
   to page through the rest), through the digests' Bot, sender and rate limiter; records
   the parts Telegram confirmed and the end, as digests do (bot/digests/tick.py).

Exactly once: a crash before a claim commits leaves nothing (the next tick matches
again); after it, the delivery stays `claimed` and the next tick resumes it after its
last recorded part. The window left is the digests' one: a part Telegram accepted just
before a crash is sent again. One tick runs at a time: on SQLite a lock file per
database (bot/digests/sender_lock.py), on PostgreSQL an advisory lock, so instances
sharing one database never match or send twice; the rate limit is one bot's anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time as time_module
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Bot
from telegram.error import BadRequest
from telegram.ext import Application

from bot.alerts.match import match_alerts
from bot.config import Settings
from bot.context import SETTINGS
from bot.digests.rate_limit import RateLimiter
from bot.digests.sender import DIGEST_BOT, ChatGone, Deferred, DigestSender, username_of
from bot.digests.sender_lock import sender_lock
from bot.digests.tick import LIMITER
from bot.digests.writes import Writes
from bot.i18n import language_of, use_language
from bot.presentation.alerts import load_alert_page
from bot.presentation.html import split_message
from storage.alerts import (
    advance_alerts,
    any_alert_behind,
    change_end,
    chat_has_alerts,
    claim_alert_delivery,
    delete_chat_alerts,
    finish_alert_delivery,
    latest_change,
    move_chat_alerts,
    open_alert_deliveries,
    postgresql_tick_lock,
    record_alert_progress,
)
from storage.engine import Database
from storage.models import AlertDelivery, DeliveryState, utcnow
from storage.subscriptions import chat_language

log = logging.getLogger(__name__)

#: Deliveries in progress at once; the sender and the limiter bound the sends themselves.
WORKERS = 16


@dataclass
class AlertReport:
    at: datetime
    alerts: int = 0
    claimed: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0
    deactivated: int = 0
    deferred: int = 0
    resumed: int = 0
    messages: int = 0
    duration: float = 0.0
    locked_out: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.locked_out:
            return f"alert tick at {self.at:%Y-%m-%dT%H:%M:%SZ}: another process is sending alerts; skipped"
        return (
            f"alert tick at {self.at:%Y-%m-%dT%H:%M:%SZ}: alerts={self.alerts} claimed={self.claimed} "
            f"sent={self.sent} empty={self.empty} failed={self.failed} deactivated={self.deactivated} "
            f"deferred={self.deferred} resumed={self.resumed} messages={self.messages} in {self.duration:.2f}s"
        )


@contextlib.asynccontextmanager
async def one_tick(database: Database, wait: float) -> AsyncIterator[bool]:
    """True while this process's tick is the only one (see the module docstring)."""
    if database.is_postgresql:
        async with postgresql_tick_lock(database) as held:
            yield held
    else:
        async with sender_lock(database, wait, name="alert") as held:
            yield held


class _Tick:
    def __init__(self, bot: Bot, database: Database, now: datetime, limiter: RateLimiter, username: str | None) -> None:
        self.database = database
        self.now = now
        self.sender = DigestSender(bot, limiter)
        self.username = username
        self.report = AlertReport(at=now)
        self._writes = Writes(database)

    async def claim(self) -> None:
        async with self.database.read() as session:
            if not await any_alert_behind(session, await latest_change(session)):
                return  # nothing recorded since the last tick: no lock taken on the record
        end = await change_end(self.database)
        matches = await match_alerts(self.database, end)
        self.report.alerts = len(matches.alerts)
        alerts_of: dict[int, list[int]] = {}
        for alert in matches.alerts:
            alerts_of.setdefault(alert.chat_id, []).append(alert.id or 0)
        for chat_id, pairs in matches.by_chat.items():
            async with self._writes.transaction() as session:
                await claim_alert_delivery(session, chat_id, end, pairs, self.now)
                await advance_alerts(session, alerts_of[chat_id], end)
            self.report.claimed += 1
        async with self._writes.transaction() as session:
            await advance_alerts(session, [alert.id or 0 for alert in matches.alerts], end)

    async def send_open(self) -> None:
        async with self.database.read() as session:
            deliveries = await open_alert_deliveries(session)
        queue: asyncio.Queue[AlertDelivery] = asyncio.Queue()
        for delivery in deliveries:
            queue.put_nowait(delivery)

        async def worker() -> None:
            while not queue.empty():
                delivery = queue.get_nowait()
                if self.sender.stopped:
                    self.report.deferred += 1
                    continue
                try:
                    await self.deliver(delivery)
                except Exception as error:
                    self.report.failed += 1
                    self.report.errors.append(f"alert delivery {delivery.id}: {error!r}")
                    log.exception("alert delivery %s to chat %s failed", delivery.id, delivery.chat_id)

        await asyncio.gather(*(worker() for _ in range(max(1, min(WORKERS, len(deliveries))))))

    async def deliver(self, delivery: AlertDelivery) -> None:
        if delivery.messages_sent:
            self.report.resumed += 1
        async with self.database.read() as session:
            language = language_of(await chat_language(session, delivery.chat_id))
        with use_language(language):
            page = await load_alert_page(self.database, delivery.id or 0, 0, self.username)
        if page is None:  # its alerts were removed, or its statements retracted, meanwhile
            await self._finish(delivery, DeliveryState.empty, None)
            self.report.empty += 1
            return
        parts = split_message(page.html)
        try:
            for index in range(delivery.messages_sent, len(parts)):
                last = index == len(parts) - 1
                await self.sender.send(
                    parts[index],
                    lambda: delivery.chat_id,
                    functools.partial(self._migrate, delivery),
                    page.keyboard if last else None,
                )
                self.report.messages += 1
                delivery.messages_sent = index + 1
                if not last:  # the last is recorded with the end
                    async with self._writes.transaction() as session:
                        await record_alert_progress(session, delivery)
        except Deferred as error:
            self.report.deferred += 1
            log.warning("alert to chat %s deferred to the next tick: %s", delivery.chat_id, error)
            return
        except ChatGone as error:
            await self._finish(delivery, DeliveryState.failed, str(error)[:300], chat_gone=True)
            self.report.deactivated += 1
            log.info("chat %s: alerts removed (%s)", delivery.chat_id, error)
            return
        except BadRequest as error:
            await self._finish(delivery, DeliveryState.failed, str(error))
            self.report.failed += 1
            self.report.errors.append(f"alert delivery {delivery.id} chat {delivery.chat_id}: {error}")
            log.error("alert to chat %s refused by Telegram: %s", delivery.chat_id, error)
            return
        await self._finish(delivery, DeliveryState.sent, None)
        self.report.sent += 1

    async def _finish(
        self, delivery: AlertDelivery, state: DeliveryState, error: str | None, *, chat_gone: bool = False
    ) -> None:
        """The delivery's end, and a gone chat's alerts removed with it, in one transaction."""
        delivery.state = state
        delivery.error = error
        async with self._writes.transaction() as session:
            await finish_alert_delivery(session, delivery, self.now)
            if chat_gone:
                await delete_chat_alerts(session, delivery.chat_id)

    async def _migrate(self, delivery: AlertDelivery, new_chat_id: int) -> None:
        old_chat_id = delivery.chat_id
        async with self._writes.transaction() as session:
            if await chat_has_alerts(session, new_chat_id):
                raise ChatGone(f"migrated to chat {new_chat_id}, which has alerts of its own")
            await move_chat_alerts(session, old_chat_id, new_chat_id)
        delivery.chat_id = new_chat_id
        log.info("alerts moved from chat %s to %s (group upgraded)", old_chat_id, new_chat_id)


def _sender_of(
    application_or_bot: Any, settings: Settings | None, limiter: RateLimiter | None
) -> tuple[Bot, RateLimiter, str | None]:
    """An application's digest Bot and shared limiter (digests and alerts keep to one
    rate together), and its username for share links; a Bot as it is."""
    if isinstance(application_or_bot, Application):
        settings = settings or application_or_bot.bot_data.get(SETTINGS) or Settings()
        shared = application_or_bot.bot_data.setdefault(LIMITER, limiter or RateLimiter.from_settings(settings))
        return application_or_bot.bot_data[DIGEST_BOT], shared, username_of(application_or_bot)
    bot: Bot = application_or_bot
    return bot, limiter or RateLimiter.from_settings(settings or Settings()), username_of(bot)


async def send_alerts(
    application_or_bot: Application[Any, Any, Any, Any, Any, Any] | Bot,
    database: Database,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    limiter: RateLimiter | None = None,
    wait_for_lock: float = 0.0,
) -> AlertReport:
    """One tick (see the module docstring). An application sends through its
    `DIGEST_BOT` under the limiter its digests use, a Bot as it is."""
    now = (now or utcnow()).astimezone(UTC)
    started = time_module.monotonic()
    bot, limiter, username = _sender_of(application_or_bot, settings, limiter)
    tick = _Tick(bot, database, now, limiter, username)
    async with one_tick(database, wait_for_lock) as held:
        if not held:
            tick.report.locked_out = True
        else:
            await tick.claim()
            await tick.send_open()
    tick.report.duration = time_module.monotonic() - started
    if tick.report.claimed or tick.report.messages or tick.report.errors or tick.report.locked_out:
        log.info(tick.report.summary())
    return tick.report
