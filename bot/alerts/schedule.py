"""The alert job: one repeating JobQueue job, a tick every `TICK_SECONDS`, so that what is
recorded reaches its alerts within a minute (bot/alerts/tick.py)."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.alerts.tick import send_alerts
from bot.context import BotContext
from bot.digests.schedule import run_every
from storage.models import utcnow

log = logging.getLogger(__name__)

TICK_SECONDS = 10
JOB_NAME = "instant-alerts"


async def alert_job(context: BotContext) -> None:
    try:
        await send_alerts(context.application, context.database, utcnow())
    except Exception:
        log.exception("alert tick failed")


def schedule_alerts(application: Application) -> None:
    run_every(application, alert_job, seconds=TICK_SECONDS, name=JOB_NAME, what="alerts are not sent")
