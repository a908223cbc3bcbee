"""One chat flooding the bot neither delays the others nor gets every message answered: each
sender has an allowance (a burst, then one a second) and is told once to slow down; each chat
keeps at most a few updates waiting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Update

from bot.updates import SENDER_BURST, SLOW_DOWN, PerChatUpdateProcessor, SenderLimit, Verdict
from storage.engine import Database
from tests.bot_harness import running_bot
from tests.test_updates import BOT, Journal, message, settle

FLOOD = 500


def group_message(chat_id: int, user_id: int, update_id: int) -> Update:
    payload = message(chat_id, "hi", update_id).to_dict()
    payload["message"]["chat"]["type"] = "supergroup"
    payload["message"]["from"]["id"] = user_id
    return Update.de_json(payload, BOT)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Warnings:
    def __init__(self) -> None:
        self.sent: list[object] = []

    async def __call__(self, update: object) -> None:
        self.sent.append(update)


async def test_a_flooding_sender_is_told_once_and_another_chat_goes_first() -> None:
    warnings = Warnings()
    processor = PerChatUpdateProcessor(running=2, slow_down=warnings)
    journal = Journal()
    blocked = journal.gate("a0")
    flood = [
        asyncio.create_task(processor.process_update(message(7, update_id=index), journal.work(f"a{index}")))
        for index in range(FLOOD)
    ]
    await settle()

    started = time.monotonic()
    await asyncio.wait_for(processor.process_update(message(8), journal.work("b")), timeout=5)
    assert time.monotonic() - started < 0.5, "the other chat waited for the flood"

    blocked.set()
    await asyncio.gather(*flood)
    answered = [event for event in journal.events if event.startswith("end a")]
    assert answered == [f"end a{index}" for index in range(SENDER_BURST)]
    assert len(warnings.sent) == 1 and warnings.sent[0] is not None


async def test_a_busy_group_keeps_only_a_few_updates_waiting() -> None:
    warnings = Warnings()
    processor = PerChatUpdateProcessor(per_chat=5, slow_down=warnings)
    journal = Journal()
    blocked = journal.gate("g0")
    members = [
        asyncio.create_task(
            processor.process_update(group_message(-100, 5000 + index, index), journal.work(f"g{index}"))
        )
        for index in range(50)
    ]
    await settle()
    blocked.set()
    await asyncio.gather(*members)

    assert [event for event in journal.events if event.startswith("end")] == [f"end g{index}" for index in range(5)]
    assert warnings.sent == [], "members within their allowance are not scolded"


def test_the_allowance_refills_and_the_warning_is_owed_again_only_after_a_pause() -> None:
    clock = Clock()
    limit = SenderLimit(burst=3, rate=1.0, clock=clock)

    assert [limit.admit(1) for _ in range(5)] == [Verdict.admit] * 3 + [Verdict.warn, Verdict.drop]
    clock.now += 1.0
    assert [limit.admit(1), limit.admit(1)] == [Verdict.admit, Verdict.drop], "one a second after the burst"
    assert limit.admit(2) is Verdict.admit, "other senders have their own allowance"
    clock.now += 10.0
    limit.forget_idle()
    assert len(limit) == 0
    assert [limit.admit(1) for _ in range(4)] == [Verdict.admit] * 3 + [Verdict.warn]


async def test_membership_updates_are_never_dropped() -> None:
    processor = PerChatUpdateProcessor(burst=1, slow_down=Warnings())
    journal = Journal()
    added: dict[str, Any] = {
        "chat": {"id": -5, "type": "group", "title": "G"},
        "from": {"id": 9, "is_bot": False, "first_name": "R"},
        "date": 0,
        "old_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
        "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
    }
    for index in range(3):
        update = Update.de_json({"update_id": index, "my_chat_member": added}, BOT)
        await processor.process_update(update, journal.work(f"m{index}"))

    assert journal.events.count("end m2") == 1


async def test_the_bot_answers_another_chat_at_once_while_one_chat_floods(sample_database: Database) -> None:
    async with running_bot(sample_database) as bot:
        flooder, other = 3001, 3002

        def command(chat_id: int, text: str, update_id: int) -> Update:
            payload: dict[str, Any] = message(chat_id, text, update_id).to_dict()
            payload["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            return Update.de_json(payload, bot.application.bot)

        for update_id in range(1, FLOOD + 1):
            await bot.application.update_queue.put(command(flooder, "/latest", update_id))
        started = time.monotonic()
        await bot.application.update_queue.put(command(other, "/latest", FLOOD + 1))
        while not bot.texts(other):
            assert time.monotonic() - started < 2.0, "another chat's /latest waited behind the flood"
            await asyncio.sleep(0.01)
        await asyncio.wait_for(bot.application.update_queue.join(), timeout=60)
        await settle()

        texts = bot.texts(flooder)
        assert texts.count(SLOW_DOWN) == 1
        assert 0 < len(texts) - 1 <= SENDER_BURST, "the flood beyond the allowance went unanswered"
        assert "Latest" in bot.texts(other)[0]
