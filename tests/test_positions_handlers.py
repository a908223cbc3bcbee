"""`/positions` and `/timeline` in process: real handlers and database, `LocalBotApi` as
Telegram (it records the photos sent, with their bytes). On SQLite: the queries behind
these handlers run on both engines in tests/test_positions.py, and drawing is the same."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image

from storage.engine import Database
from tests.bot_harness import READER_ID, BotHarness, running_bot

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest_asyncio.fixture
async def bot(shared_sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(shared_sample_database) as harness:
        yield harness


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


def button(message: dict[str, Any], starts: str) -> str:
    found = [item["callback_data"] for item in buttons(message) if item["text"].startswith(starts)]
    assert found, f"no button starting {starts!r}: {[item['text'] for item in buttons(message)]}"
    return found[0]


def photo_of(bot: BotHarness) -> Image.Image:
    call = bot.calls("sendPhoto")[-1]
    name, data = call.files["photo"]
    assert name.endswith(".png")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


async def test_positions_sends_the_matrix_as_a_photo_with_a_summary_and_row_buttons(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/positions")
    assert [call.method for call in bot.api.calls[-2:]] == ["sendChatAction", "sendPhoto"]
    photo = user.last_message()
    assert "<b>Positions by side · all topics</b>" in photo["caption"]
    assert "6 sides × 10 topics: 31 positions, 18 shifts, 7 conditional." in photo["caption"]
    assert photo_of(bot).size == (photo["photo"][0]["width"], photo["photo"][0]["height"])
    assert [item["text"] for item in buttons(photo)] == [
        "United States · 8 topics",
        "Russia · 8 topics",
        "Ukraine · 7 topics",
        "France · 4 topics",
        "European Union · 2 topics",
        "United Kingdom · 2 topics",
    ]
    assert all(len(item["callback_data"].encode()) < 64 for item in buttons(photo))


async def test_a_row_button_opens_its_cells_and_a_cell_its_statements(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/positions")
    photo = user.last_message()
    await user.press(photo, button(photo, "Russia"))
    edited = bot.calls("editMessageReplyMarkup")[-1]
    assert int(edited.params["message_id"]) == photo["message_id"]
    cells = user.last_message()
    labels = [item["text"] for item in buttons(cells)]
    assert "territory · demand ▲ ◆" in labels and "battlefield · claim" in labels
    assert labels[-1] == "◀ All sides"
    assert all(len(item["callback_data"].encode()) < 64 for item in buttons(cells))

    await user.press(cells, button(cells, "territory"))
    text = bot.last_text(user.chat_id)
    assert text.startswith("<b>Russia · territory</b>: 3 statements, newest first")
    assert text.index("/statement_23") < text.index("/statement_43") < text.index("/statement_14")
    assert "in exchange for freezing the front line" in text

    await user.press(cells, button(cells, "◀"))
    again = bot.api.messages[(user.chat_id, photo["message_id"])]
    assert [item["text"] for item in buttons(again)][1] == "Russia · 8 topics"


async def test_positions_for_one_topic_has_a_button_per_cell(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/positions Territory")
    photo = user.last_message()
    assert "Positions by side · territory" in photo["caption"]
    assert [item["text"] for item in buttons(photo)] == [
        "United States · proposal ◆",
        "Russia · demand ▲ ◆",
        "Ukraine · rejection ▲",
    ]
    await user.press(photo, button(photo, "Ukraine"))
    assert bot.last_text(user.chat_id).startswith("<b>Ukraine · territory</b>: 3 statements")


@pytest.mark.parametrize("word", ["text", "текст", "Текстом", "словами"])
async def test_positions_text_says_the_same_in_words(bot: BotHarness, word: str) -> None:
    user = bot.user()
    await user.send(f"/positions {word} territory")
    text = bot.last_text(user.chat_id)
    assert not bot.calls("sendPhoto")
    assert "<b>Russia</b> (3 statements)" in text
    assert "• territory: <b>demand</b>, 16 Aug 2025; shifted from condition; conditional — /statement_23" in text
    await user.send(f"/positions {word}")
    assert "<b>United Kingdom</b> (1 statement)" in bot.last_text(user.chat_id)


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/positions zebras", "⚠️ topic: unknown topic 'zebras'"),
        ("/positions territory, talks", "⚠️ topic: one topic at a time"),
        ("/timeline", "Whose timeline?"),
        ("/timeline zebras", "⚠️ nothing in the record is called 'zebras'"),
        ("/timeline <b>Putin", "⚠️ nothing in the record is called '&lt;b&gt;Putin'"),
    ],
)
async def test_bad_input_gets_a_specific_answer_and_no_picture(bot: BotHarness, command: str, answer: str) -> None:
    user = bot.user()
    await user.send(command)
    assert bot.last_text(user.chat_id).startswith(answer)
    assert not bot.calls("sendPhoto") and not bot.calls("sendChatAction")


@pytest.mark.parametrize(
    ("command", "heading"),
    [
        ("/timeline Путін", "Timeline · speaker: Vladimir Putin"),
        ("/timeline Зеленського", "Timeline · speaker: Volodymyr Zelensky"),
        ("/timeline Путина", "Timeline · speaker: Vladimir Putin"),
        ("/timeline ukraine", "Timeline · side: Ukraine"),
        ("/timeline security guarantees", "Timeline · topic: security guarantees"),
    ],
)
async def test_timeline_sends_a_picture(bot: BotHarness, command: str, heading: str) -> None:
    user = bot.user()
    await user.send(command)
    photo = user.last_message()
    assert photo["caption"].startswith(f"<b>{heading}</b>")
    assert photo_of(bot).size[0] == 1280


async def test_the_timelines_caption_counts_stances_in_their_plural(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/timeline Putin")
    assert "6 topics; 2 conditions, 1 proposal, 1 assessment, 1 demand and 2 more." in user.last_message()["caption"]
    await bot.user(language_code="uk").send("/timeline Putin")
    assert "2 умови, 1 пропозиція, 1 оцінка, 1 вимога і ще 2." in user.last_message()["caption"]


async def test_help_and_the_menu_name_both_commands(bot: BotHarness) -> None:
    user = bot.user(READER_ID)
    await user.send("/help")
    help_text = bot.last_text(user.chat_id)
    assert "/positions [TOPIC]" in help_text and "/timeline NAME|TOPIC" in help_text
    menu = {command["command"] for command in bot.calls("setMyCommands")[0].params["commands"]}
    assert {"positions", "timeline"} <= menu


async def test_a_stale_button_says_so(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/positions")
    photo = user.last_message()
    for data in ("po:c:s:999999:territory", "po:r:s:999999", "po:c:s:23:nato", "po:x:s:1", "po:c:q:23:talks"):
        await user.press(photo, data)
        assert "The record has changed" in bot.calls("answerCallbackQuery")[-1].params["text"]
