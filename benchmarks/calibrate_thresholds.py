"""Calibrating the "nothing found" decision (bot.answering.weights) on questions kept apart
for the purpose: benchmarks/data/calibration_questions.jsonl (answerable, with the refs
that answer them) and benchmarks/data/calibration_unanswerable.jsonl. The files the
evaluation reports (dev_questions.jsonl, unanswerable_questions.jsonl, and the hold-out
files) are not read.

For each question it records what the decision looks at (see bot.answering.weights.Features),
then scans a grid of the two thresholds that matter most, the others fixed in advance:

* with the model: `threshold` x `absent_penalty` (coverage_weight and filter_relief as
  shipped);
* keyword only: `keyword_min_coverage` x `keyword_max_absent`.

Each cell is (answered answerable questions) / (unanswerable questions answered "nothing
found"). Among the cells that answer at least `--min-answered` of the answerable ones, the
one whose 3 x 3 neighbourhood gets the most questions right on average is chosen: the
middle of a plateau, not a lone cell or an edge that happens to fit these questions. Prints the tables,
then one JSON object per mode with the choice and the figures of the shipped values.

    python benchmarks/calibrate_thresholds.py [--min-answered 0.95]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.answering.ask import retrieval_query  # noqa: E402
from bot.answering.evaluation import read_questions  # noqa: E402
from bot.answering.understanding import understand  # noqa: E402
from storage.engine import Database  # noqa: E402
from bot.answering.query import Options  # noqa: E402
from bot.answering.retrieval import retrieve  # noqa: E402
from bot.answering.weights import DEFAULT_WEIGHTS, Features, Weights, answers  # noqa: E402
from storage.sample import temporary_sample_database  # noqa: E402
from bot.answering.embedder import Embedder  # noqa: E402
from bot.answering.record_index.loading import record_index  # noqa: E402

ANSWERABLE = ROOT / "benchmarks" / "data" / "calibration_questions.jsonl"
UNANSWERABLE = ROOT / "benchmarks" / "data" / "calibration_unanswerable.jsonl"
#: Thresholds off: every question is ranked; only the rules that need no threshold (a
#: speaker or a name the record does not know) still say nothing.
OPEN = Weights(threshold=-9.0, keyword_min_coverage=0.0, keyword_max_absent=1.0)


def frange(start: float, stop: float, step: float) -> list[float]:
    count = int(round((stop - start) / step))
    return [round(start + i * step, 4) for i in range(count + 1)]


async def features(database: Database, path: Path) -> list[Features | None]:
    """Per question, what the decision sees; None when nothing could answer at all."""
    index = await record_index(database)
    out = []
    for item in read_questions(path):
        ranked = await retrieve(database, retrieval_query(understand(item["q"], index.facts)), Options(weights=OPEN))
        out.append(ranked.features if ranked.ids else None)
    return out


def rates(weights: Weights, good: list[Features | None], bad: list[Features | None]) -> tuple[int, int]:
    answered = sum(1 for f in good if f is not None and answers(f, weights))
    refused = sum(1 for f in bad if f is None or not answers(f, weights))
    return answered, refused


def choose(table: list[list[tuple[int, int]]], min_answered: int) -> tuple[int, int]:
    """The cell (row, column) whose neighbourhood gets the most questions right: the
    middle of a plateau, not a lone cell (or a corner) that happens to fit."""
    rows, columns = len(table), len(table[0])

    def smoothed(r: int, c: int) -> float:
        window = [
            sum(table[r + dr][c + dc])
            for dr in (-1, 0, 1) for dc in (-1, 0, 1)
            if 0 <= r + dr < rows and 0 <= c + dc < columns
        ]
        return sum(window) / 9  # cells off the grid count as nothing right: edges lose

    eligible = [(r, c) for r in range(rows) for c in range(columns) if table[r][c][0] >= min_answered]
    if not eligible:
        raise SystemExit(f"no thresholds answer {min_answered} of the answerable questions")
    return max(eligible, key=lambda cell: (smoothed(*cell), sum(table[cell[0]][cell[1]]), -cell[0], -cell[1]))


def scan(
    good: list[Features | None],
    bad: list[Features | None],
    rows: tuple[str, list[float]],
    columns: tuple[str, list[float]],
    min_answered: float,
) -> dict[str, object]:
    (row_name, row_values), (column_name, column_values) = rows, columns
    table = [
        [rates(replace(DEFAULT_WEIGHTS, **{row_name: r, column_name: c}), good, bad) for c in column_values]
        for r in row_values
    ]
    print(f"{row_name} \\ {column_name}   answered {len(good)} / nothing found {len(bad)}")
    print(" " * 8 + "".join(f"{c:>7.2f}" for c in column_values))
    for r, cells in zip(row_values, table, strict=True):
        print(f"{r:>8.2f}" + "".join(f"{a:>4}/{b:<2}" for a, b in cells))
    r, c = choose(table, int(round(min_answered * len(good) + 0.4999)))
    answered, refused = table[r][c]
    shipped = rates(DEFAULT_WEIGHTS, good, bad)
    return {
        "chosen": {row_name: row_values[r], column_name: column_values[c]},
        "answered": round(answered / len(good), 3),
        "nothing_found": round(refused / len(bad), 3),
        "shipped": {row_name: getattr(DEFAULT_WEIGHTS, row_name), column_name: getattr(DEFAULT_WEIGHTS, column_name)},
        "shipped_answered": round(shipped[0] / len(good), 3),
        "shipped_nothing_found": round(shipped[1] / len(bad), 3),
    }


async def calibrate(semantic: bool, min_answered: float) -> dict[str, object]:
    async with temporary_sample_database(Embedder.shared() if semantic else None) as database:
        good = await features(database, ANSWERABLE)
        bad = await features(database, UNANSWERABLE)
    if semantic:
        result = scan(
            good, bad, ("absent_penalty", frange(0.0, 0.8, 0.1)), ("threshold", frange(0.30, 0.56, 0.02)), min_answered
        )
    else:
        result = scan(
            good, bad, ("keyword_min_coverage", frange(0.0, 0.6, 0.1)), ("keyword_max_absent", frange(0.2, 0.9, 0.05)),
            min_answered,
        )
    return {"kind": "calibration", "model": semantic, "answerable": len(good), "unanswerable": len(bad),
            "min_answered": min_answered, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-answered", type=float, default=0.95)
    args = parser.parse_args(argv)
    modes = [True, False] if Embedder.shared() is not None else [False]
    results = [asyncio.run(calibrate(semantic, args.min_answered)) for semantic in modes]
    print()
    for result in results:
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
