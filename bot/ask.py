"""Answering a reader's question from the record, for every surface, and the JSON shape
`diplobot ask --json` promises."""

from __future__ import annotations

from typing import Any

from storage.engine import Database
from storage.search import SearchHit, SearchPage, search


async def answer(database: Database, question: str, *, limit: int = 5, offset: int = 0) -> SearchPage:
    return await search(database, question, limit=limit, offset=offset)


def result_json(hit: SearchHit) -> dict[str, Any]:
    statement = hit.statement
    return {
        "ref": statement.ref,
        "id": statement.id,
        "speaker": statement.speaker,
        "side": statement.side,
        "said_on": statement.said_on.isoformat(),
        "text": statement.text,
        "source": statement.source,
        "status": statement.status.value,
        "score": round(hit.score, 4),
    }


def answer_json(question: str, page: SearchPage) -> dict[str, Any]:
    return {"question": question, "results": [result_json(hit) for hit in page.hits]}
