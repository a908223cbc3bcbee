"""Full-text search on both engines: filters, ranking, paging, and input that never breaks it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from storage.engine import Database
from storage.models import Stance, Statement, Status, Topic
from storage.search import MAX_PAGE, SearchFilters, search
from storage.statements import add_statement, edit_statement, retract_statement
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
        "side", "side-spaced", "topic-ceasefire", "topic-prisoners", "place-lowercase", "place",
        "stance", "status", "since", "until", "since-until", "side-and-topic",
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


async def test_equal_scores_are_broken_by_recency(database: Database) -> None:
    text = "Prisoner exchange agreed in Istanbul."
    for ref, said_on in [("march", "2025-03-01"), ("may", "2025-05-01"), ("april", "2025-04-01")]:
        await add(database, ref, said_on, text, topics=["prisoners"])

    page = await search(database, "Istanbul exchange")

    assert refs(page) == ["may", "april", "march"]
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


@pytest.mark.parametrize(("limit", "offset", "expected_limit", "expected_offset"), [(0, -5, 1, 0), (500, 0, MAX_PAGE, 0)])
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


async def test_an_edit_updates_the_full_text_index(database: Database) -> None:
    statement = await add(database, "e1", "2025-05-01", "Talks planned in Geneva.")
    assert refs(await search(database, "Geneva")) == ["e1"]

    await edit_statement(database, statement.id, "text", "Talks moved to Riyadh.", "tester")

    assert refs(await search(database, "Geneva")) == []
    assert refs(await search(database, "Riyadh")) == ["e1"]


async def test_speaker_aliases_role_places_and_topics_are_searchable(database: Database) -> None:
    await add(
        database, "w1", "2025-05-01", "Nothing in this text names anything.",
        speaker="Kaja Kallas", speaker_role="EU foreign policy chief", places=["Tallinn"],
        topics=["security_guarantees"],
    )
    await add(database, "w2", "2025-05-02", "Unrelated words only.", topics=["talks"])

    for question in ["Kallas", "foreign policy chief", "Tallinn", "security guarantees"]:
        assert refs(await search(database, question)) == ["w1"], question


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
