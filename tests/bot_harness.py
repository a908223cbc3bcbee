"""Handler tests in process: the real Application and handlers, on a real database, with
`LocalBotApi` standing in for Telegram (it records every call and answers as Telegram
would), in the manner of aiogram's mocked bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import build_application
from bot.config import Settings
from bot.context import BotApplication
from bot.local.bot_api import ApiCall, LocalBotApi, LocalUser
from storage.engine import Database

ADMIN_ID = 4242
READER_ID = 1001


class BotHarness:
    def __init__(self, application: BotApplication, api: LocalBotApi) -> None:
        self.application = application
        self.api = api

    def user(self, user_id: int = READER_ID, **kwargs: Any) -> LocalUser:
        return LocalUser(self.application, self.api, user_id, **kwargs)

    def admin(self, **kwargs: Any) -> LocalUser:
        return LocalUser(self.application, self.api, ADMIN_ID, first_name="Admin", **kwargs)

    def texts(self, chat_id: int) -> list[str]:
        """Every text the bot sent to `chat_id`, in order (edits excluded)."""
        return [
            str(call.params.get("text", ""))
            for call in self.api.calls
            if call.method == "sendMessage" and int(call.params["chat_id"]) == chat_id
        ]

    def last_text(self, chat_id: int) -> str:
        texts = self.texts(chat_id)
        assert texts, f"the bot sent nothing to chat {chat_id}"
        return texts[-1]

    def calls(self, method: str) -> list[ApiCall]:
        return self.api.sent(method)


async def retract(user: LocalUser, statement_id: int, reason: str) -> str:
    """/retract, then its Retract button; what the bot's message then says."""
    await user.send(f"/retract {statement_id} {reason}")
    message = user.last_message()
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    data = [button["callback_data"] for row in keyboard for button in row if button["callback_data"].endswith(":yes")]
    assert len(data) == 1, f"no Retract button under {message.get('text')!r}"
    await user.press(message, data[0])
    return str(user.last_message()["text"])


@asynccontextmanager
async def running_bot(database: Database, api: LocalBotApi | None = None, **settings: Any) -> AsyncIterator[BotHarness]:
    """The application initialised and started (post_init ran, JobQueue running), as
    `run_polling` would leave it, minus the polling; Telegram is `api` (by default a
    plain `LocalBotApi`)."""
    config = Settings(**{"DIPLOBOT_ADMIN_IDS": str(ADMIN_ID), "DIPLOBOT_LOAD_SAMPLE": "false", **settings})
    api = api or LocalBotApi()
    application = build_application(config, request=api, database=database, rate_limited=False)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        try:
            yield BotHarness(application, api)
        finally:
            await application.stop()
