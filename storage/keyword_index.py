"""The engine's full-text index as question answering reads it (bot.answering.keywords):
how many statements hold a word in any form, whether any holds a name, the engine's own
ranking of a few words under filters, and each statement's indexed text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import Statement
from storage.search import FTS_TEXT, fts_match, rank_on_index, ranked_query


async def term_counts(
    database: Database,
    session: AsyncSession,
    prefixes: Sequence[str],
    phrases: Sequence[Sequence[str]],
    cap: int,
    alternatives: Sequence[Sequence[str]] = (),
    scoped: Sequence[Sequence[str]] = (),
    within: Sequence[int] = (),
) -> tuple[list[int | None], list[bool], list[bool], list[bool]]:
    """In one round trip: in how many statements the index finds each of `prefixes` (a
    word's stem, as a prefix; None when in more than `cap`, or when the engine makes no
    query of it), whether any statement holds each of `phrases` (words in a row), and
    whether any holds one of each group of `alternatives` (stems, as prefixes): a
    presence test stops at the first statement, where a count reads up to `cap`.

    And whether any of the statements `within` (ids) holds one of each group of `scoped`
    (stems, as prefixes): the words of a question that names who, when or where, checked
    where it points."""
    if not prefixes and not phrases and not alternatives and not scoped:
        return [], [], [], []
    columns: list[str] = []
    params: dict[str, Any] = {"cap": cap + 1}
    for number, stem in enumerate(prefixes):
        name = f"t{number}"
        if database.is_sqlite:
            params[name] = f'{FTS_TEXT} : "{stem}" *'
            columns.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name} LIMIT :cap))"
            )
        else:
            params[name] = f"{stem}:*"
            columns.append(
                f"(CASE WHEN numnode(to_tsquery('english', :{name})) = 0 THEN -1 ELSE (SELECT count(*) FROM "
                f"(SELECT 1 FROM statement WHERE search_vector @@ to_tsquery('english', :{name}) LIMIT :cap) AS c{number}) END)"
            )
    for number, words in enumerate(phrases):
        name = f"n{number}"
        if database.is_sqlite:
            params[name] = f'{FTS_TEXT} : "' + " ".join(words) + '"'
            columns.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name} LIMIT 1))"
            )
        else:
            params[name] = " ".join(words)
            # A phrase of English stop words only is an empty query: no evidence of absence.
            columns.append(
                f"(CASE WHEN numnode(phraseto_tsquery('english', :{name})) = 0 THEN 1 ELSE (SELECT count(*) FROM "
                f"(SELECT 1 FROM statement WHERE search_vector @@ phraseto_tsquery('english', :{name}) LIMIT 1) AS m{number}) END)"
            )
    for number, stems in enumerate(alternatives):
        name = f"a{number}"
        params[name] = _any_of(database, stems)
        if database.is_sqlite:
            columns.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name} LIMIT 1))"
            )
        else:
            # Stop words only: an empty query, no evidence of absence.
            columns.append(
                f"(CASE WHEN numnode(to_tsquery('english', :{name})) = 0 THEN 1 ELSE (SELECT count(*) FROM "
                f"(SELECT 1 FROM statement WHERE search_vector @@ to_tsquery('english', :{name}) LIMIT 1) AS a{number}) END)"
            )
    for number, stems in enumerate(scoped):
        name = f"w{number}"
        params[name] = _any_of(database, stems)
        columns.append(_present_within(database, name))
    if scoped:
        params["within"] = json.dumps(list(within)) if database.is_sqlite else list(within)
    connection = await session.connection()
    row = (await connection.execute(text("SELECT " + ", ".join(columns)), params)).one()
    counts = [None if value is None or value < 0 or value > cap else int(value) for value in row[: len(prefixes)]]
    present = [bool(value) for value in row[len(prefixes) : len(prefixes) + len(phrases)]]
    held_at = len(prefixes) + len(phrases)
    held = [bool(value) for value in row[held_at : held_at + len(alternatives)]]
    return counts, present, held, [bool(value) for value in row[held_at + len(alternatives) :]]


#: A stem shorter than this is looked for as a whole word: the engine stems the query
#: too, and as a prefix "age" (stemmed "ag") would be found in "against" and "agreed".
_PREFIX_MIN = 4


def _any_of(database: Database, stems: Sequence[str]) -> str:
    """The engine's query for any of `stems`, each as a prefix (a short one as a word)."""
    if database.is_sqlite:
        return (
            f"{FTS_TEXT} : ("
            + " OR ".join(f'"{stem}" *' if len(stem) >= _PREFIX_MIN else f'"{stem}"' for stem in stems)
            + ")"
        )
    return " | ".join(f"{stem}:*" if len(stem) >= _PREFIX_MIN else stem for stem in stems)


