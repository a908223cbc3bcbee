"""A Bot API over real HTTP for tests of `diplobot run` as a process: it accepts the bot
(getMe) and every call, except those given a refusal (`{"getUpdates": (409, "Conflict: …")}`),
which it answers as Telegram does; `refuse_after` calls of each such method are answered
first (a token revoked while the bot polls)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.local.bot_api import BOT_USER

#: What a call answered fine returns, besides `True`.
RESULTS: dict[str, object] = {"getMe": BOT_USER, "getUpdates": []}


@contextmanager
def http_bot_api(refusals: Mapping[str, tuple[int, str]], *, refuse_after: int = 0) -> Iterator[str]:
    """Yields the API's base URL, in DIPLOBOT_TELEGRAM_API_URL's form."""
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    class Answer(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            method = self.path.rsplit("/", 1)[-1]
            with lock:
                calls[method] += 1
                answered = calls[method] <= refuse_after
            status, body = 200, {"ok": True, "result": RESULTS.get(method, True)}
            if method in refusals and not answered:
                status, description = refusals[method]
                body = {"ok": False, "error_code": status, "description": description}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()
