"""Inline mode, share links, alerts and channels end to end: `diplobot run` against the Bot
API emulator (launcher.js adds inline queries and channels to it), over HTTP.

Alerts go out from the running bot's own job (a tick every few seconds); a channel's
digest from `diplobot digest send-due --at` its local time, as an operator would run it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.alerts.schedule import TICK_SECONDS
from tests.e2e.emulator import BOT_ID, BOT_USERNAME, BotApiEmulator, EmulatorClient
from tests.e2e.running import RunningBot, polling_bot

ADMIN = 7301
READER = 7302
CHANNEL_ADMIN = 7303
CHANNEL = -1007304
#: An alert goes out at the first tick after the statement is recorded.
ALERT_TIMEOUT = 3 * TICK_SECONDS
LINK = re.compile(re.escape(f"https://t.me/{BOT_USERNAME}?start=s") + r"(\d+)")
PUTIN = "Any ceasefire must be long-term and address the root causes of the conflict."
ZELENSKY = "A ceasefire without security guarantees would only give Russia time to regroup."


@pytest_asyncio.fixture
async def running(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    async with polling_bot(
        bot_api_emulator, bot_token, emulator_client, tmp_path, admin=ADMIN, load_sample=True
    ) as running:
        yield running


async def test_inline_mode_cites_statements_whose_share_link_opens_them(running: RunningBot) -> None:
    client = running.client
    reader = client.user(READER)
    answer = await client.wait_for_inline_answer(
        await reader.send_inline_query("Will American soldiers go to Ukraine?")
    )
    assert answer.cache_time == 30 and answer.is_personal is True
    assert 1 <= len(answer.results) <= 10
    first = answer.results[0]
    assert first["type"] == "article" and " · " in first["title"] and " — " in first["description"]
    posted = first["input_message_content"]["message_text"]
    statement_id = LINK.search(posted).group(1)  # type: ignore[union-attr]
    assert first["id"] == f"s{statement_id}"

    latest = await client.wait_for_inline_answer(await reader.send_inline_query(""))
    assert len(latest.results) == 10 and latest.next_offset == "10"
    more = await client.wait_for_inline_answer(await reader.send_inline_query("", offset=latest.next_offset))
    assert {result["id"] for result in more.results}.isdisjoint(result["id"] for result in latest.results)

    nothing = await client.wait_for_inline_answer(await reader.send_inline_query("zzqx wvvk"))
    assert nothing.results == [] and nothing.button == {
        "text": "Nothing in the record matches: ask me in a private chat",
        "start_parameter": "inline",
    }

    # Whoever gets the posted statement opens its link: Telegram sends /start s<id>.
    stranger = client.user(READER + 100)
    await stranger.send_command(f"/start s{statement_id}")
    opened = await running.reply(READER + 100, 0)
    assert f"<b>Statement #{statement_id}</b>" in (opened.text or "")
    assert f"start=s{statement_id}" in (opened.text or "")


async def test_an_alert_hears_of_a_matching_statement_within_the_minute_once(running: RunningBot) -> None:
    client = running.client
    reader = client.user(READER)
    await reader.send_command("/alert ceasefire speaker:putin")
    assert "Alert 1 set" in ((await running.reply(READER, 0)).text or "")

    admin = client.user(ADMIN, first_name="Admin")
    await admin.send_command(f"/add Volodymyr Zelensky | 2025-12-01 | ceasefire | {ZELENSKY} | Office of the President")
    await admin.send_command(f"/add Vladimir Putin | 2025-12-02 | ceasefire | {PUTIN} | Kremlin press service")
    added = await client.wait_for_bot_messages(2, chat_id=ADMIN)
    assert all("Added" in (message.text or "") for message in added), [message.text for message in added]

    alert = await running.reply(READER, 1, timeout=ALERT_TIMEOUT)
    text = alert.text or ""
    assert "A new statement matches" in text and "“ceasefire speaker:putin”" in text
    assert "root causes" in text and "regroup" not in text
    assert LINK.search(text)

    await asyncio.sleep(TICK_SECONDS + 2)  # the next tick tells of nothing again
    assert await running.count(READER) == 2

    await reader.send_command("/alerts")
    listing = await running.reply(READER, 2)
    await reader.press_button(listing, "🔕 Remove 1")
    for _ in range(100):
        [edited] = [
            message for message in await client.bot_messages(READER) if message.message_id == listing.message_id
        ]
        if "No alerts here" in (edited.text or ""):
            break
        await asyncio.sleep(0.05)
    assert "No alerts here" in (edited.text or "")


async def test_a_channel_linked_by_its_admin_gets_its_alerts_and_digest(running: RunningBot) -> None:
    client = running.client
    await client.set_chat(
        {"id": CHANNEL, "type": "channel", "title": "Peace news", "username": "peace_news_e2e"},
        {CHANNEL_ADMIN: "creator", BOT_ID: "administrator"},
    )
    outsider = client.user(READER)
    await outsider.send_command("/channel @peace_news_e2e")
    assert "only the admins of @peace_news_e2e" in ((await running.reply(READER, 0)).text or "")

    channel_admin = client.user(CHANNEL_ADMIN)
    await channel_admin.send_command("/channel @peace_news_e2e 08:00 Europe/Kyiv")
    assert "@peace_news_e2e is linked" in ((await running.reply(CHANNEL_ADMIN, 0)).text or "")
    await channel_admin.send_command("/channel @peace_news_e2e alert ceasefire")
    assert "Alert 1 set" in ((await running.reply(CHANNEL_ADMIN, 1)).text or "")

    admin = client.user(ADMIN, first_name="Admin")
    await admin.send_command(f"/add Vladimir Putin | 2025-12-02 | ceasefire | {PUTIN} | Kremlin press service")
    assert "Added" in ((await running.reply(ADMIN, 0)).text or "")
    alert = await running.reply(CHANNEL, 0, timeout=ALERT_TIMEOUT)
    assert "“ceasefire”" in (alert.text or "") and "root causes" in (alert.text or "")

    subscriber = await running.subscriber(CHANNEL)
    assert subscriber is not None and subscriber.chat_type.value == "channel"
    assert "sent=1" in running.send_due(subscriber.next_due_at)
    digest = await running.reply(CHANNEL, 1)
    assert "Your daily digest" in (digest.text or "") and "root causes" in (digest.text or "")
    assert await running.count(CHANNEL_ADMIN) == 2
