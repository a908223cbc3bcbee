"""The HTTP transport to the Bot API (bot/transport.py), against a real HTTP server on
localhost: what Telegram receives (JSON for text, multipart for files), and what the bot
sees when Telegram refuses, is slow or cannot be reached."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InputFile, Message
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.transport import AiohttpRequest

TOKEN = "123456:secret-half-of-the-token"


@dataclass
class FakeBotApi:
    """A Bot API on a free port: what it received last, the answers it is to give next
    (otherwise the message sent), and how long it waits before answering."""

    url: str = ""
    content_type: str = ""
    json: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    answers: list[web.Response] = field(default_factory=list)
    delay: float = 0.0


def _message(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": 7,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "text": text,
    }


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    received = FakeBotApi()

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            me = {"id": 123456, "is_bot": True, "first_name": "diplobot", "username": "diplobot"}
            return web.json_response({"ok": True, "result": me})
        received.content_type = request.content_type
        if request.content_type == "application/json":
            received.json = await request.json()
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    received.files[name] = (value.filename, value.file.read(), value.content_type)
                else:
                    received.form[name] = value
        await asyncio.sleep(received.delay)
        if received.answers:
            return received.answers.pop(0)
        chat = received.json.get("chat_id") or received.form.get("chat_id")
        return web.json_response({"ok": True, "result": _message(int(chat), received.json.get("text", ""))})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    received.url = f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    yield received
    await runner.cleanup()


async def test_text_goes_as_json_and_the_message_comes_back(server: FakeBotApi) -> None:
    url, received = server.url, server
    text = "<b>Заява</b> & «гарантії» — ceasefire 100%"
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest()) as bot:
        message = await bot.send_message(chat_id=42, text=text, parse_mode="HTML")
    assert received.content_type == "application/json"
    assert received.json["chat_id"] == "42"  # PTB encodes every value as a string, as a form would
    assert received.json["text"] == text
    assert received.json["parse_mode"] == "HTML"
    assert isinstance(message, Message) and message.chat_id == 42


async def test_a_file_goes_as_multipart_with_its_name_and_type(server: FakeBotApi) -> None:
    url, received = server.url, server
    content = b"id,speaker\n1,Zelensky\n" * 100
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest()) as bot:
        await bot.send_document(
            chat_id=42, document=InputFile(content, filename="record.csv"), caption="<i>export</i>", parse_mode="HTML"
        )
    assert received.content_type == "multipart/form-data"
    assert received.form["chat_id"] == "42"
    assert received.form["caption"] == "<i>export</i>"
    (filename, body, content_type) = next(iter(received.files.values()))
    assert (filename, body, content_type) == ("record.csv", content, "text/csv")


async def test_telegram_refusals_reach_the_bot_as_ptb_errors(server: FakeBotApi) -> None:
    url, answer_next = server.url, server.answers.append
    answer_next(
        web.json_response(
            {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 3}},
            status=429,
        )
    )
    answer_next(
        web.json_response(
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
        )
    )
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest()) as bot:
        with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
            await bot.send_message(chat_id=1, text="a")
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(chat_id=1, text="b")


async def test_a_slow_answer_is_timed_out(server: FakeBotApi) -> None:
    url = server.url
    async with Bot(TOKEN, base_url=url, request=AiohttpRequest(read_timeout=0.2, write_timeout=0.1)) as bot:
        server.delay = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=1, text="slow")
        # A timeout for one call overrides the transport's.
        server.delay = 0.5
        message = await bot.send_message(chat_id=1, text="patient", read_timeout=2.0)
    assert message.text == "patient"


async def test_an_unreachable_api_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as error:
            await bot.send_message(chat_id=1, text="anyone?")
    finally:
        await request.shutdown()
    assert not isinstance(error.value, TimedOut)
    assert "aiohttp." in error.value.message
    assert TOKEN.partition(":")[2] not in error.value.message
    assert TOKEN.partition(":")[2] not in json.dumps(repr(error.value))


async def test_one_transport_serves_two_bots_and_closes_once() -> None:
    request = AiohttpRequest()
    await request.initialize()
    await request.initialize()
    await request.shutdown()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/bot/getMe", "POST")
