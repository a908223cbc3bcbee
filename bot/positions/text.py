"""Positions in words: the captions under the pictures, and the whole matrix as text for
screen readers and terminals (every mark of the picture said in words), in the reader's
language. The pictures take their headings and names from here too, so that a picture and
its caption never say a thing two ways."""

from __future__ import annotations

from collections import Counter

from bot.i18n import _, ngettext
from bot.positions.matrix import Cell, Matrix
from bot.positions.timeline import SubjectKind, Timeline
from bot.presentation.html import h, said_on
from bot.presentation.labels import label, side_name, speaker_name, stance_count
from storage.positions import RowKind


def row_name(by: RowKind, row: str) -> str:
    """A row of the matrix (a side or a speaker as the record spells it) as readers see it."""
    return side_name(row) if by is RowKind.side else speaker_name(row)


def lane_name(timeline: Timeline, lane: str) -> str:
    """A topic's timeline has a lane per side; the others a lane per topic."""
    return side_name(lane) if timeline.subject.kind is SubjectKind.topic else label(lane)


def rows_counted(by: RowKind, count: int) -> str:
    if by is RowKind.side:
        return ngettext("{count} side", "{count} sides", count).format(count=count)
    return ngettext("{count} speaker", "{count} speakers", count).format(count=count)


def matrix_heading(matrix: Matrix) -> str:
    scope = label(matrix.topic.value) if matrix.topic else _("all topics")
    if matrix.by is RowKind.side:
        return _("Positions by side · {scope}").format(scope=scope)
    return _("Positions by speaker · {scope}").format(scope=scope)


def matrix_summary(matrix: Matrix) -> str:
    """One sentence of counts: how many rows, cells, shifts and conditional positions."""
    topics = len(matrix.topics)
    positions, shifts, conditionals = len(matrix.cells), matrix.shifts, matrix.conditionals
    text = _("{rows} × {topics}: {positions}, {shifts}, {conditionals}.").format(
        rows=rows_counted(matrix.by, len(matrix.rows)),
        topics=ngettext("{count} topic", "{count} topics", topics).format(count=topics),
        positions=ngettext("{count} position", "{count} positions", positions).format(count=positions),
        shifts=ngettext("{count} shift", "{count} shifts", shifts).format(count=shifts),
        conditionals=ngettext("{count} conditional", "{count} conditional", conditionals).format(count=conditionals),
    )
    latest = matrix.latest
    if latest is not None:
        text += " " + _("Latest statement: {date}.").format(date=said_on(latest.said_on, latest.precision))
    return text


def _tap_hint(matrix: Matrix) -> str:
    if matrix.topic or len(matrix.topics) == 1:
        return _("Tap a cell to open its statements. <code>/positions text</code> says it in words.")
    if matrix.by is RowKind.side:
        return _("Tap a side to open its statements. <code>/positions text</code> says it in words.")
    return _("Tap a speaker to open its statements. <code>/positions text</code> says it in words.")


def matrix_caption(matrix: Matrix, *, buttons: bool) -> str:
    """Under the picture: well within Telegram's 1024 characters (names are at most 200)."""
    lines = [f"<b>{h(matrix_heading(matrix))}</b>", h(matrix_summary(matrix))]
    if buttons:
        lines.append(_tap_hint(matrix))
    return "\n".join(lines)


def cell_line(cell: Cell, *, with_topic: bool = True) -> str:
    parts = [f"<b>{h(label(cell.stance))}</b>, {said_on(cell.said_on, cell.precision)}"]
    if cell.shift and cell.previous_stance is not None:
        parts.append(_("shifted from {stance}").format(stance=h(label(cell.previous_stance))))
    if cell.conditional:
        parts.append(_("conditional"))
    head = f"{h(label(cell.topic))}: " if with_topic else ""
    earlier = len(cell.history) - 1
    more = ngettext("{count} earlier statement", "{count} earlier statements", earlier).format(count=earlier)
    return f"• {head}{'; '.join(parts)} — /statement_{cell.statement_id}" + (f", {more}" if earlier else "")


