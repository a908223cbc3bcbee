"""The pictures: the position matrix as a grid, a timeline as dots over time. Drawn with
matplotlib's Agg canvas on figures of our own (no pyplot: no global state), laid out in
pixels so that every picture of the same shape has the same size and its cells sit where
`MatrixLayout` says. Callers run these in a worker thread; one lock keeps two drawings from
sharing matplotlib's font cache at the same moment."""

from __future__ import annotations

import io
import textwrap
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import Formatter

from bot.i18n import _, format_date, ngettext
from bot.positions.matrix import Cell, Matrix
from bot.positions.text import lane_name, matrix_heading, row_name, rows_counted, timeline_heading
from bot.positions.timeline import SubjectKind, Timeline, TimelinePoint
from bot.positions.vocabulary import family_of, stance_families
from bot.presentation.html import said_on
from bot.presentation.labels import label
from storage.models import DatePrecision, Stance

DPI = 100
#: Rows of a matrix picture and lanes of a timeline (the ones with most statements); the
#: JSON and the text carry them all.
MAX_ROWS = 40
#: Timelines of up to this many points label each with its ref; longer ones only each
#: lane's newest (labels of more would pile into an unreadable block).
MAX_LABELS = 60
EMPTY = "#EEEEEE"
INK = "#222222"
SHIFT_MARKER = "^"
CONDITION_MARKER = "D"
#: Marker shapes of the stances within a family, in the family's order.
_SHAPES = ("o", "s", "^", "D", "v")
_LOCK = threading.Lock()
_SLACK = 0.25


@contextmanager
def _drawing() -> Iterator[None]:
    """One drawing at a time; names and refs drawn as written (a "$" in them is no formula)."""
    with _LOCK, rc_context({"text.parse_math": False}):
        yield


@dataclass(frozen=True)
class MatrixLayout:
    """Where everything of a matrix picture goes, in pixels from the top left."""

    rows: int
    columns: int
    cell_width: int = 136
    cell_height: int = 64
    label_width: int = 200
    header_height: int = 96
    legend_height: int = 118
    margin: int = 16
    min_width: int = 600

    @property
    def width(self) -> int:
        return max(self.min_width, 2 * self.margin + self.label_width + self.columns * self.cell_width)

    @property
    def height(self) -> int:
        return self.header_height + max(self.rows, 1) * self.cell_height + self.legend_height + self.margin

    def cell_box(self, row: int, column: int) -> tuple[int, int, int, int]:
        """Left, top, width, height of a cell."""
        left = self.margin + self.label_width + column * self.cell_width
        return left, self.header_height + row * self.cell_height, self.cell_width, self.cell_height

    def swatch_point(self, row: int, column: int) -> tuple[int, int]:
        """A pixel of the cell that only its colour covers (below the text, off the markers)."""
        left, top, width, height = self.cell_box(row, column)
        return left + width // 2, top + int(height * 0.9)

    def shift_point(self, row: int, column: int) -> tuple[int, int]:
        left, top, width, _ = self.cell_box(row, column)
        return left + width - 13, top + 13

    def condition_point(self, row: int, column: int) -> tuple[int, int]:
        left, top, _, _ = self.cell_box(row, column)
        return left + 13, top + 13


@dataclass(frozen=True)
class TimelineLayout:
    lanes: int
    width: int = 1280
    lane_height: int = 44
    top: int = 76
    bottom: int = 120
    label_width: int = 210
    margin: int = 24

    @property
    def height(self) -> int:
        return self.top + max(self.lanes, 1) * self.lane_height + self.bottom


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named(ref: str, statement_id: int, limit: int) -> str:
    """A statement as a picture names it: its ref, or its number when the ref does not fit
    (`u1f2e3d4c5b6a` of a statement added in the bot); either can be typed back into
    /statement, never a clipped ref."""
    return ref if len(ref) <= limit else f"#{statement_id}"


