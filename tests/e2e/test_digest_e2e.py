"""Digests end to end: `diplobot run` against the Bot API emulator; a reader subscribes, an
admin adds statements with the one-line /add, and `diplobot digest send-due --at` the
subscriber's local time (a second process on the same database, as an operator would run
it) delivers one digest holding them; running it again delivers nothing more."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest_asyncio

from storage.engine import Database
from storage.models import Subscriber
from storage.subscriptions import get_subscriber, next_due_at
from tests.e2e.bot_process import DIPLOBOT, bot_environment, diplobot_run
from tests.e2e.emulator import BotApiEmulator, BotMessage, EmulatorClient

ADMIN = 7101
READER = 7102
STARTUP_TIMEOUT = 30.0
PUTIN = "Any ceasefire must be long-term and address the root causes of the conflict."
ZELENSKY = "Security guarantees must be legally binding and in place before any ceasefire takes effect."


class RunningBot:
    def __init__(self, client: EmulatorClient, env: dict[str, str], database_url: str, workdir: Path) -> None:
        self.client = client
        self.env = env
        self.database_url = database_url
        self.workdir = workdir

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

    async def reply(self, chat_id: int, before: int, timeout: float = 15.0) -> BotMessage:
        messages = await self.client.wait_for_bot_messages(before + 1, chat_id=chat_id, timeout=timeout)
        return messages[-1]


@pytest_asyncio.fixture
async def running(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    database_path = tmp_path / "bot.db"
    env = bot_environment(bot_api_emulator, bot_token, database_path, admin_ids=str(ADMIN), load_sample=False)
    log = tmp_path / "diplobot.log"
    with diplobot_run(env, log) as process:
        try:
            await emulator_client.wait_for_calls("getUpdates", timeout=STARTUP_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"diplobot did not start polling:\n{log.read_text()}") from None
        yield RunningBot(emulator_client, env, f"sqlite+aiosqlite:///{database_path}", tmp_path)
        assert process.poll() is None, f"diplobot exited early:\n{log.read_text()}"
    assert process.returncode == 0, log.read_text()


async def test_one_digest_at_the_subscribers_local_time_and_no_more(running: RunningBot) -> None:
    client = running.client
    reader = client.user(READER)
    await reader.send_command("/subscribe 08:00 Europe/Kyiv")
    subscribed_at = datetime.now(UTC)
    confirmation = await running.reply(READER, 0)
    assert "Subscribed" in (confirmation.text or ""), confirmation.text
    assert "08:00" in (confirmation.text or "") and "Europe/Kyiv" in (confirmation.text or "")

    admin = client.user(ADMIN, first_name="Admin")
    await admin.send_command(f"/add Vladimir Putin (Russia) | 2025-11-20 | ceasefire | {PUTIN} | Kremlin press service")
    assert "Added" in ((await running.reply(ADMIN, 0)).text or "")
    await admin.send_command(
        f"/add Volodymyr Zelensky (Ukraine) | 2025-11-21 | security_guarantees, ceasefire | {ZELENSKY} | Office of the President"
    )
    assert "Added" in ((await running.reply(ADMIN, 1)).text or "")

    # The next 08:00 in Kyiv after the subscription, in UTC.
    subscriber = await running.subscriber(READER)
    assert subscriber is not None and subscriber.active
    due = subscriber.next_due_at
    assert due in {
        next_due_at(time(8, 0), "Europe/Kyiv", subscribed_at - timedelta(seconds=5)),
        next_due_at(time(8, 0), "Europe/Kyiv", subscribed_at + timedelta(seconds=5)),
    }

    # A minute early: not due yet.
    assert "due=0" in running.send_due(due - timedelta(minutes=1))
    assert len(await client.bot_messages(READER)) == 1

    output = running.send_due(due)
    assert "sent=1" in output, output
    messages = await client.wait_for_bot_messages(2, chat_id=READER)
    assert len(messages) == 2
    digest = messages[1]
    assert digest.parse_mode == "HTML"
    assert "Your daily digest" in (digest.text or "")
    assert PUTIN in (digest.text or "") and ZELENSKY in (digest.text or "")
    assert "2 new statements" in (digest.text or "")

    # Again at the same time, a little later, and the next day with nothing new: no more.
    assert "due=0" in running.send_due(due)
    assert "due=0" in running.send_due(due + timedelta(minutes=30))
    assert "empty=1" in running.send_due(next_due_at(time(8, 0), "Europe/Kyiv", due))
    assert len(await client.bot_messages(READER)) == 2

    after = await running.subscriber(READER)
    tomorrow = next_due_at(time(8, 0), "Europe/Kyiv", due)
    assert after is not None and after.next_due_at == next_due_at(time(8, 0), "Europe/Kyiv", tomorrow)
