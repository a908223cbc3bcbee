"""The tests' Telegram: `LocalBotApi` (the console's in-process Bot API, which records
every call and answers as Telegram does when it accepts) with Telegram's refusals
injected into the transport, so that PTB raises exactly what it raises against Telegram:
RetryAfter, Forbidden, BadRequest, ChatMigrated, NetworkError."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from typing import Any

from telegram.error import NetworkError
from telegram.request import RequestData

from bot.local.bot_api import BOT_USER, ApiCall, LocalBotApi
from tests.support.clock import FakeTime


class TelegramDouble(LocalBotApi):
    """`LocalBotApi` whose sendMessage can answer as Telegram does when it refuses:
    `fail(chat_id, status, description, parameters)` queues one refusal for that chat
    (`retry_after`, `blocked` and `migrated` name the usual ones), `network_down(chat_id,
    times)` makes the next attempts fail below HTTP. getChatMember says the users in
    `group_admins` administer every group and everyone else is a member.

    `add_channel` makes a channel known to getChat (by id or @username; any other chat is
    "not found") and getChatMember (its admins, and the bot when it may post, administer
    it; everyone else has left it).

    `attempts` lists the chat of every sendMessage tried, `sent_at` the chat and the fake
    clock's time of every one accepted; `latency` (real seconds) delays each attempt."""

    def __init__(self, clock: FakeTime | None = None, *, group_admins: Collection[int] = ()) -> None:
        super().__init__()
        self.clock = clock
        self.group_admins = set(group_admins)
        self.refusals: dict[int, list[tuple[int, str, dict[str, Any] | None]]] = {}
        self.outages: dict[int, int] = {}
        self.attempts: list[int] = []
        self.sent_at: list[tuple[int, float]] = []
        self.latency = 0.0
        self.channels: dict[int, tuple[dict[str, Any], set[int]]] = {}

    # -- injecting refusals ----------------------------------------------------------

    def fail(
        self, chat_id: int, status: int, description: str, parameters: dict[str, Any] | None = None, times: int = 1
    ) -> None:
        self.refusals.setdefault(chat_id, []).extend([(status, description, parameters)] * times)

    def retry_after(self, chat_id: int, seconds: int) -> None:
        """Flood control: PTB raises RetryAfter(seconds)."""
        self.fail(chat_id, 429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    def blocked(self, chat_id: int) -> None:
        """The user blocked the bot: PTB raises Forbidden."""
        self.fail(chat_id, 403, "Forbidden: bot was blocked by the user")

    def migrated(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: PTB raises ChatMigrated(new_chat_id)."""
        self.fail(
            chat_id,
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    def network_down(self, chat_id: int, times: int) -> None:
        self.outages[chat_id] = times

    def add_channel(self, chat_id: int, username: str, admins: Collection[int], *, bot_may_post: bool = True) -> None:
        chat = {"id": chat_id, "type": "channel", "title": username.title(), "username": username}
        members = set(admins) | ({BOT_USER["id"]} if bot_may_post else set())
        self.channels[chat_id] = (chat, members)
        self.chats[chat_id] = chat

    # -- reading what went through -----------------------------------------------------

    def delivered(self, chat_id: int | None = None) -> list[str]:
        return [
            str(call.params["text"])
            for call in self.sent("sendMessage")
            if chat_id is None or int(call.params["chat_id"]) == chat_id
        ]

    # -- Telegram's side ---------------------------------------------------------------

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/getChat") and request_data is not None:
            wanted = str(request_data.json_parameters["chat_id"])
            if not any(
                wanted in (str(chat_id), f"@{chat['username']}") for chat_id, (chat, _) in self.channels.items()
            ):
                self.calls.append(ApiCall("getChat", {"chat_id": wanted}))
                return 400, json.dumps(
                    {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
                ).encode()
        if url.endswith("/sendMessage") and request_data is not None:
            chat_id = int(json.loads(request_data.json_parameters["chat_id"]))
            self.attempts.append(chat_id)
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.outages.get(chat_id):
                self.outages[chat_id] -= 1
                raise NetworkError("connection reset by peer")
            queue = self.refusals.get(chat_id)
            if queue:
                status, description, parameters = queue.pop(0)
                body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
                if parameters:
                    body["parameters"] = parameters
                return status, json.dumps(body).encode()
            self.sent_at.append((chat_id, self.clock.now if self.clock else 0.0))
        return await super().do_request(url, method, request_data, *args, **kwargs)

    def _answer(self, call: ApiCall) -> Any:
        if call.method == "getChat":
            wanted = str(call.params["chat_id"])
            for chat_id, (chat, _) in self.channels.items():
                if wanted in (str(chat_id), f"@{chat['username']}"):
                    return {**chat, "accent_color_id": 0, "max_reaction_count": 11}
        if call.method == "getChatMember":
            channel = self.channels.get(int(call.params["chat_id"]))
            if channel is not None:
                user_id = int(call.params["user_id"])
                return self._chat_member(user_id, "administrator" if user_id in channel[1] else "left")
            return self._chat_member(int(call.params["user_id"]))
        return super()._answer(call)

    def _chat_member(self, user_id: int, status: str | None = None) -> dict[str, Any]:
        status = status or ("administrator" if user_id in self.group_admins else "member")
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"}}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_post_messages=True,
            )
        return member
