"""The `diplobot run` process: start-up time, idle memory, memory once it has answered.

`diplobot run` is started as operators start it (the console script of this virtual
environment, configured by environment variables), with long polling against a local
Bot API endpoint (benchmarks/common.py) that answers at once. Measured:

* `startup_s`: from spawning the process to its first `getUpdates` call, i.e. until it
  is ready to take updates (interpreter, imports, the embedding model, migrations check,
  sample check, `embed_missing`, the command menus, the JobQueue);
* `imports_s`: the interpreter and `import bot.cli.main, bot.app` alone, for comparison;
* `idle_rss_mb`: resident memory 3 s after it is ready, before any update;
* `first_answer_s`: from pushing one `/ask` update to the bot's reply (the first question
  loads the in-memory record index);
* `rss_after_ask_mb` / `peak_rss_mb`: resident memory after answering 10 questions, and
  the highest it reached (VmHWM).

Scenarios: `first-run` (an empty SQLite file: migrations, the bundled sample loaded and
embedded), and each `--size` of the corpus database (benchmarks/corpus.py) on each
`--backend`. Start-up is timed `--repeat` times (default 3), the median reported.

    .venv/bin/python benchmarks/process.py --size 10000                   # quick
    .venv/bin/python benchmarks/process.py --size 100000 --size 1000000
    .venv/bin/python benchmarks/process.py --size 1000000 --keyword-only   # DIPLOBOT_SEMANTIC=false
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    CACHE,
    EndpointProcess,
    Report,
    add_project_to_path,
    log,
    median,
    peak_rss_mb,
    process_cpu_seconds,
    rss_mb,
)
from corpus import add_corpus_arguments, corpus_database_url, questions

add_project_to_path()

TOKEN = "123456:benchmark"
READER = 1001


def diplobot_command() -> list[str]:
    script = Path(sys.executable).parent / "diplobot"
    if script.exists():
        return [str(script), "run"]
    return [sys.executable, "-c", "from bot.cli.main import app; app()", "run"]


#: Where the child processes keep their bytecode (see `--no-bytecode`).
PYCACHE = CACHE / "pycache"
BYTECODE = True
SEMANTIC = True


def environment(database_url: str, api_url: str, *, load_sample: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DIPLOBOT_", "TELEGRAM_"))}
    if BYTECODE:
        # A deployment has compiled bytecode (pip compiles on install; so does the Docker
        # image). A virtual environment made without it, in a shell that sets
        # PYTHONDONTWRITEBYTECODE, compiles every module at every start; the children
        # here keep theirs under benchmarks/.cache/pycache instead, touching nothing else.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIPLOBOT_TELEGRAM_API_URL=api_url,
        DIPLOBOT_DATABASE_URL=database_url,
        DIPLOBOT_LOAD_SAMPLE="true" if load_sample else "false",
        DIPLOBOT_LOG_LEVEL="WARNING",
        DIPLOBOT_ADMIN_IDS="",
        DIPLOBOT_SEMANTIC="true" if SEMANTIC else "false",
    )
    return env


def ask_update(question: str, message_id: int) -> dict[str, Any]:
    text = f"/ask {question}"
    user = {"id": READER, "is_bot": False, "first_name": "Reader"}
    return {
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": READER, "type": "private", "first_name": "Reader"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
        }
    }


def wait_for(predicate: Any, timeout: float, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None:
            raise SystemExit(f"diplobot run exited with {process.returncode} before {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"diplobot run: no {what} within {timeout:.0f} s")
        time.sleep(0.02)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def one_start(database_url: str, *, load_sample: bool, ask: list[str], stderr_path: Path) -> dict[str, Any]:
    endpoint = EndpointProcess(rate=1000, chat_interval=0)
    try:
        with stderr_path.open("wb") as stderr:
            started = time.time()
            process = subprocess.Popen(
                diplobot_command(),
                env=environment(database_url, endpoint.url, load_sample=load_sample),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            try:
                state: dict[str, Any] = {}

                def polling() -> bool:
                    state.update(endpoint.stats())
                    return "getUpdates" in state["first_call_at"]

                wait_for(polling, 600, process, "getUpdates")
                figures: dict[str, Any] = {"startup_s": round(state["first_call_at"]["getUpdates"] - started, 3)}
                figures["startup_cpu_s"] = round(process_cpu_seconds(process.pid), 3)
                time.sleep(3)
                figures["idle_rss_mb"] = rss_mb(process.pid)
                if ask:
                    pushed = time.time()
                    endpoint.push([ask_update(ask[0], 1)])
                    wait_for(lambda: endpoint.stats()["messages"] >= 1, 600, process, "answer")
                    figures["first_answer_s"] = round(endpoint.stats()["first_message_at"] - pushed, 3)
                    endpoint.push([ask_update(question, index + 2) for index, question in enumerate(ask[1:])])
                    wait_for(lambda: endpoint.stats()["messages"] >= len(ask), 600, process, "answers")
                    figures["rss_after_ask_mb"] = rss_mb(process.pid)
                    figures["peak_rss_mb"] = peak_rss_mb(process.pid)
                return figures
            finally:
                stop(process)
    finally:
        endpoint.close()


def imports_seconds() -> float:
    env = environment("sqlite+aiosqlite:///unused.db", "http://127.0.0.1:9/bot", load_sample=False)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import bot.cli.main, bot.app"],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return time.perf_counter() - started


def scenario(
    report: Report,
    name: str,
    database_url: str,
    *,
    load_sample: bool,
    size: int,
    repeat: int,
    ask: list[str],
    extra: dict[str, Any],
) -> None:
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(repeat):
            log(f"  {name}: start {attempt + 1}/{repeat}")
            runs.append(
                one_start(
                    database_url,
                    load_sample=load_sample,
                    ask=ask if attempt == repeat - 1 else [],
                    stderr_path=Path(scratch) / f"run{attempt}.log",
                )
            )
            if load_sample and attempt == 0:
                load_sample = False  # only the first start finds the database empty
                first = runs[0]["startup_s"]
                extra = {**extra, "first_run_startup_s": first}
    last = runs[-1]
    startups = (
        [run["startup_s"] for run in runs[1:]]
        if name == "first-run" and len(runs) > 1
        else [run["startup_s"] for run in runs]
    )
    report.emit(
        {
            "scenario": name,
            "size": size,
            "startup_s": round(median(startups), 3),
            "startup_runs": startups,
            "startup_cpu_s": round(median(run["startup_cpu_s"] for run in runs), 3),
            "idle_rss_mb": round(median(run["idle_rss_mb"] for run in runs), 1),
            "first_answer_s": last.get("first_answer_s"),
            "rss_after_ask_mb": last.get("rss_after_ask_mb"),
            "peak_rss_mb": last.get("peak_rss_mb"),
            **extra,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True, existing=True)
    parser.add_argument("--repeat", type=int, default=3, help="starts per scenario (default 3)")
    parser.add_argument("--no-first-run", dest="first_run", action="store_false", help="skip the empty-database start")
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="start as the environment is (PYTHONDONTWRITEBYTECODE kept: every module compiled at each start)",
    )
    parser.add_argument(
        "--keyword-only",
        dest="semantic",
        action="store_false",
        help="start with DIPLOBOT_SEMANTIC=false: no sentence model, no vectors in memory",
    )
    args = parser.parse_args()
    global BYTECODE, SEMANTIC
    BYTECODE = args.bytecode
    SEMANTIC = args.semantic
    report = Report(
        "process",
        table=args.table,
        columns=[
            "scenario",
            "size",
            "startup_s",
            "startup_cpu_s",
            "first_run_startup_s",
            "imports_s",
            "idle_rss_mb",
            "first_answer_s",
            "rss_after_ask_mb",
            "peak_rss_mb",
        ],
    )
    report.machine()
    imports_seconds()  # fills the bytecode cache
    imports = round(median(imports_seconds() for _ in range(3)), 3)
    report.emit({"scenario": "imports only", "imports_s": imports, "bytecode": args.bytecode})
    if args.first_run:
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{scratch}/first.db"
            log("process: first run on an empty database")
            scenario(
                report,
                "first-run",
                url,
                load_sample=True,
                size=48,
                repeat=max(2, args.repeat),
                ask=questions(48)[:10],
                extra={},
            )
    for backend in args.backend or ["sqlite"]:
        for size in args.size or [10_000]:
            url, meta = asyncio.run(
                corpus_database_url(
                    backend,
                    size,
                    embeddings=args.embeddings,
                    seed=args.seed,
                    postgres_url=args.postgres_url,
                    fresh=args.fresh,
                    database_url=args.database_url,
                )
            )
            log(f"process: {backend}, {meta.get('statements', size):,} statements")
            mode = args.embeddings if args.semantic else f"{args.embeddings}, keyword only"
            scenario(
                report,
                f"{backend} {mode}",
                url,
                load_sample=False,
                size=meta.get("statements", size),
                repeat=args.repeat,
                ask=questions(size, seed=args.seed)[:10],
                extra={},
            )
    report.finish("diplobot run: start-up (s) and resident memory (MiB)")


if __name__ == "__main__":
    main()
