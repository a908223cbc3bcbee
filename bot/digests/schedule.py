"""The digest job: one repeating JobQueue job for every subscriber, a tick every
`TICK_SECONDS`; the database says who is due."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

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
    run_every(application, digest_job, seconds=TICK_SECONDS, name=JOB_NAME, what="digests are not sent")


def run_every(
    application: Application,
    job: Callable[[BotContext], Coroutine[Any, Any, None]],
    *,
    seconds: float,
    name: str,
    what: str,
) -> None:
    """`job` every `seconds`, never two at once, once per application (a second call does
    nothing); without a JobQueue the log says `what` that means."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): %s", what)
        return
    if job_queue.get_jobs_by_name(name):
        return
    job_queue.run_repeating(
        job,
        interval=seconds,
        first=seconds / 3,
        name=name,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": seconds},
    )
