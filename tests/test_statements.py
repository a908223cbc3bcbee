"""Adding, editing, retracting and linking statements on both engines: validated, audited,
and a refused call leaves the record exactly as it was."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlmodel import col, select

from storage.actors import UNKNOWN_SIDE
from storage.engine import Database
from storage.errors import Conflict, InvalidInput, NotFound
from storage.exchange import ExchangeFormat, export_statements
from storage.models import Actor, AuditAction, AuditEntry, LinkKind, Statement, StatementLink, Status
from storage.statements import (
    add_statement,
    edit_statement,
    exchange_record,
    get_statement,
    latest,
    link_statements,
    linked_statements,
    retract_statement,
)
from storage.stats import record_stats
from storage.validation import validate_statement

WHO = "admin:42"


def statement_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ref": "t1",
        "speaker": "Vladimir Putin",
        "speaker_role": "President of Russia",
        "side": "Russia",
        "said_on": "2025-09-01",
        "topics": ["ceasefire", "talks"],
        "places": ["Kyiv", "Moscow"],
        "stance": "proposal",
        "text": "Offered to host the next round of talks in Moscow.",
        "source": "Kremlin readout",
        "source_url": "https://example.org/readout",
    }
    values.update(overrides)
    return values


async def by_ref(database: Database, ref: str) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).where(Statement.ref == ref))).one()


async def audit_entries(database: Database) -> list[AuditEntry]:
    async with database.read() as session:
        return list((await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all())


async def snapshot(database: Database) -> tuple[bytes, int, int, int]:
    """Everything a refused call must leave alone: the statements in full, and how many
    audit entries, actors and links there are."""
    async with database.read() as session:
        audit = len((await session.exec(select(AuditEntry))).all())
        actors = len((await session.exec(select(Actor))).all())
        links = len((await session.exec(select(StatementLink))).all())
    return await export_statements(database, ExchangeFormat.jsonl), audit, actors, links


# -- add ---------------------------------------------------------------------------


async def test_add_stores_the_statement_and_audits_it(sample_database: Database) -> None:
    audit_before = await audit_entries(sample_database)

    added = await add_statement(sample_database, validate_statement(statement_values()), WHO)

    stored = await get_statement(sample_database, added.id)
    assert stored.ref == "t1"
    assert stored.speaker == "Vladimir Putin"
    assert stored.topics == ["ceasefire", "talks"]
    assert stored.places == ["Kyiv", "Moscow"]
    assert stored.said_on == date(2025, 9, 1)
    assert stored.status is Status.reported
    assert stored.added_by == WHO
    new_entries = (await audit_entries(sample_database))[len(audit_before) :]
    assert len(new_entries) == 1
    entry = new_entries[0]
    assert (entry.action, entry.who, entry.statement_id) == (AuditAction.add, WHO, added.id)
    assert entry.before is None
    assert entry.after == exchange_record(stored)


async def test_add_reaches_the_actor_through_an_alias(sample_database: Database, count_rows) -> None:
    actors_before = await count_rows(sample_database, Actor)

    added = await add_statement(sample_database, validate_statement(statement_values(speaker="Путін")), WHO)

    assert added.speaker == "Vladimir Putin"
    assert await count_rows(sample_database, Actor) == actors_before


async def test_add_takes_the_speakers_usual_side_when_none_is_given(sample_database: Database) -> None:
    added = await add_statement(sample_database, validate_statement(statement_values(side="")), WHO)

    assert added.side == "Russia"


async def test_add_without_ref_gets_a_fresh_unique_one(database: Database) -> None:
    first = await add_statement(database, validate_statement(statement_values(ref=None)), WHO)
    second = await add_statement(database, validate_statement(statement_values(ref=None)), WHO)

    assert first.ref and second.ref and first.ref != second.ref


async def test_add_with_a_ref_already_in_the_record_is_refused_and_writes_nothing(sample_database: Database) -> None:
    before = await snapshot(sample_database)

    with pytest.raises(Conflict, match="s01"):
        await add_statement(sample_database, validate_statement(statement_values(ref="s01")), WHO)

    assert await snapshot(sample_database) == before


async def test_add_of_a_new_speaker_without_a_side_records_it_with_the_side_open(sample_database: Database) -> None:
    added = await add_statement(
        sample_database, validate_statement(statement_values(ref=None, speaker="Recep Erdogan", side="")), WHO
    )

    assert (added.speaker, added.side) == ("Recep Erdogan", UNKNOWN_SIDE)
    again = await add_statement(
        sample_database,
        validate_statement(statement_values(ref=None, speaker="Recep Erdogan", side="", text="Again.")),
        WHO,
    )
    assert again.side == UNKNOWN_SIDE, "an open side is never taken as the speaker's usual one"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"said_on": "2025-02-30"}, "said_on"),
        ({"said_on": "yesterday"}, "said_on"),
        ({"said_on": "2999-01-01"}, "said_on"),
        ({"topics": ["ceasefire", "weather"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"source": ""}, "source"),
        ({"source_url": "ftp://example.org/x"}, "source_url"),
        ({"stance": "threat"}, "stance"),
        ({"status": "rumoured"}, "status"),
        ({"speaker": "  "}, "speaker"),
        ({"ref": "has space"}, "ref"),
        ({"date_precision": "month", "said_on": "2025-09-15"}, "said_on"),
        ({"status": "retracted"}, "retraction_reason"),
        ({"retraction_reason": "why not"}, "retraction_reason"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_validation_names_the_field_that_is_wrong(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_statement(statement_values(**overrides))
    assert raised.value.field == field


def test_validation_cleans_what_people_type() -> None:
    data = validate_statement(
        statement_values(
            speaker="  Vladimir   Putin ",
            topics="Ceasefire; security guarantees, ceasefire",
            places="Kyiv, Kyiv ,  Odesa",
            text="  Spaced text.  ",
        )
    )
    assert data.speaker == "Vladimir Putin"
    assert [topic.value for topic in data.topics] == ["ceasefire", "security_guarantees"]
    assert data.places == ["Kyiv", "Odesa"]
    assert data.text == "Spaced text."


# -- edit ----------------------------------------------------------------------------


async def test_edit_changes_one_field_and_audits_before_and_after(sample_database: Database) -> None:
    original = await by_ref(sample_database, "s23")
    before_record = exchange_record(original)
    audit_before = await audit_entries(sample_database)

    edited = await edit_statement(sample_database, original.id, "text", "A corrected paraphrase.", WHO)

    stored = await get_statement(sample_database, original.id)
    assert edited.text == stored.text == "A corrected paraphrase."
    assert exchange_record(stored) == {**before_record, "text": "A corrected paraphrase."}
    new_entries = (await audit_entries(sample_database))[len(audit_before) :]
    assert [(e.action, e.who, e.statement_id) for e in new_entries] == [(AuditAction.edit, WHO, original.id)]
    assert new_entries[0].before == before_record
    assert new_entries[0].after == exchange_record(stored)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date", "2025-08", {"said_on": "2025-08-01", "date_precision": "month"}),
        ("date", "2024", {"said_on": "2024-01-01", "date_precision": "year"}),
        ("topics", "sanctions, talks", {"topics": ["sanctions", "talks"]}),
        ("places", "Alaska; Anchorage", {"places": ["Alaska", "Anchorage"]}),
        ("quote", "yes", {"is_quote": True}),
        ("status", "contested", {"status": "contested"}),
        ("url", "https://example.org/s23", {"source_url": "https://example.org/s23"}),
        # Another speaker: the role was the previous one's; the new one's is the role the
        # record last gave them up to the statement's date ...
        ("speaker", "Sergei Lavrov", {"speaker": "Sergei Lavrov", "speaker_role": "Foreign Minister of Russia"}),
        # ... and so was the side.
        (
            "speaker",
            "Zelensky",
            {"speaker": "Volodymyr Zelensky", "speaker_role": "President of Ukraine", "side": "Ukraine"},
        ),
        ("speaker", "Someone New", {"speaker": "Someone New", "speaker_role": "", "side": UNKNOWN_SIDE}),
    ],
)
async def test_edit_of_each_kind_of_field(
    sample_database: Database, field: str, value: str, expected: dict[str, Any]
) -> None:
    original = await by_ref(sample_database, "s23")
    before_record = exchange_record(original)

    await edit_statement(sample_database, original.id, field, value, WHO)

    assert exchange_record(await get_statement(sample_database, original.id)) == {**before_record, **expected}


@pytest.mark.parametrize(
    ("field", "value", "error", "error_field"),
    [
        ("colour", "red", InvalidInput, "field"),
        ("date", "2025-13-01", InvalidInput, "date"),
        ("date", "soon", InvalidInput, "date"),
        ("topics", "weather", InvalidInput, "topics"),
        ("text", "", InvalidInput, "text"),
        ("quote", "maybe", InvalidInput, "quote"),
        ("status", "retracted", InvalidInput, "status"),
        ("stance", "threat", InvalidInput, "stance"),
        ("text", None, InvalidInput, "text"),  # the current text: an edit that changes nothing
    ],
)
async def test_a_refused_edit_writes_nothing(
    sample_database: Database, field: str, value: str | None, error: type[Exception], error_field: str
) -> None:
    statement = await by_ref(sample_database, "s23")
    if value is None:
        value = statement.text
    before = await snapshot(sample_database)

    with pytest.raises(error) as raised:
        await edit_statement(sample_database, statement.id, field, value, WHO)

    assert getattr(raised.value, "field", None) == error_field
    assert await snapshot(sample_database) == before


async def test_edit_of_an_unknown_statement_is_not_found(sample_database: Database) -> None:
    before = await snapshot(sample_database)
    with pytest.raises(NotFound):
        await edit_statement(sample_database, 999_999, "text", "Anything.", WHO)
    assert await snapshot(sample_database) == before


async def test_edit_of_a_retracted_statement_is_refused(sample_database: Database) -> None:
    statement = await by_ref(sample_database, "s23")
    await retract_statement(sample_database, statement.id, "Misattributed.", WHO)
    before = await snapshot(sample_database)

    with pytest.raises(Conflict):
        await edit_statement(sample_database, statement.id, "text", "Rewritten.", WHO)

    assert await snapshot(sample_database) == before


# -- retract -------------------------------------------------------------------------


async def test_retract_keeps_the_statement_with_its_reason(sample_database: Database, count_rows) -> None:
    statement = await by_ref(sample_database, "s41")
    before_record = exchange_record(statement)
    rows_before = await count_rows(sample_database, Statement)
    audit_before = await audit_entries(sample_database)

    await retract_statement(sample_database, statement.id, "  The   claim was withdrawn. ", WHO)

    stored = await get_statement(sample_database, statement.id)
    assert stored.status is Status.retracted
    assert stored.is_retracted and stored.retracted_at is not None
    assert stored.retraction_reason == "The claim was withdrawn."
    assert stored.text == statement.text
    assert await count_rows(sample_database, Statement) == rows_before
    new_entries = (await audit_entries(sample_database))[len(audit_before) :]
    assert [(e.action, e.statement_id) for e in new_entries] == [(AuditAction.retract, statement.id)]
    assert new_entries[0].before == before_record
    assert new_entries[0].after == {
        **before_record,
        "status": "retracted",
        "retraction_reason": "The claim was withdrawn.",
    }
    exported = await export_statements(sample_database, ExchangeFormat.jsonl)
    assert b'"retraction_reason": "The claim was withdrawn."' in exported


@pytest.mark.parametrize(
    ("statement_id", "reason", "error"),
    [
        (None, "", InvalidInput),
        (None, "   ", InvalidInput),
        (None, "x" * 1001, InvalidInput),
        (999_999, "No such statement.", NotFound),
    ],
)
async def test_a_refused_retraction_writes_nothing(
    sample_database: Database, statement_id: int | None, reason: str, error: type[Exception]
) -> None:
    target = statement_id or (await by_ref(sample_database, "s41")).id
    before = await snapshot(sample_database)

    with pytest.raises(error):
        await retract_statement(sample_database, target, reason, WHO)

    assert await snapshot(sample_database) == before


async def test_a_statement_is_retracted_only_once(sample_database: Database) -> None:
    statement = await by_ref(sample_database, "s41")
    await retract_statement(sample_database, statement.id, "First reason.", WHO)
    before = await snapshot(sample_database)

    with pytest.raises(Conflict):
        await retract_statement(sample_database, statement.id, "Second reason.", WHO)

    assert await snapshot(sample_database) == before
    assert (await get_statement(sample_database, statement.id)).retraction_reason == "First reason."


# -- link ----------------------------------------------------------------------------


async def test_link_is_audited_and_seen_from_both_ends(sample_database: Database) -> None:
    claim = await by_ref(sample_database, "s41")
    denial = await by_ref(sample_database, "s42")
    audit_before = await audit_entries(sample_database)

    link = await link_statements(sample_database, denial.id, " Contradicts ", claim.id, WHO)

    assert (link.from_id, link.to_id, link.kind) == (denial.id, claim.id, LinkKind.contradicts)
    new_entries = (await audit_entries(sample_database))[len(audit_before) :]
    assert [(e.action, e.who, e.statement_id) for e in new_entries] == [(AuditAction.link, WHO, denial.id)]
    assert new_entries[0].before is None
    assert new_entries[0].after == {"kind": "contradicts", "from_id": denial.id, "to_id": claim.id}

    from_denial = await linked_statements(sample_database, denial.id)
    from_claim = await linked_statements(sample_database, claim.id)
    assert [(item.kind, item.outgoing, item.statement.ref) for item in from_denial] == [
        (LinkKind.contradicts, True, "s41")
    ]
    assert [(item.kind, item.outgoing, item.statement.ref) for item in from_claim] == [
        (LinkKind.contradicts, False, "s42")
    ]


async def test_linked_statements_lists_every_link_in_order(sample_database: Database) -> None:
    ids = {ref: (await by_ref(sample_database, ref)).id for ref in ("s20", "s23", "s43")}
    await link_statements(sample_database, ids["s20"], "responds_to", ids["s23"], WHO)
    await link_statements(sample_database, ids["s23"], "responds_to", ids["s43"], WHO)
    await link_statements(sample_database, ids["s20"], "contradicts", ids["s23"], WHO)

    around_s23 = await linked_statements(sample_database, ids["s23"])

    assert [(item.kind.value, item.outgoing, item.statement.ref) for item in around_s23] == [
        ("responds_to", False, "s20"),
        ("responds_to", True, "s43"),
        ("contradicts", False, "s20"),
    ]
    assert await linked_statements(sample_database, (await by_ref(sample_database, "s01")).id) == []


@pytest.mark.parametrize(
    ("case", "kind", "error"),
    [
        ("self", "contradicts", InvalidInput),
        ("kind", "agrees_with", InvalidInput),
        ("unknown_from", "contradicts", NotFound),
        ("unknown_to", "contradicts", NotFound),
        ("duplicate", "contradicts", Conflict),
    ],
)
async def test_a_refused_link_writes_nothing(
    sample_database: Database, case: str, kind: str, error: type[Exception]
) -> None:
    first = (await by_ref(sample_database, "s41")).id
    second = (await by_ref(sample_database, "s42")).id
    if case == "duplicate":
        await link_statements(sample_database, second, "contradicts", first, WHO)
    from_id, to_id = {
        "self": (first, first),
        "kind": (second, first),
        "unknown_from": (999_999, first),
        "unknown_to": (second, 999_999),
        "duplicate": (second, first),
    }[case]
    before = await snapshot(sample_database)

    with pytest.raises(error):
        await link_statements(sample_database, from_id, kind, to_id, WHO)

    assert await snapshot(sample_database) == before


# -- reading -------------------------------------------------------------------------


async def test_get_statement_of_an_unknown_id_is_not_found(shared_sample_database: Database) -> None:
    with pytest.raises(NotFound, match="999999"):
        await get_statement(shared_sample_database, 999_999)


async def test_latest_is_newest_first(shared_sample_database: Database, sample_records) -> None:
    statements, total = await latest(shared_sample_database, limit=50)

    assert total == len(sample_records) == len(statements)
    said_on = [statement.said_on for statement in statements]
    assert said_on == sorted(said_on, reverse=True)
    newest = max(record["said_on"] for record in sample_records)
    assert statements[0].said_on.isoformat() == newest


async def test_latest_pages_without_gaps_or_repeats(shared_sample_database: Database) -> None:
    everything, total = await latest(shared_sample_database, limit=50)
    pages = []
    for offset in range(0, total, 7):
        page, page_total = await latest(shared_sample_database, limit=7, offset=offset)
        assert page_total == total
        pages.extend(statement.ref for statement in page)

    assert pages == [statement.ref for statement in everything]


async def test_latest_breaks_equal_dates_by_recording_order(database: Database) -> None:
    for ref in ("a", "b", "c"):
        await add_statement(database, validate_statement(statement_values(ref=ref, said_on="2025-05-05")), WHO)
    await add_statement(database, validate_statement(statement_values(ref="old", said_on="2025-01-01")), WHO)

    statements, total = await latest(database, limit=10)

    assert [statement.ref for statement in statements] == ["c", "b", "a", "old"]
    assert total == 4


async def test_latest_leaves_out_retracted_statements(sample_database: Database) -> None:
    newest, total = await latest(sample_database, limit=1)
    await retract_statement(sample_database, newest[0].id, "Did not happen.", WHO)

    after, total_after = await latest(sample_database, limit=50)

    assert total_after == total - 1
    assert newest[0].ref not in [statement.ref for statement in after]
    assert (await get_statement(sample_database, newest[0].id)).retraction_reason == "Did not happen."


async def test_stats_count_the_record(shared_sample_database: Database, sample_records) -> None:
    stats = await record_stats(shared_sample_database)

    assert stats.statements == len(sample_records)
    assert stats.retracted == 0
    assert stats.actors == len({record["speaker"] for record in sample_records})
    assert stats.latest_said_on.isoformat() == max(record["said_on"] for record in sample_records)
    assert stats.latest_added_at is not None
    assert stats.by_status == dict(Counter(record["status"] for record in sample_records))
    assert stats.by_side == dict(Counter(record["side"] for record in sample_records))
    assert stats.by_topic == dict(Counter(topic for record in sample_records for topic in record["topics"]))
    assert stats.subscribers == 0
    assert stats.embedded == 0


async def test_stats_follow_a_retraction(sample_database: Database, sample_records) -> None:
    statement = await by_ref(sample_database, "s41")
    await retract_statement(sample_database, statement.id, "Withdrawn.", WHO)

    stats = await record_stats(sample_database)

    assert stats.statements == len(sample_records)
    assert stats.retracted == 1
    assert stats.by_status["retracted"] == 1
    assert sum(stats.by_side.values()) == len(sample_records) - 1


async def test_stats_of_an_empty_record(database: Database) -> None:
    stats = await record_stats(database)

    assert (stats.statements, stats.retracted, stats.actors, stats.embedded) == (0, 0, 0, 0)
    assert stats.latest_said_on is None and stats.latest_added_at is None
    assert stats.by_status == stats.by_side == stats.by_topic == {}


# -- embeddings ----------------------------------------------------------------------


async def test_statements_are_stored_with_their_embedding(db_engine: str, make_database, shared_embedder) -> None:
    from bot.answering.embedder import DIMENSION
    from storage.embeddings import from_bytes

    database = await make_database(db_engine, embedder=shared_embedder)

    added = await add_statement(database, validate_statement(statement_values()), WHO)
    edited = await edit_statement(database, added.id, "text", "Rejected any ceasefire before talks.", WHO)

    stored = await get_statement(database, added.id)
    assert stored.embedding is not None
    vector = from_bytes(stored.embedding)
    assert vector.shape == (DIMENSION,)
    assert stored.embedding == edited.embedding
    assert stored.embedding != added.embedding
    assert (await record_stats(database)).embedded == 1


async def test_without_a_model_no_embedding_is_stored(database: Database) -> None:
    added = await add_statement(database, validate_statement(statement_values()), WHO)

    assert (await get_statement(database, added.id)).embedding is None
    assert (await record_stats(database)).embedded == 0


async def test_edit_to_another_spelling_of_the_same_speaker_changes_nothing(sample_database: Database) -> None:
    statement = await by_ref(sample_database, "s23")
    before = await snapshot(sample_database)

    with pytest.raises(InvalidInput):
        await edit_statement(sample_database, statement.id, "speaker", "Путин", WHO)

    assert await snapshot(sample_database) == before


async def test_edit_to_a_speaker_with_a_side_sets_both_in_one_audited_change(sample_database: Database) -> None:
    statement = await by_ref(sample_database, "s23")

    await edit_statement(sample_database, statement.id, "speaker", "Keir Starmer", WHO, side="United Kingdom")
    edited = await get_statement(sample_database, statement.id)
    assert (edited.speaker, edited.side, edited.speaker_role) == (
        "Keir Starmer",
        "United Kingdom",
        "Prime Minister of the United Kingdom",  # his role in the record before the statement's date
    )
    # The same speaker with another side: only the side changes.
    await edit_statement(sample_database, statement.id, "speaker", "Starmer", WHO, side="Europe")
    assert (await get_statement(sample_database, statement.id)).side == "Europe"
    async with sample_database.read() as session:
        entries = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.statement_id == statement.id).order_by(col(AuditEntry.id))
            )
        ).all()
    assert [(entry.before["side"], entry.after["side"]) for entry in entries[-2:]] == [
        ("Russia", "United Kingdom"),
        ("United Kingdom", "Europe"),
    ]
