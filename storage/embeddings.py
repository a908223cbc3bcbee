"""Statement embeddings kept in the database beside the statements, so every process of a
PostgreSQL deployment shares them and no query ever re-embeds the corpus."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlmodel import col, select

from storage.engine import Database, TextEmbedder
from storage.models import DatePrecision, Statement


class Describable(Protocol):
    @property
    def speaker(self) -> str: ...
    @property
    def topics(self) -> list[str]: ...
    @property
    def places(self) -> list[str]: ...
    @property
    def speaker_role(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def said_on(self) -> date: ...
    @property
    def date_precision(self) -> DatePrecision: ...
    @property
    def source(self) -> str: ...
    @property
    def text(self) -> str: ...


def document_text(statement: Describable) -> str:
    """What the model reads for a statement: its whole record, not its text alone. Readers
    ask who said it ("What did Moscow demand?"), when ("in August") and where ("at the
    Istanbul talks") as much as what was said; measured on questions the method was not
    developed on, the whole record lifted recall@5 by 0.05-0.2 over the text alone."""
    who = ", ".join(part for part in (statement.speaker_role, statement.side) if part)
    said = _long_date(statement.said_on, statement.date_precision)
    head = f"{statement.speaker} ({who}), {said}" if who else f"{statement.speaker}, {said}"
    if statement.source:
        head += f", {statement.source}"
    body = f"{head}: {statement.text}"
    if statement.places:
        body += f" Places: {', '.join(statement.places)}."
    if statement.topics:
        body += f" Topics: {', '.join(topic.replace('_', ' ') for topic in statement.topics)}."
    return body


@dataclass(frozen=True)
class _ExchangeLine:
    speaker: str
    speaker_role: str
    side: str
    said_on: date
    date_precision: DatePrecision
    source: str
    text: str
    topics: list[str]
    places: list[str]


def exchange_text(line: Mapping[str, Any]) -> str:
    """`document_text` of a statement still in the exchange format (a JSON line as a
    dict), for embedding corpora ahead of import."""
    return document_text(
        _ExchangeLine(
            speaker=line["speaker"],
            speaker_role=line.get("speaker_role", ""),
            side=line.get("side", ""),
            said_on=date.fromisoformat(line["said_on"]),
            date_precision=DatePrecision(line.get("date_precision", "day")),
            source=line.get("source", ""),
            text=line["text"],
            topics=list(line.get("topics", [])),
            places=list(line.get("places", [])),
        )
    )


def _long_date(day: date, precision: DatePrecision) -> str:
    """ "12 February 2025": the model knows month names, not ISO dates."""
    if precision == DatePrecision.year:
        return f"{day.year}"
    if precision == DatePrecision.month:
        return f"{day:%B} {day.year}"
    return f"{day.day} {day:%B} {day.year}"


async def embed_texts(embedder: TextEmbedder, texts: list[str]) -> list[bytes]:
    """Runs the model off the event loop; the float32 bytes are what the columns store."""
    vectors = await asyncio.to_thread(embedder.embed, texts)
    return [to_bytes(vector) for vector in vectors]


async def embed_statements(database: Database, statements: list[Statement]) -> None:
    """Sets each statement's vector; the caller's session writes it with the statement."""
    if database.embedder is None or not statements:
        return
    vectors = await embed_texts(database.embedder, [document_text(statement) for statement in statements])
    for statement, vector in zip(statements, vectors, strict=True):
        statement.embedding = vector


async def embed_missing(database: Database, batch: int = 256) -> int:
    """Fills in what was written while no model was installed; returns how many."""
    if database.embedder is None:
        return 0
    done = 0
    while True:
        async with database.write() as session:
            rows = (await session.exec(select(Statement).where(col(Statement.embedding).is_(None)).limit(batch))).all()
            if not rows:
                return done
            await embed_statements(database, list(rows))
            done += len(rows)


def to_bytes(vector: npt.ArrayLike) -> bytes:
    """A vector as float32 little-endian bytes, for a BLOB / bytea column.

    A fixed byte order keeps stored vectors readable if the database moves to
    a machine of another architecture.
    """
    array = np.asarray(vector, dtype="<f4")
    if array.ndim != 1:
        raise ValueError(f"expected a single vector, got shape {array.shape}")
    return array.tobytes()


def from_bytes(blob: bytes | bytearray | memoryview) -> npt.NDArray[np.float32]:
    """The vector stored by :func:`to_bytes`, as native float32.

    Returns a writable copy: a view on the driver's buffer would be read-only
    and would keep that buffer alive.
    """
    raw = bytes(blob)
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)
