"""Digest fan-out: one tick of the daily digest job, through the real Bot class over HTTP,
to a local Bot API endpoint that answers at once and counts.

Set-up, per run, in a fresh process: a copy of a corpus database (benchmarks/corpus.py,
default 10k statements) with N subscribers (default 10k) whose filters and clocks are
mixed as a real audience's are - about 40% follow every topic, the rest one to three
topics; one in five follows one or two speakers; one in ten is a group; one in five asked
for "nothing new" notes; fifteen time zones, digest times from 06:00 to 22:00. Each
subscribed 25 hours ago and got its previous digest then, so every one of them is due
now and its digest holds what was recorded since: the last 20 to 80 statements of the
record, depending on its time zone and digest time (the same for everyone at the same
local time, as in life).

The tick is `bot.digests.tick.send_due(application, database, utcnow())` - exactly what the
JobQueue job runs - on the application `diplobot run` builds (`bot.app.build_application`),
whose digest Bot (without PTB's `AIORateLimiter`, which is for readers' replies) talks
HTTP to the endpoint (`DIPLOBOT_TELEGRAM_API_URL`) over the application's connection
pool. The endpoint (benchmarks/common.py, in its own process so the bot's CPU time is its
own) enforces Telegram's limits as stated: at most `--rate` messages in any one-second
window, one a second per private chat, 20 a minute per group; over them it answers 429.
It counts messages per chat, 429s and duplicates.

Checked after the tick: every due subscriber got exactly the messages its digest has
(re-composed with `bot.digests.compose.compose` from the range the delivery row
recorded): none lost, none doubled.

Figures: achieved rate (messages over the span from the first to the last message at
the endpoint), tick duration, CPU time per message of the bot process, its peak resident
memory (and the tick's own increase over what the process held before it).

    .venv/bin/python benchmarks/digest_fanout.py --subscribers 100 --rate 1000      # quick (~40 s)
    .venv/bin/python benchmarks/digest_fanout.py --subscribers 10000 --rate 30      # (a) ~10 min
    .venv/bin/python benchmarks/digest_fanout.py --subscribers 10000 --rate 1000    # (b)

`--floor` adds the Bot class alone (no database, no limiter) as the floor.

`--senders N --postgres-url URL`: the tick in N processes at once on one PostgreSQL copy of
the corpus (each claims subscribers with SKIP LOCKED, each sends at 1/N of `--rate`), one
endpoint enforcing the whole rate; the same checks, over all of them.

    .venv/bin/python benchmarks/digest_fanout.py --subscribers 10000 --rate 1000 --senders 4 \\
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    BOT_USER,
    CACHE,
    POSTGRES_URL_VARIABLE,
    EndpointProcess,
    Report,
    add_project_to_path,
    asyncpg_dsn,
    cpu_seconds,
    log,
    peak_rss_mb,
    reset_peak_rss,
    rss_mb,
    with_database_name,
)
from corpus import corpus_database_url

add_project_to_path()

ZONES = [
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
    "America/Sao_Paulo",
    "Asia/Tbilisi",
]
TOKEN = "123456:digest-benchmark"


# -- set-up ------------------------------------------------------------------------------------


def prepare_database(source_url: str, subscribers: int, seed: int) -> tuple[str, Path]:
    """A scratch copy of the corpus database with the subscribers in it."""
    source = Path(source_url.split("///", 1)[1])
    with sqlite3.connect(source) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = CACHE / f"digest-{subscribers}.db"
    for suffix in ("", "-wal", "-shm", ".digest-lock"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return f"sqlite+aiosqlite:///{target}", target


def lost_and_extra(stats: dict[str, Any], expected: dict[int, int]) -> tuple[int, int]:
    """Messages the subscribers should have had and did not, and had beyond that."""
    delivered = {int(chat): count for chat, count in stats["delivered"].items()}
    lost = sum(max(0, count - delivered.get(chat, 0)) for chat, count in expected.items())
    extra = sum(max(0, count - expected.get(chat, 0)) for chat, count in delivered.items())
    return lost, extra


async def add_subscribers(database: Any, count: int, seed: int, now: datetime) -> dict[str, Any]:
    from sqlalchemy import func
    from sqlmodel import select

    from storage.models import ChatType, Statement, Subscriber, Topic
    from storage.subscriptions import next_due_at

    rng = random.Random(seed)
    async with database.read() as session:
        end = (await session.exec(select(func.max(Statement.id)))).one() or 0
        # The speakers who say the most: the ones people follow.
        top = (
            await session.exec(
                select(Statement.actor_id).group_by(Statement.actor_id).order_by(func.count().desc()).limit(30)
            )
        ).all()
    topics = [topic.value for topic in Topic]
    subscribed_at = now - timedelta(hours=25)
    backlog: dict[tuple[str, time_of_day], int] = {}
    rows = []
    for index in range(count):
        zone = rng.choice(ZONES)
        at = time_of_day(rng.randint(6, 21), rng.choice((0, 30)))
        followed = [] if rng.random() < 0.4 else sorted(rng.sample(topics, rng.randint(1, 3)), key=topics.index)
        actors = sorted(rng.sample(list(top), rng.randint(1, 2))) if rng.random() < 0.2 else []
        group = rng.random() < 0.1
        new = backlog.setdefault((zone, at), rng.randint(20, 80))
        rows.append(
            Subscriber(
                chat_id=-(1_000_000_000_000 + index) if group else 5_000_000_000 + index,
                chat_type=ChatType.supergroup if group else ChatType.private,
                timezone=zone,
                digest_time=at,
                topics=followed,
                actor_ids=actors,
                notify_empty=rng.random() < 0.2,
                cursor=max(0, end - new),
                next_due_at=next_due_at(at, zone, subscribed_at),
                created_at=subscribed_at,
            )
        )
    async with database.write() as session:
        session.add_all(rows)
    return {"subscribers": count, "record_end": end, "groups": sum(1 for row in rows if row.chat_id < 0)}


# -- one run (in its own process) ---------------------------------------------------------------


async def expected_messages(database: Any, now: datetime) -> dict[int, int]:
    """Per chat: the messages its digest has, composed again from the range its delivery
    row recorded (the oracle the endpoint's counts are checked against)."""
    from sqlmodel import col, select

    from bot.digests.compose import DigestKey, compose
    from storage.models import DigestDelivery, Subscriber

    async with database.read() as session:
        rows = (
            await session.exec(
                select(Subscriber, DigestDelivery).join(
                    DigestDelivery, col(DigestDelivery.subscriber_id) == col(Subscriber.id)
                )
            )
        ).all()
    cache: dict[Any, int] = {}
    expected: dict[int, int] = {}
    for subscriber, delivery in rows:
        key = DigestKey.of(subscriber, delivery.cursor_from, delivery.cursor_to)
        if key not in cache:
            # With share links, as the tick composes them (the endpoint's bot username).
            cache[key] = len((await compose(database, key, bot_username=BOT_USER["username"])).parts)
        parts = cache[key] or (1 if subscriber.notify_empty else 0)
        expected[subscriber.chat_id] = expected.get(subscriber.chat_id, 0) + parts
    return expected


async def one_run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func
    from sqlmodel import select

    from bot.answering.embedder import Embedder
    from bot.app import build_application
    from bot.config import Settings
    from bot.digests.tick import send_due
    from storage.engine import Database
    from storage.models import Subscriber

    source_url, _ = await corpus_database_url("sqlite", args.size, embeddings="synthetic", seed=args.seed)
    url, path = prepare_database(source_url, args.subscribers, args.seed)
    now = datetime.now(UTC)
    # The bot process holds the sentence model too; so does this one, for its memory to be the bot's.
    database = Database(url, embedder=Embedder.shared() if args.model else None)
    endpoint = EndpointProcess(rate=args.endpoint_rate or args.rate, chat_interval=args.chat_interval)
    try:
        setup = await add_subscribers(database, args.subscribers, args.seed, now)
        settings = Settings(
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIPLOBOT_TELEGRAM_API_URL=endpoint.url,
            DIPLOBOT_DATABASE_URL=url,
            DIPLOBOT_DIGEST_RATE=str(args.rate),
            DIPLOBOT_LOAD_SAMPLE="false",
        )
        application = build_application(settings, database=database)
        async with application:
            async with database.read() as session:
                due = (
                    await session.exec(
                        select(func.count()).select_from(Subscriber).where(Subscriber.next_due_at <= now)
                    )
                ).one()
            endpoint.reset()
            before_rss = rss_mb()
            reset_peak_rss()
            cpu_before = cpu_seconds()
            started = time.perf_counter()
            report = await send_due(application, database, datetime.now(UTC))
            duration = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
            peak = peak_rss_mb()
        stats = endpoint.stats()
        expected = await expected_messages(database, now)
    finally:
        endpoint.close()
        await database.close()
    lost, extra = lost_and_extra(stats, expected)
    messages = stats["messages"]
    span = stats["span_s"] or duration
    first_minute, busiest = rates_of(stats["per_second"])
    for suffix in ("", "-wal", "-shm", ".digest-lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "subscribers": args.subscribers,
        "rate": args.rate,
        "due": due,
        "tick_due": report.due,
        "sent": report.sent,
        "empty": report.empty,
        "failed": report.failed,
        "deferred": report.deferred,
        "renders": report.renders,
        "messages": messages,
        "expected": sum(expected.values()),
        "lost": lost,
        "duplicates": stats["duplicates"] + extra,
        "http_429": stats["too_many_requests"],
        "http_429_per_chat": stats["too_many_requests_per_chat"],
        "max_in_1s": stats["max_in_1s_window"],
        "tick_s": round(duration, 2),
        "span_s": round(span, 2),
        "msg_per_s": round(messages / span, 1) if span else None,
        "first_60s_msg_per_s": round(first_minute, 1),
        "busiest_10s_msg_per_s": round(busiest, 1),
        "share_of_rate": round(messages / span / args.rate, 3) if span else None,
        "cpu_ms_per_msg": round(1000 * cpu / messages, 3) if messages else None,
        "rss_before_mb": before_rss,
        "peak_rss_mb": peak,
        "tick_rss_increase_mb": round(peak - before_rss, 1),
        "groups": setup["groups"],
        "errors": report.errors[:3],
    }


def rates_of(per_second: list[int]) -> tuple[float, float]:
    """Messages a second over the first minute, and over the busiest 10 s: the rate the
    senders sustain, apart from the tail, where the last parts of long group digests go
    3.6 s apart (20 a minute per group) while nothing else is left to send."""
    if not per_second:
        return 0.0, 0.0
    first_minute = sum(per_second[:60]) / min(60, len(per_second))
    width = min(10, len(per_second))
    busiest = max(sum(per_second[start : start + width]) for start in range(len(per_second) - width + 1)) / width
    return first_minute, busiest


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of another process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waiting_for_cpu_s() -> float:
    """Seconds this process's threads were ready to run but waited for a core (the
    scheduler's run delay): on a shared machine, what other work took from it."""
    total = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError):
            continue
    return total / 1e9