def _figure(width: int, height: int) -> Figure:
    """A figure of exactly width x height pixels: Agg truncates inches x dpi, and 4.6 in
    at 100 dpi is 459.99... pixels, so a quarter pixel is added."""
    figure = Figure(figsize=((width + _SLACK) / DPI, (height + _SLACK) / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _canvas(width: int, height: int) -> tuple[Figure, Any]:
    figure = _figure(width, height)
    axes = figure.add_axes((0, 0, 1, 1))
    # Data coordinates are pixels from the top left.
    axes.set_xlim(0, width + _SLACK)
    axes.set_ylim(height + _SLACK, 0)
    axes.axis("off")
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _markers(axes: Any, points: list[tuple[float, float]], shape: str, face: str, edge: str, size: float = 8) -> None:
    """One artist for all marks of a kind (one per mark would cost a draw call each)."""
    if points:
        axes.plot(
            [x for x, _ in points],
            [y for _, y in points],
            marker=shape,
            markersize=size,
            markerfacecolor=face,
            markeredgecolor=edge,
            markeredgewidth=1.2,
            linestyle="none",
        )


def _draw_cells(axes: Any, layout: MatrixLayout, matrix: Matrix, rows: tuple[str, ...]) -> None:
    """Every cell's rectangle in one collection, then the words and the marks on top."""
    boxes, colours = [], []
    shifts: list[tuple[float, float]] = []
    conditions: list[tuple[float, float]] = []
    for row_index, row in enumerate(rows):
        for column, topic in enumerate(matrix.topics):
            cell = matrix.cell(row, topic)
            left, top, width, height = layout.cell_box(row_index, column)
            boxes.append(Rectangle((left + 1, top + 1), width - 2, height - 2))
            colours.append(family_of(cell.stance).colour if cell else EMPTY)
            if cell is None:
                continue
            _label_cell(axes, cell, left + width / 2, top, height)
            if cell.shift:
                shifts.append(layout.shift_point(row_index, column))
            if cell.conditional:
                conditions.append(layout.condition_point(row_index, column))
    axes.add_collection(PatchCollection(boxes, facecolors=colours, edgecolors="none", linewidths=0), autolim=False)
    _markers(axes, shifts, SHIFT_MARKER, INK, "white")
    _markers(axes, conditions, CONDITION_MARKER, "white", INK, 7)


#: Letters of a stance that fit a cell at 10 points in bold; longer words (Russian
#: "предупреждение") are drawn smaller rather than over the cell's edges.
_CELL_LETTERS = 13


def _label_cell(axes: Any, cell: Cell, centre: float, top: int, height: int) -> None:
    stance = label(cell.stance)
    axes.text(
        centre,
        top + height * 0.42,
        stance,
        ha="center",
        va="center",
        fontsize=10 * min(1.0, _CELL_LETTERS / len(stance)),
        fontweight="bold",
        color="white",
    )
    axes.text(
        centre,
        top + height * 0.7,
        f"{_named(cell.ref, cell.statement_id, 8)} · {said_on(cell.said_on, cell.precision)}",
        ha="center",
        va="center",
        fontsize=7,
        color="white",
    )


def _matrix_legend(axes: Any, layout: MatrixLayout, top: float) -> None:
    x = layout.margin
    y = top + 20
    swatches = []
    for family in stance_families():
        swatches.append(Rectangle((x, y - 7), 24, 14, facecolor=family.colour, edgecolor="none"))
        words = " · ".join(label(stance) for stance in family.stances)
        axes.text(x + 32, y, words, va="center", fontsize=9, color=INK)
        y += 19
    axes.add_collection(PatchCollection(swatches, match_original=True), autolim=False)
    _markers(axes, [(x + 12, y)], SHIFT_MARKER, INK, "white")
    shift = _("shift: the latest stance differs from the one before it")
    axes.text(x + 32, y, shift, va="center", fontsize=9, color=INK)
    y += 19
    _markers(axes, [(x + 12, y)], CONDITION_MARKER, "white", INK, 7)
    condition = _("conditional: a condition, or wording such as “only if”, “unless”")
    axes.text(x + 32, y, condition, va="center", fontsize=9, color=INK)


def _matrix_subtitle(matrix: Matrix, shown: int) -> str:
    rows = rows_counted(matrix.by, shown)
    if shown < len(matrix.rows):
        rows = _("the {rows} with most statements of {total}").format(rows=rows, total=len(matrix.rows))
    subtitle = _("each cell: the latest statement on the topic · {rows}").format(rows=rows)
    latest = matrix.latest
    if latest is not None:
        subtitle += " · " + _("as of {date}").format(date=said_on(latest.said_on, latest.precision))
    return subtitle


def draw_matrix(matrix: Matrix) -> bytes:
    rows = matrix.rows[:MAX_ROWS]
    layout = MatrixLayout(len(rows), len(matrix.topics))
    with _drawing():
        figure, axes = _canvas(layout.width, layout.height)
        axes.text(layout.margin, 26, matrix_heading(matrix), fontsize=14, fontweight="bold", va="center", color=INK)
        axes.text(layout.margin, 50, _matrix_subtitle(matrix, len(rows)), fontsize=9, va="center", color="#555555")
        for column, topic in enumerate(matrix.topics):
            left, top, width, _ = layout.cell_box(0, column)
            heading = textwrap.fill(label(topic), 13)
            axes.text(
                left + width / 2, top - 6, heading, ha="center", va="bottom", fontsize=9, fontweight="bold", color=INK
            )
        for index, row in enumerate(rows):
            _, top, _, height = layout.cell_box(index, 0)
            axes.text(
                layout.margin + layout.label_width - 10,
                top + height / 2,
                _clip(row_name(matrix.by, row), 26),
                ha="right",
                va="center",
                fontsize=9,
                color=INK,
            )
        _draw_cells(axes, layout, matrix, rows)
        _matrix_legend(axes, layout, layout.header_height + max(len(rows), 1) * layout.cell_height)
        return _png(figure)


def _span(point: TimelinePoint, day_zero: float) -> tuple[float, float]:
    """The first and last day the statement may have been made on, as matplotlib date
    numbers (`day_zero` plus the day's ordinal: date2num per point costs more than the
    rest of a timeline)."""
    if point.precision is DatePrecision.year:
        first, last = date(point.said_on.year, 1, 1), date(point.said_on.year, 12, 31)
    elif point.precision is DatePrecision.month:
        first = point.said_on.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        first = last = point.said_on
    return day_zero + first.toordinal(), day_zero + last.toordinal()


def _shape(stance: Stance) -> str:
    return _SHAPES[family_of(stance).stances.index(stance) % len(_SHAPES)]


#: Where ref labels go, in points from their dot: above, below, further above, further below.
_LABEL_OFFSETS = (8, -13, 17, -22)


def _labelled(points: list[TimelinePoint]) -> list[int]:
    """Which points get their ref written beside them (see MAX_LABELS), oldest first."""
    if len(points) <= MAX_LABELS:
        return list(range(len(points)))
    newest: dict[str, int] = {}
    for index, point in enumerate(points):
        newest[point.lane] = index
    return sorted(newest.values())


def _label_offsets(lanes: list[int], xs: list[float]) -> list[int]:
    """For each point, the first label position not crowded by the lane's previous label
    there (closer than 3% of the time shown); above when all are."""
    room = (max(xs) - min(xs)) * 0.03 if xs else 0.0
    last: dict[tuple[int, int], float] = {}
    offsets = []
    for lane, x in zip(lanes, xs, strict=True):
        offset = next(
            (offset for offset in _LABEL_OFFSETS if x - last.get((lane, offset), float("-inf")) > room),
            _LABEL_OFFSETS[0],
        )
        last[(lane, offset)] = x
        offsets.append(offset)
    return offsets


def _timeline_subtitle(timeline: Timeline, *, every_point: bool) -> str:
    by_side = timeline.subject.kind is SubjectKind.topic
    if every_point:
        refs = _("ref on each point")
    else:
        refs = _("ref on each side's newest") if by_side else _("ref on each topic's newest")
    parts = [
        ngettext("{count} statement", "{count} statements", timeline.statements).format(count=timeline.statements),
        _("one lane per side") if by_side else _("one lane per topic"),
        _("colour: stance family"),
        _("a bar spans a date known only to the month or year"),
        refs,
    ]
    return " · ".join(parts)


class DateLabels(Formatter):
    """The time axis in the reader's language (matplotlib's date formatters speak only
    English): years alone when every tick starts a year, else months, else days; the year
    is written on the first tick and wherever it changes."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_date(num2date(x).date(), "d MMM y")

    def format_ticks(self, values: Any) -> list[str]:
        days = [num2date(value).date() for value in values]
        if all(day.month == 1 and day.day == 1 for day in days):
            return [format_date(day, "y") for day in days]
        pattern = "LLL" if all(day.day == 1 for day in days) else "d MMM"
        years = [None, *(day.year for day in days)]
        return [
            format_date(day, pattern + " y" if day.year != year else pattern)
            for day, year in zip(days, years, strict=False)
        ]


def draw_timeline(timeline: Timeline) -> bytes:
    lanes = timeline.lanes[:MAX_ROWS]
    lane_of = {lane: index for index, lane in enumerate(lanes)}
    points = [point for point in timeline.points if point.lane in lane_of]
    layout = TimelineLayout(len(lanes))
    width, height = layout.width, layout.height
    with _drawing():
        figure = _figure(width, height)
        axes = figure.add_axes(
            (
                layout.label_width / width,
                layout.bottom / height,
                (width - layout.label_width - layout.margin) / width,
                (height - layout.top - layout.bottom) / height,
            )
        )
        figure.text(
            layout.margin / width,
            1 - 26 / height,
            _clip(timeline_heading(timeline), 90),
            fontsize=14,
            fontweight="bold",
            va="center",
            color=INK,
        )
        labelled = _labelled(points)
        figure.text(
            layout.margin / width,
            1 - 50 / height,
            _timeline_subtitle(timeline, every_point=len(labelled) == len(points)),
            fontsize=9,
            va="center",
            color="#555555",
        )
        day_zero = float(date2num(date(2000, 1, 1))) - date(2000, 1, 1).toordinal()
        spans = [_span(point, day_zero) for point in points]
        xs = [(start + end) / 2 for start, end in spans]
        ys = [lane_of[point.lane] for point in points]
        bars: defaultdict[str, list[tuple[int, float, float]]] = defaultdict(list)
        dots: defaultdict[Stance, list[int]] = defaultdict(list)
        for index, (point, (start, end)) in enumerate(zip(points, spans, strict=True)):
            if start != end:
                bars[family_of(point.stance).colour].append((ys[index], start, end))
            dots[point.stance].append(index)
        for colour, spanned in bars.items():
            lane_ys, starts, ends = zip(*spanned, strict=True)
            axes.hlines(lane_ys, starts, ends, colors=colour, linewidth=3, alpha=0.35)
        for stance, indexes in dots.items():
            axes.scatter(
                [xs[index] for index in indexes],
                [ys[index] for index in indexes],
                s=46,
                marker=_shape(stance),
                color=family_of(stance).colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
        offsets = _label_offsets([ys[index] for index in labelled], [xs[index] for index in labelled])
        for index, offset in zip(labelled, offsets, strict=True):
            axes.annotate(
                _named(points[index].ref, points[index].statement_id, 12),
                (xs[index], ys[index]),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=7,
                color=INK,
            )
        axes.set_yticks(range(len(lanes)), [_clip(lane_name(timeline, lane), 28) for lane in lanes], fontsize=9)
        axes.set_ylim(len(lanes) - 0.4, -0.6)
        axes.xaxis.set_major_locator(AutoDateLocator())
        axes.xaxis.set_major_formatter(DateLabels())
        axes.margins(x=0.04)
        axes.grid(axis="x", color="#DDDDDD", linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        present = {point.stance for point in points}
        handles = [
            Line2D(
                [], [], marker=_shape(stance), linestyle="none", markersize=8, color=family.colour, label=label(stance)
            )
            for family in stance_families()
            for stance in family.stances
            if stance in present
        ]
        figure.legend(
            handles=handles,
            loc="lower center",
            ncol=min(6, len(handles)),
            frameon=False,
            fontsize=9,
            bbox_to_anchor=(0.5, 6 / height),
        )
        return _png(figure)
