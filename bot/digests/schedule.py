"""The digest job: one repeating JobQueue job for every subscriber, a tick every
`TICK_SECONDS`; the database says who is due."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.context import BotContext
from bot.digests.tick import send_due
from storage.models import utcnow

log = logging.getLogger(__name__)

TICK_SECONDS = 30
JOB_NAME = "daily-digests"


async def digest_job(context: BotContext) -> None:
    try:
        await send_due(context.application, context.database, utcnow())
    except Exception:
        log.exception("digest tick failed")


def schedule_digests(application: Application) -> None:
    """One repeating job for every subscriber: the database says who is due."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): digests are not sent")
        return
    if job_queue.get_jobs_by_name(JOB_NAME):
        return
    job_queue.run_repeating(
        digest_job,
        interval=TICK_SECONDS,
        first=TICK_SECONDS / 3,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": TICK_SECONDS},
    )
