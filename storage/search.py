"""Full-text search over each engine's own index (SQLite FTS5, PostgreSQL tsvector + GIN),
behind one function: whatever a user types, it builds the engine query itself from the
words it finds, so no syntax of theirs can make the engine raise."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, literal_column, table, text
from sqlalchemy import column as sa_column
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.actors import find_actors, normalize_name
from storage.engine import Database
from storage.models import Stance, Statement, StatementPlace, StatementTopic, Status, Topic
from storage.page_rows import load_statements

MAX_TERMS = 32
MAX_TERM_LENGTH = 64
MAX_PAGE = 50
#: Word searches rank the newest this many recorded statements first (see `recent_first`).
RECENT_WINDOW = 100_000
#: Searches with filters count their matches up to this many past the page shown, and
#: say "1,000+" beyond (see `capped_count`).
COUNT_CAP = 1000
_WORD = re.compile(r"\w+", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves say said says tell told anything something ever also any near""".split()
)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def query_words(query: str) -> list[tuple[str, ...]]:
    """The content words of `query`, in order, each once, each with the forms that stand
    for it: a Cyrillic word also brings its Latin transliteration ("Путин" -> "putin",
    "Донецк" -> "donetsk"): the record is in English, its readers are not all."""
    words: list[tuple[str, ...]] = []
    for match in _WORD.finditer(query.casefold()):
        word = match.group().strip("_")
        if not word or word in STOPWORDS or len(word) > MAX_TERM_LENGTH:
            continue
        forms = [word, normalize_name(word)] if _CYRILLIC.search(word) else [word]
        entry = tuple(dict.fromkeys(form for form in forms if form))
        if entry and entry not in words:
            words.append(entry)
    return words


def query_terms(query: str) -> list[str]:
    """Every form of `query_words`, in order, each once, at most `MAX_TERMS`."""
    terms: list[str] = []
    for forms in query_words(query):
        for form in forms:
            if form not in terms and len(terms) < MAX_TERMS:
                terms.append(form)
        if len(terms) == MAX_TERMS:
            break
    return terms


#: A query's words, each as the forms any of which stands for it: `query_words`, or what
#: the bot makes of them (bot.answering.search_words: a Ukrainian word's English words).
Words = Sequence[Sequence[str]]


def term_of(form: str) -> str:
    """A form as the engines are asked for it: its words in lower case, one space between
    (several make a phrase), nothing else, so no character of a query syntax reaches them
    ("перемир'я" -> "перемир я", as the index reads it)."""
    return " ".join(word for word in (match.group().strip("_") for match in _WORD.finditer(form.casefold())) if word)


def words_as_terms(words: Words) -> list[tuple[str, ...]]:
    """`words` with each form as `term_of` makes it; forms with no word left, and words
    with no form left, dropped."""
    found: list[tuple[str, ...]] = []
    for forms in words:
        terms = tuple(dict.fromkeys(term for term in map(term_of, forms) if 0 < len(term) <= MAX_TERM_LENGTH * 4))
        if terms and terms not in found:
            found.append(terms)
    return found


def terms_of(words: Words) -> list[str]:
    """Every form of `words`, each once, at most `MAX_TERMS`: the first form of each word
    first, then the second of each, and so on, so that a word's many English words never
    crowd out the words after it."""
    groups = words_as_terms(words)
    terms: list[str] = []
    for rank in range(max((len(forms) for forms in groups), default=0)):
        for forms in groups:
            if rank < len(forms) and forms[rank] not in terms and len(terms) < MAX_TERMS:
                terms.append(forms[rank])
    return terms


@dataclass(frozen=True)
class SearchFilters:
    speaker: str | None = None
    side: str | None = None
    topic: Topic | None = None
    place: str | None = None
    stance: Stance | None = None
    status: Status | None = None
    since: date | None = None
    until: date | None = None
    include_retracted: bool = False
    actor_ids: tuple[int, ...] | None = None

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters(include_retracted=self.include_retracted)

    @property
    def keeps_retracted(self) -> bool:
        """Whether retracted statements may pass: when asked for, and when the status
        asked for is retracted (`status:retracted` is how readers find what was retracted
        and why; left out by default, it would find nothing)."""
        return self.include_retracted or self.status is Status.retracted


@dataclass
class SearchHit:
    statement: Statement
    score: float


class PageOfHits:
    """What every page of ranked statements offers its readers (search results, answers)."""

    hits: list[SearchHit]
    total: int
    offset: int

    @property
    def statements(self) -> list[Statement]:
        return [hit.statement for hit in self.hits]

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total


