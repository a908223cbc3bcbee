"""`diplobot run` that cannot start on Telegram stops with one line saying why and what to
check, not python-telegram-bot's traceback: the Bot API out of reach, the webhook's port
taken (a token Telegram rejects: tests/test_token_redaction.py); so do the `send-due`
commands. A second process polling with the token is named in one line, not as an error in
handling an update."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from bot.local.bot_api import BOT_USER
from tests.support.http_bot_api import http_bot_api
from tests.test_cli import DIPLOBOT, Cli, cli_environment, sqlite_cli
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


def test_a_second_poller_on_the_token_is_named_in_one_line_each_time(tmp_path: Path) -> None:
    """Telegram answers 409 Conflict to one of two processes polling with one token, in turns."""
    conflict = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    cli = sqlite_cli(tmp_path)
    with http_bot_api({"getUpdates": (409, conflict)}) as api:
        seen = _run_until(cli, api, "another program takes this bot's updates")

    assert "Traceback" not in "".join(seen)
    assert not any("unhandled error" in line for line in seen)
    assert seen[-1].split(" ERROR handlers.errors: ", 1)[1].rstrip() == (
        f"another program takes this bot's updates (Telegram: {conflict}): only one `diplobot run` may poll "
        "per token, and none while a webhook is set; stop the other one, or run every instance with "
        "--webhook-url (README, Webhook mode)"
    )


def _run_until(cli: Cli, api: str, text: str) -> list[str]:
    """`diplobot run` polling `api` with the token, its stderr lines up to the first
    holding `text`; then stopped as an operator stops it (SIGINT)."""
    process = subprocess.Popen(
        [str(DIPLOBOT), "run"],
        cwd=cli.directory,
        env=cli_environment(
            cli.database_url, TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=api, DIPLOBOT_SEMANTIC="false"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        return _lines_until(process, text, timeout=60)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _lines_until(process: subprocess.Popen[str], text: str, *, timeout: float) -> list[str]:
    """The process's stderr lines up to the first holding `text`."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"no line with {text!r} in:\n{''.join(lines)}")


@pytest.mark.parametrize("command", [("digest", "send-due"), ("alerts", "send-due")])
def test_send_due_that_cannot_get_through_to_telegram_says_why_in_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    cli = sqlite_cli(tmp_path)
    assert cli.run("db", "upgrade", DIPLOBOT_SEMANTIC="false").returncode == 0
    with http_bot_api({"getMe": (401, "Unauthorized")}) as refusing:
        rejected = cli.run(*command, TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=refusing)
    unreachable = cli.run(*command, TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=NOWHERE)

    for result, line in [
        (rejected, "TELEGRAM_BOT_TOKEN: Telegram rejected the token; check it with @BotFather"),
        (unreachable, f"cannot reach the Telegram Bot API at DIPLOBOT_TELEGRAM_API_URL {NOWHERE} ("),
    ]:
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(line), result.stderr
        assert TOKEN.partition(":")[2] not in result.stdout + result.stderr


def test_a_started_bot_names_itself_and_its_record(tmp_path: Path) -> None:
    """Which bot the token is and which database it uses: what an operator checks first."""
    cli = sqlite_cli(tmp_path)
    with http_bot_api({}) as api:
        seen = _run_until(cli, api, " is up, keeping the record in ")

    assert (
        seen[-1]
        .rstrip()
        .endswith(f"INFO bot.app: @{BOT_USER['username']} is up, keeping the record in {cli.database_url}")
    )


def test_a_token_rejected_while_polling_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    """A token revoked while the bot runs: the process exits non-zero, so that a restart
    policy or a supervisor sees it, instead of living on without polling."""
    cli = sqlite_cli(tmp_path)
    with http_bot_api({"getUpdates": (401, "Unauthorized")}, refuse_after=1) as api:
        result = cli.run("run", TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=api, DIPLOBOT_SEMANTIC="false")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    rejected = [line for line in result.stderr.splitlines() if "TELEGRAM_BOT_TOKEN" in line]
    assert rejected == ["TELEGRAM_BOT_TOKEN: Telegram rejected the token; check it with @BotFather"], result.stderr
    assert " is up, keeping the record in " in result.stderr
    assert "Unclosed" not in result.stderr  # post_shutdown closed the transports
    assert TOKEN.partition(":")[2] not in result.stdout + result.stderr
