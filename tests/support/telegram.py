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

from bot.local.bot_api import ApiCall, LocalBotApi
from tests.support.clock import FakeTime


class TelegramDouble(LocalBotApi):
    """`LocalBotApi` whose sendMessage can answer as Telegram does when it refuses:
    `fail(chat_id, status, description, parameters)` queues one refusal for that chat
    (`retry_after`, `blocked` and `migrated` name the usual ones), `network_down(chat_id,
    times)` makes the next attempts fail below HTTP. getChatMember says the users in
    `group_admins` administer every group and everyone else is a member.

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
        if call.method == "getChatMember":
            return self._chat_member(int(call.params["user_id"]))
        return super()._answer(call)

    def _chat_member(self, user_id: int) -> dict[str, Any]:
        status = "administrator" if user_id in self.group_admins else "member"
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
            )
        return member
