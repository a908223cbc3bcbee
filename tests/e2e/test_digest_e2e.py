"""Digests end to end: `diplobot run` against the Bot API emulator; a reader subscribes, an
admin adds statements with the one-line /add, and `diplobot digest send-due --at` the
subscriber's local time (a second process on the same database, as an operator would run
it) delivers one digest holding them; running it again delivers nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest_asyncio

from storage.subscriptions import next_due_at
from tests.e2e.emulator import BotApiEmulator, EmulatorClient
from tests.e2e.running import RunningBot, polling_bot

ADMIN = 7101
READER = 7102
PUTIN = "Any ceasefire must be long-term and address the root causes of the conflict."
ZELENSKY = "Security guarantees must be legally binding and in place before any ceasefire takes effect."


@pytest_asyncio.fixture
async def running(
    bot_api_emulator: BotApiEmulator, bot_token: str, emulator_client: EmulatorClient, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    async with polling_bot(
        bot_api_emulator, bot_token, emulator_client, tmp_path, admin=ADMIN, load_sample=False
    ) as running:
        yield running


async def test_one_digest_at_the_subscribers_local_time_and_no_more(running: RunningBot) -> None:
    client = running.client
    reader = client.user(READER)
    await reader.send_command("/subscribe 08:00 Europe/Kyiv")
    subscribed_at = datetime.now(UTC)
    confirmation = await running.reply(READER, 0)
    assert "Subscribed" in (confirmation.text or ""), confirmation.text
    assert "08:00" in (confirmation.text or "") and "Europe/Kyiv" in (confirmation.text or "")

    admin = client.user(ADMIN, first_name="Admin")
    await admin.send_command(f"/add Vladimir Putin (Russia) | 2025-11-20 | ceasefire | {PUTIN} | Kremlin press service")
    assert "Added" in ((await running.reply(ADMIN, 0)).text or "")
    await admin.send_command(
        f"/add Volodymyr Zelensky (Ukraine) | 2025-11-21 | security_guarantees, ceasefire | {ZELENSKY} | Office of the President"
    )
    assert "Added" in ((await running.reply(ADMIN, 1)).text or "")

    # The next 08:00 in Kyiv after the subscription, in UTC.
    subscriber = await running.subscriber(READER)
    assert subscriber is not None and subscriber.active
    due = subscriber.next_due_at
    assert due in {
        next_due_at(time(8, 0), "Europe/Kyiv", subscribed_at - timedelta(seconds=5)),
        next_due_at(time(8, 0), "Europe/Kyiv", subscribed_at + timedelta(seconds=5)),
    }

    # A minute early: not due yet.
    assert "due=0" in running.send_due(due - timedelta(minutes=1))
    assert len(await client.bot_messages(READER)) == 1

    output = running.send_due(due)
    assert "sent=1" in output, output
    messages = await client.wait_for_bot_messages(2, chat_id=READER)
    assert len(messages) == 2
    digest = messages[1]
    assert digest.parse_mode == "HTML"
    assert "Your daily digest" in (digest.text or "")
    assert PUTIN in (digest.text or "") and ZELENSKY in (digest.text or "")
    assert "2 new statements" in (digest.text or "")

    # Again at the same time, a little later, and the next day with nothing new: no more.
    assert "due=0" in running.send_due(due)
    assert "due=0" in running.send_due(due + timedelta(minutes=30))
    assert "empty=1" in running.send_due(next_due_at(time(8, 0), "Europe/Kyiv", due))
    assert len(await client.bot_messages(READER)) == 2

    after = await running.subscriber(READER)
    tomorrow = next_due_at(time(8, 0), "Europe/Kyiv", due)
    assert after is not None and after.next_due_at == next_due_at(time(8, 0), "Europe/Kyiv", tomorrow)
