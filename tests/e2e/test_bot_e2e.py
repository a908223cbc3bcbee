"""Readers and admins end to end: `diplobot run` talking HTTP to the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.bot_process import bot_environment, diplobot_run
from tests.e2e.emulator import BOT_USERNAME, BotApiEmulator, BotMessage, EmulatedChat, EmulatorClient

ADMIN = 7001
READER = 7002
STARTUP_TIMEOUT = 30.0


@pytest.fixture
def bot_log(tmp_path: Path) -> Path:
    return tmp_path / "diplobot.log"


@pytest_asyncio.fixture
async def running(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient, tmp_path: Path, bot_log: Path
) -> AsyncIterator[EmulatorClient]:
    env = bot_environment(bot_api_emulator, bot_token, tmp_path / "bot.db", admin_ids=str(ADMIN))
    with diplobot_run(env, bot_log) as process:
        try:
            await emulator_client.wait_for_calls("getUpdates", timeout=STARTUP_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"diplobot did not start polling:\n{bot_log.read_text()}") from None
        yield emulator_client
        assert process.poll() is None, f"diplobot exited early:\n{bot_log.read_text()}"
    log = bot_log.read_text()
    assert process.returncode == 0, log
    assert "Application started" in log, "the log level in force hides the bot's own INFO lines"
    secret = bot_token.split(":", 1)[1]
    assert secret not in log, "the bot token leaked into the log"


async def _reply(client: EmulatorClient, chat_id: int, before: int, timeout: float = 10.0) -> BotMessage:
    messages = await client.wait_for_bot_messages(before + 1, chat_id=chat_id, timeout=timeout)
    return messages[-1]


async def test_commands_menu_is_set_for_everyone_and_for_admins(running: EmulatorClient) -> None:
    calls = await running.wait_for_calls("setMyCommands", count=4)
    scopes = [call.json_param("scope") for call in calls]
    assert {"type": "default"} in scopes
    assert {"type": "chat", "chat_id": ADMIN} in scopes
    admin_menu = next(call for call in calls if call.json_param("scope") == {"type": "chat", "chat_id": ADMIN})
    assert "add" in {command["command"] for command in admin_menu.json_param("commands")}


async def test_reader_asks_and_pages_through_the_answer(running: EmulatorClient) -> None:
    reader = running.user(READER)
    await reader.send_message("What was said about a ceasefire?")
    answer = await _reply(running, READER, 0)
    assert "ceasefire" in (answer.text or "").lower()
    assert answer.parse_mode == "HTML"
    assert "Next ▶" in [button["text"] for row in answer.inline_keyboard for button in row]

    await reader.press_button(answer, "Next ▶")
    await running.wait_for_calls("editMessageText")
    edited = next(message for message in await running.bot_messages(READER) if message.message_id == answer.message_id)
    assert "(6–" in (edited.text or "")
    assert "◀ Previous" in [button["text"] for row in edited.inline_keyboard for button in row]


async def test_admin_adds_in_one_line_and_a_reader_finds_it(running: EmulatorClient) -> None:
    admin = running.user(ADMIN, first_name="Admin")
    await admin.send_command(
        "/add Keir Starmer | 2025-11-26 | security_guarantees, foreign_troops | "
        "Britain would lead a reassurance force of several thousand troops after a ceasefire. | Press conference, London"
    )
    added = await _reply(running, ADMIN, 0)
    assert "Added" in (added.text or ""), added.text

    reader = running.user(READER)
    await reader.send_command("/search reassurance force")
    found = await _reply(running, READER, 0)
    assert "Keir Starmer" in (found.text or "")
    assert "reassurance force" in (found.text or "")


async def _press(client: EmulatorClient, user, chat_id: int, label: str) -> None:  # noqa: ANN001
    """Presses the button whose label contains `label` on the newest message showing one."""
    for message in reversed(await client.bot_messages(chat_id)):
        for row in message.inline_keyboard:
            for button in row:
                if label in button["text"]:
                    await user.press_button(message, button["text"])
                    return
    raise AssertionError(f"no button {label!r} in chat {chat_id}")


async def _wait_for_text(client: EmulatorClient, chat_id: int, fragment: str, timeout: float = 10.0) -> BotMessage:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for message in reversed(await client.bot_messages(chat_id)):
            if fragment in (message.text or ""):
                return message
        if asyncio.get_running_loop().time() > deadline:
            texts = [message.text for message in await client.bot_messages(chat_id)]
            raise AssertionError(f"no bot message with {fragment!r} in chat {chat_id}: {texts}")
        await asyncio.sleep(0.05)


async def test_admin_guided_add_with_button_presses(running: EmulatorClient) -> None:
    admin = running.user(ADMIN, first_name="Admin")
    await admin.send_command("/add")
    await _wait_for_text(running, ADMIN, "Who said it?")
    await admin.send_message("Emmanuel Macron")
    await _wait_for_text(running, ADMIN, "When was it said?")
    await admin.send_message("2025-11-26")
    await _wait_for_text(running, ADMIN, "Which topics?")
    await _press(running, admin, ADMIN, "security guarantees")
    await running.wait_for_calls("editMessageReplyMarkup")
    await _press(running, admin, ADMIN, "Done")
    await _wait_for_text(running, ADMIN, "What kind of statement is it?")
    await _press(running, admin, ADMIN, "commitment")
    await _wait_for_text(running, ADMIN, "Send the statement's text")
    await admin.send_message("France will provide air policing over western Ukraine after a ceasefire.")
    await _wait_for_text(running, ADMIN, "Where was it reported?")
    await admin.send_message("Elysee statement")
    await _wait_for_text(running, ADMIN, "Send the link")
    await _press(running, admin, ADMIN, "No link")
    await _wait_for_text(running, ADMIN, "Preview")
    await _press(running, admin, ADMIN, "Confirm")
    added = await _wait_for_text(running, ADMIN, "Added #")
    assert "air policing" in (added.text or "")

    reader = running.user(READER)
    await reader.send_command("/search air policing")
    found = await _reply(running, READER, 0)
    assert "Emmanuel Macron" in (found.text or "") and "air policing" in (found.text or "")


async def test_admin_adds_a_new_speaker_in_one_line_and_taps_the_side(running: EmulatorClient) -> None:
    admin = running.user(ADMIN, first_name="Admin")
    await admin.send_command(
        "/add Jane Example | 2025-11-27 | talks | Talks on a ceasefire will resume in Geneva next week. | Reuters"
    )
    await _wait_for_text(running, ADMIN, "Which side does")
    await _press(running, admin, ADMIN, "Ukraine")
    edited = await _wait_for_text(running, ADMIN, "side.")

    assert "Side: Ukraine" in (edited.text or ""), edited.text
    reader = running.user(READER)
    await reader.send_command("/search Geneva side:Ukraine")
    found = await _reply(running, READER, 0)
    assert "Jane Example" in (found.text or ""), found.text


async def test_non_admin_add_is_refused_and_changes_nothing(running: EmulatorClient) -> None:
    reader = running.user(READER)
    await reader.send_command("/add Somebody | 2025-11-26 | talks | A made-up statement about zebras. | Nowhere")
    refused = await _reply(running, READER, 0)
    assert "Only the bot's admins" in (refused.text or "")

    await reader.send_command("/search zebras")
    searched = await _reply(running, READER, 1)
    assert "No statement holds “zebras”." in (searched.text or "")


async def test_in_a_group_commands_work_and_plain_text_needs_a_mention(running: EmulatorClient) -> None:
    group = EmulatedChat.group(-5001)
    member = running.user(READER).in_chat(group)
    await member.send_command(f"/latest@{BOT_USERNAME}")
    latest = await _reply(running, group.id, 0)
    assert "Latest statements" in (latest.text or "")

    await member.send_message("what about Crimea, folks?")
    await member.send_message(f"@{BOT_USERNAME} What did Zelensky say about Crimea?")
    answer = await _reply(running, group.id, 1)
    assert "Crimea" in (answer.text or "")
    await asyncio.sleep(0.5)
    assert len(await running.bot_messages(group.id)) == 2, "the unaddressed message got an answer"


async def test_the_interface_speaks_the_readers_language(running: EmulatorClient) -> None:
    """A Ukrainian app gets Ukrainian; /language ru switches; the menus exist per language."""
    calls = await running.wait_for_calls("setMyCommands", count=4)
    assert {"uk", "ru"} <= {call.params.get("language_code") for call in calls}
    await running.wait_for_calls("setMyDescription", count=3)

    reader = running.user(7301, language_code="uk")
    await reader.send_command("/search")
    answer = await _reply(running, 7301, 0)
    assert (answer.text or "").startswith("Скажіть, що шукати"), answer.text

    await reader.send_command("/language ru")
    switched = await _reply(running, 7301, 1)
    assert switched.text == "✅ Теперь я говорю с вами по-русски."
    await reader.send_command("/language")
    offered = await _reply(running, 7301, 2)
    assert [button["text"] for row in offered.inline_keyboard for button in row] == ["English", "Українська", "Русский"]
