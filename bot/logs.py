"""Logging for every entry point. httpx logs each request URL at INFO, and the Bot API URL
contains the token: it is held at WARNING whatever the configured level. Secrets that reach
a log line anyway (python-telegram-bot puts the token in InvalidToken's message, which its
own retry loop logs with the traceback) are masked in the finished text, traceback
included, and so is an uncaught exception's traceback."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic")
MASK = "[redacted]"


class Redactor:
    """Masks each secret, and a bot token's secret half on its own too (the part after
    the colon; the bot id before it is public)."""

    def __init__(self, *secrets: str | None) -> None:
        parts = set()
        for secret in secrets:
            if secret:
                parts.add(secret)
                half = secret.partition(":")[2]
                if len(half) >= 8:
                    parts.add(half)
        # Longest first, so a whole token is masked before its half is looked for.
        self.secrets = sorted(parts, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, redact: Redactor) -> None:
        super().__init__(fmt)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(level: str, *secrets: str | None) -> None:
    redact = Redactor(*secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    sys.excepthook = redacting_excepthook(redact)


def redacting_excepthook(redact: Redactor) -> ExceptHook:
    """The standard traceback of an uncaught exception, secrets masked."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, error, trace))))
        sys.stderr.flush()

    return hook
