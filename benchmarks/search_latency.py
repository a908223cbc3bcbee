"""Search latency: the very functions the bot calls, beside the engine's own floor.

For each engine and size, two workloads (benchmarks/corpus.py writes both against the
corpus's own speakers, places and times):

* keyword queries, as `/search` runs them: `bot.input.search_syntax.parse_search` then
  `storage.search.search(database, text, filters, limit=PAGE_SIZE)` - the count of matches,
  the ranked page, the page's statements with speaker, topics and places;
* questions, as `/ask` and plain text run them: `bot.answering.ask.answer(database, question,
  limit=PAGE_SIZE)` - question understanding, the keyword and semantic rankings, their
  fusion, the nothing-found decision, the page and its counterparts.

Timed in the same run, query by query, interleaved with the function, through the bare
driver (the stdlib `sqlite3` module / `asyncpg`: no ORM, no async wrapper), with the same
words (for questions: the words retrieval looks for, the question's concepts):

* `floor`: the raw engine query - FTS5 `MATCH` ordered by `bm25()` / `@@
  websearch_to_tsquery` ordered by `ts_rank_cd`, top five, on the index alone (no join,
  no filter): what ranking these words costs the engine at all. `ratio` is the function's
  p95 over this one's.
* `same_sql`: the SQL the function sends, written by hand - the count of matches (with
  filters: a window over the ranked matches, or counted up to `COUNT_CAP`), the
  ranked page, and the page's rows with speaker, topics and places; `page_sql` is the
  ranked page query alone. Without filters on SQLite both count and page read the FTS
  index alone (the retraction state is in it); with filters, and on PostgreSQL, every
  match is joined to its row (not retracted, the query's filters); either way the newest
  `RECENT_WINDOW` statements are ranked first, the older ones if those fall short. `orm_ratio` (function over `same_sql`) is what the ORM
  and the async driver add; `same_sql` over `floor` is what the shape of the SQL adds.
* for questions also `embed` (the model embedding the question) and `matvec` (the
  question against every stored vector, at one byte a dimension, as
  `RecordArrays.approximate` takes it): no semantic search answers in less.

    .venv/bin/python benchmarks/search_latency.py --size 10000                # quick, SQLite
    .venv/bin/python benchmarks/search_latency.py --size 100000 --size 1000000 \\
        --backend sqlite --backend postgresql --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

A cached corpus built at an older revision is upgraded first (`upgrade_s`: at 1M, the
rebuild of the FTS index). Latencies are over every query and every round (p50/p95/p99 in ms).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Report,
    add_project_to_path,
    asyncpg_dsn,
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

from bot.answering.ask import answer, retrieval_query
from bot.answering.record_index.loading import record_index
from bot.answering.understanding import understand
from bot.input.search_syntax import parse_search
from bot.presentation.paging import PAGE_SIZE
from storage.actors import normalize_name
from storage.engine import Database
from storage.search import COUNT_CAP, RECENT_WINDOW, SearchFilters, fts_match, query_terms, search

# -- the floor: raw SQL through the bare driver ------------------------------------------------


class RawSqlite:
    """The stdlib driver on the same file, with the pragmas the project sets."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.connection.close()

    def engine(self, terms: Sequence[str], limit: int) -> list[Any]:
        """FTS5 alone: the ranked top of the index, no join, no filter."""
        return self.connection.execute(
            "SELECT rowid, bm25(statement_fts, 1.0, 0.0) AS rank FROM statement_fts WHERE statement_fts MATCH ? "
            "ORDER BY rank LIMIT ?",
            (fts_match(terms, include_retracted=True), limit),
        ).fetchall()

    def ranked_on_index(self, match: str, limit: int) -> list[Any]:
        """The first page as `storage.search.rank_on_index` reads it: the newest
        RECENT_WINDOW statements first, the older ones if those fall short."""
        db = self.connection
        ranked = (
            "SELECT rowid, -bm25(statement_fts, 1.0, 0.0) AS score FROM statement_fts "
            "WHERE statement_fts MATCH ? {} ORDER BY score DESC, rowid DESC LIMIT ?"
        )
        boundary = (db.execute("SELECT max(id) FROM statement").fetchone()[0] or 0) - RECENT_WINDOW
        if boundary <= 0:
            return db.execute(ranked.format(""), (match, limit)).fetchall()
        page = db.execute(ranked.format("AND rowid > ?"), (match, boundary, limit)).fetchall()
        if len(page) < limit:
            page += db.execute(ranked.format("AND rowid <= ?"), (match, boundary, limit - len(page))).fetchall()
        return page

    def search(
        self, terms: Sequence[str], filters: SearchFilters, limit: int, *, match_only: bool = False
    ) -> list[Any]:
        db = self.connection
        if filters.is_empty:
            match = fts_match(terms, include_retracted=False)
            page = self.ranked_on_index(match, limit)
            if not match_only:
                db.execute("SELECT count(*) FROM statement_fts WHERE statement_fts MATCH ?", (match,)).fetchone()
        else:
            page = self.joined(terms, filters, limit, match_only=match_only)
        if match_only:
            return page
        ids = [row[0] for row in page]
        if ids:
            marks = ",".join("?" * len(ids))
            db.execute(
                f"SELECT s.*, a.name FROM statement s JOIN actor a ON a.id = s.actor_id WHERE s.id IN ({marks})", ids
            ).fetchall()
            db.execute(
                f"SELECT statement_id, topic FROM statement_topic WHERE statement_id IN ({marks}) "
                "ORDER BY statement_id, position",
                ids,
            ).fetchall()
            db.execute(
                f"SELECT statement_id, place FROM statement_place WHERE statement_id IN ({marks}) "
                "ORDER BY statement_id, position",
                ids,
            ).fetchall()
        return page

    def joined(self, terms: Sequence[str], filters: SearchFilters, limit: int, *, match_only: bool) -> list[Any]:
        """The count and the ranked page with every match joined to its row."""
        db = self.connection
        where = ["statement_fts MATCH ?", "s.retracted_at IS NULL"]
        params: list[Any] = [fts_match(terms, include_retracted=True)]
        if filters.speaker:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT actor_id FROM actor_alias WHERE normalized = ?", (normalize_name(filters.speaker),)
                )
            ]
            where.append(f"s.actor_id IN ({','.join('?' * len(ids)) or 'NULL'})")
            params += ids
        if filters.side:
            where.append("lower(s.side) = ?")
            params.append(filters.side.strip().lower())
        if filters.topic:
            where.append("EXISTS (SELECT 1 FROM statement_topic t WHERE t.statement_id = s.id AND t.topic = ?)")
            params.append(filters.topic.value)
        if filters.since:
            where.append("s.said_on >= ?")
            params.append(filters.since.isoformat())
        if filters.until:
            where.append("s.said_on <= ?")
            params.append(filters.until.isoformat())
        clause = " AND ".join(where)
        ranked = (
            "SELECT s.id, -bm25(statement_fts, 1.0, 0.0) AS score FROM statement s "
            f"JOIN statement_fts ON statement_fts.rowid = s.id WHERE {clause} {{}} "
            "ORDER BY score DESC, s.id DESC LIMIT ?"
        )
        boundary = (db.execute("SELECT max(id) FROM statement").fetchone()[0] or 0) - RECENT_WINDOW
        if boundary <= 0 and not match_only:
            # As the function does: the count as a window over the ranked matches.
            counted = ranked.format("").removesuffix(" ORDER BY score DESC, s.id DESC LIMIT ?")
            return db.execute(
                f"SELECT id, score, count(*) OVER () FROM ({counted}) ORDER BY score DESC, id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        if boundary <= 0:
            page = db.execute(ranked.format(""), (*params, limit)).fetchall()
        else:
            page = db.execute(ranked.format("AND s.id > ?"), (*params, boundary, limit)).fetchall()
            if len(page) < limit:
                page += db.execute(ranked.format("AND s.id <= ?"), (*params, boundary, limit - len(page))).fetchall()
        if not match_only:
            db.execute(
                "SELECT count(*) FROM (SELECT s.id FROM statement s JOIN statement_fts ON statement_fts.rowid = s.id "
                f"WHERE {clause} LIMIT {COUNT_CAP + 1})",
                params,
            ).fetchone()
        return page


class RawPostgres:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def connect(cls, url: str) -> RawPostgres:
        import asyncpg

        return cls(await asyncpg.connect(asyncpg_dsn(url)))

    async def close(self) -> None:
        await self.connection.close()

    async def engine(self, terms: Sequence[str], limit: int) -> list[Any]:
        """The tsvector index alone: the ranked top, no join, no filter."""
        return await self.connection.fetch(
            "SELECT id, ts_rank_cd(search_vector, q) AS rank FROM statement, websearch_to_tsquery('english', $1) q "
            "WHERE search_vector @@ q ORDER BY rank DESC LIMIT $2",
            " or ".join(terms),
            limit,
        )

    async def search(
        self, terms: Sequence[str], filters: SearchFilters, limit: int, *, match_only: bool = False
    ) -> list[Any]:
        db = self.connection
        params: list[Any] = [" or ".join(terms)]
        where = ["s.search_vector @@ q", "s.retracted_at IS NULL"]

        def param(value: Any) -> str:
            params.append(value)
            return f"${len(params)}"

        if filters.speaker:
            ids = [
                row[0]
                for row in await db.fetch(
                    "SELECT actor_id FROM actor_alias WHERE normalized = $1", normalize_name(filters.speaker)
                )
            ]
            where.append(f"s.actor_id = ANY({param(ids)}::int[])")
        if filters.side:
            where.append(f"lower(s.side) = {param(filters.side.strip().lower())}")
        if filters.topic:
            where.append(
                "EXISTS (SELECT 1 FROM statement_topic t WHERE t.statement_id = s.id "
                f"AND t.topic = {param(filters.topic.value)})"
            )
        if filters.since:
            where.append(f"s.said_on >= {param(filters.since)}")
        if filters.until:
            where.append(f"s.said_on <= {param(filters.until)}")
        clause = " AND ".join(where)
        source = "FROM statement s, websearch_to_tsquery('english', $1) q"
        boundary = (await db.fetchval("SELECT max(id) FROM statement") or 0) - RECENT_WINDOW

        async def ranked(tier: str, *values: Any) -> list[Any]:
            """The page among the matches passing `tier` ("{}" for each of `values`)."""
            marks = [f"${len(params) + number}" for number in range(1, len(values) + 1)]
            return await db.fetch(
                f"SELECT s.id, ts_rank_cd(s.search_vector, q) AS score {source} WHERE {clause} "
                f"{tier.format(*marks)} ORDER BY score DESC, s.id DESC LIMIT {marks[-1]}",
                *params,
                *values,
            )

        if boundary <= 0 and not match_only:
            # As the function does: the count as a window over the ranked matches.
            page = await db.fetch(
                f"SELECT id, score, count(*) OVER () FROM (SELECT s.id, ts_rank_cd(s.search_vector, q) AS score "
                f"{source} WHERE {clause}) m ORDER BY score DESC, id DESC LIMIT ${len(params) + 1}",
                *params,
                limit,
            )
        elif boundary <= 0:
            page = await ranked("", limit)
        else:
            page = await ranked("AND s.id > {}", boundary, limit)
            if len(page) < limit:
                page += await ranked("AND s.id <= {}", boundary, limit - len(page))
        if match_only:
            return page
        if boundary > 0:
            await db.fetchval(
                f"SELECT count(*) FROM (SELECT 1 {source} WHERE {clause} LIMIT {COUNT_CAP + 1}) c", *params
            )
        ids = [row[0] for row in page]
        if ids:
            await db.fetch(
                "SELECT s.*, a.name FROM statement s JOIN actor a ON a.id = s.actor_id WHERE s.id = ANY($1::int[])", ids
            )
            await db.fetch(
                "SELECT statement_id, topic FROM statement_topic WHERE statement_id = ANY($1::int[]) "
                "ORDER BY statement_id, position",
                ids,
            )
            await db.fetch(
                "SELECT statement_id, place FROM statement_place WHERE statement_id = ANY($1::int[]) "
                "ORDER BY statement_id, position",
                ids,
            )
        return page


class Floor:
    """The raw search on either engine, awaitable."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sqlite: RawSqlite | None = None
        self.postgres: RawPostgres | None = None

    async def open(self) -> None:
        if self.database.is_sqlite:
            from sqlalchemy.engine import make_url

            self.sqlite = RawSqlite(str(make_url(self.database.url).database))
        else:
            self.postgres = await RawPostgres.connect(self.database.url)

    async def close(self) -> None:
        if self.sqlite:
            self.sqlite.close()
        if self.postgres:
            await self.postgres.close()

    async def engine(self, terms: Sequence[str], filters: SearchFilters) -> None:
        if not terms:
            return
        if self.sqlite is not None:
            self.sqlite.engine(terms, PAGE_SIZE)
        else:
            assert self.postgres is not None
            await self.postgres.engine(terms, PAGE_SIZE)

    async def search(self, terms: Sequence[str], filters: SearchFilters, *, match_only: bool = False) -> None:
        if not terms:
            return
        if self.sqlite is not None:
            self.sqlite.search(terms, filters, PAGE_SIZE, match_only=match_only)
        else:
            assert self.postgres is not None
            await self.postgres.search(terms, filters, PAGE_SIZE, match_only=match_only)


# -- the runs ------------------------------------------------------------------------------------


async def timed(call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    await call(*args, **kwargs)
    return time.perf_counter() - started


def question_terms(question: str, facts: Any) -> list[str]:
    """The words retrieval looks for in the full-text index for this question."""
    query = retrieval_query(understand(question, facts, today=date.today()))
    concepts = list(query.concepts) if query.concepts else [(term,) for term in query_terms(query.text)]
    return list(dict.fromkeys(term for concept in concepts for term in concept))


async def run_workload(
    kind: str,
    items: list[str],
    function: Callable[[str], Awaitable[Any]],
    floor_terms: Callable[[str], tuple[list[str], SearchFilters]],
    floor: Floor,
    rounds: int,
    extra_floors: dict[str, Callable[[str], Awaitable[Any]]] | None = None,
) -> tuple[dict[str, list[float]], list[str]]:
    """The samples of each measurement, and the item each sample was timed with."""
    samples: dict[str, list[float]] = {"function": [], "engine": [], "same_sql": [], "page_sql": []}
    timed_items: list[str] = []
    for name in extra_floors or {}:
        samples[name] = []
    prepared = {item: floor_terms(item) for item in items}
    for item in items:  # warm caches (page cache, the record index, the model)
        await function(item)
        await floor.search(*prepared[item])
    rng = random.Random(13)
    for round_number in range(rounds):
        order = list(items)
        rng.shuffle(order)
        for item in order:
            terms, filters = prepared[item]
            timed_items.append(item)
            samples["function"].append(await timed(function, item))
            samples["engine"].append(await timed(floor.engine, terms, filters))
            samples["same_sql"].append(await timed(floor.search, terms, filters))
            samples["page_sql"].append(await timed(floor.search, terms, filters, match_only=True))
            for name, extra in (extra_floors or {}).items():
                samples[name].append(await timed(extra, item))
        log(f"  {kind}: round {round_number + 1}/{rounds} done")
    return samples, timed_items


async def bench_one(report: Report, backend: str, size: int, args: argparse.Namespace) -> None:
    url, meta = await corpus_database_url(
        backend,
        size,
        embeddings=args.embeddings,
        seed=args.seed,
        postgres_url=args.postgres_url,
        fresh=args.fresh,
        database_url=args.database_url,
    )
    database = Database(url, embedder=query_embedder(args.embeddings))
    floor = Floor(database)
    await floor.open()
    try:
        index = None
        index_load_s = None
        if "questions" in args.workload:
            started = time.perf_counter()
            index = await record_index(database)
            index_load_s = round(time.perf_counter() - started, 2)
        common = {"backend": backend, "size": meta.get("statements", size), "embeddings": args.embeddings}
        if "keyword" in args.workload:
            items = keyword_queries(size, seed=args.seed)

            def keyword_terms(query: str) -> tuple[list[str], SearchFilters]:
                parsed = parse_search(query)
                return query_terms(parsed.text), parsed.filters

            async def keyword_function(query: str) -> Any:
                parsed = parse_search(query)
                return await search(database, parsed.text, parsed.filters, limit=PAGE_SIZE)

            samples, timed_items = await run_workload(
                "keyword", items, keyword_function, keyword_terms, floor, args.rounds
            )
            emit(report, {**common, "workload": "keyword (/search)"}, samples)
            # Without filters SQLite counts and ranks on the FTS index alone; with them
            # every match is joined to its row.
            for label, unfiltered in (("no filters", True), ("filters", False)):
                kept = [
                    number
                    for number, item in enumerate(timed_items)
                    if parse_search(item).filters.is_empty == unfiltered
                ]
                emit(
                    report,
                    {**common, "workload": f"keyword (/search), {label}"},
                    {name: [values[number] for number in kept] for name, values in samples.items()},
                )
        if "questions" in args.workload:
            items = questions(size, seed=args.seed)
            extra: dict[str, Callable[[str], Awaitable[Any]]] = {}
            if database.embedder is not None and index.matrix is not None:
                import numpy as np

                embedder = database.embedder
                vector = np.asarray(embedder.embed(["warm up"])[0], dtype=np.float32)

                async def embed(question: str) -> Any:
                    return embedder.embed([question])

                async def matvec(question: str) -> Any:
                    return index.approximate(vector)

                extra = {"embed": embed, "matvec": matvec}

            async def ask_function(question: str) -> Any:
                return await answer(database, question, limit=PAGE_SIZE)

            samples, _ = await run_workload(
                "questions",
                items,
                ask_function,
                lambda question: (question_terms(question, index.facts), SearchFilters()),
                floor,
                args.rounds,
                extra,
            )
            emit(report, {**common, "workload": "questions (/ask)"}, samples)
        report.emit(
            {
                **common,
                "workload": "process",
                "upgrade_s": meta.get("upgrade_s"),
                "index_load_s": index_load_s,
                "rss_mb": rss_mb(),
                "import_statements_per_s": meta.get("statements_per_s"),
            },
            tabulate=False,
        )
    finally:
        await floor.close()
        await database.close()


def emit(report: Report, common: dict[str, Any], samples: dict[str, list[float]]) -> None:
    function = latency_summary(samples["function"])
    engine = latency_summary(samples["engine"])
    same_sql = latency_summary(samples["same_sql"])
    row = {
        **common,
        "n": function["n"],
        "p50_ms": function["p50_ms"],
        "p95_ms": function["p95_ms"],
        "p99_ms": function["p99_ms"],
        "floor_p50_ms": engine["p50_ms"],
        "floor_p95_ms": engine["p95_ms"],
        "floor_p99_ms": engine["p99_ms"],
        "ratio_p95": round(function["p95_ms"] / engine["p95_ms"], 2) if engine["p95_ms"] else None,
        "same_sql_p95_ms": same_sql["p95_ms"],
        "page_sql_p95_ms": latency_summary(samples["page_sql"])["p95_ms"],
        "orm_ratio_p95": round(function["p95_ms"] / same_sql["p95_ms"], 2) if same_sql["p95_ms"] else None,
    }
    for name in ("embed", "matvec"):
        if name in samples:
            row[f"{name}_p95_ms"] = latency_summary(samples[name])["p95_ms"]
    report.emit(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser, sizes=True, existing=True)
    parser.add_argument("--rounds", type=int, default=5, help="times each query is timed (default 5)")
    parser.add_argument(
        "--workload",
        choices=("keyword", "questions"),
        action="append",
        help="keyword (/search) or questions (/ask); default both",
    )
    args = parser.parse_args()
    args.workload = args.workload or ["keyword", "questions"]
    report = Report(
        "search_latency",
        table=args.table,
        columns=[
            "backend",
            "size",
            "workload",
            "n",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "floor_p50_ms",
            "floor_p95_ms",
            "floor_p99_ms",
            "ratio_p95",
            "same_sql_p95_ms",
            "page_sql_p95_ms",
            "orm_ratio_p95",
            "embed_p95_ms",
            "matvec_p95_ms",
        ],
    )
    run_each_corpus(
        report,
        args,
        "search latency",
        bench_one,
        "Search latency (ms): the bot's function, and the raw engine query with the same words (floor)",
    )


if __name__ == "__main__":
    main()