class BackendCpu(threading.Thread):
    """The CPU time of the PostgreSQL server processes serving one database: their
    process titles name it; polled every 0.2 s, so a backend's last 0.2 s before it
    exits may be missed."""

    def __init__(self, database_name: str) -> None:
        super().__init__(daemon=True)
        self.marker = f" {database_name} ".encode()
        self.seen: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    title = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if title.startswith(b"postgres: ") and self.marker in title:
                    cpu = process_cpu_s(int(entry.name))
                    if cpu is not None:
                        self.seen[int(entry.name)] = cpu

    def total_s(self) -> float:
        self.stopped.set()
        self.join()
        return sum(self.seen.values())


async def prepare_postgres(args: argparse.Namespace) -> str:
    """A scratch copy of the PostgreSQL corpus database (a template copy, no import)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    source_url, _ = await corpus_database_url(
        "postgresql", args.size, embeddings="synthetic", seed=args.seed, postgres_url=args.postgres_url
    )
    source, target = make_url(source_url).database, f"diplobot_digest_{args.subscribers}"
    admin = await asyncpg.connect(asyncpg_dsn(args.postgres_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        await admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    finally:
        await admin.close()
    return with_database_name(source_url, target)


async def sender_one(args: argparse.Namespace) -> dict[str, Any]:
    """One sending process: the application `diplobot run` builds, its tick started at
    `--start-at` together with the other senders', on the shared database."""
    from bot.answering.embedder import Embedder
    from bot.app import build_application
    from bot.config import Settings
    from bot.digests.tick import send_due
    from storage.engine import Database

    database = Database(args.database_url, embedder=Embedder.shared() if args.model else None)
    settings = Settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIPLOBOT_TELEGRAM_API_URL=args.endpoint_url,
        DIPLOBOT_DATABASE_URL=args.database_url,
        DIPLOBOT_DIGEST_RATE=str(args.rate),
        DIPLOBOT_LOAD_SAMPLE="false",
    )
    try:
        application = build_application(settings, database=database)
        async with application:
            await asyncio.sleep(max(0.0, args.start_at - time.time()))
            cpu_before, waited_before = cpu_seconds(), waiting_for_cpu_s()
            started = time.perf_counter()
            profile = cProfile.Profile() if args.profile else None
            if profile is not None:
                profile.enable()
            report = await send_due(application, database, datetime.now(UTC))
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)
            duration = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
            waited = waiting_for_cpu_s() - waited_before
    finally:
        await database.close()
    return {
        "waited_for_cpu_s": waited,
        "due": report.due,
        "sent": report.sent,
        "empty": report.empty,
        "failed": report.failed,
        "deferred": report.deferred,
        "renders": report.renders,
        "tick_s": duration,
        "cpu_s": cpu,
        "peak_rss_mb": peak_rss_mb(),
        "errors": report.errors[:3],
    }