@dataclass
class SearchPage(PageOfHits):
    hits: list[SearchHit]
    total: int
    offset: int
    limit: int
    terms: list[str] = field(default_factory=list)
    #: True when there are more than `total` matches (see `capped_count`).
    capped: bool = False


def filter_clauses(filters: SearchFilters, actor_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if actor_ids is not None:
        clauses.append(col(Statement.actor_id).in_(actor_ids))
    if filters.side:
        clauses.append(func.lower(Statement.side) == filters.side.strip().lower())
    if filters.topic:
        clauses.append(
            exists().where(StatementTopic.statement_id == Statement.id, StatementTopic.topic == filters.topic)
        )
    if filters.place:
        clauses.append(
            exists().where(
                StatementPlace.statement_id == Statement.id,
                func.lower(StatementPlace.place) == filters.place.strip().lower(),
            )
        )
    if filters.stance:
        clauses.append(Statement.stance == filters.stance)
    if filters.status:
        clauses.append(Statement.status == filters.status)
    if filters.since:
        clauses.append(col(Statement.said_on) >= filters.since)
    if filters.until:
        clauses.append(col(Statement.said_on) <= filters.until)
    if not filters.keeps_retracted:
        clauses.append(col(Statement.retracted_at).is_(None))
    return clauses


# SQLite's index (storage/migrations 0003): the searchable text, and the retraction state
# as a second column that holds RETRACTED for a retracted statement ("live" otherwise).
FTS_TEXT = "search_text"
FTS_STATE = "fts_state"
RETRACTED = "retracted"
# Weight 0 for the state column: it adds nothing to a score.
_BM25 = "bm25(statement_fts, 1.0, 0.0)"


def fts_quoted(term: str) -> str:
    """An FTS5 string: whatever `term` holds is a phrase of words, never query syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_match(terms: Sequence[str], *, include_retracted: bool) -> str:
    """The FTS5 query for an OR of `terms`: each one quoted, so no syntax of the user's
    reaches the engine, and all confined to the text column, so no word of theirs reaches
    the retraction state."""
    words = " OR ".join(fts_quoted(term) for term in terms)
    match = f"({FTS_TEXT}: ({words}))"
    return match if include_retracted else f"{match} NOT ({FTS_STATE}: {RETRACTED})"


def ranked_query(
    database: Database, terms: list[str], clauses: Sequence[ColumnElement[bool]]
) -> tuple[Select, ColumnElement[float], ColumnElement[int]]:
    """Statement ids (labelled "id") with a relevance score, from the engine's own index,
    of the statements passing `clauses` (conditions on `statement`, retraction included);
    also the id column, to order and cut by.

    On SQLite the id column is the FTS5 index's rowid: a search cut at some id ("the
    newest 100,000 statements first") is then cut inside that index, and the planner
    starts from the matches it gives, looking each up by id. Cut on `statement.id`, it may
    start from an index of `statement` instead (a speaker's statements above that id) and
    ask the FTS5 index about each row in turn, re-reading a common word's whole list of
    matches every time: 59 s for "ceasefire speaker:…" over 120,000 statements
    (BENCHMARKS.md §2)."""
    if database.is_sqlite:
        fts = table("statement_fts", sa_column("rowid"))
        # bm25() is lower for better matches; negated so that higher is better everywhere.
        score = (-literal_column(_BM25)).label("score")
        query = (
            select(Statement.id, score)
            .join_from(Statement, fts, fts.c.rowid == Statement.id)
            .where(text("statement_fts MATCH :match").bindparams(match=fts_match(terms, include_retracted=True)))
            .where(*clauses)
        )
        return query, score, fts.c.rowid
    tsquery = func.websearch_to_tsquery("english", " or ".join(terms))
    vector = literal_column("statement.search_vector")
    score = func.ts_rank_cd(vector, tsquery).label("score")
    query = select(Statement.id, score).where(vector.op("@@")(tsquery), *clauses)
    return query, score, cast("ColumnElement[int]", col(Statement.id))


_COUNT_ON_INDEX = "SELECT count(*) FROM statement_fts WHERE statement_fts MATCH :match AND rowid > :newer_than"


async def count_on_index(database: Database, match: str, *, newer_than: int = 0) -> int:
    """How many statements recorded after id `newer_than` the FTS5 query `match` finds,
    from the index alone."""
    rows = await database.fetch(_COUNT_ON_INDEX, {"match": match, "newer_than": newer_than})
    return int(rows[0][0])


async def count_and_newest(database: Database, match: str) -> tuple[int, int]:
    """How many statements the FTS5 query `match` finds, and the newest statement's id
    (0 in an empty record), in one statement."""
    rows = await database.fetch(
        f"SELECT ({_COUNT_ON_INDEX}), (SELECT max(id) FROM statement)", {"match": match, "newer_than": 0}
    )
    total, newest = rows[0]
    return int(total), int(newest or 0)


Scored = list[tuple[int, float]]
#: A page of ranked ids among the statements recorded after id `boundary` (newer=True),
#: up to it (newer=False) or all of them (newer=None): (newer, boundary, skip, take).
PageReader = Callable[[bool | None, int, int, int], Awaitable[Scored]]


async def recent_first(
    read_page: PageReader,
    count_newer: Callable[[int], Awaitable[int]],
    *,
    newest: int,
    offset: int,
    limit: int,
    window: int | None,
) -> Scored:
    """The page `offset` to `offset + limit` of a ranking taken in two tiers: the matches
    among the newest `window` recorded statements by relevance, then the older matches by
    relevance.

    Ranking scores every match before it can return the best: for a word in a quarter of
    the record, ~190 ms with FTS5 at 1M statements against ~20 ms within the newest 100k,
    and readers of a record kept for years look for current positions first. The older
    tier is ranked only for the pages that reach it, so paging stays consistent; below
    `window` statements there is one tier and nothing changes. `newest`: the newest
    recorded statement's id."""
    boundary = newest - window if window is not None else 0
    if boundary <= 0:
        return await read_page(None, boundary, offset, limit)
    hits = await read_page(True, boundary, offset, limit)
    if len(hits) == limit:
        return hits
    newer = offset + len(hits) if hits else await count_newer(boundary)
    return hits + await read_page(False, boundary, max(0, offset - newer), limit - len(hits))


async def rank_on_index(
    database: Database, match: str, *, offset: int, limit: int, window: int | None, newest: int
) -> Scored:
    """Ids and scores of the matches `offset` to `offset + limit` of the FTS5 query `match`
    (SQLite), best first (recent first with a `window`), from the index alone: no row of
    `statement` is read. Joining every match to its row (each holds a 1.5 kB vector) to
    drop the retracted ones cost 3-5 times the ranking itself; `fts_match` drops them
    inside the index.

    Ties go to the most recently recorded statement (higher id): the index knows a row by
    its rowid alone, and the joined path (`search` with filters, `keyword_hits` with a
    selection) breaks ties the same way, so a filter never reorders what it keeps.
    `newest` (the newest statement's id) places the window; each page is one statement
    (`Database.fetch`)."""
    tiers = {None: "", True: " AND rowid > :boundary", False: " AND rowid <= :boundary"}

    async def read_page(newer: bool | None, boundary: int, skip: int, take: int) -> Scored:
        rows = await database.fetch(
            f"SELECT rowid, -{_BM25} AS score FROM statement_fts WHERE statement_fts MATCH :match{tiers[newer]} "
            "ORDER BY score DESC, rowid DESC LIMIT :take OFFSET :skip",
            {"match": match, "boundary": boundary, "take": take, "skip": skip},
        )
        return [(int(rowid), float(score)) for rowid, score in rows]

    async def count_newer(boundary: int) -> int:
        return await count_on_index(database, match, newer_than=boundary)

    return await recent_first(read_page, count_newer, newest=newest, offset=offset, limit=limit, window=window)


async def filter_actor_ids(session: AsyncSession, filters: SearchFilters) -> list[int] | None:
    if filters.actor_ids is not None:
        return list(filters.actor_ids)
    if not filters.speaker:
        return None
    return [actor.id for actor in await find_actors(session, filters.speaker) if actor.id is not None]


async def search(
    database: Database,
    query: str | Words,
    filters: SearchFilters | None = None,
    *,
    limit: int = 5,
    offset: int = 0,
    window: int = RECENT_WINDOW,
) -> SearchPage:
    """Best matches first, ties to the most recently recorded, the best among the newest
    `window` recorded statements before older ones (see `recent_first`). With no words,
    the statements that pass the filters, newest said first; with neither, nothing.
    `query`: the words as typed, or already as `Words` (any form of a word finds it)."""
    filters = filters or SearchFilters()
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    terms = query_terms(query) if isinstance(query, str) else terms_of(query)
    if not terms and filters.is_empty:
        return SearchPage([], 0, offset, limit, terms)
    if terms and filters.is_empty and database.is_sqlite:
        # On the index alone: each step one statement below any session (`Database.fetch`).
        match = fts_match(terms, include_retracted=filters.keeps_retracted)
        total, newest = await count_and_newest(database, match)
        scored = await rank_on_index(database, match, offset=offset, limit=limit, window=window, newest=newest)
        return SearchPage(await hydrate(database, scored), total, offset, limit, terms)
    async with database.read() as session:
        actor_ids = await filter_actor_ids(session, filters)
        if actor_ids == []:
            return SearchPage([], 0, offset, limit, terms)
        clauses = filter_clauses(filters, actor_ids)
        (total, capped), scored = await _search_joined(session, database, terms, clauses, offset, limit, window)
    return SearchPage(await hydrate(database, scored), total, offset, limit, terms, capped)


def count_cap(offset: int, limit: int) -> int:
    """The first multiple of `COUNT_CAP` past the page: "1,000+" on the first 200 pages of
    five, "2,000+" on the next, so the page shown is always within the count."""
    return COUNT_CAP * ((offset + limit) // COUNT_CAP + 1)


async def capped_count(session: AsyncSession, matches: Select, cap: int) -> tuple[int, bool]:
    """How many rows `matches` gives, counting no further than `cap`: (count, True) when
    there are more. Counting every match of a filtered search joins each to its row (3 s
    for a common word at 1M statements); a reader needs the exact figure only when it is
    small."""
    counted = select(func.count()).select_from(matches.limit(cap + 1).subquery())
    total = int((await session.exec(counted)).one())
    return (cap, True) if total > cap else (total, False)


async def _search_joined(
    session: AsyncSession,
    database: Database,
    terms: list[str],
    clauses: list[ColumnElement[bool]],
    offset: int,
    limit: int,
    window: int,
) -> tuple[tuple[int, bool], Scored]:
    """The count (capped, see `capped_count`) and the page of the statements passing
    `clauses`, each match joined to its row; word queries recent first (`recent_first`),
    as on the index alone."""
    cap = count_cap(offset, limit)
    if not terms:
        listed = select(Statement.id, literal_column("0.0").label("score")).where(and_(True, *clauses))
        total = await capped_count(session, listed.with_only_columns(col(Statement.id)), cap)
        page = await session.exec(
            listed.order_by(col(Statement.said_on).desc(), col(Statement.id).desc()).offset(offset).limit(limit)
        )
        return total, [(row[0], 0.0) for row in page.all()]
    ranked, _, ident = ranked_query(database, terms, clauses)
    tiers = {
        None: True,
        True: ident > bindparam("boundary"),
        False: ident <= bindparam("boundary"),
    }

    #: How many matches the page's own query saw, when it ranked them all (one tier).
    seen: list[int] = []

    async def read_page(newer: bool | None, boundary: int, skip: int, take: int) -> Scored:
        # The count as a window over the ranked rows, outside them: FTS5's bm25() cannot
        # be computed in a query with a window function.
        matches = ranked.where(tiers[newer]).subquery()
        query = select(matches.c.id, matches.c.score, func.count().over())
        query = query.order_by(matches.c.score.desc(), matches.c.id.desc()).offset(skip).limit(take)
        rows = (await session.exec(query, params={"boundary": boundary})).all()
        if newer is None and rows:
            seen.append(int(rows[0][2]))
        return [(row[0], float(row[1] or 0.0)) for row in rows]

    async def count_newer(boundary: int) -> int:
        counted = select(func.count()).select_from(ranked.where(tiers[True]).subquery())
        return int((await session.exec(counted, params={"boundary": boundary})).one())

    newest = (await session.exec(select(func.max(Statement.id)))).one() or 0
    scored = await recent_first(read_page, count_newer, newest=newest, offset=offset, limit=limit, window=window)
    # Ranking joins every match to its row and counts them on the way, in one pass; a
    # second pass to count would cost as much again.
    total = (seen[0], False) if seen else await capped_count(session, ranked.with_only_columns(ident), cap)
    return total, scored


async def hydrate(database: Database, scored: list[tuple[int, float]]) -> list[SearchHit]:
    """The statements (with speaker, topics, places) in the order given."""
    loaded = await load_statements(database, [statement_id for statement_id, _ in scored])
    return [SearchHit(loaded[statement_id], score) for statement_id, score in scored if statement_id in loaded]
