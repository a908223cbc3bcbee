"""Full-text search on both engines: filters, ranking, paging, and input that never breaks it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import selectinload
from sqlmodel import select

from bot.answering.keywords import keyword_hits
from bot.answering.record_index.columns import Selection
from storage import search as search_module
from storage.engine import Database
from storage.exchange import import_statements
from storage.models import Stance, Statement, Status, Topic
from storage.page_rows import load_statements
from storage.search import MAX_PAGE, SearchFilters, search
from storage.statements import add_statement, edit_statement, exchange_record, retract_statement
from storage.validation import validate_statement


def refs(page: Any) -> list[str]:
    return [statement.ref for statement in page.statements]


def newest_first(records: list[dict[str, Any]]) -> list[str]:
    """The order filter-only search promises: newest said first, then latest recorded."""
    ordered = sorted(enumerate(records), key=lambda item: (item[1]["said_on"], item[0]), reverse=True)
    return [record["ref"] for _, record in ordered]


async def add(database: Database, ref: str, said_on: str, text: str, **overrides: Any) -> Statement:
    values = {
        "ref": ref,
        "speaker": "Test Speaker",
        "side": "Testland",
        "said_on": said_on,
        "topics": ["ceasefire"],
        "text": text,
        "source": "Wire",
        **overrides,
    }
    return await add_statement(database, validate_statement(values), "tester")


async def by_ref(database: Database, ref: str) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).where(Statement.ref == ref))).one()


# -- filters ---------------------------------------------------------------------------

SPEAKER_SPELLINGS = [
    ("Putin", "Vladimir Putin"),
    ("putin", "Vladimir Putin"),
    ("Путин", "Vladimir Putin"),
    ("Путін", "Vladimir Putin"),
    ("Владимир Путин", "Vladimir Putin"),
    ("zelensky", "Volodymyr Zelensky"),
    ("Зеленський", "Volodymyr Zelensky"),
    ("Кремль", "Kremlin"),
    ("TRUMP", "Donald Trump"),
]


@pytest.mark.parametrize(("speaker", "name"), SPEAKER_SPELLINGS)
async def test_speaker_filter_reaches_every_alias(
    shared_sample_database: Database, sample_records: list[dict[str, Any]], speaker: str, name: str
) -> None:
    page = await search(shared_sample_database, "", SearchFilters(speaker=speaker), limit=MAX_PAGE)

    expected = newest_first([record for record in sample_records if record["speaker"] == name])
    assert expected
    assert refs(page) == expected
    assert page.total == len(expected)


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (SearchFilters(side="russia"), lambda r: r["side"] == "Russia"),
        (SearchFilters(side=" United States "), lambda r: r["side"] == "United States"),
        (SearchFilters(topic=Topic.ceasefire), lambda r: "ceasefire" in r["topics"]),
        (SearchFilters(topic=Topic.prisoners), lambda r: "prisoners" in r["topics"]),
        (SearchFilters(place="crimea"), lambda r: "Crimea" in r["places"]),
        (SearchFilters(place="Donetsk"), lambda r: "Donetsk" in r["places"]),
        (SearchFilters(stance=Stance.rejection), lambda r: r["stance"] == "rejection"),
        (SearchFilters(status=Status.contested), lambda r: r["status"] == "contested"),
        (SearchFilters(since=date(2025, 8, 1)), lambda r: r["said_on"] >= "2025-08-01"),
        (SearchFilters(until=date(2025, 3, 31)), lambda r: r["said_on"] <= "2025-03-31"),
        (
            SearchFilters(since=date(2025, 8, 1), until=date(2025, 8, 31)),
            lambda r: "2025-08-01" <= r["said_on"] <= "2025-08-31",
        ),
        (
            SearchFilters(side="Ukraine", topic=Topic.territory),
            lambda r: r["side"] == "Ukraine" and "territory" in r["topics"],
        ),
    ],
    ids=[
        "side",
        "side-spaced",
        "topic-ceasefire",
        "topic-prisoners",
        "place-lowercase",
        "place",
        "stance",
        "status",
        "since",
        "until",
        "since-until",
        "side-and-topic",
    ],
)
async def test_filters_without_words_give_matching_statements_newest_first(
    shared_sample_database: Database, sample_records: list[dict[str, Any]], filters: SearchFilters, keep: Any
) -> None:
    page = await search(shared_sample_database, "", filters, limit=MAX_PAGE)

    expected = newest_first([record for record in sample_records if keep(record)])
    assert expected, "the filter should select something in the sample"
    assert refs(page) == expected
    assert page.total == len(expected)


async def test_words_and_filters_together(shared_sample_database: Database) -> None:
    page = await search(
        shared_sample_database, "Donetsk", SearchFilters(speaker="Путин", topic=Topic.territory), limit=MAX_PAGE
    )

    assert set(refs(page)) == {"s23", "s43"}


async def test_actor_ids_filter(shared_sample_database: Database, sample_records: list[dict[str, Any]]) -> None:
    putin = (await by_ref(shared_sample_database, "s23")).actor_id

    page = await search(shared_sample_database, "", SearchFilters(actor_ids=(putin,)), limit=MAX_PAGE)

    assert set(refs(page)) == {r["ref"] for r in sample_records if r["speaker"] == "Vladimir Putin"}


@pytest.mark.parametrize("speaker", ["Napoleon", "%", "_", "'; DROP TABLE statement; --"])
async def test_an_unknown_speaker_finds_nothing(shared_sample_database: Database, speaker: str) -> None:
    page = await search(shared_sample_database, "peace", SearchFilters(speaker=speaker))

    assert (page.hits, page.total, page.has_next) == ([], 0, False)


async def test_no_words_and_no_filters_find_nothing(shared_sample_database: Database) -> None:
    page = await search(shared_sample_database, "  the of and  ")

    assert (page.hits, page.total, page.terms) == ([], 0, [])


async def test_speaker_filter_by_one_word_of_the_name(
    shared_sample_database: Database, sample_records: list[dict[str, Any]]
) -> None:
    page = await search(shared_sample_database, "", SearchFilters(speaker="Donald"), limit=MAX_PAGE)

    assert set(refs(page)) == {r["ref"] for r in sample_records if r["speaker"] == "Donald Trump"}


async def test_a_cyrillic_name_in_the_question_finds_the_speakers_statements(
    shared_sample_database: Database, sample_records: list[dict[str, Any]]
) -> None:
    page = await search(shared_sample_database, "Путин", limit=MAX_PAGE)

    putin = {r["ref"] for r in sample_records if r["speaker"] == "Vladimir Putin"}
    assert putin <= set(refs(page))


# -- ranking ---------------------------------------------------------------------------


async def test_a_better_match_ranks_above_a_newer_one(database: Database) -> None:
    await add(database, "both", "2025-03-01", "A ceasefire around the Zaporizhzhia nuclear plant.")
    await add(database, "one", "2025-09-01", "Calls for a ceasefire by winter.")
    await add(database, "none", "2025-10-01", "Sanctions stay in place.", topics=["sanctions"])

    page = await search(database, "Zaporizhzhia ceasefire")

    assert refs(page) == ["both", "one"]
    assert page.hits[0].score > page.hits[1].score
    assert page.total == 2


# A filter that keeps every statement the tests add: the same search through the joined
# path (with filters) instead of the index alone (without).
KEEP_ALL = SearchFilters(since=date(1900, 1, 1))


@pytest.mark.parametrize("filters", [None, KEEP_ALL], ids=["index", "joined"])
async def test_equal_scores_go_to_the_most_recently_recorded(database: Database, filters: SearchFilters | None) -> None:
    text = "Prisoner exchange agreed in Istanbul."
    for ref, said_on in [("march", "2025-03-01"), ("may", "2025-05-01"), ("april", "2025-04-01")]:
        await add(database, ref, said_on, text, topics=["prisoners"])

    page = await search(database, "Istanbul exchange", filters)

    assert refs(page) == ["april", "may", "march"]
    assert len({hit.score for hit in page.hits}) == 1
    assert page.hits[0].score > 0


async def test_sample_question_ranks_the_answering_statements_first(shared_sample_database: Database) -> None:
    page = await search(shared_sample_database, "Donetsk", limit=5)

    assert {"s23", "s43"} <= set(refs(page))
    scores = [hit.score for hit in page.hits]
    assert scores == sorted(scores, reverse=True)


# -- paging ----------------------------------------------------------------------------


async def test_pages_cover_the_results_without_gaps_or_repeats(shared_sample_database: Database) -> None:
    everything = await search(shared_sample_database, "peace security", limit=MAX_PAGE)
    assert 10 < everything.total <= MAX_PAGE
    assert len(everything.hits) == everything.total and not everything.has_next

    seen: list[str] = []
    offset = 0
    while True:
        page = await search(shared_sample_database, "peace security", limit=4, offset=offset)
        assert page.total == everything.total
        assert page.offset == offset and page.limit == 4
        seen.extend(refs(page))
        if not page.has_next:
            break
        assert len(page.hits) == 4
        offset += 4

    assert seen == refs(everything)


async def test_filter_listings_count_to_the_cap_and_paging_goes_on(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    for number in range(8):
        await add(database, f"c{number}", f"2025-01-{number + 1:02d}", f"A truce offer number {number}.")
    filters = SearchFilters(topic=Topic.ceasefire)

    first = await search(database, "", filters, limit=2)
    assert (first.total, first.capped, first.has_next) == (3, True, True)
    # Past the cap the count reaches the next multiple of it, so the page is within it.
    late = await search(database, "", filters, limit=2, offset=2)
    assert (late.total, late.capped, late.has_next) == (6, True, True)
    last = await search(database, "", filters, limit=2, offset=6)
    assert (last.total, last.capped, last.has_next, len(last.hits)) == (8, False, False, 2)

    monkeypatch.setattr(search_module, "COUNT_CAP", 1000)
    exact = await search(database, "", filters, limit=2)
    assert (exact.total, exact.capped) == (8, False)


async def test_words_with_filters_are_counted_exactly_as_they_are_ranked(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    for number in range(8):
        await add(database, f"c{number}", f"2025-01-{number + 1:02d}", f"A truce offer number {number}.")
    filters = SearchFilters(side="Testland")

    for offset in (0, 6):
        page = await search(database, "truce", filters, limit=2, offset=offset)
        assert (page.total, page.capped, len(page.hits)) == (8, False, 2)
    # Past the last match nothing is ranked to count by: counted up to the cap past the page.
    beyond = await search(database, "truce", filters, limit=2, offset=20)
    assert (beyond.hits, beyond.total, beyond.capped) == ([], 8, False)


@pytest.mark.parametrize(
    ("limit", "offset", "expected_limit", "expected_offset"), [(0, -5, 1, 0), (500, 0, MAX_PAGE, 0)]
)
async def test_limit_and_offset_are_clamped(
    shared_sample_database: Database, limit: int, offset: int, expected_limit: int, expected_offset: int
) -> None:
    page = await search(shared_sample_database, "", SearchFilters(side="Russia"), limit=limit, offset=offset)

    assert (page.limit, page.offset) == (expected_limit, expected_offset)
    assert len(page.hits) == min(expected_limit, page.total)


async def test_an_offset_past_the_end_gives_an_empty_last_page(shared_sample_database: Database) -> None:
    page = await search(shared_sample_database, "Donetsk", limit=5, offset=100)

    assert page.hits == [] and page.total == 5 and not page.has_next


# -- the index follows the record ---------------------------------------------------------


async def test_retracted_statements_are_left_out_unless_asked_for(sample_database: Database) -> None:
    target = await by_ref(sample_database, "s43")
    await retract_statement(sample_database, target.id, "Unverified.", "tester")

    default = await search(sample_database, "Donetsk", limit=MAX_PAGE)
    included = await search(sample_database, "Donetsk", SearchFilters(include_retracted=True), limit=MAX_PAGE)

    assert "s43" not in refs(default)
    assert "s43" in refs(included)
    assert included.total == default.total + 1


async def test_the_retracted_status_finds_the_retracted_statements(sample_database: Database) -> None:
    target = await by_ref(sample_database, "s43")
    await retract_statement(sample_database, target.id, "Unverified.", "tester")
    retracted = SearchFilters(status=Status.retracted)

    listed = await search(sample_database, "", retracted, limit=MAX_PAGE)
    with_words = await search(sample_database, "Donetsk", retracted, limit=MAX_PAGE)
    others = await search(sample_database, "Donetsk", SearchFilters(status=Status.reported), limit=MAX_PAGE)

    assert refs(listed) == ["s43"] and listed.total == 1
    assert refs(with_words) == ["s43"] and with_words.total == 1
    assert "s43" not in refs(others)


async def unretract(database: Database, ref: str) -> None:
    """As an import of a corrected record does it, when told to: the status back to reported."""
    record = exchange_record(await by_ref(database, ref))
    record.update(status="reported", retraction_reason=None)
    report = await import_statements(database, "fix.jsonl", json.dumps(record).encode(), "tester", allow_unretract=True)
    assert report.updated == 1


@pytest.mark.parametrize("filters", [SearchFilters(), KEEP_ALL], ids=["index", "joined"])
async def test_retracting_and_unretracting_take_effect_in_every_search(
    database: Database, filters: SearchFilters
) -> None:
    await add(database, "kept", "2025-03-01", "Ceasefire talks resume in Geneva.")
    gone = await add(database, "gone", "2025-04-01", "Ceasefire talks collapse in Geneva.")
    with_retracted = replace(filters, include_retracted=True)
    assert refs(await search(database, "Geneva talks", filters)) == ["gone", "kept"]

    await retract_statement(database, gone.id, "Misattributed.", "tester")

    page = await search(database, "Geneva talks", filters)
    assert (refs(page), page.total) == (["kept"], 1)
    page = await search(database, "Geneva talks", with_retracted)
    assert (refs(page), page.total) == (["gone", "kept"], 2)
    assert [hit.statement.is_retracted for hit in page.hits] == [True, False]

    await unretract(database, "gone")

    page = await search(database, "Geneva talks", filters)
    assert (refs(page), page.total) == (["gone", "kept"], 2)


@pytest.mark.parametrize("include_retracted", [False, True])
async def test_the_index_alone_and_the_joined_path_agree(sample_database: Database, include_retracted: bool) -> None:
    """Same statements, same order, same scores, same total, with or without filters."""
    await retract_statement(sample_database, (await by_ref(sample_database, "s43")).id, "Unverified.", "tester")
    unfiltered = SearchFilters(include_retracted=include_retracted)
    filtered = replace(KEEP_ALL, include_retracted=include_retracted)
    for query in ["peace security", "Donetsk", "ceasefire talks Putin", "Zelensky"]:
        index = await search(sample_database, query, unfiltered, limit=MAX_PAGE)
        joined = await search(sample_database, query, filtered, limit=MAX_PAGE)

        assert index.total > 0, query
        assert refs(index) == refs(joined), query
        assert [hit.score for hit in index.hits] == [hit.score for hit in joined.hits], query
        assert index.total == joined.total, query


async def test_an_edit_updates_the_full_text_index(database: Database) -> None:
    statement = await add(database, "e1", "2025-05-01", "Talks planned in Geneva.")
    assert refs(await search(database, "Geneva")) == ["e1"]

    await edit_statement(database, statement.id, "text", "Talks moved to Riyadh.", "tester")

    assert refs(await search(database, "Geneva")) == []
    assert refs(await search(database, "Riyadh")) == ["e1"]


async def test_speaker_aliases_role_places_and_topics_are_searchable(database: Database) -> None:
    await add(
        database,
        "w1",
        "2025-05-01",
        "Nothing in this text names anything.",
        speaker="Kaja Kallas",
        speaker_role="EU foreign policy chief",
        places=["Tallinn"],
        topics=["security_guarantees"],
    )
    await add(database, "w2", "2025-05-02", "Unrelated words only.", topics=["talks"])

    for question in ["Kallas", "foreign policy chief", "Tallinn", "security guarantees"]:
        assert refs(await search(database, question)) == ["w1"], question


# -- the newest statements first --------------------------------------------------------

# In recording order; with a window of 4 the newest four (from new-weak on) come first.
WINDOW_RECORD = [
    ("old-best", "Zaporizhzhia ceasefire: a ceasefire around the Zaporizhzhia plant.", False),
    ("old-good", "A ceasefire near Zaporizhzhia.", False),
    ("old-other", "Prisoner exchange in Istanbul.", False),
    ("new-weak", "Calls for a ceasefire by winter, then for elections, then for aid in spring.", False),
    ("new-retracted", "Zaporizhzhia ceasefire, ceasefire, Zaporizhzhia.", True),
    ("new-good", "A ceasefire near Zaporizhzhia, said again.", False),
    ("new-other", "Grain shipments resume.", False),
]
WINDOWED = ["new-good", "new-weak", "old-best", "old-good"]


async def window_record(make_database: Any, engine: str) -> Database:
    database = await make_database(engine)
    for number, (ref, text, retracted) in enumerate(WINDOW_RECORD):
        statement = await add(database, ref, f"2025-0{number + 1}-01", text, topics=["sanctions"])
        if retracted:
            await retract_statement(database, statement.id, "Misquoted.", "tester")
    return database


async def test_the_newest_statements_are_ranked_first(make_database: Any, db_engine: str) -> None:
    database = await window_record(make_database, db_engine)

    windowed = await search(database, "Zaporizhzhia ceasefire", window=4, limit=MAX_PAGE)
    whole = await search(database, "Zaporizhzhia ceasefire", window=len(WINDOW_RECORD), limit=MAX_PAGE)

    assert refs(windowed) == WINDOWED
    assert windowed.total == whole.total == 4
    # The whole record by relevance, then the same order split in two tiers, newest first.
    newest = {ref for ref, _, _ in WINDOW_RECORD[-4:]}
    by_relevance = refs(whole)
    assert by_relevance[0] == "old-best"
    assert refs(windowed) == [ref for ref in by_relevance if ref in newest] + [
        ref for ref in by_relevance if ref not in newest
    ]


async def test_the_window_also_orders_retracted_statements_when_asked_for(make_database: Any, db_engine: str) -> None:
    database = await window_record(make_database, db_engine)

    page = await search(
        database, "Zaporizhzhia ceasefire", SearchFilters(include_retracted=True), window=4, limit=MAX_PAGE
    )

    assert refs(page) == ["new-retracted", *WINDOWED]
    assert page.total == 5


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("filters", [None, KEEP_ALL], ids=["index", "joined"])
async def test_pages_across_the_window_give_every_match_once_in_order(
    make_database: Any, db_engine: str, limit: int, filters: SearchFilters | None
) -> None:
    database = await window_record(make_database, db_engine)

    seen: list[str] = []
    for offset in range(0, 7, limit):
        page = await search(database, "Zaporizhzhia ceasefire", filters, window=4, limit=limit, offset=offset)
        assert page.total == len(WINDOWED)
        assert page.has_next == (offset + limit < len(WINDOWED))
        seen.extend(refs(page))

    assert seen == WINDOWED


async def test_filters_keep_the_newest_statements_first(make_database: Any, db_engine: str) -> None:
    database = await window_record(make_database, db_engine)

    page = await search(database, "Zaporizhzhia ceasefire", KEEP_ALL, window=4, limit=MAX_PAGE)
    sanctions = await search(
        database, "Zaporizhzhia ceasefire", SearchFilters(topic=Topic.sanctions), window=4, limit=MAX_PAGE
    )

    assert refs(page) == refs(sanctions) == WINDOWED
    assert page.total == sanctions.total == len(WINDOWED)


# -- the retraction state cannot be reached from a query ------------------------------------

# FTS5 syntax aimed at the state column, and the words that remain of it.
STATE_SYNTAX = [
    ("fts_state: retracted", "fts_state retracted"),
    ("fts_state:retracted", "fts_state retracted"),
    ("{fts_state}: retracted", "fts_state retracted"),
    ("{search_text fts_state}: live", "search_text fts_state live"),
    ('"retracted"', "retracted"),
    ("retract*", "retract"),
    ("NEAR(fts_state retracted)", "fts_state retracted"),
    ("-fts_state", "fts_state"),
    ("Geneva NOT fts_state: retracted", "Geneva fts_state retracted"),
    ("Geneva OR fts_state: live", "Geneva fts_state live"),
    ("fts_state: retracted) OR (Geneva", "fts_state retracted Geneva"),
]


@pytest.mark.parametrize("filters", [SearchFilters(), KEEP_ALL], ids=["index", "joined"])
@pytest.mark.parametrize("include_retracted", [False, True])
async def test_query_syntax_never_reaches_the_retraction_state(
    database: Database, filters: SearchFilters, include_retracted: bool
) -> None:
    await add(database, "live", "2025-03-01", "Geneva talks stall.")
    gone = await add(database, "gone", "2025-04-01", "Geneva talks resume.")
    await retract_statement(database, gone.id, "Misattributed.", "tester")
    filters = replace(filters, include_retracted=include_retracted)
    geneva = ["gone", "live"] if include_retracted else ["live"]

    for query, plain in STATE_SYNTAX:
        page = await search(database, query, filters)
        reference = await search(database, plain, filters)
        assert (refs(page), page.total) == (refs(reference), reference.total), query
        assert refs(page) == (geneva if "Geneva" in query else []), query


# -- the keyword step of questions --------------------------------------------------------


@pytest.mark.parametrize("include_retracted", [False, True])
async def test_keyword_hits_agree_with_and_without_a_selection(
    sample_database: Database, include_retracted: bool
) -> None:
    await retract_statement(sample_database, (await by_ref(sample_database, "s43")).id, "Unverified.", "tester")
    s43 = (await by_ref(sample_database, "s43")).id
    terms = ["donetsk", "ceasefire", "putin"]

    alone = await keyword_hits(sample_database, terms, Selection(include_retracted=include_retracted))
    joined = await keyword_hits(
        sample_database, terms, Selection(since=date(1900, 1, 1), include_retracted=include_retracted)
    )

    assert len(alone) > 5
    assert alone == joined
    assert (s43 in dict(alone)) == include_retracted


# -- hostile input ----------------------------------------------------------------------

# (what a user types, the plain question that must give the very same answer; None when
# the input has no words to search for and so must find nothing)
HOSTILE = [
    ('"', None),
    ('"Crimea', "Crimea"),
    ('Crimea"', "Crimea"),
    ("'Crimea'", "Crimea"),
    ("((Crimea", "Crimea"),
    ("Crimea) OR (", "Crimea"),
    ("AND", None),
    ("OR", None),
    ("NOT", None),
    ("NEAR", None),
    ("Crimea AND Donetsk", "Crimea Donetsk"),
    ("Crimea NOT Donetsk", "Crimea Donetsk"),
    ("NEAR(Crimea Donetsk, 2)", "Crimea Donetsk 2"),
    ("*", None),
    ("Crim*", "Crim"),
    ("-", None),
    ("-Crimea", "Crimea"),
    ("^", None),
    ("^Crimea", "Crimea"),
    (":", None),
    ("search_text:Crimea", "search_text Crimea"),
    ("text:", "text"),
    ("{search_text}: Crimea", "search_text Crimea"),
    ("Crimea + Donetsk", "Crimea Donetsk"),
    ("\\", None),
    ("%", None),
    ("_", None),
    ("'; DROP TABLE statement; --", "DROP TABLE statement"),
    ("\x00Crimea", "Crimea"),
    ("🕊️", None),
    ("🕊️ peace 🇺🇦", "peace"),
    ("Путин", "Путин"),
    ("Путін", "Путін"),
    ("Що каже Зеленський про Крим?", "Що каже Зеленський про Крим"),
    ("Don't", "Don t"),
    ("", None),
    ("   ", None),
    ("\t\n\r ", None),
    ("x" * 10_000, None),
    ("Crimea " * 1_430, "Crimea"),
    # Only the first MAX_TERMS words are searched for.
    (" ".join(f"word{i}" for i in range(2_000)), " ".join(f"word{i}" for i in range(32))),
]


@pytest.mark.parametrize(("query", "plain"), HOSTILE, ids=[f"h{i:02d}" for i in range(len(HOSTILE))])
async def test_hostile_input_never_raises(shared_sample_database: Database, query: str, plain: str | None) -> None:
    page = await search(shared_sample_database, query)

    assert 0 <= len(page.hits) <= page.limit
    assert page.total >= len(page.hits)
    if plain is None:
        assert page.hits == [] and page.total == 0
    else:
        reference = await search(shared_sample_database, plain)
        assert page.terms == reference.terms
        assert refs(page) == refs(reference)
        assert page.total == reference.total


async def test_hostile_words_still_find_what_they_name(shared_sample_database: Database) -> None:
    plain = await search(shared_sample_database, "Crimea", limit=MAX_PAGE)
    assert plain.total > 0

    for query in ['"Crimea', "((Crimea", "-Crimea", "^Crimea", "search_text:Crimea", "Crimea " * 1_430]:
        page = await search(shared_sample_database, query, limit=MAX_PAGE)
        assert set(refs(plain)) <= set(refs(page)), query


@pytest.mark.parametrize(("query", "plain"), HOSTILE[:12], ids=[f"f{i:02d}" for i in range(12)])
async def test_hostile_input_with_filters_never_raises(
    shared_sample_database: Database, query: str, plain: str | None
) -> None:
    filters = SearchFilters(side="Russia", topic=Topic.territory)

    page = await search(shared_sample_database, query, filters, limit=MAX_PAGE)

    every = await search(shared_sample_database, "", filters, limit=MAX_PAGE)
    assert set(refs(page)) <= set(refs(every))
    if plain is None:
        assert refs(page) == refs(every)


# -- the page's statements ---------------------------------------------------------------


def _shown(statement: Statement) -> tuple[Any, ...]:
    values = statement.model_dump(exclude={"embedding", "search_text"})
    return values, statement.speaker, statement.topics, statement.places


async def test_a_page_holds_each_statement_as_the_orm_loads_it(sample_database: Database) -> None:
    """Pages are read below the ORM (storage.page_rows): every value, its type included
    (dates, enums, aware datetimes, a retraction), must be what the ORM gives."""
    await retract_statement(sample_database, (await by_ref(sample_database, "s43")).id, "Unverified.", "tester")
    async with sample_database.read() as session:
        loads = [selectinload(Statement.topic_rows), selectinload(Statement.place_rows)]  # type: ignore[arg-type]
        stored = (await session.exec(select(Statement).options(*loads))).all()
        expected = {statement.id: _shown(statement) for statement in stored}
    loaded = await load_statements(sample_database, [*expected, 10**6])
    assert {statement_id: _shown(statement) for statement_id, statement in loaded.items()} == expected
    retracted = next(statement for statement in loaded.values() if statement.ref == "s43")
    assert retracted.retracted_at is not None and retracted.retracted_at.tzinfo is not None