async def senders_run(args: argparse.Namespace) -> dict[str, Any]:
    """`--senders N` processes ticking at once on one PostgreSQL database, each claiming
    subscribers with SKIP LOCKED, each at 1/N of the rate, against one endpoint that
    enforces the whole rate: the total, and nothing lost or doubled across them; the CPU
    per message of the senders, the endpoint and the database's server processes."""
    from sqlalchemy.engine import make_url

    from storage.engine import Database

    url = await prepare_postgres(args)
    now = datetime.now(UTC)
    database = Database(url)
    endpoint = EndpointProcess(rate=args.endpoint_rate or args.rate, chat_interval=args.chat_interval)
    try:
        setup = await add_subscribers(database, args.subscribers, args.seed, now)
        endpoint.reset()
        start_at = time.time() + 10.0  # every sender started and connected by then
        command = [sys.executable, __file__, "--sender-one", "--database-url", url, "--endpoint-url", endpoint.url]
        command += ["--rate", str(args.rate / args.senders), "--start-at", str(start_at)]
        if not args.model:
            command.append("--no-model")
        if args.profile:
            command += ["--profile", args.profile]
        backends = BackendCpu(make_url(url).database or "")
        backends.start()
        endpoint_cpu = process_cpu_s(endpoint.process.pid or 0) or 0.0
        senders = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.senders)]
        results = [json.loads(sender.communicate()[0].strip().splitlines()[-1]) for sender in senders]
        endpoint_cpu = (process_cpu_s(endpoint.process.pid or 0) or 0.0) - endpoint_cpu
        backend_cpu = backends.total_s()
        stats = endpoint.stats()
        expected = await expected_messages(database, now)
    finally:
        endpoint.close()
        await database.close()
    lost, extra = lost_and_extra(stats, expected)
    messages = stats["messages"]
    span = stats["span_s"] or max(result["tick_s"] for result in results)
    first_minute, busiest = rates_of(stats["per_second"])
    return {
        "subscribers": args.subscribers,
        "rate": args.rate,
        "senders": args.senders,
        "due": args.subscribers,
        "sent": sum(result["sent"] for result in results),
        "empty": sum(result["empty"] for result in results),
        "failed": sum(result["failed"] for result in results),
        "renders": sum(result["renders"] for result in results),
        "messages": messages,
        "expected": sum(expected.values()),
        "lost": lost,
        "duplicates": stats["duplicates"] + extra,
        "http_429": stats["too_many_requests"],
        "http_429_per_chat": stats["too_many_requests_per_chat"],
        "max_in_1s": stats["max_in_1s_window"],
        "tick_s": round(max(result["tick_s"] for result in results), 2),
        "span_s": round(span, 2),
        "msg_per_s": round(messages / span, 1) if span else None,
        "first_60s_msg_per_s": round(first_minute, 1),
        "busiest_10s_msg_per_s": round(busiest, 1),
        "share_of_rate": round(messages / span / args.rate, 3) if span else None,
        "cpu_ms_per_msg": round(1000 * sum(result["cpu_s"] for result in results) / messages, 3) if messages else None,
        "endpoint_cpu_ms_per_msg": round(1000 * endpoint_cpu / messages, 3) if messages else None,
        "postgres_cpu_ms_per_msg": round(1000 * backend_cpu / messages, 3) if messages else None,
        "peak_rss_mb": max(result["peak_rss_mb"] for result in results),
        "groups": setup["groups"],
        "per_sender_sent": [result["sent"] for result in results],
        "per_sender_tick_s": [round(result["tick_s"], 1) for result in results],
        "per_sender_cpu_s": [round(result["cpu_s"], 1) for result in results],
        "per_sender_waited_for_cpu_s": [round(result["waited_for_cpu_s"], 1) for result in results],
        "errors": [error for result in results for error in result["errors"]][:3],
    }


