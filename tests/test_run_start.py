"""`diplobot run` that cannot start on Telegram stops with one line saying why and what to
check, not python-telegram-bot's traceback: the Bot API out of reach, the webhook's port
taken. (A token Telegram rejects: tests/test_token_redaction.py.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.http_bot_api import http_bot_api
from tests.test_cli import DIPLOBOT, sqlite_cli
from tests.test_webhook import NOWHERE, TOKEN

pytestmark = pytest.mark.skipif(
    not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}"
)
SECRET = "webhook-secret-0123456789abcdef"


def test_a_bot_api_out_of_reach_is_one_line_naming_where_it_was_looked_for(tmp_path: Path) -> None:
    result = sqlite_cli(tmp_path).run(
        "run", TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=NOWHERE, DIPLOBOT_SEMANTIC="false"
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cannot reach the Telegram Bot API at DIPLOBOT_TELEGRAM_API_URL {NOWHERE} (")
    assert "check the network" in lines[0]
    assert TOKEN.partition(":")[2] not in result.stdout + result.stderr


def test_a_webhook_port_in_use_is_one_line_naming_the_options(tmp_path: Path) -> None:
    with http_bot_api({}) as api, socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = sqlite_cli(tmp_path).run(
            *("run", "--webhook-url", "https://bot.example.org", "--listen", "127.0.0.1", "--port", str(port)),
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIPLOBOT_TELEGRAM_API_URL=api,
            DIPLOBOT_WEBHOOK_SECRET=SECRET,
            DIPLOBOT_SEMANTIC="false",
        )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"--listen 127.0.0.1 --port {port}: the webhook server cannot listen there (Address already in use)"
    )
    assert SECRET not in result.stdout + result.stderr
