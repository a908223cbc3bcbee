"""The in-memory record index (bot.answering.record_index) against the database it mirrors, on
SQLite and PostgreSQL: after a load in several batches, after statements are added,
edited and retracted (rows, facts and matrix rows must stay with their statement, or a
question would get another statement's score), with statements stored without a vector,
on an empty record, and after rows go away behind the audit log's back."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import col, select

import bot.answering.record_index.loading as vector_index
from bot.answering.ask import answer
from bot.answering.query import Options, RetrievalQuery
from bot.answering.record_index.columns import TOPIC_BIT, IndexedStatement, Selection, date_span
from bot.answering.record_index.exact import contenders, make_exact
from bot.answering.record_index.loading import RecordIndex, record_index
from bot.answering.retrieval import retrieve
from storage.embeddings import embed_missing
from storage.engine import Database
from storage.models import Statement, StatementPlace, StatementTopic
from storage.statements import add_statement, edit_statement, retract_statement
from storage.validation import StatementData


class Vectors:
    """Deterministic unit vectors, one per text (no model needed)."""

    model_id = "test-vectors"

    def embed(self, texts: Sequence[str]) -> Any:
        out = np.empty((len(texts), 384), dtype=np.float32)
        for row, value in enumerate(texts):
            vector = np.random.default_rng(zlib.crc32(value.encode())).standard_normal(384)
            out[row] = vector / np.linalg.norm(vector)
        return out

    def embed_query(self, text: str) -> Any:
        return self.embed([text])[0]


def data(ref: str, **values: Any) -> StatementData:
    return StatementData(
        **{
            "ref": ref,
            "speaker": "Sergei Lavrov",
            "side": "Russia",
            "said_on": date(2025, 3, 1),
            "topics": ["talks"],
            "places": ["Istanbul"],
            "stance": "demand",
            "text": f"Statement {ref}.",
            "source": "Wire",
            **values,
        }
    )


async def add(database: Database, ref: str, **values: Any) -> int:
    statement = await add_statement(database, data(ref, **values), "test")
    assert statement.id is not None
    return statement.id


async def assert_mirrors(database: Database, index: RecordIndex) -> None:
    """Every row, fact and vector of the index is its statement's, in the database now."""
    async with database.read() as session:
        statements = (await session.exec(select(Statement).order_by(col(Statement.id)))).all()
        topics: dict[int, int] = {}
        rows = (await session.exec(select(StatementTopic.statement_id, StatementTopic.topic))).all()
        for statement_id, topic in rows:
            topics[statement_id] = topics.get(statement_id, 0) | TOPIC_BIT[topic]
        places: dict[int, list[str]] = {}
        for statement_id, place in (
            await session.exec(
                select(StatementPlace.statement_id, StatementPlace.place).order_by(
                    col(StatementPlace.statement_id), col(StatementPlace.position)
                )
            )
        ).all():
            places.setdefault(statement_id, []).append(place)
    assert index.columns.ids.tolist() == [statement.id for statement in statements]
    for at, statement in enumerate(statements):
        assert statement.id is not None
        start, end = date_span(statement.said_on, statement.date_precision)
        assert index.row(statement.id) == IndexedStatement(
            id=statement.id,
            actor_id=statement.actor_id,
            side=statement.side,
            start=start,
            end=end,
            stance=statement.stance.value,
            status=statement.status.value,
            retracted=statement.is_retracted,
            topics=topics.get(statement.id, 0),
            places=tuple(places.get(statement.id, ())),
            role=statement.speaker_role,
        )
        has_vector = statement.embedding is not None and database.embedder is not None
        assert bool(index.columns.has_vector[at]) == has_vector
        if has_vector:
            stored = np.frombuffer(statement.embedding, dtype="<f4")  # type: ignore[arg-type]
            # One byte a dimension: each component within half the row's scale.
            restored = index.matrix[at] * index.scales[at]  # type: ignore[index]
            assert np.abs(restored - stored).max() <= index.scales[at] / 2 + 1e-7
            scores, bounds = index.approximate(stored)
            assert abs(scores[at] - 1.0) <= bounds[at]


@pytest.fixture
async def database(database: Database) -> Database:
    database.embedder = Vectors()
    return database


async def test_an_empty_record(database: Database) -> None:
    index = await record_index(database)
    assert index.size == 0 and not index.has_vectors
    assert index.facts.actors == () and index.facts.first_date is None and index.facts.events == {}
    assert index.approximate(np.ones(384, dtype=np.float32))[0].shape == (0,)
    assert index.mask(Selection()).shape == (0,) and index.row(1) is None and index.at_place("Istanbul") == []
    reply = await answer(database, "What did Lavrov demand in Istanbul?")
    assert reply.hits == [] and reply.reason
    first = await add(database, "first")
    await record_index(database)
    assert index.size == 1 and index.loads == 1  # kept current in place
    await assert_mirrors(database, index)
    assert index.row(first) is not None


