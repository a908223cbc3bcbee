"""The HTTP transport to the Bot API: python-telegram-bot's `BaseRequest` over aiohttp.

PTB's default transport (httpx) costs ~1.9 ms of CPU per sent message, most of it in
httpx and httpcore's connection pool and in URL-encoding the text byte by byte in Python;
this one sends the same request as JSON through aiohttp's C parser in ~0.4 ms
(BENCHMARKS.md §3). Every reply and every digest goes through it, so it sets both the
cost of an update and how many digest messages a core can send. Files (pictures,
exports) go as multipart form data, as Telegram requires.

Errors reach PTB as its own: a timeout is `TimedOut`, anything else on the wire
`NetworkError`, named by the aiohttp class and never with the request URL, which holds
the bot token."""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
FORM_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}


class AiohttpRequest(BaseRequest):
    """A pool of at most `connections` kept-alive connections; timeouts in seconds, as
    PTB's defaults (a bot method's own timeouts override them per call; a file upload
    gets `media_write_timeout` to write its body)."""

    def __init__(
        self,
        connections: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Idempotent: the application's Bot and the digests' Bot share one transport."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=self.connections)
            # trust_env: HTTPS_PROXY and the like apply, as they did with httpx.
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no separate write timeout: sending the body counts against the read
        # of the answer, so the two are given together.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None else read + (write_timeout or 0.0),
        )
        try:
            if files:
                form = aiohttp.FormData(request_data.json_parameters if request_data else {})
                for name, upload in files.items():
                    filename, content, *mime = upload
                    form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
                response = self._session.request(method, url, data=form, headers=FORM_HEADERS, timeout=timeout)
            else:
                body = request_data.json_payload if request_data else None
                response = self._session.request(method, url, data=body, headers=JSON_HEADERS, timeout=timeout)
            async with response as answer:
                return answer.status, await answer.read()
        except TimeoutError as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}: the Bot API did not answer in time") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {_without_url(error, url)}") from error


def _without_url(error: aiohttp.ClientError, url: str) -> str:
    """The error's text with the request URL (and so the token) taken out."""
    text = str(error)
    path = url.split("://", 1)[-1]
    return text.replace(url, "<Bot API URL>").replace(path, "<Bot API URL>")
