"""Positions in words: the captions under the pictures, and the whole matrix as text for
screen readers and terminals (every mark of the picture said in words)."""

from __future__ import annotations

from collections import Counter

from bot.positions.matrix import Cell, Matrix
from bot.positions.timeline import SubjectKind, Timeline
from bot.presentation.html import h, said_on
from storage.positions import RowKind


def _topic(name: str) -> str:
    return name.replace("_", " ")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def matrix_heading(matrix: Matrix) -> str:
    scope = _topic(matrix.topic.value) if matrix.topic else "all topics"
    return f"Positions by {matrix.by.value} · {scope}"


def matrix_summary(matrix: Matrix) -> str:
    """One sentence of counts: how many rows, cells, shifts and conditional positions."""
    latest = matrix.latest
    text = (
        f"{_plural(len(matrix.rows), matrix.by.value)} × {_plural(len(matrix.topics), 'topic')}: "
        f"{_plural(len(matrix.cells), 'position')}, {_plural(matrix.shifts, 'shift')}, "
        f"{matrix.conditionals} conditional."
    )
    if latest is not None:
        text += f" Latest statement: {said_on(latest.said_on, latest.precision)}."
    return text


def matrix_caption(matrix: Matrix, *, buttons: bool) -> str:
    """Under the picture: well within Telegram's 1024 characters (names are at most 200)."""
    lines = [f"<b>{h(matrix_heading(matrix))}</b>", h(matrix_summary(matrix))]
    if buttons:
        what = "a cell" if matrix.topic or len(matrix.topics) == 1 else f"a {matrix.by.value}"
        lines.append(f"Tap {what} to open its statements. <code>/positions text</code> says it in words.")
    return "\n".join(lines)


def cell_line(cell: Cell, *, with_topic: bool = True) -> str:
    parts = [f"<b>{h(cell.stance.value)}</b>, {said_on(cell.said_on, cell.precision)}"]
    if cell.shift and cell.previous_stance is not None:
        parts.append(f"shifted from {h(cell.previous_stance.value)}")
    if cell.conditional:
        parts.append("conditional")
    head = f"{h(_topic(cell.topic))}: " if with_topic else ""
    count = len(cell.history)
    earlier = f", {_plural(count - 1, 'earlier statement')}" if count > 1 else ""
    return f"• {head}{'; '.join(parts)} — /statement_{cell.statement_id}{earlier}"


def matrix_html(matrix: Matrix, *, max_rows: int | None = None) -> str:
    """The matrix row by row: each row's latest stance on each topic, shifts and
    conditions spelled out, each with the statement to open."""
    if not matrix.cells:
        scope = f" on {_topic(matrix.topic.value)}" if matrix.topic else ""
        return f"No statements in the record{scope} yet."
    rows = matrix.rows if max_rows is None else matrix.rows[:max_rows]
    blocks = [f"<b>{h(matrix_heading(matrix))}</b>\n{h(matrix_summary(matrix))}"]
    for row in rows:
        cells = matrix.ordered_cells([row])
        statements = _plural(matrix.row_statements.get(row, 0), "statement")
        lines = [f"<b>{h(row)}</b> ({statements})", *(cell_line(cell) for cell in cells)]
        blocks.append("\n".join(lines))
    if len(rows) < len(matrix.rows):
        hidden = len(matrix.rows) - len(rows)
        blocks.append(
            f"…and {_plural(hidden, 'more ' + matrix.by.value)} with fewer statements; "
            "<code>/positions text TOPIC</code> shows one topic."
        )
    return "\n\n".join(blocks)


def row_heading(matrix: Matrix, row: str) -> str:
    """Above a row's cells, when a reader opens one row of the matrix."""
    label = "Side" if matrix.by is RowKind.side else "Speaker"
    return f"<b>{label}: {h(row)}</b>\n" + "\n".join(cell_line(cell) for cell in matrix.ordered_cells([row]))


def timeline_heading(timeline: Timeline) -> str:
    return f"Timeline · {timeline.subject.kind.value}: {timeline.subject.name}"


def timeline_caption(timeline: Timeline) -> str:
    points = timeline.points
    first, last = points[0], points[-1]
    lanes = "side" if timeline.subject.kind is SubjectKind.topic else "topic"
    stances = Counter(point.stance.value for point in points)
    common = ", ".join(f"{count} {stance}" for stance, count in stances.most_common(4))
    lines = [
        f"<b>{h(timeline_heading(timeline))}</b>",
        f"{_plural(timeline.statements, 'statement')} from {said_on(first.said_on, first.precision)} "
        f"to {said_on(last.said_on, last.precision)}, {_plural(len(timeline.lanes), lanes)}; {common}.",
    ]
    return "\n".join(lines)
