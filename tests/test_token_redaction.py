"""The bot token (and the webhook secret) never reach a log line, a traceback or an error
message, also when Telegram rejects the token: python-telegram-bot quotes the token in
InvalidToken's message and logs it with the traceback."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import pytest

from bot.logs import MASK, RedactingFormatter, Redactor, configure_logging, redacting_excepthook
from tests.support.http_bot_api import http_bot_api
from tests.test_cli import DIPLOBOT, sqlite_cli

TOKEN = "123456789:AAHsecretHALFofTHEtoken0123456789abcd"
HALF = TOKEN.partition(":")[2]
WEBHOOK_SECRET = "webhook-secret-0123456789abcdef"


@pytest.mark.skipif(not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}")
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_rejected_token_is_one_line_and_appears_nowhere(tmp_path: Path, level: str) -> None:
    with http_bot_api({"getMe": (401, "Unauthorized")}) as refusing_bot_api:
        result = sqlite_cli(tmp_path).run(
            "run",
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIPLOBOT_TELEGRAM_API_URL=refusing_bot_api,
            DIPLOBOT_LOG_LEVEL=level,
            DIPLOBOT_SEMANTIC="false",
            DIPLOBOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )

    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert HALF not in output, "the token leaked"
    assert WEBHOOK_SECRET not in output, "the webhook secret leaked"
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "TELEGRAM_BOT_TOKEN: Telegram rejected the token; check it with @BotFather"
    assert "Traceback" not in result.stderr, "one line, not python-telegram-bot's traceback"
    if level == "INFO":
        assert lines == lines[-1:], result.stderr


def format_record(formatter: logging.Formatter, message: str, *args: object, error: BaseException | None = None) -> str:
    exc_info = (type(error), error, error.__traceback__) if error else None
    record = logging.LogRecord("telegram.ext", logging.INFO, __file__, 1, message, args, exc_info)
    return formatter.format(record)


def raised(message: str) -> BaseException:
    try:
        raise RuntimeError(message)
    except RuntimeError as error:
        return error


def test_messages_arguments_and_tracebacks_are_masked() -> None:
    formatter = RedactingFormatter("%(levelname)s %(message)s", Redactor(TOKEN, WEBHOOK_SECRET))

    lines = [
        format_record(formatter, f"The token `{TOKEN}` was rejected by the server."),
        format_record(formatter, "calling %s", f"https://api.telegram.org/bot{TOKEN}/getMe"),
        format_record(formatter, "retry loop aborted", error=raised(f"The token `{TOKEN}` was rejected")),
        format_record(formatter, "half alone: %s", HALF),
        format_record(formatter, "webhook set with %s", WEBHOOK_SECRET),
    ]

    for line in lines:
        assert HALF not in line and WEBHOOK_SECRET not in line
        assert MASK in line
    assert "Traceback" in lines[2] and "RuntimeError" in lines[2]


def test_an_uncaught_exception_is_printed_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    error = raised(f"The token `{TOKEN}` was rejected by the server.")

    redacting_excepthook(Redactor(TOKEN))(type(error), error, error.__traceback__)

    assert "RuntimeError" in captured.getvalue()
    assert HALF not in captured.getvalue()


def test_configure_logging_installs_the_masks(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    configure_logging("INFO", TOKEN, None)
    [handler] = root.handlers
    assert HALF not in handler.format(logging.LogRecord("x", logging.INFO, __file__, 1, TOKEN, None, None))
    assert sys.excepthook is not sys.__excepthook__
