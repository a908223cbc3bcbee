"""What matching a question's Cyrillic name with the record's Latin spellings costs
(bot.answering.spellings): gathering the names of the record's places, sources and roles
once per change of the record (the first question after a change that holds a Cyrillic
name the lexicon does not know pays it), and looking a name up afterwards. Beside them,
the floor of the gathering: the engine's own `SELECT DISTINCT source`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Report, add_project_to_path, latency_summary, log, run_each_corpus
from corpus import add_corpus_arguments, corpus_database_url

add_project_to_path()

from bot.answering.record_index.loading import record_index
from bot.answering.spellings import record_spellings
from storage.engine import Database
from storage.record_rows import sources

NAMES = ("Джидді", "Рейтер", "Новогригорівку", "Ердоган", "Мінськ", "Лукашенко", "Анкоріджі", "Женеві")


async def bench_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    url, _ = await corpus_database_url(
        backend, size, embeddings=args.embeddings, seed=args.seed, postgres_url=args.postgres_url, fresh=args.fresh
    )
    database = Database(url)
    try:
        index = await record_index(database)
        floor: list[float] = []
        gathered: list[float] = []
        for _ in range(args.rounds):
            begun = time.perf_counter()
            async with database.read() as session:
                cited = await sources(session)
            floor.append(time.perf_counter() - begun)
            index.term_cache.clear()
            begun = time.perf_counter()
            spellings = await record_spellings(database, index)
            gathered.append(time.perf_counter() - begun)
        lookups: list[float] = []
        for _ in range(args.rounds):
            for name in NAMES:
                begun = time.perf_counter()
                spellings.latin_for(name)
                lookups.append(time.perf_counter() - begun)
        common = {"backend": backend, "size": size, "sources": len(cited)}
        for part, values in (("DISTINCT source (floor)", floor), ("gathering", gathered), ("one lookup", lookups)):
            summary = latency_summary(values)
            report.emit({**common, "part": part, "p50_ms": summary["p50_ms"], "max_ms": summary["max_ms"]})
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    log("record spellings")
    report = Report("spellings", table=args.table)
    run_each_corpus(report, args, "record spellings", bench_one, "Cyrillic names against the record's Latin spellings")


if __name__ == "__main__":
    main()
