"""Why `diplobot run` (or a `send-due`) could not get through to Telegram, in one line for
the operator.

python-telegram-bot logs a failed start (the token refused, the Bot API out of reach) with
its whole traceback and then raises the error to `run`, which says in one line what went
wrong and which setting to check: `BootstrapFailures` keeps that traceback out of the log.

A token revoked while the bot polls is worse: python-telegram-bot stops polling and logs it,
but the process lives on, answering nobody, and neither a restart policy nor a health check
sees it. `TokenWatch` stops `run` then, so that it exits non-zero with the same one line."""

from __future__ import annotations

import asyncio
import logging

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings
from bot.context import BotApplication, BotContext

#: How python-telegram-bot begins the log line of a failed start (`network_retry_loop`).
BOOTSTRAP_LOG_PREFIX = "Network Retry Loop (Bootstrap"
#: The name python-telegram-bot gives the task that long-polls (`Updater.start_polling`).
POLLING_TASK = "Updater:start_polling:polling_task"
TELEGRAM_API = "https://api.telegram.org"


class BootstrapFailures(logging.Filter):
    """Drops python-telegram-bot's report of a failed start, and of a token rejected while
    polling (a traceback); the error itself reaches `run`, which says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        rejected = record.exc_info is not None and isinstance(record.exc_info[1], InvalidToken)
        return not (rejected or record.getMessage().startswith(BOOTSTRAP_LOG_PREFIX))


def quiet_bootstrap_failures() -> None:
    logging.getLogger("telegram.ext").addFilter(BootstrapFailures())


class TokenWatch:
    """Stops a polling `run` once Telegram rejects the token (401/404 to getUpdates, which
    ends python-telegram-bot's polling for good) and keeps the error for `run` to report.

    The shutdown is the application's own (jobs, persistence, `post_shutdown` closing the
    database and transports); only the updater is stopped here first, because stopping it
    re-raises the polling task's error, which would cut python-telegram-bot's shutdown short."""

    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self.rejection: InvalidToken | None = None
        if application.job_queue is not None:
            # A job runs once the application has started, so after polling has begun.
            application.job_queue.run_once(self._watch, when=0, name="watch the token")

    async def _watch(self, context: BotContext) -> None:
        for task in asyncio.all_tasks():
            if task.get_name() == POLLING_TASK:
                task.add_done_callback(self._polling_ended)

    def _polling_ended(self, task: asyncio.Task[object]) -> None:
        error = None if task.cancelled() else task.exception()
        if isinstance(error, InvalidToken):
            self.rejection = error
            self.application.create_task(self._stop())

    async def _stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            try:
                await updater.stop()
            except InvalidToken:
                pass  # the polling task's error again, kept in `rejection`
        self.application.stop_running()


def telegram_failure(error: TelegramError, settings: Settings) -> str:
    if isinstance(error, InvalidToken):
        # Its message quotes the token: this line says what to do instead.
        return "TELEGRAM_BOT_TOKEN: Telegram rejected the token; check it with @BotFather"
    if isinstance(error, NetworkError):
        api = settings.telegram_api_url
        where = f"DIPLOBOT_TELEGRAM_API_URL {api}" if api else TELEGRAM_API
        return f"cannot reach the Telegram Bot API at {where} ({error.message}); check the network and try again"
    return f"Telegram refused to start the bot: {error.message}"


def listen_failure(error: OSError, listen: str, port: int) -> str:
    """The webhook server could not bind (the port taken, or not ours to take)."""
    return f"--listen {listen} --port {port}: the webhook server cannot listen there ({error.strerror or error})"
