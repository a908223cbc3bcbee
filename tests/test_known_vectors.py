"""The table of the sample's vectors computed ahead of time (bot.answering.known_vectors)
covers every statement of the bundled sample exactly as the bot stores it, so a first start
and the evaluation never wait for the model to embed them; a text it does not know is
embedded by the model as usual."""

from __future__ import annotations

import numpy as np
from sqlmodel import select

from bot.answering import known_vectors
from bot.answering.embedder import MODEL_ID
from storage.embeddings import document_text
from storage.models import Statement
from storage.sample import temporary_sample_database


async def test_every_sample_statement_has_a_precomputed_vector() -> None:
    async with temporary_sample_database(None) as database, database.read() as session:
        statements = (await session.exec(select(Statement))).all()
        texts = [document_text(statement) for statement in statements]
    assert len(texts) == 48
    vectors = known_vectors.lookup(MODEL_ID, texts)
    assert all(vector is not None for vector in vectors)
    assert all(np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3) for vector in vectors if vector is not None)


def test_other_texts_and_other_models_are_not_in_the_table() -> None:
    assert known_vectors.lookup(MODEL_ID, ["a statement nobody recorded"]) == [None]
    async_text = "Vladimir Putin (President of Russia, Russia), 16 August 2025: text"
    assert known_vectors.lookup("another-model", [async_text]) == [None]
