"""Why `diplobot run` (or a `send-due`) could not get through to Telegram, in one line for
the operator.

python-telegram-bot logs a failed start (the token refused, the Bot API out of reach) with
its whole traceback and then raises the error to `run`, which says in one line what went
wrong and which setting to check: `BootstrapFailures` keeps that traceback out of the log."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings

#: How python-telegram-bot begins the log line of a failed start (`network_retry_loop`).
BOOTSTRAP_LOG_PREFIX = "Network Retry Loop (Bootstrap"
TELEGRAM_API = "https://api.telegram.org"


class BootstrapFailures(logging.Filter):
    """Drops python-telegram-bot's report of a failed start; the error itself reaches
    `run`, which says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(BOOTSTRAP_LOG_PREFIX)


def quiet_bootstrap_failures() -> None:
    logging.getLogger("telegram.ext").addFilter(BootstrapFailures())


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
