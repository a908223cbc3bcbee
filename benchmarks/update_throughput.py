"""Updates a second through `Application.process_update`: `/ask`, `/search`, and the
framework's own floor, on the real application.

The application is the one `diplobot run` builds (`bot.app.build_application`: every
handler, the error handler, the JobQueue started, `post_init` run), on a corpus database
(benchmarks/corpus.py), with `bot.local.bot_api.LocalBotApi` as its transport: the bot's
replies are answered in process, at once, so only the bot's own work is timed. Each
update is built from its JSON as polling builds it (`Update.de_json`) and handed over
twice: one after the other to `process_update` (one reader at a time), then all of a
round at once through the application's update processor as polling hands them over
(`bot.updates.PerChatUpdateProcessor`: 20 readers' chats side by side, each chat in
order). Latency is from hand-over to the reply; at once, it includes the wait for a
running place.

Floors, in the same application and run: the model floor, each `/ask` question embedded
alone by the sentence model, one at a time (`Embedder.embed_query`, as the bot embeds it;
no update, no database): what `/ask` cannot go below; `/bench_noop`, a handler in group -1 that does
nothing and stops dispatch (the framework: parsing the update, matching handlers,
building the context); `/bench_echo`, one that sends a fixed reply through the same
`reply()` helper the commands use (framework plus one sendMessage through the fake
transport).

The bot runs without PTB's `AIORateLimiter` here: with it, replies are held to
Telegram's ~30 messages a second overall, which would be all this measured.

    .venv/bin/python benchmarks/update_throughput.py --size 10000     # quick
    .venv/bin/python benchmarks/update_throughput.py --size 100000
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Report,
    add_project_to_path,
    cpu_seconds,
    latency_summary,
    log,
    rss_mb,
    run_each_corpus,
)
from corpus import (
    add_corpus_arguments,
    corpus_database_url,
    keyword_queries,
    query_embedder,
    questions,
)

add_project_to_path()

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.answering.record_index.loading import record_index
from bot.app import build_application
from bot.config import Settings
from bot.local.bot_api import LocalBotApi
from handlers.common import reply
from storage.engine import Database

USERS = [1001 + index for index in range(20)]


async def noop(update: Update, context: Any) -> None:
    raise ApplicationHandlerStop


async def echo(update: Update, context: Any) -> None:
    await reply(update, "<b>ok</b>")
    raise ApplicationHandlerStop


_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def message_update(user_id: int, text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Reader"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Reader"},
            **content,
        },
    }


async def process(application: Any, payload: dict[str, Any], concurrent: bool) -> float:
    """One update as polling hands it over: through the application's update processor
    when updates run concurrently, straight to `process_update` otherwise."""
    update = Update.de_json({**payload, "update_id": next(_update_ids)}, application.bot)
    begun = time.perf_counter()
    if concurrent:
        await application.update_processor.process_update(update, application.process_update(update))
    else:
        await application.process_update(update)
    return time.perf_counter() - begun


async def run_updates(application: Any, texts: list[str], rounds: int, concurrent: bool) -> dict[str, Any]:
    payloads = [message_update(USERS[index % len(USERS)], text) for index, text in enumerate(texts)]
    for payload in payloads:  # warm up: the record index, the model, the page cache
        await process(application, payload, concurrent=False)
    durations: list[float] = []
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    for _ in range(rounds):
        if concurrent:
            durations += await asyncio.gather(*(process(application, payload, True) for payload in payloads))
        else:
            durations += [await process(application, payload, False) for payload in payloads]
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    summary = latency_summary(durations)
    return {
        "updates": len(durations),
        "updates_per_s": round(len(durations) / wall, 1),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "cpu_ms_per_update": round(1000 * cpu / len(durations), 3),
    }


@asynccontextmanager
async def running_application(backend: str, size: int, args: argparse.Namespace) -> AsyncIterator[Any]:
    """The application `diplobot run` builds, started on the cached corpus database, with
    the floors' handlers added and the record index loaded: (application, api, database)."""
    url, _ = await corpus_database_url(
        backend,
        size,
        embeddings=args.embeddings,
        seed=args.seed,
        postgres_url=args.postgres_url,
        fresh=args.fresh,
    )
    database = Database(url, embedder=query_embedder(args.embeddings))
    api = LocalBotApi()
    settings = Settings(DIPLOBOT_LOAD_SAMPLE="false", DIPLOBOT_ADMIN_IDS="", DIPLOBOT_DATABASE_URL=url)
    application = build_application(settings, request=api, database=database, rate_limited=False)
    application.add_handler(CommandHandler("bench_noop", noop), group=-1)
    application.add_handler(CommandHandler("bench_echo", echo), group=-1)
    try:
        async with application:
            await application.post_init(application)  # type: ignore[misc]
            await application.start()
            try:
                await record_index(database)
                yield application, api, database
            finally:
                await application.stop()
    finally:
        await database.close()


