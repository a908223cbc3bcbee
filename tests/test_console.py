"""The terminal console driven through stdin/stdout, as a person at the terminal would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.local.console import terminal_text

DIPLOBOT = Path(sys.executable).with_name("diplobot")


def run_console(
    tmp_path: Path, script: str, *arguments: str, command: str = "console"
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIPLOBOT_", "TELEGRAM_"))}
    env["DIPLOBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    return subprocess.run(
        [str(DIPLOBOT), command, *arguments],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_html_becomes_readable_terminal_text() -> None:
    html = '<b>Putin</b> · <i>reported</i>\nA &amp; B &lt;tag&gt; — <a href="https://example.org/x">BBC</a> <code>/statement 3</code>'
    assert terminal_text(html) == "Putin · reported\nA & B <tag> — BBC <https://example.org/x> `/statement 3`"
    assert "\033[1mPutin\033[0m" in terminal_text(html, styled=True)


def test_run_without_token_is_the_console_on_the_sample_corpus(tmp_path: Path) -> None:
    result = run_console(tmp_path, "/start\nWhat was said about a ceasefire?\n2\n", command="run")
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_BOT_TOKEN configured" in result.stderr
    assert "set TELEGRAM_BOT_TOKEN" in result.stderr
    out = result.stdout
    assert "I hold 48 statements" in out
    assert "ceasefire" in out
    assert "[1] Next ▶" in out
    assert "bot (edited)> " not in out, "2 is not a button here, so it is sent as text"


def test_buttons_are_pressed_by_number(tmp_path: Path) -> None:
    result = run_console(tmp_path, "/latest\n1\n")
    assert result.returncode == 0, result.stderr
    assert "(1–5 of 48)" in result.stdout
    assert "bot (edited)> Latest statements (6–10 of 48)" in result.stdout


def test_admin_adds_a_statement_and_finds_it_with_a_question(tmp_path: Path) -> None:
    script = (
        "/add Keir Starmer | 2025-11-26 | security_guarantees | "
        "Britain would lead a reassurance force of several thousand troops after a ceasefire. | Press conference, London\n"
        "Who will lead a reassurance force?\n"
    )
    result = run_console(tmp_path, script, "--admin", "--user-id", "77")
    assert result.returncode == 0, result.stderr
    assert "You are user 77, an admin." in result.stdout
    assert "Added" in result.stdout
    answer = result.stdout.split("you> ")[-1] if "you> " in result.stdout else result.stdout.rsplit("bot> ", 1)[-1]
    assert "Keir Starmer" in answer and "reassurance force" in answer


def test_a_reader_cannot_add(tmp_path: Path) -> None:
    result = run_console(tmp_path, "/add Somebody | 2025-11-26 | talks | zebras | Nowhere\n/search zebras\n")
    assert result.returncode == 0, result.stderr
    assert "You are user 1, a reader." in result.stdout
    assert "Only the bot's admins can change the record." in result.stdout
    assert "No statement matches" in result.stdout
