"""The digests' way to Telegram: their own Bot, and one message sent with Telegram's
refusals answered.

Telegram's answers: RetryAfter holds every send for the time Telegram asks and retries
the same part; Forbidden (blocked, removed from the group) and "chat not found" end the
subscription (`ChatGone`) and the tick carries on; ChatMigrated moves the subscription to
the new chat id and resends there; any other BadRequest is raised as it is (the tick
marks the day's delivery failed); network errors are retried with backoff a few times,
after which the sender gives up for the tick (`Deferred`: the delivery stays claimed for
the next tick, which resumes it). Digests go through a Bot without PTB's
`AIORateLimiter` (`digest_bot`), so that these answers reach the sender as they are."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.digests.rate_limit import RateLimiter
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)

#: The application's `bot_data` key of the Bot digests go through.
DIGEST_BOT = "digest_bot"
#: HTTP sends in flight at once: more crowd the connection pool and cost CPU per send.
SENDS_IN_FLIGHT = 8
NETWORK_RETRIES = 3
NETWORK_BACKOFF = 1.0
MAX_FLOOD_WAITS = 5
_CHAT_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


class Deferred(Exception):
    """Telegram could not be reached (or kept us waiting): the delivery stays claimed and
    the next tick resumes it."""


class ChatGone(Exception):
    """The chat cannot receive messages from the bot any more."""


def digest_bot(token: str, api_url: str | None, request: BaseRequest | None = None) -> Bot:
    """The Bot digests go through: without PTB's `AIORateLimiter`, which would hold them
    to 30/s, retry a refused send on its own and, on any 429, hold every request and then
    release them together. The sender spaces its sends and handles RetryAfter itself.
    `request`: the transport to share (the application's); by default a pool of its own
    with room for the sends in flight."""
    request = request or AiohttpRequest(connections=SENDS_IN_FLIGHT)
    if not api_url:
        return Bot(token, request=request)
    base = api_url.rstrip("/")
    return Bot(token, base_url=base, base_file_url=base.removesuffix("/bot") + "/file/bot", request=request)


def username_of(application_or_bot: Application[Any, Any, Any, Any, Any, Any] | Bot) -> str | None:
    """The bot's username, for share links: an application's own Bot knows it, a Bot once
    it is initialised (it asked getMe); None before."""
    bot = application_or_bot.bot if isinstance(application_or_bot, Application) else application_or_bot
    try:
        return bot.username
    except RuntimeError:
        return None


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the attribute becomes a timedelta; both forms are read here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class DigestSender:
    """Sends the parts of a tick's digests, each when the limiter lets it go, at most
    `SENDS_IN_FLIGHT` at a time. Once Telegram could not be reached it is `stopped`: every
    later send raises `Deferred` at once, so the tick ends instead of hammering a dead
    network."""

    def __init__(self, bot: Bot, limiter: RateLimiter) -> None:
        self.bot = bot
        self.limiter = limiter
        self.sleep = limiter.sleep
        self.stopped = False
        self._in_flight = asyncio.Semaphore(SENDS_IN_FLIGHT)

    def _give_up(self, reason: str) -> Deferred:
        self.stopped = True
        return Deferred(reason)

    async def send(
        self,
        text_html: str,
        chat_id: Callable[[], int],
        migrate: Callable[[int], Awaitable[None]],
        keyboard: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """`text_html` (with `keyboard` under it, if any) to the chat `chat_id()` names.
        When Telegram says the group became a supergroup, `migrate(new_chat_id)` moves the
        subscription (after which `chat_id()` names the new chat) and the part goes there."""
        floods = 0
        network_failures = 0
        while True:
            if self.stopped:
                raise self._give_up("the tick stopped after Telegram could not be reached")
            chat = chat_id()
            await self.limiter.acquire(chat)
            try:
                async with self._in_flight:
                    message = await self.bot.send_message(
                        chat_id=chat,
                        text=text_html,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                        allow_paid_broadcast=self.limiter.paid_broadcast or None,
                        reply_markup=keyboard,
                    )
                self.limiter.delivered(chat)
                return message
            except RetryAfter as error:
                floods += 1
                wait = _retry_after(error)
                if floods > MAX_FLOOD_WAITS:
                    raise self._give_up(f"flood control {floods} times in a row") from error
                log.warning("flood control: holding digests for %s s (chat %s)", wait, chat)
                self.limiter.hold(wait)
            except ChatMigrated as error:
                await migrate(int(error.new_chat_id))
            except Forbidden as error:
                raise ChatGone(f"Forbidden: {error.message}") from error
            except BadRequest as error:
                if any(marker in error.message.lower() for marker in _CHAT_GONE):
                    raise ChatGone(f"BadRequest: {error.message}") from error
                raise
            except NetworkError as error:
                network_failures += 1
                if network_failures > NETWORK_RETRIES:
                    raise self._give_up(f"network error after {NETWORK_RETRIES} retries: {error}") from error
                backoff = NETWORK_BACKOFF * 2 ** (network_failures - 1)
                log.warning("network error sending a digest to chat %s (%s); retrying in %s s", chat, error, backoff)
                await self.sleep(backoff)
            except TelegramError as error:
                # InvalidToken and the like: nothing a retry or the next subscriber fixes.
                raise self._give_up(f"{type(error).__name__}: {error}") from error
