"""The e2e harness itself: a real python-telegram-bot application against the emulator.

Each launcher.js patch has a test here that fails without it.
"""

import asyncio
import datetime as dtm
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.e2e.emulator import (
    BOT_USERNAME,
    BotApiEmulator,
    EmulatedChat,
    EmulatorClient,
    missing_requirement,
    polling,
)

pytestmark = pytest.mark.asyncio

DOCUMENT = b"order log\nA Par - Bur\n"


@dataclass
class Seen:
    """What the bot's handlers saw, including what the Bot API answered them."""

    texts: list[tuple[str, str, int]] = field(default_factory=list)
    sent: list[Message] = field(default_factory=list)
    edited: list[Message | bool] = field(default_factory=list)


def build_bot(emulator: BotApiEmulator, token: str, seen: Seen) -> Application[Any, Any, Any, Any, Any, Any]:
    """A tiny bot: echoes text, /menu shows a button that edits its message, /doc uploads."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        seen.texts.append((message.text, message.chat.type, message.chat.id))
        seen.sent.append(await message.reply_text(f"echo: {message.text}"))

    async def menu(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Hold", callback_data="hold:1")]])
        await update.effective_message.reply_text("Choose an order", reply_markup=keyboard)

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        seen.edited.append(await query.edit_message_text(f"Ordered {query.data}"))

    async def send_doc(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.sent.append(
            await update.effective_message.reply_document(
                io.BytesIO(DOCUMENT), filename="orders.txt", caption="Orders so far"
            )
        )

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await application.bot.set_my_commands([BotCommand("menu", "Show orders")], scope=BotCommandScopeAllGroupChats())

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .post_init(post_init)
        .build()
    )
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CommandHandler("doc", send_doc))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


@pytest_asyncio.fixture
async def seen(bot_api_emulator: BotApiEmulator, bot_token: str) -> AsyncIterator[Seen]:
    """Runs the tiny bot for one test and hands over what its handlers saw."""
    seen = Seen()
    async with polling(build_bot(bot_api_emulator, bot_token, seen)):
        yield seen


async def test_get_me(bot_api_emulator: BotApiEmulator, bot_token: str) -> None:
    application = build_bot(bot_api_emulator, bot_token, Seen())
    async with application:
        me = await application.bot.get_me()
    assert me.is_bot
    assert me.username == BOT_USERNAME


async def test_private_message_is_answered(seen: Seen, emulator_client: EmulatorClient) -> None:
    user = emulator_client.user(1001, first_name="Anna")
    await user.send_message("hello")

    [reply] = await emulator_client.wait_for_bot_messages(1, chat_id=1001)

    assert seen.texts == [("hello", "private", 1001)]
    assert reply.text == "echo: hello"
    # What the bot got back from sendMessage describes the stored message, dated in seconds.
    [sent] = seen.sent
    assert sent.message_id == reply.message_id
    assert abs(sent.date - dtm.datetime.now(dtm.UTC)) < dtm.timedelta(minutes=1)


async def test_group_messages_are_answered_in_the_group(seen: Seen, emulator_client: EmulatorClient) -> None:
    group = EmulatedChat.group(-2001, title="Spring 1901")
    await emulator_client.user(1001, chat=group).send_message("from anna")
    await emulator_client.user(1002, chat=group).send_message("from bob")

    replies = await emulator_client.wait_for_bot_messages(2, chat_id=group.id)

    assert [reply.text for reply in replies] == ["echo: from anna", "echo: from bob"]
    assert seen.texts == [("from anna", "group", -2001), ("from bob", "group", -2001)]
    assert await emulator_client.bot_messages(chat_id=1001) == []


async def test_button_press_edits_the_message(seen: Seen, emulator_client: EmulatorClient) -> None:
    user = emulator_client.user(1001)
    await user.send_command("/menu")
    [menu] = await emulator_client.wait_for_bot_messages(1, chat_id=1001)
    assert [[button["text"] for button in row] for row in menu.inline_keyboard] == [["Hold"]]

    await user.press_button(menu, "Hold")
    await emulator_client.wait_for_calls("editMessageText")

    [edited] = await emulator_client.bot_messages(chat_id=1001)
    assert edited.message_id == menu.message_id
    assert edited.text == "Ordered hold:1"
    # Telegram drops the keyboard of a message edited without one.
    assert edited.inline_keyboard == []
    await emulator_client.wait_for_calls("answerCallbackQuery")
    [answer] = seen.edited
    assert isinstance(answer, Message) and answer.text == "Ordered hold:1"


async def test_set_my_commands_is_recorded(seen: Seen, emulator_client: EmulatorClient) -> None:
    [call] = await emulator_client.calls("setMyCommands")

    assert call.json_param("scope") == {"type": "all_group_chats"}
    assert call.json_param("commands") == [{"command": "menu", "description": "Show orders"}]


async def test_send_document_delivers_a_document(seen: Seen, emulator_client: EmulatorClient) -> None:
    await emulator_client.user(1001).send_command("/doc")

    [message] = await emulator_client.wait_for_bot_messages(1, chat_id=1001)

    assert message.caption == "Orders so far"
    assert message.document is not None
    assert message.document.file_name == "orders.txt"
    assert message.document.content == DOCUMENT
    [sent] = seen.sent
    assert sent.document is not None and sent.document.file_size == len(DOCUMENT)
    [call] = await emulator_client.calls("sendDocument")
    assert call.files["document"]["size"] == len(DOCUMENT)


async def test_idle_polling_waits_for_updates(seen: Seen, emulator_client: EmulatorClient) -> None:
    await asyncio.sleep(1.0)
    idle_polls = len(await emulator_client.calls("getUpdates"))

    await emulator_client.user(1001).send_message("wake up")
    await emulator_client.wait_for_bot_messages(1, chat_id=1001, timeout=1.0)

    # One long poll is pending, at most one more has answered; a busy loop makes hundreds.
    assert idle_polls <= 2


async def test_client_request_without_bot_token_is_refused() -> None:
    # An emulator of its own: without the fix this request brings the emulator down.
    reason = missing_requirement()
    if reason is not None:
        pytest.skip(reason)
    with BotApiEmulator() as emulator:
        async with httpx.AsyncClient(base_url=emulator.api_url) as http:
            refused = await http.post("/sendMessage", json={"text": "no token"})
            await asyncio.sleep(0.2)
            still_up = await http.post("/botany/getMe")

    assert refused.status_code == 400
    assert "botToken" in refused.json()["description"]
    assert still_up.status_code == 200


async def _bot_api(emulator: BotApiEmulator, token: str, method: str, **params: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=emulator.api_url) as http:
        return await http.post(f"/bot{token}/{method}", json=params)


def _article(result_id: str, text: str = "Hold Munich") -> dict[str, Any]:
    return {"type": "article", "id": result_id, "title": "Order", "input_message_content": {"message_text": text}}


async def test_inline_queries_reach_the_bot_and_answers_are_checked_and_kept(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient
) -> None:
    query_id = await emulator_client.user(1001).send_inline_query("hold", offset="5")
    updates = (await _bot_api(bot_api_emulator, bot_token, "getUpdates")).json()["result"]
    assert [update["inline_query"] for update in updates] == [
        {
            "id": query_id,
            "from": emulator_client.user(1001).as_api(),
            "query": "hold",
            "offset": "5",
            "chat_type": "sender",
        }
    ]

    unknown = await _bot_api(bot_api_emulator, bot_token, "answerInlineQuery", inline_query_id="nope", results=[])
    duplicated = await _bot_api(
        bot_api_emulator,
        bot_token,
        "answerInlineQuery",
        inline_query_id=query_id,
        results=[_article("a"), _article("a")],
    )
    too_long = await _bot_api(
        bot_api_emulator, bot_token, "answerInlineQuery", inline_query_id=query_id, results=[_article("a", "x" * 4097)]
    )
    assert [response.status_code for response in (unknown, duplicated, too_long)] == [400, 400, 400]

    answered = await _bot_api(
        bot_api_emulator,
        bot_token,
        "answerInlineQuery",
        inline_query_id=query_id,
        results=[_article("a"), _article("b")],
        cache_time=30,
        is_personal=False,
        next_offset="10",
    )
    again = await _bot_api(bot_api_emulator, bot_token, "answerInlineQuery", inline_query_id=query_id, results=[])
    assert (answered.status_code, again.status_code) == (200, 400)
    [answer] = await emulator_client.inline_answers()
    assert [result["id"] for result in answer.results] == ["a", "b"]
    assert (answer.cache_time, answer.is_personal, answer.next_offset) == (30, False, "10")


async def test_known_channels_answer_get_chat_and_get_chat_member(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient
) -> None:
    plain = await _bot_api(bot_api_emulator, bot_token, "getChat", chat_id="@orders")
    assert plain.json() == {"ok": True, "result": True}  # nothing made known: patch 6 answers

    channel = {"id": -1005, "type": "channel", "title": "Orders", "username": "orders"}
    await emulator_client.set_chat(channel, {1001: "creator", 666: "administrator"})
    by_name = (await _bot_api(bot_api_emulator, bot_token, "getChat", chat_id="@orders")).json()["result"]
    by_id = (await _bot_api(bot_api_emulator, bot_token, "getChat", chat_id=-1005)).json()["result"]
    assert by_name == by_id and by_name["type"] == "channel" and by_name["id"] == -1005
    missing = await _bot_api(bot_api_emulator, bot_token, "getChat", chat_id="@elsewhere")
    assert missing.status_code == 400 and "chat not found" in missing.json()["description"]

    async def status(user_id: int) -> dict[str, Any]:
        response = await _bot_api(bot_api_emulator, bot_token, "getChatMember", chat_id=-1005, user_id=user_id)
        result: dict[str, Any] = response.json()["result"]
        return result

    assert (await status(1001))["status"] == "creator"
    bot_member = await status(666)
    assert bot_member["status"] == "administrator" and bot_member["can_post_messages"] is True
    assert (await status(1002))["status"] == "left"
