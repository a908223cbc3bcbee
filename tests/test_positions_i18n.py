"""`/positions` and `/timeline` in the reader's language: the words, the side and topic
names and the dates of the text, the captions and the pictures (whose Cyrillic must be
drawn with the font's glyphs, not empty boxes)."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from matplotlib.dates import date2num

from bot.i18n import use_language
from bot.positions.matrix import Matrix
from bot.positions.render import DateLabels, draw_matrix, draw_timeline
from bot.positions.service import position_matrix, timeline_picture
from bot.positions.timeline import resolve_subject
from bot.presentation.labels import side_name
from storage.engine import Database
from storage.models import Topic
from storage.positions import RowKind
from tests.bot_harness import BotHarness, running_bot
from tests.test_positions_handlers import buttons, photo_of

#: Drawing and wording are the same on both engines (the queries run on both in tests/test_positions.py).
on_sqlite = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)

UKRAINIAN = 1201
RUSSIAN = 1202
ENGLISH = 1203
SIDES = Path(__file__).resolve().parent.parent / "bot" / "data" / "vocabulary" / "sides.json"


@pytest_asyncio.fixture
async def bot(shared_sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(shared_sample_database) as harness:
        yield harness


@on_sqlite
async def test_a_ukrainian_readers_positions_text_is_in_ukrainian(bot: BotHarness) -> None:
    await bot.user(UKRAINIAN, language_code="uk").send("/positions text")
    text = bot.last_text(UKRAINIAN)
    assert text.startswith(
        "<b>Позиції за сторонами · усі теми</b>\n"
        "6 сторін × 10 тем: 31 позиція, 18 змін, 7 умовних. Остання заява: 25 лист. 2025."
    )
    assert "<b>США</b> (16 заяв)" in text and "<b>Європейський Союз</b> (1 заява)" in text
    assert "• території: <b>вимога</b>, 16 серп. 2025; раніше: умова; з умовою — /statement_23" in text
    # the three plural forms of Ukrainian
    assert "1 попередня заява" in text and "4 попередні заяви" in text and "8 попередніх заяв" in text
    assert "Positions" not in text and "shifted" not in text and "territory" not in text


@on_sqlite
async def test_a_ukrainian_readers_timeline_is_in_ukrainian(bot: BotHarness) -> None:
    user = bot.user(UKRAINIAN, language_code="uk")
    await user.send("/timeline territory")
    assert user.last_message()["caption"] == (
        "<b>Хронологія · тема: території</b>\n"
        "12 заяв, 12 лют. 2025 – 20 лист. 2025, 3 сторони; 4 оцінки, 2 відмови, 2 вимоги, 2 умови і ще 2."
    )
    await user.send("/timeline Putin")
    assert user.last_message()["caption"].startswith(
        "<b>Хронологія · мовець: Володимир Путін</b>\n7 заяв, 13 бер. 2025 – 21 лист. 2025,"
    )


@on_sqlite
async def test_a_russian_readers_positions_picture_comes_with_a_russian_caption(bot: BotHarness) -> None:
    await bot.user(ENGLISH, language_code="en").send("/positions")
    english = bot.calls("sendPhoto")[-1].files["photo"][1]
    user = bot.user(RUSSIAN, language_code="ru")
    await user.send("/positions")
    photo = user.last_message()
    assert photo["caption"] == (
        "<b>Позиции по сторонам · все темы</b>\n"
        "6 сторон × 10 тем: 31 позиция, 18 изменений, 7 условных. Последнее заявление: 25 нояб. 2025.\n"
        "Нажмите на сторону, чтобы открыть её заявления. <code>/positions text</code> расскажет то же самое словами."
    )
    assert [item["text"] for item in buttons(photo)][:3] == ["США · 8 тем", "Россия · 8 тем", "Украина · 7 тем"]
    # The same record drawn in Russian is another picture of the same size, not the English one from the cache.
    assert bot.calls("sendPhoto")[-1].files["photo"][1] != english
    assert photo_of(bot).size == (photo["photo"][0]["width"], photo["photo"][0]["height"])


def missing_glyphs(draw: Callable[[], bytes]) -> list[str]:
    """What matplotlib says it drew as an empty box (a glyph its font does not have)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]


@on_sqlite
@pytest.mark.parametrize("language", ["uk", "ru"])
async def test_cyrillic_pictures_are_drawn_with_real_glyphs(shared_sample_database: Database, language: str) -> None:
    with use_language(language):
        matrix = await position_matrix(shared_sample_database, RowKind.speaker)
        assert missing_glyphs(lambda: draw_matrix(matrix)) == []
        subject = await resolve_subject(shared_sample_database, "Ukraine")
        timeline, _ = await timeline_picture(shared_sample_database, subject)
        assert missing_glyphs(lambda: draw_timeline(timeline)) == []


def test_a_glyph_the_font_lacks_is_noticed() -> None:
    """The check above can fail: a name in Chinese characters is drawn as boxes."""
    named = Matrix(RowKind.speaker, Topic.talks, ("习近平",), ("talks",), {}, {})
    assert missing_glyphs(lambda: draw_matrix(named))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Aug 2025", "Sep", "Jan 2026"]),
        ("uk", ["серп. 2025", "вер.", "січ. 2026"]),
        ("ru", ["авг. 2025", "сент.", "янв. 2026"]),
    ],
)
def test_the_time_axis_names_months_in_the_readers_language(language: str, expected: list[str]) -> None:
    ticks = [date2num(day) for day in (date(2025, 8, 1), date(2025, 9, 1), date(2026, 1, 1))]
    with use_language(language):
        assert DateLabels().format_ticks(ticks) == expected
        assert DateLabels().format_ticks([date2num(date(2025, 1, 1)), date2num(date(2026, 1, 1))]) == ["2025", "2026"]
        days = DateLabels().format_ticks([date2num(date(2025, 8, 16)), date2num(date(2025, 8, 23))])
    assert days[0].startswith("16 ") and days[0].endswith(" 2025") and not days[1].endswith("2025")


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_side_of_the_vocabulary_has_its_name_in_the_readers_language(language: str) -> None:
    sides = [item["side"] for item in json.loads(SIDES.read_text("utf-8"))["sides"]]
    with use_language(language):
        untranslated = [side for side in sides if side_name(side) == side and side != "G7"]
        assert untranslated == []
        assert side_name("Atlantis") == "Atlantis"
