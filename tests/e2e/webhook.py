"""Updates as Telegram posts them to a webhook, and waiting for a webhook server to listen."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.emulator import BotMessage

STARTUP_TIMEOUT = 60.0
BOT_USER = {"id": 1, "is_bot": True, "first_name": "diplobot", "username": "diplobot"}


def _person(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}


def update(update_id: int, text: str, user_id: int) -> dict[str, Any]:
    """A message from `user_id` in their private chat with the bot."""
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": _person(user_id),
            "text": text,
            "entities": entities,
        },
    }


def button_press(update_id: int, user_id: int, message: BotMessage, data: str) -> dict[str, Any]:
    """`user_id` pressing the button with callback data `data` under the bot's `message`."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": _person(user_id),
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": message.message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": BOT_USER,
                "text": message.text or "",
            },
        },
    }


async def wait_until_listening(url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the webhook server never listened:\n{log.read_text()}") from None
                await asyncio.sleep(0.1)
