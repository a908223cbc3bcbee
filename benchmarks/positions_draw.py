"""Positions at a glance at scale: the matrix computed and drawn, cold and from the cache.

On a corpus database (benchmarks/corpus.py), through the functions `/positions` and
`diplobot positions --png` call (`bot.positions.service`), for each kind of matrix (rows by
side, by speaker; all topics and one topic) and for a topic's timeline:

* `query`: the narrow rows of every live statement per topic (`storage.positions.position_entries`);
* `compute`: the whole matrix, cold - the query, arranging every row's history in time,
  reading the texts of the cells' statements, building the cells (`position_matrix` after
  the cache was emptied);
* `draw`: the picture of a computed matrix (`bot.positions.render.draw_matrix`);
* `cold`: `matrix_picture` with an empty cache (compute + draw, what the first `/positions`
  after a change costs);
* `cached`: `matrix_picture` again on the unchanged record (the version lookup and the
  cache), what every later `/positions` costs.

Each is timed over `--rounds` runs: wall-clock p50/p95 in ms, and `cpu_ms`, the median
CPU time of the process (worker threads included; the steadier figure on a shared
machine). The record's rows, cells and the picture's size are printed beside them.

    .venv/bin/python benchmarks/positions_draw.py --size 10000 --size 100000 --no-embeddings
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Report, add_project_to_path, latency_summary, log, median, rss_mb, run_each_corpus
from corpus import add_corpus_arguments, corpus_database_url

add_project_to_path()

from bot.positions.render import draw_matrix
from bot.positions.service import cache_of, matrix_picture, position_matrix, timeline_picture
from bot.positions.timeline import resolve_subject
from storage.engine import Database
from storage.models import Topic
from storage.positions import EntryFilter, RowKind, position_entries

VARIANTS: list[tuple[str, RowKind, Topic | None]] = [
    ("by side, all topics", RowKind.side, None),
    ("by side, ceasefire", RowKind.side, Topic.ceasefire),
    ("by speaker, all topics", RowKind.speaker, None),
]


async def timed(
    rounds: int, work: Callable[[], Awaitable[Any]], before: Callable[[], None] | None = None
) -> dict[str, float]:
    """Wall-clock p50/p95 and the median CPU time of the whole process (worker threads
    included): on a shared, loaded machine the CPU time is the steadier figure."""
    seconds, cpu = [], []
    for _ in range(rounds):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        await work()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    summary = latency_summary(seconds)
    return {"p50_ms": summary["p50_ms"], "p95_ms": summary["p95_ms"], "cpu_ms": round(median(cpu) * 1000, 1)}


def figures(prefix: str, summary: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{key}": value for key, value in summary.items()}


async def bench_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    url, _ = await corpus_database_url(
        backend, size, embeddings=args.embeddings, seed=args.seed, postgres_url=args.postgres_url, fresh=args.fresh
    )
    database = Database(url)
    cache = cache_of(database)
    try:
        for name, by, topic in VARIANTS:
            log(f"  {name}")
            query = await timed(
                args.rounds, lambda by=by, topic=topic: position_entries(database, by, EntryFilter(topic=topic))
            )
            compute = await timed(
                args.rounds, lambda by=by, topic=topic: position_matrix(database, by, topic), cache.clear
            )
            matrix = await position_matrix(database, by, topic)
            draw = await timed(args.rounds, lambda matrix=matrix: asyncio.to_thread(draw_matrix, matrix))
            cold = await timed(args.rounds, lambda by=by, topic=topic: matrix_picture(database, by, topic), cache.clear)
            _, png = await matrix_picture(database, by, topic)
            cached = await timed(args.rounds * 10, lambda by=by, topic=topic: matrix_picture(database, by, topic))
            report.emit(
                {
                    "backend": backend,
                    "size": size,
                    "matrix": name,
                    "rows": len(matrix.rows),
                    "cells": len(matrix.cells),
                    **figures("query", query),
                    **figures("compute", compute),
                    **figures("draw", draw),
                    **figures("cold", cold),
                    **figures("cached", cached),
                    "png_kb": round(len(png) / 1024, 1),
                    "rss_mb": rss_mb(),
                }
            )
        subject = await resolve_subject(database, "ceasefire")
        log("  timeline of a topic")
        cold = await timed(args.rounds, lambda: timeline_picture(database, subject), cache.clear)
        cached = await timed(args.rounds * 10, lambda: timeline_picture(database, subject))
        timeline, png = await timeline_picture(database, subject)
        report.emit(
            {
                "backend": backend,
                "size": size,
                "matrix": "timeline: ceasefire",
                "rows": len(timeline.lanes),
                "cells": len(timeline.points),
                **figures("cold", cold),
                **figures("cached", cached),
                "png_kb": round(len(png) / 1024, 1),
                "rss_mb": rss_mb(),
            }
        )
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True)
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each cold step (cached: 10x; default 10)")
    args = parser.parse_args()
    report = Report(
        "positions_draw",
        table=args.table,
        columns=[
            "backend",
            "size",
            "matrix",
            "rows",
            "cells",
            "query_p95_ms",
            "compute_p95_ms",
            "compute_cpu_ms",
            "draw_p95_ms",
            "draw_cpu_ms",
            "cold_p50_ms",
            "cold_p95_ms",
            "cold_cpu_ms",
            "cached_p50_ms",
            "cached_p95_ms",
            "png_kb",
        ],
    )
    run_each_corpus(
        report,
        args,
        "positions",
        bench_one,
        "The position matrix and timeline: computed, drawn, and served from the cache (ms)",
    )


if __name__ == "__main__":
    main()
