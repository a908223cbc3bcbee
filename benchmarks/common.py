"""Helpers the benchmark scripts share: percentiles, one JSON object per line plus a
readable table, resident memory and CPU time from the kernel, a progress bar, the
machine's description, and where generated corpora and databases live.

Every script prints its figures as JSON lines on stdout as they are measured (so a long
run can be watched, and `grep '^{'` gives the machine-readable part), then the same
figures as a table (`--no-table` leaves it out). Progress goes to stderr."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import resource
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
#: Generated corpora and databases (git-ignored; delete it to start over).
CACHE = BENCH_DIR / ".cache"
#: A PostgreSQL server the benchmarks may create and drop databases on, e.g.
#: postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
POSTGRES_URL_VARIABLE = "DIPLOBOT_BENCH_POSTGRES_URL"


def add_project_to_path() -> None:
    """Lets `python benchmarks/x.py` import the project from a fresh clone."""
    for path in (str(ROOT), str(BENCH_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)


# -- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds, and the count."""
    ms = [value * 1000.0 for value in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else math.nan,
        "max_ms": round(max(ms), 3) if ms else math.nan,
    }


def median(values: Iterable[float]) -> float:
    return percentile(list(values), 50)


# -- the process ------------------------------------------------------------------------


def _status_kb(field: str, pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size now (VmRSS), in MiB."""
    return round(_status_kb("VmRSS", pid) / 1024.0, 1)


def peak_rss_mb(pid: int | str = "self") -> float:
    """The highest resident set size so far (VmHWM), in MiB."""
    return round(_status_kb("VmHWM", pid) / 1024.0, 1)


def reset_peak_rss() -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0), so a later peak is this phase's own.
    False when the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time another process has used so far (from /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def stopwatch() -> Any:
    """`with stopwatch() as elapsed: ...; elapsed()` gives wall seconds (live inside)."""
    started = time.perf_counter()
    finished: list[float] = []
    yield lambda: (finished[0] if finished else time.perf_counter()) - started
    finished.append(time.perf_counter())


# -- the machine --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with suppress(OSError), open("/proc/meminfo", encoding="ascii") as info:
        memory_kb = int(info.readline().split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


# -- output -------------------------------------------------------------------------------


class Report:
    """Figures as JSON lines as they come, and a table of them at the end."""

    def __init__(self, benchmark: str, *, table: bool = True, columns: Sequence[str] | None = None) -> None:
        self.benchmark = benchmark
        self.table = table
        self.columns = list(columns) if columns else None
        self.rows: list[dict[str, Any]] = []

    def machine(self, **extra: Any) -> None:
        self.emit({"kind": "machine", **machine(), **extra}, tabulate=False)

    def emit(self, row: dict[str, Any], *, tabulate: bool = True) -> dict[str, Any]:
        record = {"benchmark": self.benchmark, **row}
        print(json.dumps(record, ensure_ascii=False, default=str), flush=True)
        if tabulate:
            self.rows.append(record)
        return record

    def finish(self, title: str | None = None) -> None:
        if not self.table or not self.rows:
            return
        print()
        if title:
            print(title)
        print(format_table(self.rows, self.columns))
        sys.stdout.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    skip = {"benchmark"}
    if columns is None:
        columns = []
        for row in rows:
            for key in row:
                if key not in skip and key not in columns:
                    columns.append(key)
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(column), (int, float)) or row.get(column) is None for row in rows) for column in columns
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(columns), line(["-" * width for width in widths]), *(line(row) for row in cells)])


class Progress:
    """A progress bar on stderr: done/total, rate, time left. Redrawn at most 10 times a
    second; quiet when `enabled` is False."""

    def __init__(self, total: int, label: str, *, unit: str = "", enabled: bool = True) -> None:
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.perf_counter()
        if self.enabled and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else math.inf
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        eta = f"{left:5.0f}s left" if math.isfinite(left) else "      "
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.done:,}/{self.total:,} {self.unit} {rate:,.0f}/s {eta} ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            sys.stderr.write("\n")
            sys.stderr.flush()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- databases ----------------------------------------------------------------------------


def postgres_server_url(given: str | None) -> str | None:
    """The server URL from `--postgres-url` or DIPLOBOT_BENCH_POSTGRES_URL, as
    postgresql+asyncpg://..., or None."""
    url = given or os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def asyncpg_dsn(url: str) -> str:
    """A postgresql+asyncpg:// URL as a DSN asyncpg itself accepts."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database_name(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def create_postgres_database(server_url: str, name: str, *, drop_first: bool = False) -> str:
    """Creates database `name` on the server (dropping it first if asked); its URL."""
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(with_database_name(server_url, "postgres")))
    try:
        if drop_first:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database_name(server_url, name)


async def drop_postgres_database(server_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(with_database_name(server_url, "postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# -- a minimal Bot API endpoint -----------------------------------------------------------------

BOT_USER = {"id": 1, "is_bot": True, "first_name": "diplobot", "username": "diplobot_bot"}


class BotApiEndpoint:
    """A Bot API over HTTP/1.1 (keep-alive) that answers at once, enforces Telegram's
    flood limits and counts what it receives.

    Limits, as Telegram states them: at most `rate` messages in any one-second window
    overall (sliding), at most one a second per private chat and 20 a minute per group.
    A message over a limit gets the 429 Telegram gives (`retry_after` 1 s) and is not
    delivered. Counted: messages delivered per chat, 429s, duplicates (the same text to
    the same chat twice), the most messages in any one-second window, and when each
    method was first called. `getUpdates` long-polls a queue the benchmark fills through
    `POST /_push`; `GET /_stats` reads the counters, `POST /_reset` clears them."""

    def __init__(self, rate: float = 30.0, chat_interval: float = 1.0, group_per_minute: int = 20) -> None:
        from collections import deque

        self.rate = rate
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._deque = deque
        self.reset()
        self.updates: list[dict[str, Any]] = []
        self.update_id = 0
        self._arrived = None  # asyncio.Event, made inside the loop

    def reset(self) -> None:
        self.window = self._deque()
        self.chat_last: dict[int, float] = {}
        self.group_times: dict[int, Any] = {}
        self.delivered: dict[int, int] = {}
        self.texts: set[tuple[int, int]] = set()
        self.duplicates = 0
        self.too_many = 0
        self.too_many_chat = 0
        self.max_window = 0
        self.messages = 0
        self.first_at: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.first_message_at: float | None = None
        self.last_message_at: float | None = None
        self.per_second: dict[int, int] = {}

    def stats(self) -> dict[str, Any]:
        span = (self.last_message_at or 0) - (self.first_message_at or 0)
        return {
            "messages": self.messages,
            "chats": len(self.delivered),
            "delivered": {str(chat): count for chat, count in self.delivered.items()},
            "duplicates": self.duplicates,
            "too_many_requests": self.too_many,
            "too_many_requests_per_chat": self.too_many_chat,
            "max_in_1s_window": self.max_window,
            "first_message_at": self.first_message_at,
            "last_message_at": self.last_message_at,
            "span_s": span,
            "per_second": [self.per_second.get(second, 0) for second in range(max(self.per_second, default=-1) + 1)],
            "first_call_at": self.first_at,
            "calls": self.calls,
        }

    def _send_message(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        chat_id = int(params["chat_id"])
        window = self.window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.rate:
            self.too_many += 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        if chat_id > 0:
            last = self.chat_last.get(chat_id)
            if last is not None and now - last < self.chat_interval:
                self.too_many += 1
                self.too_many_chat += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
            self.chat_last[chat_id] = now
        else:
            times = self.group_times.setdefault(chat_id, self._deque())
            while times and times[0] <= now - 60.0:
                times.popleft()
            if len(times) >= self.group_per_minute:
                self.too_many += 1
                self.too_many_chat += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                }
            times.append(now)
        window.append(now)
        self.max_window = max(self.max_window, len(window))
        text = str(params.get("text", ""))
        key = (chat_id, hash(text))
        if key in self.texts:
            self.duplicates += 1
        self.texts.add(key)
        self.delivered[chat_id] = self.delivered.get(chat_id, 0) + 1
        self.messages += 1
        wall = time.time()
        self.first_message_at = self.first_message_at or wall
        self.last_message_at = wall
        second = int(wall - self.first_message_at)
        self.per_second[second] = self.per_second.get(second, 0) + 1
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id > 0:
            chat["first_name"] = "reader"
        else:
            chat["title"] = "group"
        return 200, {
            "ok": True,
            "result": {"message_id": self.messages, "date": int(wall), "chat": chat, "from": BOT_USER, "text": text},
        }

    async def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        import asyncio

        offset = int(params.get("offset") or 0)
        self.updates = [update for update in self.updates if update["update_id"] >= offset]
        if not self.updates:
            timeout = float(params.get("timeout") or 0)
            self._arrived.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=min(timeout, 5.0))
        return 200, {"ok": True, "result": self.updates[:100]}

    async def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls[method] = self.calls.get(method, 0) + 1
        self.first_at.setdefault(method, time.time())
        if method == "sendMessage":
            return self._send_message(params)
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        return 200, {"ok": True, "result": True}

    async def handle(self, reader: Any, writer: Any) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                verb, path, _ = request_line.decode("latin-1").split(" ", 2)
                length = 0
                content_type = ""
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value.strip())
                    elif name == "content-type":
                        content_type = value.strip()
                body = await reader.readexactly(length) if length else b""
                status, payload = await self.route(verb, path, body, content_type)
                data = json.dumps(payload).encode()
                reason = "OK" if status == 200 else "Too Many Requests"
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, OSError, ValueError):
            return
        finally:
            writer.close()

    async def route(self, verb: str, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        from urllib.parse import parse_qsl

        if path == "/_stats":
            return 200, self.stats()
        if path == "/_reset":
            self.reset()
            return 200, {"ok": True}
        if path == "/_push":
            for update in json.loads(body or b"[]"):
                self.update_id += 1
                self.updates.append({"update_id": self.update_id, **update})
            self._arrived.set()
            return 200, {"ok": True, "pushed": self.update_id}
        method = path.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        elif body and content_type.startswith("application/json"):
            params = json.loads(body)
        return await self.answer(method, params)


def serve_bot_api(port: int, rate: float, chat_interval: float, ready: Any = None) -> None:
    """Runs the endpoint until killed (in its own process: the bot's CPU time stays its own)."""
    import asyncio

    async def main() -> None:
        endpoint = BotApiEndpoint(rate=rate, chat_interval=chat_interval)
        endpoint._arrived = asyncio.Event()
        server = await asyncio.start_server(endpoint.handle, "127.0.0.1", port, backlog=1024)
        bound = server.sockets[0].getsockname()[1]
        if ready is not None:
            ready.put(bound)
        else:
            print(bound, flush=True)
        async with server:
            await server.serve_forever()

    with suppress(ImportError):
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    asyncio.run(main())


class EndpointProcess:
    """The endpoint in a child process; `url` is the Bot API base URL for the bot."""

    def __init__(self, rate: float = 30.0, chat_interval: float = 1.0) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        self.process = context.Process(target=serve_bot_api, args=(0, rate, chat_interval, queue), daemon=True)
        self.process.start()
        self.port = queue.get(timeout=30)
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/bot"

    def _call(self, path: str, payload: Any = None) -> Any:
        import urllib.request

        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        return self._call("/_stats")

    def reset(self) -> None:
        self._call("/_reset", {})

    def push(self, updates: list[dict[str, Any]]) -> None:
        self._call("/_push", updates)

    def close(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


def run_each_corpus(
    report: Report, args: Any, what: str, bench_one: Callable[[Report, str, int, Any], Awaitable[None]], title: str
) -> None:
    """Runs one benchmark over every backend and corpus size asked for (by default SQLite at
    10,000 statements), so each script's figures come out in the same order and layout."""
    report.machine()
    for backend in args.backend or ["sqlite"]:
        for size in args.size or [10_000]:
            log(f"{what}: {backend}, {size:,} statements")
            asyncio.run(bench_one(report, backend, size, args))
    report.finish(title)