async def floor_run(args: argparse.Namespace) -> dict[str, Any]:
    """The Bot class alone: the same application's bot sending fixed 1.5 kB HTML messages to
    distinct chats over the same HTTP endpoint, as many at once as the tick sends, no
    database, no PTB rate limiter - what no digest tick through this Bot can beat."""
    from telegram import LinkPreviewOptions
    from telegram.constants import ParseMode

    from bot.app import build_application
    from bot.config import Settings
    from bot.digests.sender import SENDS_IN_FLIGHT

    endpoint = EndpointProcess(rate=1_000_000, chat_interval=0.0)
    try:
        settings = Settings(
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIPLOBOT_TELEGRAM_API_URL=endpoint.url,
            DIPLOBOT_DIGEST_RATE=str(args.rate),
            DIPLOBOT_LOAD_SAMPLE="false",
        )
        application = build_application(settings, database=object(), rate_limited=False)  # type: ignore[arg-type]
        text = "<b>📰 Your daily digest</b>\n" + "A statement of the record, as a digest shows it. " * 30
        count = args.subscribers
        concurrency = SENDS_IN_FLIGHT
        async with application:
            pending = list(range(count))

            async def worker() -> None:
                while pending:
                    index = pending.pop()
                    await application.bot.send_message(
                        chat_id=5_000_000_000 + index,
                        text=text,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    )

            cpu_before = cpu_seconds()
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            duration = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
        stats = endpoint.stats()
    finally:
        endpoint.close()
    return {
        "subscribers": "floor: Bot.send_message only",
        "rate": args.rate,
        "messages": stats["messages"],
        "tick_s": round(duration, 2),
        "msg_per_s": round(stats["messages"] / duration, 1),
        "cpu_ms_per_msg": round(1000 * cpu / count, 3),
        "concurrency": concurrency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, action="append", help="subscribers (repeatable; default 1000)")
    parser.add_argument(
        "--rate",
        type=float,
        action="append",
        help="DIPLOBOT_DIGEST_RATE, msg/s (repeatable; default 1000); the endpoint enforces the same",
    )
    parser.add_argument("--endpoint-rate", type=float, help="the endpoint's limit if not --rate")
    parser.add_argument(
        "--chat-interval",
        type=float,
        default=1.0,
        help="the endpoint's least interval between two messages to one private chat (default 1.0 s)",
    )
    parser.add_argument("--size", type=int, default=10_000, help="statements in the corpus (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-model",
        dest="model",
        action="store_false",
        help="do not load the sentence model (the bot process holds it; default: loaded)",
    )
    parser.add_argument("--no-table", dest="table", action="store_false")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the Bot class alone (send_message to --subscribers chats, no database)",
    )
    parser.add_argument(
        "--senders",
        type=int,
        default=0,
        help="N sending processes at once on one PostgreSQL database (needs --postgres-url); default: one, on SQLite",
    )
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_VARIABLE), help="a PostgreSQL server")
    parser.add_argument("--profile", help="with --senders: each sender's tick profiled (cProfile) into this file")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender-one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint-url", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--floor-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender_one:
        args.rate = args.rate[0]
        print(json.dumps(asyncio.run(sender_one(args))), flush=True)
        return
    if args.one or args.floor_one:
        args.subscribers, args.rate = args.subscribers[0], args.rate[0]
        print(json.dumps(asyncio.run(floor_run(args) if args.floor_one else one_run(args))), flush=True)
        return
    report = Report(
        "digest_fanout",
        table=args.table,
        columns=[
            "code",
            "subscribers",
            "rate",
            "due",
            "sent",
            "empty",
            "renders",
            "messages",
            "expected",
            "lost",
            "duplicates",
            "http_429",
            "http_429_per_chat",
            "max_in_1s",
            "tick_s",
            "msg_per_s",
            "first_60s_msg_per_s",
            "busiest_10s_msg_per_s",
            "share_of_rate",
            "cpu_ms_per_msg",
            "endpoint_cpu_ms_per_msg",
            "postgres_cpu_ms_per_msg",
            "senders",
            "peak_rss_mb",
            "tick_rss_increase_mb",
        ],
    )
    report.machine()
    if not args.senders:
        asyncio.run(corpus_database_url("sqlite", args.size, embeddings="synthetic", seed=args.seed))
    for rate in args.rate or [1000.0]:
        for subscribers in args.subscribers or [1000]:
            log(f"digest fan-out: {subscribers:,} subscribers at {rate:g} msg/s")
            if args.senders:
                if not args.postgres_url:
                    raise SystemExit(f"--senders needs --postgres-url or {POSTGRES_URL_VARIABLE}")
                args.subscribers, args.rate = subscribers, rate
                report.emit({"code": f"tree, {args.senders} senders, PostgreSQL", **asyncio.run(senders_run(args))})
                continue
            command = [
                sys.executable,
                __file__,
                "--one",
                "--subscribers",
                str(subscribers),
                "--rate",
                str(rate),
                "--size",
                str(args.size),
                "--seed",
                str(args.seed),
            ]
            command += ["--chat-interval", str(args.chat_interval)]
            if args.endpoint_rate:
                command += ["--endpoint-rate", str(args.endpoint_rate)]
            if not args.model:
                command.append("--no-model")
            result = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
            report.emit({"code": "tree", **json.loads(result.stdout.strip().splitlines()[-1])})
            if args.floor:
                command[command.index("--one")] = "--floor-one"
                result = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
                report.emit(json.loads(result.stdout.strip().splitlines()[-1]))
    report.finish("Digest fan-out: one tick, real Bot over HTTP to a local endpoint enforcing Telegram's limits")


if __name__ == "__main__":
    main()
