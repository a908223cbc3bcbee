"""The terminal console driven through stdin/stdout, as a person at the terminal would."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.local.bot_api import ApiCall
from bot.local.console import ConsoleView, terminal_text

DIPLOBOT = Path(sys.executable).with_name("diplobot")


def run_console(
    tmp_path: Path, script: str, *arguments: str, command: str = "console", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    extra = env or {}
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIPLOBOT_", "TELEGRAM_"))}
    env["DIPLOBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    env.update(extra)
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
    assert len(result.stderr.strip().splitlines()) == 1, "no INFO log breaking into the prompt"
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
    assert "No statement holds “zebras”." in result.stdout


def test_telegram_only_features_answer_clearly_and_files_go_to_a_named_folder(tmp_path: Path) -> None:
    """A channel the console cannot have is answered, not a traceback; inline mode lists
    its results; a picture is saved in the console's own folder (here under TMPDIR), never
    in the working directory, and its line names the path."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    script = "/channel @unknown\n@diplobot_bot ceasefire\n/positions\n/positions\n"
    result = run_console(tmp_path, script, env={"TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "went wrong" not in result.stdout
    assert "console: no chat @unknown here; channels and groups exist on Telegram only" in result.stdout
    assert "bot> ⚠️ channel: I cannot see @unknown: add me to it as an admin first" in result.stdout
    assert "inline> Vladimir Putin · 13 Mar 2025 · " in result.stdout
    assert "in Telegram, choosing one posts it in that chat" in result.stdout
    saved = [line.split("saved: ", 1)[1].split("]", 1)[0] for line in result.stdout.splitlines() if "saved: " in line]
    assert len(saved) == 2 and saved[0] != saved[1]
    for path in map(Path, saved):
        assert path.parent.parent == temporary and path.parent.name.startswith("diplobot-console-")
        assert path.read_bytes().startswith(b"\x89PNG")
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("console.db")) == ["tmp"]


def test_files_go_to_the_folder_given(tmp_path: Path) -> None:
    out = io.StringIO()
    view = ConsoleView(out, styled=False, folder=tmp_path / "files")
    (tmp_path / "files").mkdir()
    call = ApiCall("sendDocument", {"caption": "The record"}, {"document": ("../record.jsonl", b"{}\n")})
    view.show(call, {"message_id": 1})
    view.show(call, {"message_id": 2})
    assert sorted(path.name for path in (tmp_path / "files").iterdir()) == ["record-2.jsonl", "record.jsonl"]
    assert f"bot> [file saved: {tmp_path / 'files' / 'record-2.jsonl'}] The record" in out.getvalue()


def test_ctrl_c_at_the_prompt_closes_the_console_at_once(tmp_path: Path) -> None:
    """Waiting for a line that never comes (a terminal, a pipe left open), Ctrl-C ends the
    console without another key pressed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIPLOBOT_", "TELEGRAM_"))}
    env.update(DIPLOBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", DIPLOBOT_SEMANTIC="false")
    process = subprocess.Popen(
        [str(DIPLOBOT), "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("diplobot console.")
        assert process.stdout.readline().startswith("You are user")
        process.send_signal(signal.SIGINT)

        assert process.wait(timeout=20) == 130
    finally:
        process.kill()
        process.wait()
