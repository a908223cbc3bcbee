"""Statement embeddings kept in the database beside the statements, so every process of a
PostgreSQL deployment shares them and no query ever re-embeds the corpus."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import col, select

if TYPE_CHECKING:
    from storage.engine import Database
    from storage.models import Statement


class TextEmbedder(Protocol):
    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> Any: ...


class Describable(Protocol):
    speaker: str
    speaker_role: str
    side: str
    text: str


def document_text(statement: Describable) -> str:
    """What the model reads for a statement: who speaks for whom matters to the question
    ("What did Moscow demand?") as much as the words said."""
    who = ", ".join(part for part in (statement.speaker_role, statement.side) if part)
    return f"{statement.speaker} ({who}): {statement.text}" if who else f"{statement.speaker}: {statement.text}"


async def embed_texts(embedder: TextEmbedder, texts: list[str]) -> list[bytes]:
    """Runs the model off the event loop; the float32 bytes are what the columns store."""
    from storage.semantic import to_bytes

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
    from storage.models import Statement

    if database.embedder is None:
        return 0
    done = 0
    while True:
        async with database.write() as session:
            rows = (
                await session.exec(
                    select(Statement).where(col(Statement.embedding).is_(None)).limit(batch)
                )
            ).all()
            if not rows:
                return done
            await embed_statements(database, list(rows))
            done += len(rows)
