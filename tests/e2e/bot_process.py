"""`diplobot run` as a real subprocess pointed at the Bot API emulator: the deployment
path (CLI, configuration, migrations, long polling over HTTP) under test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.emulator import BotApiEmulator

DIPLOBOT = Path(sys.executable).with_name("diplobot")
SHUTDOWN_TIMEOUT = 20.0


def bot_environment(
    emulator: BotApiEmulator, token: str, database_path: Path, *, admin_ids: str = "", load_sample: bool = True
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIPLOBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        DIPLOBOT_TELEGRAM_API_URL=emulator.base_url,
        DIPLOBOT_DATABASE_URL=f"sqlite+aiosqlite:///{database_path}",
        DIPLOBOT_ADMIN_IDS=admin_ids,
        DIPLOBOT_LOAD_SAMPLE="true" if load_sample else "false",
        DIPLOBOT_LOG_LEVEL="INFO",
    )
    return env


@contextmanager
def diplobot_run(env: dict[str, str], log_path: Path, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """Starts `diplobot run [options]`; on exit sends SIGTERM and requires a clean shutdown."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(DIPLOBOT), "run", *options], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=SHUTDOWN_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    raise AssertionError(f"diplobot did not stop on SIGTERM:\n{log_path.read_text()}") from None
