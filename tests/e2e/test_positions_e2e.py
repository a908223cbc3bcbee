"""`/positions` and `/timeline` end to end: `diplobot run` sends the pictures over HTTP to the
Bot API emulator, which keeps the uploaded bytes; a reader presses the buttons under them."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.emulator import BotMessage, EmulatorClient
from tests.e2e.test_bot_e2e import READER, _reply, bot_log, running  # noqa: F401 - fixtures used by name

PHOTO_TIMEOUT = 60.0


def picture(message: BotMessage) -> Image.Image:
    assert message.photo is not None and message.photo.content is not None, message.raw
    image = Image.open(io.BytesIO(message.photo.content))
    assert image.format == "PNG"
    assert image.size == (message.photo.width, message.photo.height)
    return image


async def test_positions_arrives_as_a_photo_whose_buttons_open_cells(running: EmulatorClient) -> None:  # noqa: F811
    reader = running.user(READER)
    await reader.send_command("/positions")
    photo = await _reply(running, READER, 0, timeout=PHOTO_TIMEOUT)
    assert picture(photo).size[0] > 1000
    assert "6 sides × 10 topics" in (photo.caption or "")
    assert photo.parse_mode == "HTML"
    [action] = await running.calls("sendChatAction")
    assert action.params["action"] == "upload_photo"

    await reader.press_button(photo, "Russia · 8 topics")
    await running.wait_for_calls("editMessageReplyMarkup")
    cells = next(message for message in await running.bot_messages(READER) if message.message_id == photo.message_id)
    assert "territory · demand ▲ ◆" in [button["text"] for row in cells.inline_keyboard for button in row]

    await reader.press_button(cells, "territory · demand ▲ ◆")
    statements = await _reply(running, READER, 1)
    assert (statements.text or "").startswith("<b>Russia · territory</b>: 3 statements, newest first")


async def test_timeline_arrives_as_a_photo(running: EmulatorClient) -> None:  # noqa: F811
    reader = running.user(READER)
    await reader.send_command("/timeline Путин")
    photo = await _reply(running, READER, 0, timeout=PHOTO_TIMEOUT)
    assert picture(photo).size[0] == 1280
    assert (photo.caption or "").startswith("<b>Timeline · speaker: Vladimir Putin</b>")
