"""The statements of a page of results (search, answers, digests, alerts) with speaker,
topics and places, read as plain rows in two queries and made into `Statement`s the way
the ORM's own loader makes them: the instance and its values, nothing else.

Why not the ORM: loading five statements with their relationships through it took ~4.5
ms of CPU (five queries, each row through the identity map and the relationship
loaders), and building a `Statement` through its constructor ~0.2 ms (every attribute set
through the ORM's events and pydantic's checks); read as rows and built like this, ~1.9
ms and 0.02 ms (benchmarks/profile_updates.py, BENCHMARKS.md §4). Neither the stored vector
(1.5 kB a statement) nor the full-text column is read: no reader shows them. The
statements belong to no session: they are read, never written back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import String, literal, select, type_coerce, union_all
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Actor, Statement, StatementPlace, StatementTopic, Topic

_Model = TypeVar("_Model")
#: The columns readers see: all but the stored vector and the full-text column.
_SHOWN = [column for column in Statement.__table__.c if column.name not in ("embedding", "search_text")]  # type: ignore[attr-defined]


def _built(model: type[_Model], values: Mapping[str, Any]) -> _Model:
    """An instance holding `values`, as the ORM's loader builds one (no constructor)."""
    instance = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    return instance


async def load_statements(session: AsyncSession, ids: Sequence[int]) -> dict[int, Statement]:
    """The statements of `ids` that exist, by id, with speaker, topics and places."""
    if not ids:
        return {}
    configure_mappers()  # the relationships' attributes, before instances are built
    wanted = list(ids)
    rows = (
        await session.exec(
            select(*_SHOWN, col(Actor.name))  # type: ignore[call-overload]
            .join(Actor, col(Actor.id) == col(Statement.actor_id))
            .where(col(Statement.id).in_(wanted))
        )
    ).all()
    topics = select(
        col(StatementTopic.statement_id),
        literal(0),
        type_coerce(col(StatementTopic.topic), String),
        col(StatementTopic.position),
    ).where(col(StatementTopic.statement_id).in_(wanted))
    places = select(
        col(StatementPlace.statement_id), literal(1), col(StatementPlace.place), col(StatementPlace.position)
    ).where(col(StatementPlace.statement_id).in_(wanted))
    read = (await session.exec(union_all(topics, places))).all()  # type: ignore[call-overload]
    parts = sorted(read, key=lambda part: (part[0], part[1], part[3]))  # statement, topics first, position
    topic_rows: dict[int, list[StatementTopic]] = {}
    place_rows: dict[int, list[StatementPlace]] = {}
    for statement_id, kind, value, position in parts:
        if kind == 0:
            row = {"statement_id": statement_id, "topic": Topic(value), "position": position}
            topic_rows.setdefault(statement_id, []).append(_built(StatementTopic, row))
        else:
            row = {"statement_id": statement_id, "place": value, "position": position}
            place_rows.setdefault(statement_id, []).append(_built(StatementPlace, row))
    loaded: dict[int, Statement] = {}
    for row in rows:
        values = dict(zip([column.name for column in _SHOWN], row, strict=False))
        statement_id = values["id"]
        values["actor"] = _built(Actor, {"id": values["actor_id"], "name": row[-1]})
        values["topic_rows"] = topic_rows.get(statement_id, [])
        values["place_rows"] = place_rows.get(statement_id, [])
        loaded[statement_id] = _built(Statement, values)
    return loaded