async def test_a_load_in_batches(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector_index, "_LOAD_BATCH", 2)
    for number in range(5):
        await add(database, f"s{number}", places=[f"Place {number}", "Istanbul"], side=f"Side {number % 2}")
    index = await record_index(database)
    await assert_mirrors(database, index)
    assert [statement.id for statement in index.at_place("istanbul")] == index.columns.ids.tolist()


async def test_added_edited_and_retracted_statements_keep_their_rows(database: Database) -> None:
    ids = [await add(database, f"s{number}", places=[f"Place {number}"]) for number in range(4)]
    index = await record_index(database)
    await assert_mirrors(database, index)
    ids.append(await add(database, "late", side="Ukraine", places=["Kyiv", "Geneva"], topics=["ceasefire"]))
    await edit_statement(database, ids[1], "text", "An edited text, so another vector.", "test")
    await edit_statement(database, ids[2], "places", "Geneva, Kyiv", "test")
    await retract_statement(database, ids[0], "duplicate", "test")
    ids.append(await add(database, "later", places=[]))
    await record_index(database)
    assert index.loads == 1  # in place, not reloaded
    await assert_mirrors(database, index)
    assert [statement.id for statement in index.at_place("Geneva")] == [ids[2], ids[4]]
    assert index.mask(Selection()).tolist() == [False, True, True, True, True, True]
    assert index.facts.sides == ("Russia", "Ukraine")  # the retracted one is not counted
    assert index.facts.events["Geneva"] == date(2025, 3, 1)


async def test_statements_without_a_vector(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder, database.embedder = database.embedder, None
    plain = await add(database, "plain")
    keyword_only = await record_index(database)
    assert keyword_only.matrix is None and not keyword_only.has_vectors and keyword_only.size == 1
    database.embedder = embedder
    embedded = await add(database, "embedded")
    index = await record_index(database)  # the model came: vectors are read again
    await assert_mirrors(database, index)
    assert index.columns.has_vector.tolist() == [False, True]
    assert index.approximate(np.ones(384, dtype=np.float32))[0][0] == -1.0
    # A keyword hit without a vector still answers, with no closeness.
    ranked = await retrieve(database, RetrievalQuery(text="plain", semantic_text="plain"), Options(thresholds=False))
    assert plain in ranked.ids and embedded in ranked.ids
    # Another process fills the vector in (no audit entry): found on the next recheck.
    await embed_missing(database)
    monkeypatch.setattr(vector_index, "PENDING_RECHECK_S", 0.0)
    loads = index.loads
    assert await index.refresh()
    assert index.loads == loads
    await assert_mirrors(database, index)


async def test_rows_gone_behind_the_audit_log_reload(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [await add(database, f"s{number}") for number in range(3)]
    index = await record_index(database)
    async with database.write() as session:
        statement = text("DELETE FROM statement WHERE id = :id").bindparams(id=ids[1])
        await session.exec(statement)  # type: ignore[call-overload]
    monkeypatch.setattr(vector_index, "COUNT_RECHECK_S", 0.0)
    await record_index(database)
    assert index.loads == 2
    await assert_mirrors(database, index)


async def test_mask_of_some_rows_is_the_mask_of_all(shared_sample_database: Database) -> None:
    index = await record_index(shared_sample_database)
    rows = np.arange(index.size)[::3]
    for selection in (
        Selection(),
        Selection(include_retracted=True),
        Selection(sides=("ukraine", "United States")),
        Selection(actor_ids=tuple(index.columns.actor_ids[:2].tolist())),
        Selection(since=date(2025, 6, 1), until=date(2025, 8, 31)),
    ):
        assert index.mask(selection, rows).tolist() == index.mask(selection)[rows].tolist()


async def test_places_narrowed_by_dates(shared_sample_database: Database) -> None:
    index = await record_index(shared_sample_database)
    place = max(index.facts.places, key=lambda name: len(index.at_place(name)))
    everywhere = index.at_place(place)
    first, last = everywhere[0].start, everywhere[0].end
    narrowed = index.at_place(place.upper(), between=(first, last))
    assert everywhere[0] in narrowed
    assert narrowed == [other for other in everywhere if other.end >= first and other.start <= last]


async def test_the_rows_that_decide_are_scored_exactly_as_float_vectors_score_them(database: Database) -> None:
    for number in range(40):
        await add(database, f"s{number}", text=f"Statement number {number} on the talks.")
    index = await record_index(database)
    question = Vectors().embed_query("talks")
    async with database.read() as session:
        stored = (await session.exec(select(Statement.embedding).order_by(col(Statement.id)))).all()
        exact = np.stack([np.frombuffer(blob, dtype="<f4") for blob in stored]) @ question  # type: ignore[arg-type]
        cosines, bounds = index.approximate(question)
        assert (np.abs(cosines - exact) <= bounds).all()
        rows = contenders(cosines, bounds, np.arange(index.size), 5)
        assert 5 <= len(rows) < index.size, "the bounds should rule most rows out"
    await make_exact(database, index, question, cosines, rows)
    best = np.argsort(-exact, kind="stable")[:5]
    assert np.argsort(-cosines, kind="stable")[:5].tolist() == best.tolist()
    assert cosines[best] == pytest.approx(exact[best], abs=1e-6)