def _hidden_rows(matrix: Matrix, count: int) -> str:
    if matrix.by is RowKind.side:
        message = ngettext(
            "…and {count} more side with fewer statements; <code>/positions text TOPIC</code> shows one topic.",
            "…and {count} more sides with fewer statements; <code>/positions text TOPIC</code> shows one topic.",
            count,
        )
    else:
        message = ngettext(
            "…and {count} more speaker with fewer statements; <code>/positions text TOPIC</code> shows one topic.",
            "…and {count} more speakers with fewer statements; <code>/positions text TOPIC</code> shows one topic.",
            count,
        )
    return message.format(count=count)


def matrix_html(matrix: Matrix, *, max_rows: int | None = None) -> str:
    """The matrix row by row: each row's latest stance on each topic, shifts and
    conditions spelled out, each with the statement to open."""
    if not matrix.cells:
        if matrix.topic:
            return _("No statements in the record on {topic} yet.").format(topic=h(label(matrix.topic.value)))
        return _("No statements in the record yet.")
    rows = matrix.rows if max_rows is None else matrix.rows[:max_rows]
    blocks = [f"<b>{h(matrix_heading(matrix))}</b>\n{h(matrix_summary(matrix))}"]
    for row in rows:
        cells = matrix.ordered_cells([row])
        count = matrix.row_statements.get(row, 0)
        statements = ngettext("{count} statement", "{count} statements", count).format(count=count)
        lines = [f"<b>{h(row_name(matrix.by, row))}</b> ({statements})", *(cell_line(cell) for cell in cells)]
        blocks.append("\n".join(lines))
    if len(rows) < len(matrix.rows):
        blocks.append(_hidden_rows(matrix, len(matrix.rows) - len(rows)))
    return "\n\n".join(blocks)


def timeline_heading(timeline: Timeline) -> str:
    subject = timeline.subject
    if subject.kind is SubjectKind.topic:
        return _("Timeline · topic: {name}").format(name=label(subject.key))
    if subject.kind is SubjectKind.side:
        return _("Timeline · side: {name}").format(name=side_name(subject.name))
    return _("Timeline · speaker: {name}").format(name=speaker_name(subject.name))


def timeline_lanes(timeline: Timeline, count: int) -> str:
    if timeline.subject.kind is SubjectKind.topic:
        return ngettext("{count} side", "{count} sides", count).format(count=count)
    return ngettext("{count} topic", "{count} topics", count).format(count=count)


#: The commonest stances a timeline's caption names; the picture's legend shows them all.
_SHOWN_STANCES = 4


def timeline_caption(timeline: Timeline) -> str:
    points = timeline.points
    first, last = points[0], points[-1]
    # A statement on two topics is a point in each lane, but one stance.
    stances = Counter({point.statement_id: point.stance for point in points}.values())
    shown = stances.most_common(_SHOWN_STANCES)
    common = ", ".join(stance_count(stance, count) for stance, count in shown)
    others = stances.total() - sum(count for _stance, count in shown)
    if others:
        # The counts add up to the statements the caption names, the rest said as a number.
        common = _("{stances} and {count} more").format(stances=common, count=others)
    statements = ngettext("{count} statement, {dates}", "{count} statements, {dates}", timeline.statements)
    # The span as every reply shows one: "13 Mar 2025 – 21 Nov 2025".
    since, until = said_on(first.said_on, first.precision), said_on(last.said_on, last.precision)
    summary = _("{statements}, {lanes}; {stances}.").format(
        statements=statements.format(
            count=timeline.statements, dates=since if since == until else f"{since} – {until}"
        ),
        lanes=timeline_lanes(timeline, len(timeline.lanes)),
        stances=common,
    )
    return "\n".join([f"<b>{h(timeline_heading(timeline))}</b>", summary])
