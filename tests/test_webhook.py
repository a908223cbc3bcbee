"""Webhook mode does not start without a secret: without one, anyone who learns the webhook's
URL could post forged updates (as any user, admins included) and the bot would record them.
The server's side of the secret is tested end to end in tests/e2e/test_webhook_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import webhook_address
from bot.config import ConfigError, load_settings
from tests.test_cli import DIPLOBOT, sqlite_cli

pytestmark = pytest.mark.skipif(
    not DIPLOBOT.exists(), reason=f"the diplobot console script is not installed at {DIPLOBOT}"
)

# A closed port: should the bot get as far as calling the Bot API, it fails at once instead of
# reaching Telegram.
NOWHERE = "http://127.0.0.1:9/bot"
TOKEN = "123456:AAHtestTOKENnotREAL0123456789abcdefgh"
WEBHOOK = ("run", "--webhook-url", "https://bot.example.org", "--listen", "127.0.0.1", "--port", "18443")


def run_webhook(tmp_path: Path, *options: str, **variables: str):  # type: ignore[no-untyped-def]
    cli = sqlite_cli(tmp_path)
    return cli.run(*WEBHOOK, *options, TELEGRAM_BOT_TOKEN=TOKEN, DIPLOBOT_TELEGRAM_API_URL=NOWHERE, **variables)


def test_webhook_mode_without_a_secret_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    result = run_webhook(tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DIPLOBOT_WEBHOOK_SECRET" in lines[0]
    assert "openssl rand -hex 32" in lines[0], "the message says how to make a secret"
    assert result.stdout == ""
    assert not (tmp_path / "record.db").exists(), "nothing started"


@pytest.mark.parametrize(
    ("where", "secret"),
    [("variable", "short"), ("variable", "has spaces in it 0123456789"), ("option", "tooshort")],
)
def test_a_guessable_or_malformed_secret_is_refused_without_echoing_it(tmp_path: Path, where: str, secret: str) -> None:
    if where == "variable":
        result = run_webhook(tmp_path, DIPLOBOT_WEBHOOK_SECRET=secret)
    else:
        result = run_webhook(tmp_path, "--secret-token", secret)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert ("DIPLOBOT_WEBHOOK_SECRET" if where == "variable" else "--secret-token") in lines[0]
    assert secret not in lines[0]


def test_polling_needs_no_secret() -> None:
    assert load_settings(DIPLOBOT_WEBHOOK_SECRET="").webhook_secret is None
    assert load_settings(DIPLOBOT_WEBHOOK_SECRET=" " + "a" * 32 + " ").webhook_secret.get_secret_value() == "a" * 32
    with pytest.raises(ConfigError, match="DIPLOBOT_WEBHOOK_SECRET"):
        load_settings(DIPLOBOT_WEBHOOK_SECRET="a" * 257)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://bot.example.org", "telegram"),
        ("https://bot.example.org/", "/telegram"),
        ("https://bot.example.org", "/telegram/"),
    ],
)
def test_telegram_posts_to_the_path_the_server_listens_on_with_one_slash(url: str, path: str) -> None:
    assert webhook_address(url, path) == "https://bot.example.org/telegram"


@pytest.mark.parametrize("port", ["0", "99999"])
def test_a_port_no_server_can_listen_on_is_refused_before_anything_starts(tmp_path: Path, port: str) -> None:
    cli = sqlite_cli(tmp_path)
    result = cli.run(
        *("run", "--webhook-url", "https://bot.example.org", "--port", port),
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIPLOBOT_TELEGRAM_API_URL=NOWHERE,
        DIPLOBOT_WEBHOOK_SECRET="a" * 32,
    )

    assert result.returncode == 2
    assert "Invalid value for '--port'" in result.stderr
    assert not (tmp_path / "record.db").exists(), "nothing started"


def test_webhook_mode_without_a_token_refuses_to_start_instead_of_opening_the_console(tmp_path: Path) -> None:
    result = sqlite_cli(tmp_path).run(*WEBHOOK, DIPLOBOT_WEBHOOK_SECRET="a" * 32)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: TELEGRAM_BOT_TOKEN: webhook mode needs the bot's token; set it in the environment or .env"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "record.db").exists(), "nothing started"
