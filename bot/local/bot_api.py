"""A Bot API that lives in the process: the transport of the terminal console, and the
recording fake the handler tests run on. It answers the methods the bot calls the way
Telegram would, keeps what the bot sent, and builds the updates a user would cause."""

from __future__ import annotations

import itertools
import json
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOT_USER = {"id": 1, "is_bot": True, "first_name": "diplobot", "username": "diplobot_bot"}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """What Telegram answers when it refuses a call ("Bad Request: chat not found"): PTB
    raises from it exactly what it raises against Telegram."""

    status: int
    description: str


Answer = dict[str, Any] | bool | Refusal


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


class LocalBotApi(BaseRequest):
    """Telegram's side of the conversation, without a network."""

    def __init__(self, on_call: Callable[[ApiCall, Answer], None] | None = None) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self._message_ids = itertools.count(1000)
        self._on_call = on_call

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def sent(self, method: str | None = None) -> list[ApiCall]:
        return [call for call in self.calls if method is None or call.method == method]

    def clear(self) -> None:
        self.calls.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if method == "GET":
            file_id = url.rsplit("/", 1)[-1]
            return (200, self.files[file_id]) if file_id in self.files else (404, b"")
        api_method = url.rsplit("/", 1)[-1]
        params = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None:
            params = {key: _decode(value) for key, value in request_data.json_parameters.items()}
            if request_data.contains_files:
                for name, upload in request_data.multipart_data.items():
                    if isinstance(upload, tuple):
                        content = upload[1]
                        files[name] = (str(upload[0]), content if isinstance(content, bytes) else content.read())
        call = ApiCall(api_method, params, files)
        self.calls.append(call)
        result = self._answer(call)
        if self._on_call is not None:
            self._on_call(call, result)
        if isinstance(result, Refusal):
            body = {"ok": False, "error_code": result.status, "description": result.description}
            return result.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        return self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "user"})

    def _message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            **content,
        }
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _known_chat(self, chat_id: Any) -> dict[str, Any] | None:
        """A chat this Telegram has: by id, or by @username as getChat takes it."""
        wanted = str(chat_id)
        for known_id, chat in self.chats.items():
            if wanted in (str(known_id), f"@{chat.get('username', '')}"):
                return chat
        return None

    def _answer(self, call: ApiCall) -> Answer:
        params = call.params
        if call.method == "getMe":
            return BOT_USER
        if call.method in ("getChat", "getChatMember"):
            # Only the chats of the users talking to it: any other (a channel, a group
            # named by the reader) is not found, as Telegram says of a chat it cannot see.
            chat = self._known_chat(params.get("chat_id"))
            if chat is None:
                return Refusal(400, "Bad Request: chat not found")
            if call.method == "getChat":
                return {**chat, "accent_color_id": 0, "max_reaction_count": 11}
            user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "user"}
            return {"status": "member", "user": user}
        if call.method == "sendMessage":
            content = {"text": params.get("text", "")}
            if "reply_markup" in params:
                content["reply_markup"] = params["reply_markup"]
            return self._message(params["chat_id"], **content)
        if call.method == "sendDocument":
            name, data = call.files.get("document", ("document", b""))
            file_id = f"sent-{len(self.files)}"
            self.files[file_id] = data
            document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(data)}
            return self._message(params["chat_id"], document=document, caption=params.get("caption", ""))
        if call.method == "sendPhoto":
            _, data = call.files.get("photo", ("photo", b""))
            file_id = f"sent-{len(self.files)}"
            self.files[file_id] = data
            width, height = struct.unpack(">II", data[16:24]) if data.startswith(PNG_SIGNATURE) else (0, 0)
            photo = [
                {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            ]
            content = {"photo": photo, "caption": params.get("caption", "")}
            if "reply_markup" in params:
                content["reply_markup"] = params["reply_markup"]
            return self._message(params["chat_id"], **content)
        if call.method in ("editMessageText", "editMessageReplyMarkup"):
            key = (int(params["chat_id"]), int(params["message_id"]))
            message = self.messages.get(key) or self._message(params["chat_id"])
            if "text" in params:
                message["text"] = params["text"]
            message.pop("reply_markup", None)
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            message["edit_date"] = int(time.time())
            return message
        if call.method == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": file_id,
            }
        return True


class LocalUser:
    """A person talking to the bot through `LocalBotApi`: builds each update the way
    Telegram would and hands it to the application's handlers."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        application: Application,
        api: LocalBotApi,
        user_id: int,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Reader",
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.application = application
        self.api = api
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        self.chat_id = chat_id if chat_id is not None else user_id
        chat: dict[str, Any] = {"id": self.chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = "Group"
        self.chat = chat
        api.chats[self.chat_id] = chat
        self._message_ids = itertools.count(1)

    async def _process(self, payload: dict[str, Any]) -> None:
        update = Update.de_json({"update_id": next(self._update_ids), **payload}, self.application.bot)
        await self.application.process_update(update)

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }

    async def send(self, text: str, *, reply_to: dict[str, Any] | None = None) -> None:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        await self._process({"message": self._message(**content)})

    async def send_document(self, name: str, data: bytes, caption: str | None = None) -> None:
        file_id = f"upload-{len(self.api.files)}"
        self.api.files[file_id] = data
        content: dict[str, Any] = {
            "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "file_size": len(data)}
        }
        if caption:
            content["caption"] = caption
            if caption.startswith("/"):
                command = caption.split()[0]
                content["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._process({"message": self._message(**content)})

    async def inline(self, query: str, offset: str = "") -> None:
        """Types `@bot query` in some other chat: an inline query, as Telegram sends it."""
        inline_query = {"id": f"i{next(self._update_ids)}", "from": self.user, "query": query, "offset": offset}
        await self._process({"inline_query": {**inline_query, "chat_type": "sender"}})

    async def press(self, message: dict[str, Any], callback_data: str) -> None:
        await self._process(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": self.user,
                    "chat_instance": str(self.chat_id),
                    "message": message,
                    "data": callback_data,
                }
            }
        )

    def last_message(self) -> dict[str, Any]:
        """The bot's newest message in this chat, as it stands after any edits."""
        mine = [message for (chat_id, _), message in self.api.messages.items() if chat_id == self.chat_id]
        if not mine:
            raise AssertionError("the bot has sent nothing to this chat")
        return max(mine, key=lambda message: message["message_id"])
