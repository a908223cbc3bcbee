"""`diplobot run` polling the Bot API emulator, with what the end-to-end tests do beside it:
wait for the bot's replies, run `diplobot digest send-due` as an operator would, and read
the record the bot writes."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.engine import Database
from storage.models import Subscriber
from storage.subscriptions import get_subscriber
from tests.e2e.bot_process import DIPLOBOT, bot_environment, diplobot_run
from tests.e2e.emulator import BotApiEmulator, BotMessage, EmulatorClient

STARTUP_TIMEOUT = 30.0


@dataclass
class RunningBot:
    client: EmulatorClient
    env: dict[str, str]
    database_url: str
    workdir: Path

    async def reply(self, chat_id: int, before: int, timeout: float = 15.0) -> BotMessage:
        """The bot's answer once it has sent `chat_id` more than `before` messages."""
        messages = await self.client.wait_for_bot_messages(before + 1, chat_id=chat_id, timeout=timeout)
        return messages[-1]

    async def count(self, chat_id: int) -> int:
        return len(await self.client.bot_messages(chat_id))

    def send_due(self, at: datetime) -> str:
        result = subprocess.run(
            [str(DIPLOBOT), "digest", "send-due", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    async def subscriber(self, chat_id: int) -> Subscriber | None:
        database = Database(self.database_url)
        try:
            return await get_subscriber(database, chat_id)
        finally:
            await database.close()


@asynccontextmanager
async def polling_bot(
    emulator: BotApiEmulator, token: str, client: EmulatorClient, workdir: Path, *, admin: int, load_sample: bool
) -> AsyncIterator[RunningBot]:
    """The bot polling until the block ends, then stopped cleanly (exit 0 required)."""
    database_path = workdir / "bot.db"
    env = bot_environment(emulator, token, database_path, admin_ids=str(admin), load_sample=load_sample)
    log = workdir / "diplobot.log"
    with diplobot_run(env, log) as process:
        try:
            await client.wait_for_calls("getUpdates", timeout=STARTUP_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"diplobot did not start polling:\n{log.read_text()}") from None
        yield RunningBot(client, env, f"sqlite+aiosqlite:///{database_path}", workdir)
        assert process.poll() is None, f"diplobot exited early:\n{log.read_text()}"
    assert process.returncode == 0, log.read_text()
