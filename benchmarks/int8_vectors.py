"""Vectors at one byte per dimension, measured before they are built into the record index:
the stored float32 vectors of a corpus quantized to int8 (one scale per statement,
symmetric), the question against every row in both, and the top of the int8 ranking
re-ranked exactly from the stored float vectors (read back from the database by id, as
the record index would have to).

For each `/ask` question of the corpus workload (embedded by the real model): whether the
re-ranked top 50 is the exact top 50 by cosine, ids and order (`exact_top50`), for K
candidates taken from the int8 ranking; the largest cosine error of int8; how many rows a
guaranteed-exact candidate set needs (every row whose cosine could, within the
quantization's error bound, reach the exact 50th); memory; and the time of each step.

    .venv/bin/python benchmarks/int8_vectors.py --size 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Report, add_project_to_path, latency_summary, log, run_each_corpus
from corpus import add_corpus_arguments, corpus_database_url, query_embedder, questions

add_project_to_path()

import numpy as np

from bot.answering.record_index.loading import record_index
from storage.engine import Database
from storage.record_rows import stored_vectors

TOP = 50
BLOCK = 512


def quantized(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scales = np.abs(matrix).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(matrix / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def products(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], BLOCK):
        np.matmul(matrix[start : start + BLOCK], vector, out=out[start : start + BLOCK], casting="unsafe")
    return out


async def bench_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    url, _ = await corpus_database_url(
        backend, size, embeddings=args.embeddings, seed=args.seed, postgres_url=args.postgres_url, fresh=args.fresh
    )
    embedder = query_embedder(args.embeddings)
    database = Database(url, embedder=embedder)
    try:
        index = await record_index(database)
        matrix = np.ascontiguousarray(index.matrix)
        ids = index.columns.ids
        codes, scales = quantized(matrix)
        asked = questions(size, seed=args.seed)
        timings: dict[str, list[float]] = {"float32 product": [], "int8 product": [], "reread K floats": []}
        same = {k: 0 for k in args.candidates}
        worst_error = 0.0
        guaranteed: list[int] = []
        for question in asked:
            vector = np.asarray(embedder.embed_query(question), dtype=np.float32)
            begun = time.perf_counter()
            exact = products(matrix, vector)
            timings["float32 product"].append(time.perf_counter() - begun)
            begun = time.perf_counter()
            approx = products(codes, vector) * scales
            timings["int8 product"].append(time.perf_counter() - begun)
            worst_error = max(worst_error, float(np.abs(approx - exact).max()))
            truth = np.argsort(-exact, kind="stable")[:TOP]
            for k in args.candidates:
                rows = np.argpartition(-approx, k)[:k]
                if k == max(args.candidates):
                    begun = time.perf_counter()
                    stored = await stored_vectors(database, ids[rows].tolist())
                    timings["reread K floats"].append(time.perf_counter() - begun)
                    reread = np.frombuffer(b"".join(blob for _, blob in stored), dtype="<f4").reshape(len(stored), -1)
                    assert reread.shape[0] == k
                rescored = matrix[rows] @ vector
                order = rows[np.lexsort((rows, -rescored))][:TOP]
                same[k] += int(np.array_equal(order, truth[np.lexsort((truth, -exact[truth]))]))
            # Guaranteed: |error| <= scale / 2 * ||q||_1 per row.
            bound = scales / 2 * float(np.abs(vector).sum())
            floor = np.sort(approx - bound)[-TOP]
            guaranteed.append(int((approx + bound >= floor).sum()))
        common = {"backend": backend, "size": size, "questions": len(asked)}
        report.emit(
            {
                **common,
                "part": "memory",
                "float32_mb": round(matrix.nbytes / 2**20, 1),
                "int8_mb": round((codes.nbytes + scales.nbytes) / 2**20, 1),
                "worst_cosine_error": round(worst_error, 5),
                "guaranteed_candidates_p50": int(np.median(guaranteed)),
                "guaranteed_candidates_max": int(max(guaranteed)),
            }
        )
        for name, values in timings.items():
            summary = latency_summary(values)
            report.emit({**common, "part": name, "p50_ms": summary["p50_ms"], "p95_ms": summary["p95_ms"]})
        for k, count in same.items():
            report.emit(
                {**common, "part": f"re-rank of the int8 top {k}", "exact_top50_share": round(count / len(asked), 3)}
            )
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True)
    parser.add_argument("--candidates", type=int, action="append", help="K (repeatable; default 50, 100, 200, 500)")
    args = parser.parse_args()
    args.candidates = args.candidates or [50, 100, 200, 500]
    log("int8 vectors")
    report = Report("int8_vectors", table=args.table)
    run_each_corpus(report, args, "int8 vectors", bench_one, "float32 against int8 vectors with an exact re-rank")


if __name__ == "__main__":
    main()
