"""Update scheduling: chats side by side, each chat in order, through the processor alone
and through the application as polling feeds it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Bot, Update

from bot.updates import PerChatUpdateProcessor, chat_key
from storage.engine import Database
from tests.bot_harness import running_bot

BOT = Bot("123:abc")


def message(chat_id: int, text: str = "hi", update_id: int = 1) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Reader"},
                "text": text,
            },
        },
        BOT,
    )


class Journal:
    """Records when each piece of work starts and ends; work waits for its gate if given."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    async def work(self, name: str) -> None:
        self.events.append(f"start {name}")
        if name in self.gates:
            await self.gates[name].wait()
        self.events.append(f"end {name}")


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_one_chat_runs_in_arrival_order_even_when_the_first_is_slow() -> None:
    processor = PerChatUpdateProcessor()
    journal = Journal()
    slow = journal.gate("a1")
    first = asyncio.create_task(processor.process_update(message(7), journal.work("a1")))
    second = asyncio.create_task(processor.process_update(message(7), journal.work("a2")))
    await settle()
    assert journal.events == ["start a1"]
    slow.set()
    await asyncio.gather(first, second)
    assert journal.events == ["start a1", "end a1", "start a2", "end a2"]


async def test_other_chats_go_on_while_one_chat_waits() -> None:
    processor = PerChatUpdateProcessor()
    journal = Journal()
    blocked = journal.gate("a1")
    first = asyncio.create_task(processor.process_update(message(7), journal.work("a1")))
    queued = asyncio.create_task(processor.process_update(message(7), journal.work("a2")))
    other = asyncio.create_task(processor.process_update(message(8), journal.work("b1")))
    await asyncio.wait_for(other, timeout=5)
    assert "end b1" in journal.events and "start a2" not in journal.events
    blocked.set()
    await asyncio.gather(first, queued)


async def test_a_flooding_chat_does_not_take_the_places_other_chats_need() -> None:
    processor = PerChatUpdateProcessor(running=2)
    journal = Journal()
    blocked = journal.gate("a0")
    flood = [
        asyncio.create_task(processor.process_update(message(7), journal.work(f"a{index}"))) for index in range(20)
    ]
    await settle()
    await asyncio.wait_for(processor.process_update(message(8), journal.work("b")), timeout=5)
    assert journal.events[-1] == "end b"
    blocked.set()
    await asyncio.gather(*flood)
    assert [event for event in journal.events if event.startswith("end a")] == [f"end a{i}" for i in range(20)]


async def test_a_failing_or_cancelled_update_lets_the_next_one_of_its_chat_run() -> None:
    processor = PerChatUpdateProcessor()
    journal = Journal()
    blocked = journal.gate("a1")

    async def fail() -> None:
        raise RuntimeError("handler failed")

    failing = asyncio.create_task(processor.process_update(message(7), fail()))
    running = asyncio.create_task(processor.process_update(message(7), journal.work("a1")))
    waiting = asyncio.create_task(processor.process_update(message(7), journal.work("cancelled")))
    last = asyncio.create_task(processor.process_update(message(7), journal.work("a3")))
    await settle()
    waiting.cancel()
    blocked.set()
    await asyncio.wait_for(last, timeout=5)
    with pytest.raises(RuntimeError):
        await failing
    await running
    assert journal.events == ["start a1", "end a1", "start a3", "end a3"]
    assert waiting.cancelled()


def test_updates_are_keyed_by_chat_then_sender() -> None:
    assert chat_key(message(7)) == 7
    inline = Update.de_json(
        {
            "update_id": 1,
            "inline_query": {
                "id": "q",
                "from": {"id": 9, "is_bot": False, "first_name": "R"},
                "query": "x",
                "offset": "",
            },
        },
        BOT,
    )
    assert chat_key(inline) == 9
    assert chat_key(object()) is None


async def test_the_application_answers_each_chat_in_order_when_fed_like_polling(sample_database: Database) -> None:
    async with running_bot(sample_database) as bot:
        readers = [2001, 2002, 2003]
        commands = ["/ask What does Russia want for Donetsk?", "/statement 23", "/latest 2", "/help"]
        update_id = 0
        for command in commands:
            for chat_id in readers:
                update_id += 1
                payload: dict[str, Any] = message(chat_id, command, update_id).to_dict()
                payload["message"]["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
                ]
                await bot.application.update_queue.put(Update.de_json(payload, bot.application.bot))
        await asyncio.wait_for(bot.application.update_queue.join(), timeout=60)
        for chat_id in readers:
            texts = bot.texts(chat_id)
            assert len(texts) == len(commands)
            assert texts[0].startswith("<b>On</b> “What does Russia want for Donetsk?”")
            assert texts[1].startswith("<b>Statement #23</b>")
            assert texts[2].startswith("<b>Latest 2 of 48</b>")
            assert texts[3].startswith("<b>Ask me</b>")
