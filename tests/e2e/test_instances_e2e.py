"""Two `diplobot run` webhook processes on one PostgreSQL record, with updates spread
between them as a load balancer would: a guided /add begun on one is finished on the
other, and a page button made by one works on the other. Replies go out through the
Bot API emulator."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.conftest import asyncpg_dsn
from tests.e2e.bot_process import bot_environment, diplobot_run
from tests.e2e.emulator import BotApiEmulator, BotMessage, EmulatorClient, _free_loopback_port
from tests.e2e.webhook import STARTUP_TIMEOUT, button_press, update, wait_until_listening

SECRET = "instances-secret-0123456789abcdef"
ADMIN = 7301
READER = 7302
ANSWER_TIMEOUT = 20.0


class Balancer:
    """Posts each update to the instance whose turn it is, as Telegram's secret-carrying
    POST, and waits for the answer it should bring."""

    def __init__(self, endpoints: list[str], emulator: EmulatorClient) -> None:
        self.endpoints = endpoints
        self.emulator = emulator
        self._ids = itertools.count(1)

    async def post(self, instance: int, payload_for: Any) -> None:
        update_id = next(self._ids)
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.post(
                self.endpoints[instance],
                json=payload_for(update_id),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert response.status_code == 200

    async def say(self, instance: int, user_id: int, text: str) -> BotMessage:
        """Sends `text` through `instance` and returns the bot's answer."""
        before = len(await self.emulator.bot_messages(user_id))
        await self.post(instance, lambda update_id: update(update_id, text, user_id))
        messages = await self.emulator.wait_for_bot_messages(before + 1, chat_id=user_id, timeout=ANSWER_TIMEOUT)
        return messages[-1]


async def next_step(database_url: str, previous: str | None) -> str:
    """The step the admin's dialogue is stored on, once it is no longer `previous`."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for _ in range(200):
            step = await connection.fetchval("SELECT state FROM dialogue_state WHERE user_id = $1", ADMIN)
            if step is not None and step != previous:
                return str(step)
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    raise AssertionError(f"the dialogue stayed on step {previous!r}")


@contextmanager
def instances(env: dict[str, str], tmp_path: Path, count: int) -> Iterator[tuple[list[str], list[Path]]]:
    ports = [_free_loopback_port() for _ in range(count)]
    logs = [tmp_path / f"instance-{n}.log" for n in range(count)]
    with ExitStack() as stack:
        for port, log in zip(ports, logs, strict=True):
            options = ("--webhook-url", f"http://127.0.0.1:{port}", "--listen", "127.0.0.1", "--port", str(port))
            stack.enter_context(diplobot_run(env, log, *options))
        yield [f"http://127.0.0.1:{port}/telegram" for port in ports], logs


async def test_two_instances_share_dialogues_and_page_buttons(
    bot_api_emulator: BotApiEmulator,
    bot_token: str,
    emulator_client: EmulatorClient,
    postgres_database_url: str,
    tmp_path: Path,
) -> None:
    env = bot_environment(bot_api_emulator, bot_token, tmp_path / "unused.db", admin_ids=str(ADMIN))
    env["DIPLOBOT_DATABASE_URL"] = postgres_database_url
    env["DIPLOBOT_WEBHOOK_SECRET"] = SECRET
    env["DIPLOBOT_SEMANTIC"] = "false"

    with instances(env, tmp_path, 2) as (endpoints, logs):
        for endpoint, log in zip(endpoints, logs, strict=True):
            await wait_until_listening(endpoint, log)
        await emulator_client.wait_for_calls("setWebhook", count=2, timeout=STARTUP_TIMEOUT)
        balancer = Balancer(endpoints, emulator_client)

        # A guided /add, each answer to the other instance than the one before. A prompt
        # goes out before its update's step is written (when the update ends): a person
        # reads it before answering; here the next answer waits for the step instead.
        answers = ["/add", "Vladimir Putin", "2025-08-20", "talks", "claim", "Recorded across two instances.", "TASS"]
        step = None
        for turn, text in enumerate(answers):
            await balancer.say(turn % 2, ADMIN, text)
            step = await next_step(postgres_database_url, step)
        preview = await balancer.say(len(answers) % 2, ADMIN, "https://tass.com/1")
        assert "Recorded across two instances." in (preview.text or "")
        before = len(await emulator_client.bot_messages(ADMIN))
        await balancer.post(
            1 - len(answers) % 2,
            lambda update_id: button_press(update_id, ADMIN, preview, preview.callback_data("✅ Confirm")),
        )
        messages = await emulator_client.wait_for_bot_messages(before + 1, chat_id=ADMIN, timeout=ANSWER_TIMEOUT)
        assert (messages[-1].text or "").startswith("✅ Added #"), [m.text for m in messages[-3:]]

        found = await balancer.say(0, READER, "/search Recorded across two instances")
        assert "Recorded across two instances." in (found.text or "")

        # A result list made by one instance, its Next button pressed on the other.
        listing = await balancer.say(0, READER, "/search ceasefire")
        assert "(1–5 of" in (listing.text or "")
        await balancer.post(
            1, lambda update_id: button_press(update_id, READER, listing, listing.callback_data("Next ▶"))
        )
        await emulator_client.wait_for_calls("editMessageText", timeout=ANSWER_TIMEOUT)
        [edited] = [m for m in await emulator_client.bot_messages(READER) if m.message_id == listing.message_id]
        assert "(6–10 of" in (edited.text or "")

        for log in logs:
            assert SECRET not in log.read_text()
            assert "Traceback" not in log.read_text(), log.read_text()