def workloads(size: int, seed: int) -> dict[str, list[str]]:
    return {
        "noop (framework floor)": ["/bench_noop"] * 200,
        "echo (floor + 1 reply)": ["/bench_echo"] * 200,
        "/search": [f"/search {query}" for query in keyword_queries(size, seed=seed)],
        "/ask": [f"/ask {question}" for question in questions(size, seed=seed)],
    }


def model_floor(embedder: Any, texts: list[str], rounds: int) -> dict[str, Any]:
    """The sentence model embedding each `/ask` question alone, one at a time, as the bot
    embeds it (`embed_query`): what no code around the model can take away."""
    questions_only = [text.removeprefix("/ask ") for text in texts]
    for question in questions_only:  # warm up
        embedder.embed_query(question)
    durations: list[float] = []
    cpu_before = cpu_seconds()
    for _ in range(rounds):
        for question in questions_only:
            begun = time.perf_counter()
            embedder.embed_query(question)
            durations.append(time.perf_counter() - begun)
    cpu = cpu_seconds() - cpu_before
    summary = latency_summary(durations)
    return {
        "updates": len(durations),
        "updates_per_s": round(len(durations) / sum(durations), 1),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "cpu_ms_per_update": round(1000 * cpu / len(durations), 3),
    }


async def bench_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    common = {"backend": backend, "size": size, "embeddings": args.embeddings}
    async with running_application(backend, size, args) as (application, api, database):
        for name, texts in workloads(size, args.seed).items():
            if args.workload and not any(name.startswith(wanted) for wanted in args.workload):
                continue
            for concurrent in (False, True):
                mode = f"{len(USERS)} chats at once" if concurrent else "one at a time"
                log(f"  {name}, {mode}: {len(texts) * args.rounds} updates")
                api.clear()
                figures = await run_updates(application, texts, args.rounds, concurrent)
                replies = len(api.sent("sendMessage"))
                report.emit(
                    {**common, "workload": name, "mode": mode, **figures, "replies": replies, "rss_mb": rss_mb()}
                )
            if name == "/ask" and database.embedder is not None:
                log(f"  model floor: {len(texts) * args.rounds} questions embedded alone")
                figures = model_floor(database.embedder, texts, args.rounds)
                workload = "model floor (the /ask questions embedded alone)"
                report.emit({**common, "workload": workload, "mode": "one at a time", **figures, "rss_mb": rss_mb()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True)
    parser.add_argument("--rounds", type=int, default=3, help="times each update is processed (default 3)")
    parser.add_argument("--workload", action="append", help="noop, echo, /search or /ask (repeatable; default all)")
    args = parser.parse_args()
    report = Report(
        "update_throughput",
        table=args.table,
        columns=[
            "backend",
            "size",
            "workload",
            "mode",
            "updates",
            "updates_per_s",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "cpu_ms_per_update",
            "rss_mb",
        ],
    )
    run_each_corpus(
        report, args, "update throughput", bench_one, "Updates through Application.process_update (fake transport)"
    )


if __name__ == "__main__":
    main()