def _present_within(database: Database, name: str) -> str:
    """Whether any of the statements `:within` holds the query `:name` (a presence test,
    stopping at the first); a query of stop words only is no evidence of absence."""
    if database.is_sqlite:
        return (
            f"(SELECT count(*) FROM (SELECT 1 FROM statement_fts WHERE statement_fts MATCH :{name}"
            f" AND rowid IN (SELECT value FROM json_each(:within)) LIMIT 1))"
        )
    return (
        f"(CASE WHEN numnode(to_tsquery('english', :{name})) = 0 THEN 1 ELSE (SELECT count(*) FROM "
        f"(SELECT 1 FROM statement WHERE search_vector @@ to_tsquery('english', :{name})"
        f" AND id = ANY(CAST(:within AS bigint[])) LIMIT 1) AS s{name}) END)"
    )


async def keyword_ranking(
    database: Database,
    session: AsyncSession,
    terms: Sequence[str],
    *,
    include_retracted: bool,
    sides: Sequence[str] | None,
    actor_ids: Sequence[int] | None,
    said_from: date | None,
    said_until: date | None,
    limit: int,
) -> list[tuple[int, float]]:
    """The engine's own full-text ranking (FTS5 bm25 / ts_rank_cd) for an OR of `terms`,
    best first, among the statements said by one of `actor_ids` for one of `sides`
    (case aside) between `said_from` and `said_until` (None: any).

    With no filter but retraction, SQLite ranks on its index alone, over the whole
    record: unlike `/search`, no window of recent statements first. The caller leaves
    out the words that make ranking slow, and a window would keep an older statement
    holding every rare word of the question out of the candidates."""
    if database.is_sqlite and sides is None and actor_ids is None and said_from is None and said_until is None:
        match = fts_match(terms, include_retracted=include_retracted)
        return await rank_on_index(database, match, offset=0, limit=limit, window=None, newest=0)
    clauses: list[ColumnElement[bool]] = []
    if not include_retracted:
        clauses.append(col(Statement.retracted_at).is_(None))
    if sides is not None:
        clauses.append(func.lower(Statement.side).in_([side.casefold() for side in sides] or [""]))
    if actor_ids is not None:
        clauses.append(col(Statement.actor_id).in_(actor_ids or (-1,)))
    if said_from is not None:
        clauses.append(col(Statement.said_on) >= said_from)
    if said_until is not None:
        clauses.append(col(Statement.said_on) <= said_until)
    ranked, score, ident = ranked_query(database, list(terms), clauses)
    query = ranked.order_by(score.desc(), ident.desc()).limit(limit)
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [(int(row[0]), float(row[1] or 0.0)) for row in rows]


async def indexed_texts(session: AsyncSession, ids: Sequence[int]) -> list[tuple[int, str | None]]:
    """What the index holds of each statement: speaker and aliases, role, side, topics,
    places, text and source, as one text."""
    rows = await session.exec(select(Statement.id, Statement.search_text).where(col(Statement.id).in_(list(ids))))
    return [(int(statement_id), value) for statement_id, value in rows.all()]  # type: ignore[arg-type]
