"""Webhook mode end to end: `diplobot run --webhook-url` registers its secret with the Bot API
(the emulator) and its webhook server turns away every post that does not carry it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.e2e.bot_process import bot_environment, diplobot_run
from tests.e2e.emulator import BotApiEmulator, EmulatorClient, _free_loopback_port
from tests.e2e.webhook import STARTUP_TIMEOUT, update, wait_until_listening

SECRET = "webhook-secret-0123456789abcdef"
READER = 7102


async def test_the_webhook_takes_only_posts_that_carry_the_secret(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient, tmp_path: Path
) -> None:
    port = _free_loopback_port()
    env = bot_environment(bot_api_emulator, bot_token, tmp_path / "bot.db", load_sample=False)
    env["DIPLOBOT_WEBHOOK_SECRET"] = SECRET
    log = tmp_path / "diplobot.log"
    options = ("--webhook-url", f"http://127.0.0.1:{port}", "--listen", "127.0.0.1", "--port", str(port))
    with diplobot_run(env, log, *options) as process:
        [registered] = await emulator_client.wait_for_calls("setWebhook", timeout=STARTUP_TIMEOUT)
        assert registered.params["secret_token"] == SECRET
        assert registered.params["url"] == f"http://127.0.0.1:{port}/telegram"
        endpoint = f"http://127.0.0.1:{port}/telegram"
        await wait_until_listening(endpoint, log)

        async with httpx.AsyncClient(timeout=10.0) as client:
            forged = await client.post(endpoint, json=update(1, "/start", READER))
            wrong = await client.post(
                endpoint,
                json=update(2, "/start", READER),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guessed-" + SECRET},
            )
            genuine = await client.post(
                endpoint, json=update(3, "/help", READER), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )

        assert forged.status_code == 403
        assert wrong.status_code == 403
        assert genuine.status_code == 200
        [answer] = await emulator_client.wait_for_bot_messages(1, chat_id=READER, timeout=10.0)
        assert "Ask me" in (answer.text or ""), "the genuine /help is answered"
        await asyncio.sleep(1.0)
        assert len(await emulator_client.bot_messages(READER)) == 1, "the forged /start went unanswered"
        assert process.poll() is None, log.read_text()
    assert SECRET not in log.read_text(), "the webhook secret leaked into the log"
