"""The position matrix: for each row (a side, or a speaker) and each topic of the record,
where the row stands now - its latest live statement on the topic - and how it got there.

Order in time. The record knows some dates only to the month or the year; such a date is
stored as the first day it may have been (2025-08 as 2025-08-01). Statements are ordered by
that first day, then by precision (year before month before day), then by recording order
(id). So "Aug 2025" comes after 31 Jul 2025, and before 15 Aug 2025 and even 1 Aug 2025:
an imprecise date never counts as later than a precise one it may coincide with, and a
statement of "August" is never taken for the latest word over one dated within August.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.positions.vocabulary import is_conditional
from storage.models import DatePrecision, Stance, Topic
from storage.positions import PositionEntry, RowKind

_PRECISION_RANK = {DatePrecision.year: 0, DatePrecision.month: 1, DatePrecision.day: 2}


def in_time(said_on: date, precision: DatePrecision, statement_id: int) -> tuple[date, int, int]:
    """See the module's docstring: first possible day, then precision, then recording."""
    return said_on, _PRECISION_RANK[precision], statement_id


def chronological_key(entry: PositionEntry) -> tuple[date, int, int]:
    return in_time(entry.said_on, entry.precision, entry.statement_id)


def date_text(said_on: date, precision: DatePrecision) -> str:
    """As precise as the record is, in the exchange format's form: 2025-08-16, 2025-08, 2025."""
    if precision is DatePrecision.year:
        return f"{said_on.year:04d}"
    if precision is DatePrecision.month:
        return f"{said_on.year:04d}-{said_on.month:02d}"
    return said_on.isoformat()


@dataclass(frozen=True)
class Cell:
    """A row's position on a topic: its latest statement, and every statement on the topic
    oldest first (the latest last)."""

    row: str
    topic: str
    statement_id: int
    ref: str
    said_on: date
    precision: DatePrecision
    stance: Stance
    history: tuple[str, ...]
    history_ids: tuple[int, ...]
    previous_stance: Stance | None
    conditional: bool

    @property
    def shift(self) -> bool:
        """The latest stance differs from the one before it."""
        return self.previous_stance is not None and self.previous_stance is not self.stance

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "topic": self.topic,
            "ref": self.ref,
            "said_on": date_text(self.said_on, self.precision),
            "stance": self.stance.value,
            "history": list(self.history),
            "shift": self.shift,
            "conditional": self.conditional,
        }


@dataclass(frozen=True)
class Matrix:
    """Rows with the most statements first (ties by name); topics in the record's order."""

    by: RowKind
    topic: Topic | None
    rows: tuple[str, ...]
    topics: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    row_statements: Mapping[str, int]

    def cell(self, row: str, topic: str) -> Cell | None:
        return self.cells.get((row, topic))

    def ordered_cells(self, rows: Sequence[str] | None = None) -> list[Cell]:
        """Row by row, topic by topic, the empty ones left out."""
        found = (self.cells.get((row, topic)) for row in (self.rows if rows is None else rows) for topic in self.topics)
        return [cell for cell in found if cell is not None]

    @property
    def shifts(self) -> int:
        return sum(cell.shift for cell in self.cells.values())

    @property
    def conditionals(self) -> int:
        return sum(cell.conditional for cell in self.cells.values())

    @property
    def latest(self) -> Cell | None:
        """The newest word in the whole matrix."""
        return max(
            self.cells.values(), key=lambda cell: in_time(cell.said_on, cell.precision, cell.statement_id), default=None
        )

    def as_json(self) -> dict[str, Any]:
        return {"by": self.by.value, "cells": [cell.as_json() for cell in self.ordered_cells()]}


def arrange(entries: Iterable[PositionEntry]) -> dict[tuple[str, str], list[PositionEntry]]:
    """Entries per (row, topic), each list in chronological order."""
    grouped: defaultdict[tuple[str, str], list[PositionEntry]] = defaultdict(list)
    for entry in entries:
        grouped[(entry.row, entry.topic)].append(entry)
    for history in grouped.values():
        history.sort(key=chronological_key)
    return dict(grouped)


def latest_ids(arranged: Mapping[tuple[str, str], Sequence[PositionEntry]]) -> set[int]:
    """The statements that end up in cells: only their texts need reading."""
    return {history[-1].statement_id for history in arranged.values()}


def build_matrix(
    by: RowKind,
    topic: Topic | None,
    arranged: Mapping[tuple[str, str], Sequence[PositionEntry]],
    texts: Mapping[int, str],
) -> Matrix:
    cells: dict[tuple[str, str], Cell] = {}
    statements: defaultdict[str, set[int]] = defaultdict(set)
    for (row, topic_name), history in arranged.items():
        latest = history[-1]
        statements[row].update(entry.statement_id for entry in history)
        cells[(row, topic_name)] = Cell(
            row=row,
            topic=topic_name,
            statement_id=latest.statement_id,
            ref=latest.ref,
            said_on=latest.said_on,
            precision=latest.precision,
            stance=latest.stance,
            history=tuple(entry.ref for entry in history),
            history_ids=tuple(entry.statement_id for entry in history),
            previous_stance=history[-2].stance if len(history) > 1 else None,
            conditional=is_conditional(latest.stance, texts.get(latest.statement_id, "")),
        )
    counts = Counter({row: len(ids) for row, ids in statements.items()})
    rows = tuple(sorted(counts, key=lambda row: (-counts[row], row.casefold(), row)))
    present = {topic_name for _, topic_name in cells}
    topics = tuple(member.value for member in Topic if member.value in present)
    return Matrix(by, topic, rows, topics, cells, dict(counts))
