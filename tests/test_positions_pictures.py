"""The pictures, decoded as a viewer would: each is a PNG of the size its layout promises,
and every cell of the matrix is painted in its stance family's colour, with the shift and
condition marks where the data has them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from matplotlib.text import Text
from PIL import Image

from bot.positions.matrix import Matrix
from bot.positions.render import EMPTY, MAX_ROWS, MatrixLayout, TimelineLayout, draw_matrix
from bot.positions.service import matrix_picture, timeline_picture
from bot.positions.timeline import resolve_subject
from bot.positions.vocabulary import family_of, stance_families
from storage.engine import Database
from storage.errors import NotFound
from storage.models import Topic
from storage.positions import RowKind
from storage.statements import add_statement
from storage.validation import validate_statement


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def pixel(image: Image.Image, point: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(point)
    assert isinstance(value, tuple)
    return value


def is_dark(colour: tuple[int, ...]) -> bool:
    return max(colour) < 90


async def test_the_matrix_picture_paints_every_cell_in_its_family_colour(shared_sample_database: Database) -> None:
    matrix, png = await matrix_picture(shared_sample_database)
    image = decoded(png)
    layout = MatrixLayout(len(matrix.rows), len(matrix.topics))
    assert image.size == (layout.width, layout.height) == (2 * 16 + 200 + 10 * 136, 96 + 6 * 64 + 118 + 16)
    painted = 0
    for row_index, row in enumerate(matrix.rows):
        for column, topic in enumerate(matrix.topics):
            cell = matrix.cell(row, topic)
            swatch = pixel(image, layout.swatch_point(row_index, column))
            if cell is None:
                assert swatch == rgb(EMPTY), (row, topic)
                continue
            colour = rgb(family_of(cell.stance).colour)
            assert swatch == colour, (row, topic, cell.stance)
            assert is_dark(pixel(image, layout.shift_point(row_index, column))) == cell.shift, (row, topic)
            condition_mark = pixel(image, layout.condition_point(row_index, column))
            assert (condition_mark != colour) == cell.conditional, (row, topic)
            painted += 1
    assert painted == len(matrix.cells) == 31


async def test_russia_on_territory_is_drawn_as_a_pressing_shifted_conditional_cell(
    shared_sample_database: Database,
) -> None:
    matrix, png = await matrix_picture(shared_sample_database)
    image = decoded(png)
    layout = MatrixLayout(len(matrix.rows), len(matrix.topics))
    row, column = matrix.rows.index("Russia"), matrix.topics.index("territory")
    pressing = next(family for family in stance_families() if family.name == "pressing")
    assert pixel(image, layout.swatch_point(row, column)) == rgb(pressing.colour)
    assert is_dark(pixel(image, layout.shift_point(row, column)))
    assert pixel(image, layout.condition_point(row, column)) == (255, 255, 255)


async def test_one_topic_makes_a_narrow_picture(shared_sample_database: Database) -> None:
    matrix, png = await matrix_picture(shared_sample_database, topic=Topic.territory)
    layout = MatrixLayout(3, 1)
    assert decoded(png).size == (layout.width, layout.height) == (600, 96 + 3 * 64 + 118 + 16)
    assert [cell.ref for cell in matrix.ordered_cells()] == ["s36", "s23", "s20"]


async def test_a_picture_is_drawn_once_per_version_of_the_record(shared_sample_database: Database) -> None:
    _, first = await matrix_picture(shared_sample_database, RowKind.speaker, Topic.territory)
    _, second = await matrix_picture(shared_sample_database, RowKind.speaker, Topic.territory)
    assert second is first


def test_the_picture_keeps_the_rows_with_most_statements() -> None:
    rows = tuple(f"speaker {index}" for index in range(MAX_ROWS + 5))
    many = Matrix(RowKind.speaker, Topic.talks, rows, ("talks",), {}, {})
    assert decoded(draw_matrix(many)).size == (600, MatrixLayout(MAX_ROWS, 1).height)


async def test_an_empty_record_has_no_picture(database: Database) -> None:
    with pytest.raises(NotFound, match="no statements in the record yet"):
        await matrix_picture(database)


@pytest.mark.parametrize(("name", "lanes"), [("territory", 3), ("Putin", 6), ("Ukraine", 7)])
async def test_timeline_pictures_show_each_stance_family_present(
    shared_sample_database: Database, name: str, lanes: int
) -> None:
    timeline, png = await timeline_picture(shared_sample_database, await resolve_subject(shared_sample_database, name))
    image = decoded(png)
    assert len(timeline.lanes) == lanes
    layout = TimelineLayout(lanes)
    assert image.size == (layout.width, layout.height) == (1280, 76 + lanes * 44 + 120)
    counts = {colour: count for count, colour in image.getcolors(maxcolors=1 << 20) or []}
    for family in {family_of(point.stance) for point in timeline.points}:
        assert counts.get(rgb(family.colour), 0) > 20, f"no {family.name} dots in the {name} timeline"


async def test_pictures_name_a_statement_so_that_it_can_be_typed_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ref too long for its place (that of a statement added in the bot, `u1f2e…`) is
    drawn as the statement's number, never clipped into something /statement cannot read;
    a short ref is drawn as it is."""
    import bot.positions.render as render

    drawn: list[str] = []
    real_png = render._png

    def capture(figure: Any) -> bytes:
        drawn.extend(text.get_text() for text in figure.findobj(Text))
        return real_png(figure)

    monkeypatch.setattr(render, "_png", capture)
    for ref, side in ((None, "Russia"), ("s2", "Ukraine")):
        values = {
            "speaker": f"Speaker of {side}",
            "side": side,
            "said_on": "2025-08-16",
            "topics": ["territory"],
            "stance": "demand",
            "text": "Words.",
            "source": "Wire",
        }
        await add_statement(database, validate_statement({**values, "ref": ref} if ref else values), "seed")

    await matrix_picture(database)
    await timeline_picture(database, await resolve_subject(database, "territory"))

    assert "#1 · 16 Aug 2025" in drawn and "s2 · 16 Aug 2025" in drawn
    assert "#1" in drawn and "s2" in drawn
    assert not [label for label in drawn if label.startswith("u")]
