"""Instant alerts on each engine: what an alert matches, told of once per statement, one
message per chat however many match, resumed after a failure, never twice when two
ticks run at once. Telegram is the double of tests/support, the clock a fake one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from sqlmodel import col, select

from bot.alerts.manage import alerts_of, create, off_number, parse_alert, remove
from bot.alerts.tick import AlertReport, send_alerts
from storage.alerts import chat_alerts
from storage.engine import Database
from storage.errors import Conflict, InvalidInput, NotFound
from storage.exchange import import_statements
from storage.models import AlertDelivery, AlertMatch, DeliveryState
from storage.statements import edit_statement, retract_statement
from tests.support.digests import Telegram, record, telegram_on

READER = 5001
OTHER = 5002
GROUP = -5003
PUTIN_CEASEFIRE = "A ceasefire is possible only when the root causes are removed."


@pytest_asyncio.fixture
async def telegram(database: Database) -> AsyncIterator[Telegram]:
    async with telegram_on(database) as double:
        yield double


async def tick(telegram: Telegram, database: Database | None = None) -> AlertReport:
    return await send_alerts(telegram.bot, database or telegram.database, limiter=telegram.limiter)


async def deliveries(database: Database) -> list[AlertDelivery]:
    async with database.read() as session:
        return list((await session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id)))).all())


# -- making, listing, removing -------------------------------------------------------


async def test_alerts_are_numbered_per_chat_listed_and_removed(database: Database) -> None:
    await record(database, "Vladimir Putin", "talks", "Said before the alerts were made.")
    first = await create(database, READER, "ceasefire  speaker:putin")
    second = await create(database, READER, "sanctions")
    elsewhere = await create(database, OTHER, "prisoners")
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.query == "ceasefire speaker:putin"
    assert [alert.query for alert in await alerts_of(database, READER)] == ["ceasefire speaker:putin", "sanctions"]

    assert (await remove(database, READER, 1)).query == "ceasefire speaker:putin"
    with pytest.raises(NotFound):
        await remove(database, READER, 1)
    third = await create(database, READER, "talks")
    assert third.number == 3  # numbers are never reused within a chat
    assert [alert.number for alert in await alerts_of(database, OTHER)] == [1]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("", "give words to look for"),
        ("the of and", "give words to look for"),
        ("ceasefire stance:shouting", "stance"),
        ("ceasefire topic:weather", "topic"),
        ("x" * 301, "at most 300"),
    ],
)
async def test_an_alert_that_cannot_be_read_is_refused_and_nothing_is_stored(
    database: Database, query: str, problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        await create(database, READER, query)
    assert await chat_alerts(database, READER) == []


async def test_a_chat_has_at_most_twenty_alerts(database: Database) -> None:
    for number in range(20):
        await create(database, READER, f"word{number}")
    with pytest.raises(Conflict, match="20 alerts"):
        await create(database, READER, "one more")


@pytest.mark.parametrize(
    ("argument", "number"),
    [
        ("off 2", 2),
        ("OFF #3", 3),
        ("ceasefire", None),
        ("offer", None),
        ("вимкнути 1", 1),
        ("видали 4", 4),
        ("прибрати 5", 5),
        ("выкл 2", 2),
        ("выключить 2.", 2),
        ("удалить 7", 7),
        ("убрать 8", 8),
        ("delete 6", 6),
        ("удалённые войска", None),
        ("убрать санкции с нефти", None),
    ],
)
def test_off_n_is_read_and_anything_else_is_an_alert(argument: str, number: int | None) -> None:
    assert off_number(argument) == number


def test_filters_are_read_as_search_reads_them() -> None:
    parsed = parse_alert("ceasefire speaker:putin side:russia topic:ceasefire")
    assert parsed.text == "ceasefire"
    # A side is read as the record spells it, from any of its names ("Росія" too).
    assert (parsed.filters.speaker, parsed.filters.side, parsed.filters.topic) == ("putin", "Russia", "ceasefire")
    in_ukrainian = parse_alert("перемир'я speaker:putin side:Росія topic:перемирие")
    assert in_ukrainian.filters == parsed.filters


# -- what an alert matches -------------------------------------------------------------


async def test_a_matching_statement_is_told_of_once_and_others_not_at_all(
    database: Database, telegram: Telegram
) -> None:
    await record(database, "Vladimir Putin", "ceasefire", "Said before the alert was made: ceasefire.")
    await create(database, READER, "ceasefire speaker:putin")
    await create(database, OTHER, "sanctions")
    assert (await tick(telegram)).claimed == 0  # what was recorded before the alert is not news

    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    await record(database, "Volodymyr Zelensky", "ceasefire", "A ceasefire needs guarantees.", side="Ukraine")
    await record(database, "Vladimir Putin", "sanctions", "Sanctions will not change our course.")
    report = await tick(telegram)
    assert (report.claimed, report.sent, report.messages) == (2, 2, 2)

    [to_reader] = telegram.api.delivered(READER)
    assert "A new statement matches</b> your alert “ceasefire speaker:putin”" in to_reader
    assert PUTIN_CEASEFIRE in to_reader and "guarantees" not in to_reader
    assert "https://t.me/diplobot_bot?start=s" in to_reader  # each statement with its share link
    [to_other] = telegram.api.delivered(OTHER)
    assert "Sanctions will not change our course." in to_other

    again = await tick(telegram)
    assert (again.claimed, again.messages) == (0, 0)
    assert len(telegram.api.delivered()) == 2


async def test_every_word_must_occur_in_any_script(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "Путин ceasefire")
    await record(database, "Vladimir Putin", "sanctions", "Sanctions are theft.")  # Putin, no ceasefire
    await record(database, "Volodymyr Zelensky", "ceasefire", "We want a ceasefire now.", side="Ukraine")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    await tick(telegram)
    [message] = telegram.api.delivered(READER)
    assert PUTIN_CEASEFIRE in message and "theft" not in message and "now." not in message


async def test_an_edit_that_makes_a_statement_match_tells_of_it_once(database: Database, telegram: Telegram) -> None:
    statement = await record(database, "Vladimir Putin", "sanctions", "Sanctions will not change our course.")
    await create(database, READER, "ceasefire")
    await create(database, OTHER, "sanctions")
    await tick(telegram)

    await edit_statement(database, statement.id or 0, "text", "No ceasefire while sanctions stay.", "test")
    await tick(telegram)
    [message] = telegram.api.delivered(READER)
    assert "No ceasefire while sanctions stay." in message
    # The other alert matched the statement before the edit and after: nothing new for it.
    assert telegram.api.delivered(OTHER) == []

    await edit_statement(database, statement.id or 0, "text", "No ceasefire at all while sanctions stay.", "test")
    await edit_statement(database, statement.id or 0, "status", "confirmed", "test")
    await tick(telegram)
    assert len(telegram.api.delivered(READER)) == 1


async def test_only_an_edit_of_a_field_the_alert_reads_can_bring_a_statement(
    database: Database, telegram: Telegram
) -> None:
    statement = await record(database, "Vladimir Putin", "sanctions", "Sanctions will not change our course.")
    await create(database, READER, "topic:ceasefire")
    await edit_statement(database, statement.id or 0, "source", "Another wire", "test")
    await edit_statement(database, statement.id or 0, "text", "Sanctions and a ceasefire are unrelated.", "test")
    report = await tick(telegram)
    assert report.claimed == 0 and telegram.api.delivered(READER) == []

    await edit_statement(database, statement.id or 0, "topics", "sanctions, ceasefire", "test")
    await tick(telegram)
    assert len(telegram.api.delivered(READER)) == 1


async def test_a_statement_retracted_before_the_tick_is_not_told_of(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "ceasefire")
    statement = await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    await retract_statement(database, statement.id or 0, "misattributed", "test")
    report = await tick(telegram)
    assert report.claimed == 0 and telegram.api.delivered(READER) == []


async def test_an_alert_for_retracted_statements_tells_of_a_retraction_as_one(
    database: Database, telegram: Telegram
) -> None:
    await create(database, READER, "ceasefire status:retracted")
    await create(database, OTHER, "ceasefire")
    statement = await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    await tick(telegram)
    assert telegram.api.delivered(READER) == []  # recorded, not retracted: not what it waits for
    [new] = telegram.api.delivered(OTHER)
    assert "A new statement matches" in new

    await retract_statement(database, statement.id or 0, "misattributed", "test")
    report = await tick(telegram)
    assert report.claimed == 1
    [told] = telegram.api.delivered(READER)
    assert "A retracted statement matches</b> your alert “ceasefire status:retracted”" in told
    assert "new statement" not in told
    assert PUTIN_CEASEFIRE in told and "misattributed" in told
    assert len(telegram.api.delivered(OTHER)) == 1  # the other alert hears nothing of a retraction


async def test_a_delivery_of_new_and_retracted_statements_says_it_holds_both(
    database: Database, telegram: Telegram
) -> None:
    await create(database, READER, "ceasefire")
    await create(database, READER, "talks status:retracted")
    talks = await record(database, "Vladimir Putin", "talks", "Talks are possible in Istanbul.")
    await tick(telegram)
    assert telegram.api.delivered(READER) == []  # recorded, not retracted: not what it waits for

    await retract_statement(database, talks.id or 0, "misattributed", "test")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    await record(database, "Vladimir Putin", "ceasefire", "A ceasefire needs guarantees.")
    await tick(telegram)

    [told] = telegram.api.delivered(READER)
    assert "🔔 <b>3 statements match</b> your alerts “ceasefire” (2) · “talks status:retracted” (1)" in told
    assert "1 of them retracted (1–3 of 3)" in told
    assert "new statements" not in told and "retracted statements" not in told


# -- one message per chat ----------------------------------------------------------------


def _jsonl(count: int) -> bytes:
    lines = [
        {
            "ref": f"burst{number}",
            "speaker": "Vladimir Putin",
            "side": "Russia",
            "said_on": f"2025-09-{1 + number % 28:02d}",
            "topics": ["ceasefire"],
            "stance": "assessment",
            "text": f"Ceasefire remark number {number}.",
            "source": "Wire",
        }
        for number in range(count)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


async def test_an_import_of_500_is_one_message_per_chat_with_pages(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "ceasefire")
    await create(database, READER, "remark number")
    # Putin is not in the record yet: the group's alert waits for him.
    await create(database, GROUP, "speaker:+putin")
    report = await import_statements(database, "burst.jsonl", _jsonl(500), "test")
    assert report.added == 500

    result = await tick(telegram)
    assert (result.claimed, result.sent, result.messages) == (2, 2, 2)
    [to_reader] = telegram.api.delivered(READER)
    assert (
        "500 new statements match</b> your alerts “ceasefire” (500) · “remark number” (500) (1–5 of 500)" in to_reader
    )
    assert to_reader.count("Ceasefire remark number") == 5
    [to_group] = telegram.api.delivered(GROUP)
    assert "500 new statements match</b> your alert “speaker:+putin” (1–5 of 500)" in to_group
    [call] = [call for call in telegram.api.sent("sendMessage") if int(call.params["chat_id"]) == GROUP]
    [[next_button]] = call.params["reply_markup"]["inline_keyboard"]
    assert next_button["text"] == "Next ▶"
    async with database.read() as session:
        matches = (await session.exec(select(AlertMatch))).all()
    assert len(matches) == 1500  # each alert tells of each statement once


# -- exactly once --------------------------------------------------------------------------


async def test_a_delivery_telegram_could_not_take_is_sent_by_the_next_tick_once(
    database: Database, telegram: Telegram
) -> None:
    await create(database, READER, "ceasefire")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    telegram.api.network_down(READER, times=10)
    first = await tick(telegram)
    assert (first.claimed, first.deferred, first.messages) == (1, 1, 0)
    [open_delivery] = await deliveries(database)
    assert open_delivery.state is DeliveryState.claimed

    telegram.api.network_down(READER, times=0)
    second = await tick(telegram)
    assert (second.claimed, second.sent) == (0, 1)
    assert len(telegram.api.delivered(READER)) == 1
    [done] = await deliveries(database)
    assert done.state is DeliveryState.sent and done.messages_sent == 1
    assert (await tick(telegram)).messages == 0


async def test_a_chat_that_blocked_the_bot_loses_its_alerts(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "ceasefire")
    await create(database, OTHER, "ceasefire")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    telegram.api.blocked(READER)
    report = await tick(telegram)
    assert (report.deactivated, report.sent) == (1, 1)
    assert await chat_alerts(database, READER) == []
    assert len(await chat_alerts(database, OTHER)) == 1


async def test_a_removed_alert_sends_nothing_it_had_matched(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "ceasefire")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    telegram.api.network_down(READER, times=10)
    await tick(telegram)
    await remove(database, READER, 1)
    telegram.api.network_down(READER, times=0)
    report = await tick(telegram)
    assert report.empty == 1 and telegram.api.delivered(READER) == []


async def test_two_ticks_at_once_tell_of_each_match_once(
    database: Database, reopen: Callable[[Database], Database], telegram: Telegram
) -> None:
    for chat in range(20):
        await create(database, 6000 + chat, "ceasefire")
    await record(database, "Vladimir Putin", "ceasefire", PUTIN_CEASEFIRE)
    second = reopen(database)  # as a second process would open it
    reports = await asyncio.gather(tick(telegram), tick(telegram, second))
    assert sum(report.sent for report in reports) == 20
    assert sorted(telegram.api.attempts) == [6000 + chat for chat in range(20)]
    assert len(await deliveries(database)) == 20
