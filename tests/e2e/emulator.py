"""Drives the Telegram Bot API emulator (telegram-test-api, see launcher.js) from the tests.

The bot under test talks real HTTP to the emulator through python-telegram-bot, exactly as it
talks to Telegram; the tests play its users through the emulator's client API and read back
what the bot sent. Every bot token is its own world in the emulator (updates, sent messages and
recorded calls are all kept per token), so a fresh token per test isolates tests that share one
emulator process.
"""

import asyncio
import base64
import contextlib
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self

import httpx
from telegram.ext import Application

E2E_DIR = Path(__file__).resolve().parent
LAUNCHER = E2E_DIR / "launcher.js"
PACKAGE_DIR = E2E_DIR / "node_modules" / "telegram-test-api"

#: How the emulated bot introduces itself in getMe: the package's fixed identity, whatever
#: the token.
BOT_ID = 666
BOT_USERNAME = "TestNameBot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Test First name", "username": BOT_USERNAME}


def missing_requirement() -> str | None:
    """Why the emulator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed (needed to run the Bot API emulator)"
    if not PACKAGE_DIR.is_dir():
        return f"{PACKAGE_DIR} is missing: run `npm ci --prefix {E2E_DIR}`"
    return None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class BotApiEmulator:
    """One emulator process on a free loopback port, for the bot to use instead of Telegram."""

    def __init__(self, node: str = "node", launcher: Path = LAUNCHER) -> None:
        self._command = [node, str(launcher)]
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._port: int | None = None

    @property
    def api_url(self) -> str:
        """Root of the emulator; the client API (the users' side) lives directly under it."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: the Bot API as the bot sees it."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``, so no file request leaves the machine.

        The emulator serves no files: downloads fail.
        """
        return f"{self.api_url}/file/bot"

    def start(self, timeout: float = 20.0) -> None:
        """Starts the emulator and returns once it accepts connections."""
        if self._process is not None:
            raise RuntimeError("the emulator is already running")
        port = _free_loopback_port()
        # Its diagnostics go to a file: a pipe nobody reads would fill up and stall it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._process = subprocess.Popen(
            [*self._command, str(port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        problem = self._wait_for_readiness(port, timeout)
        if problem is not None:
            self._log.seek(0)
            output = self._log.read().decode(errors="replace")
            self.stop()
            raise RuntimeError(f"{problem}; its output:\n{output}")
        self._port = port

    def _wait_for_readiness(self, port: int, timeout: float) -> str | None:
        """Reads the launcher's first line; why the emulator is not ready, if it is not."""
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([stdout], [], [], remaining)[0]:
                return f"the emulator was not ready within {timeout} s"
            chunk = os.read(stdout, 256)
            if not chunk:
                return "the emulator exited before it was ready"
            line += chunk
        if line.strip() != f"READY {port}".encode():
            return f"unexpected output from the emulator: {line!r}"
        return None

    def stop(self) -> None:
        """Stops the emulator; what it stored is gone."""
        process, self._process, self._port = self._process, None, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class EmulatedChat:
    """A chat as users' updates carry it.

    As on Telegram, a private chat has the user's id and groups have negative ids. The bot sees
    this chat in users' updates; in the Messages answered to its own sends the emulator can only
    guess the type from the id's sign (negative: "group").
    """

    id: int
    type: Literal["private", "group", "supergroup"] = "private"
    title: str | None = None

    @classmethod
    def group(cls, chat_id: int, title: str = "Test group") -> Self:
        """A basic group; ``chat_id`` must be negative, as Telegram's are."""
        if chat_id >= 0:
            raise ValueError("Telegram group chat ids are negative")
        return cls(id=chat_id, type="group", title=title)

    def as_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            chat["title"] = self.title
        return chat


@dataclass(frozen=True)
class BotDocument:
    """A document the bot sent, as the emulator stored it."""

    file_id: str
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    #: What the bot uploaded; None when it sent a file_id or URL instead of a file.
    content: bytes | None


@dataclass(frozen=True)
class BotPhoto:
    """A picture the bot sent: its size as read from the PNG, and the uploaded bytes."""

    file_id: str
    width: int
    height: int
    file_size: int | None
    content: bytes | None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, with any later edits applied."""

    message_id: int
    chat_id: int
    text: str | None
    caption: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    document: BotDocument | None
    photo: BotPhoto | None
    #: Milliseconds since the epoch, when the bot sent it.
    time_ms: int
    #: The stored request as the bot sent it (form values are strings).
    raw: dict[str, Any]

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Self:
        message = stored["message"]
        document = message.get("document")
        photo = (message.get("photo") or [None])[-1]
        return cls(
            message_id=stored["messageId"],
            chat_id=int(message["chat_id"]),
            text=message.get("text"),
            caption=message.get("caption"),
            parse_mode=message.get("parse_mode"),
            reply_markup=message.get("reply_markup"),
            document=None
            if document is None
            else BotDocument(
                file_id=document["file_id"],
                file_name=document.get("file_name"),
                mime_type=document.get("mime_type"),
                file_size=document.get("file_size"),
                content=base64.b64decode(document["content_base64"]) if "content_base64" in document else None,
            ),
            photo=None
            if photo is None
            else BotPhoto(
                file_id=photo["file_id"],
                width=photo["width"],
                height=photo["height"],
                file_size=photo.get("file_size"),
                content=base64.b64decode(photo["content_base64"]) if "content_base64" in photo else None,
            ),
            time_ms=stored["time"],
            raw=message,
        )

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons (``text``, ``callback_data``, ...); empty without a keyboard."""
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    def callback_data(self, button_text: str) -> str:
        """The callback data of the inline button labelled ``button_text``."""
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == button_text and "callback_data" in button:
                    data: str = button["callback_data"]
                    return data
        labels = [button.get("text") for row in self.inline_keyboard for button in row]
        raise LookupError(f"no callback button {button_text!r} in message; buttons: {labels}")


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API request the bot made, whatever the method."""

    method: str
    #: Query and body parameters as sent. python-telegram-bot sends form data, so every value
    #: is a string and objects are JSON text: read those with :meth:`json_param`.
    params: dict[str, Any]
    #: Uploaded files by multipart part name: ``file_name``, ``mime_type`` and ``size``.
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def json_param(self, name: str) -> Any:
        """A JSON-encoded parameter decoded, e.g. ``scope`` or ``commands`` of setMyCommands."""
        value = self.params[name]
        return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class InlineAnswer:
    """The bot's answer to a user's inline query, as it called answerInlineQuery."""

    inline_query_id: str
    results: list[dict[str, Any]]
    cache_time: int | None
    is_personal: bool | None
    next_offset: str | None
    button: dict[str, Any] | None

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Self:
        return cls(
            inline_query_id=stored["inline_query_id"],
            results=stored["results"],
            cache_time=stored["cache_time"],
            is_personal=stored["is_personal"],
            next_offset=stored["next_offset"],
            button=stored["button"],
        )


class EmulatorClient:
    """The human side of one bot in the emulator: its users, what it sent, what it called."""

    def __init__(self, emulator: BotApiEmulator, token: str, poll_interval: float = 0.05) -> None:
        self.token = token
        self._poll_interval = poll_interval
        self._http = httpx.AsyncClient(base_url=emulator.api_url, timeout=10.0)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def post(self, path: str, payload: dict[str, Any]) -> Any:
        """Calls the emulator's client API and returns its ``result``."""
        response = await self._http.post(path, json=payload)
        response.raise_for_status()
        return response.json()["result"]

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        username: str | None = None,
        chat: EmulatedChat | None = None,
        language_code: str | None = None,
    ) -> "EmulatedUser":
        """A user writing in ``chat``, by default their private chat with the bot, with
        Telegram's ``language_code`` of their app when given."""
        return EmulatedUser(
            client=self,
            user_id=user_id,
            first_name=first_name,
            username=username,
            chat=chat or EmulatedChat(id=user_id),
            language_code=language_code,
        )

    async def bot_messages(self, chat_id: int | None = None) -> list[BotMessage]:
        """Everything the bot sent (to ``chat_id`` only, if given), oldest first."""
        history = await self.post("/getUpdatesHistory", {"token": self.token})
        messages = [
            BotMessage.from_stored(stored)
            for stored in history
            if "message" in stored and "chat_id" in stored["message"]
        ]
        if chat_id is not None:
            messages = [message for message in messages if message.chat_id == chat_id]
        return sorted(messages, key=lambda message: message.message_id)

    async def wait_for_bot_messages(
        self, count: int, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[BotMessage]:
        """Waits until the bot has sent at least ``count`` messages (to ``chat_id``) in all."""
        deadline = time.monotonic() + timeout
        while len(messages := await self.bot_messages(chat_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} bot messages within {timeout} s, got {len(messages)}: "
                    f"{[message.text or message.caption for message in messages]}"
                )
            await asyncio.sleep(self._poll_interval)
        return messages

    async def inline_answers(self) -> list[InlineAnswer]:
        """Every answer the bot gave to an inline query, oldest first."""
        answers = await self.post("/getInlineAnswers", {"token": self.token})
        return [InlineAnswer.from_stored(answer) for answer in answers]

    async def wait_for_inline_answer(self, inline_query_id: str, timeout: float = 10.0) -> InlineAnswer:
        """Waits for the bot's answer to the inline query ``inline_query_id``."""
        deadline = time.monotonic() + timeout
        while True:
            for answer in await self.inline_answers():
                if answer.inline_query_id == inline_query_id:
                    return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to inline query {inline_query_id} within {timeout} s")
            await asyncio.sleep(self._poll_interval)

    async def set_chat(self, chat: dict[str, Any], members: dict[int, str]) -> None:
        """Makes a chat (e.g. a channel: ``{"id": -100..., "type": "channel", "username":
        ...}``) known to getChat and getChatMember, with its members' statuses
        ("creator", "administrator", "member"; anyone else has "left"). The bot itself is
        :data:`BOT_ID`."""
        await self.post(
            "/setChat", {"token": self.token, "chat": chat, "members": {str(k): v for k, v in members.items()}}
        )

    async def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Every Bot API request the bot made (of ``method`` only, if given), oldest first."""
        recorded = await self.post("/getBotApiCalls", {"token": self.token})
        return [
            RecordedCall(method=call["method"], params=call["params"], files=call["files"])
            for call in recorded
            if method is None or call["method"] == method
        ]

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Waits until the bot has called ``method`` at least ``count`` times in all."""
        deadline = time.monotonic() + timeout
        while len(calls := await self.calls(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} calls within {timeout} s, got {len(calls)}")
            await asyncio.sleep(self._poll_interval)
        return calls


@dataclass(frozen=True)
class EmulatedUser:
    """A Telegram user in one chat. Their messages reach the bot as updates, in order.

    The emulator answers these requests without message ids, so the ids the bot sees for a
    user's messages are not known here.
    """

    client: EmulatorClient
    user_id: int
    first_name: str
    username: str | None
    chat: EmulatedChat
    language_code: str | None = None

    def in_chat(self, chat: EmulatedChat) -> "EmulatedUser":
        """The same user writing in another chat, e.g. a group."""
        return EmulatedUser(self.client, self.user_id, self.first_name, self.username, chat, self.language_code)

    def as_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "botToken": self.client.token,
            "from": self.as_api(),
            "chat": self.chat.as_api(),
            "date": int(time.time()),
            **content,
        }

    async def send_message(self, text: str) -> None:
        """Sends plain text (no entities: use :meth:`send_command` for commands)."""
        await self.client.post("/sendMessage", self._message(text=text))

    async def send_command(self, command: str) -> None:
        """Sends e.g. ``"/start"`` or ``"/join 3"``, marked as a bot command like Telegram does.

        In groups Telegram clients write ``/start@BotName``; the emulated bot's username is
        :data:`BOT_USERNAME`.
        """
        if not command.startswith("/"):
            raise ValueError(f"a command starts with '/': {command!r}")
        length = len(command.split(maxsplit=1)[0])
        entities = [{"type": "bot_command", "offset": 0, "length": length}]
        await self.client.post("/sendCommand", self._message(text=command, entities=entities))

    async def send_inline_query(self, query: str, offset: str = "") -> str:
        """Types ``@bot query`` in a chat: the bot gets an inline query (``offset`` as
        Telegram sends it when the user scrolls for more). Returns the query's id."""
        sent = await self.client.post(
            "/sendInlineQuery",
            {"botToken": self.client.token, "from": self.as_api(), "query": query, "offset": offset},
        )
        inline_query_id: str = sent["inline_query_id"]
        return inline_query_id

    async def press_button(self, message: BotMessage, button_text: str) -> None:
        """Presses the inline button labelled ``button_text`` under a bot message in this chat."""
        if message.chat_id != self.chat.id:
            raise ValueError(f"message {message.message_id} is not in chat {self.chat.id}")
        pressed_on: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.time_ms // 1000,
            "chat": self.chat.as_api(),
            "from": BOT_USER,
        }
        for key in ("text", "caption", "reply_markup"):
            if message.raw.get(key) is not None:
                pressed_on[key] = message.raw[key]
        await self.client.post(
            "/sendCallback",
            {
                "botToken": self.client.token,
                "from": self.as_api(),
                "message": pressed_on,
                "data": message.callback_data(button_text),
            },
        )

    async def send_document(
        self,
        file_name: str,
        file_size: int,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> None:
        """Sends a document message carrying only the file's metadata.

        The emulator has no user-side uploads and no getFile, so the bot sees the document's
        name, size and type but cannot download its content.
        """
        document = {
            "file_id": f"user-document-{file_name}",
            "file_unique_id": f"user-document-{file_name}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        await self.client.post("/sendMessage", self._message(**content))


@contextlib.asynccontextmanager
async def polling(application: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Runs a python-telegram-bot application with long polling for the duration of a test.

    Follows ``Application.run_polling`` step by step, hooks included (``post_init`` sets bot
    commands, for instance), which run_polling itself cannot do inside a running event loop.
    """
    assert application.updater is not None
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling()
        await application.start()
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def new_bot_token() -> str:
    """A token of Telegram's shape that no other test uses (see the module docstring)."""
    return f"{BOT_ID}:{uuid.uuid4().hex}"
