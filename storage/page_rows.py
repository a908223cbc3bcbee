"""The statements of a page of results (search, answers, digests, alerts) with speaker,
topics and places, read as plain rows in two statements below any session
(`Database.fetch`) and made into `Statement`s the way the ORM's own loader makes them: the
instance and its values, each value converted as SQLAlchemy converts it, nothing else.

Why not the ORM: loading five statements with their relationships through it took ~4.5
ms of CPU (five queries, each row through the identity map and the relationship
loaders), and building a `Statement` through its constructor ~0.2 ms (every attribute set
through the ORM's events and pydantic's checks); read as rows and built like this, ~1.9
ms and 0.02 ms, and without a session's BEGIN and ROLLBACK less again
(benchmarks/profile_updates.py, BENCHMARKS.md §4). Neither the stored vector
(1.5 kB a statement) nor the full-text column is read: no reader shows them. The
statements belong to no session: they are read, never written back."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

from storage.engine import Database
from storage.models import Actor, Statement, StatementPlace, StatementTopic, Topic

_Model = TypeVar("_Model")
#: The columns readers see: all but the stored vector and the full-text column.
_SHOWN = [column for column in Statement.__table__.c if column.name not in ("embedding", "search_text")]  # type: ignore[attr-defined]
_NAMES = [column.name for column in _SHOWN]
_ROWS = (
    "SELECT " + ", ".join(f'statement."{name}"' for name in _NAMES) + ", actor.name FROM statement"
    " JOIN actor ON actor.id = statement.actor_id WHERE statement.id {among}"
)
#: Topics (kind 0) and places (kind 1) of the statements together.
_PARTS = (
    "SELECT statement_id, 0, topic, position FROM statement_topic WHERE statement_id {among}"
    " UNION ALL SELECT statement_id, 1, place, position FROM statement_place WHERE statement_id {among}"
)


def _built(model: type[_Model], values: Mapping[str, Any]) -> _Model:
    """An instance holding `values`, as the ORM's loader builds one (no constructor)."""
    instance = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    return instance


def _converters(database: Database) -> list[Callable[[Any], Any]]:
    """What SQLAlchemy does to each shown column's value as the driver gives it."""
    dialect = database.read_engine.dialect
    kept = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in _SHOWN]
    return [convert if convert is not None else _same for convert in kept]


def _same(value: Any) -> Any:
    return value


async def load_statements(database: Database, ids: Sequence[int]) -> dict[int, Statement]:
    """The statements of `ids` that exist, by id, with speaker, topics and places, in two
    statements below any session (`Database.fetch`, the ids as one parameter)."""
    if not ids:
        return {}
    configure_mappers()  # the relationships' attributes, before instances are built
    wanted = [int(statement_id) for statement_id in ids]
    params: dict[str, Any] = {"ids": json.dumps(wanted) if database.is_sqlite else wanted}
    among = "IN (SELECT value FROM json_each(:ids))" if database.is_sqlite else "= ANY(CAST(:ids AS bigint[]))"
    rows = await database.fetch(_ROWS.format(among=among), params)
    read = await database.fetch(_PARTS.format(among=among), params)
    parts = sorted(read, key=lambda part: (part[0], part[1], part[3]))  # statement, topics first, position
    topic_rows: dict[int, list[StatementTopic]] = {}
    place_rows: dict[int, list[StatementPlace]] = {}
    for statement_id, kind, value, position in parts:
        if kind == 0:
            topic = {"statement_id": statement_id, "topic": Topic(value), "position": position}
            topic_rows.setdefault(statement_id, []).append(_built(StatementTopic, topic))
        else:
            place = {"statement_id": statement_id, "place": value, "position": position}
            place_rows.setdefault(statement_id, []).append(_built(StatementPlace, place))
    converters = _converters(database)
    loaded: dict[int, Statement] = {}
    for row in rows:
        values = {name: convert(value) for name, convert, value in zip(_NAMES, converters, row, strict=False)}
        statement_id = values["id"]
        values["actor"] = _built(Actor, {"id": values["actor_id"], "name": row[-1]})
        values["topic_rows"] = topic_rows.get(statement_id, [])
        values["place_rows"] = place_rows.get(statement_id, [])
        loaded[statement_id] = _built(Statement, values)
    return loaded
