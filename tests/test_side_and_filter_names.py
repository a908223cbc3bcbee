"""Sides and filter values are ones the record knows, through the real handlers and
database (`LocalBotApi` as Telegram): a side typed for /add (in one line or step by step)
or /edit is one of bot/data/vocabulary/sides.json or of the record's, a new one only
written `+Name`; `side:`, `topic:` and `speaker:` of /search and /alert name what the
record knows. Anything else is refused naming the value, the choices or the nearest one,
in the reader's language, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import col, select

from bot.local.bot_api import LocalUser
from storage.alerts import chat_alerts
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements
from storage.models import Actor, Statement
from storage.statements import add_statement, get_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)

SIDES_LISTED = "(one of: Russia, Ukraine, United States, United Kingdom, France,"
LINE = "| 2025-03-02 | security_guarantees | We are prepared to put boots on the ground. | BBC"


@pytest_asyncio.fixture
async def record(database: Database) -> Database:
    """#1 by Vladimir Putin (Russia), #2 by Volodymyr Zelensky (Ukraine)."""
    for speaker, side, text in (
        ("Vladimir Putin", "Russia", "A ceasefire only on our terms."),
        ("Volodymyr Zelensky", "Ukraine", "Security guarantees must come first."),
    ):
        values = {
            "speaker": speaker,
            "side": side,
            "said_on": "2025-08-16",
            "topics": ["ceasefire"],
            "stance": "demand",
            "text": text,
            "source": "Wire",
        }
        await add_statement(database, validate_statement(values), "seed")
    return database


async def state(database: Database) -> tuple[bytes, int]:
    async with database.read() as session:
        actors = (await session.exec(select(func.count()).select_from(Actor))).one()
    return await export_statements(database, ExchangeFormat.jsonl), actors


async def newest(database: Database) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).order_by(col(Statement.id).desc()))).first()


async def import_azerbaijan(admin: LocalUser) -> None:
    """A side beyond the vocabulary, brought by an import."""
    line: dict[str, Any] = {
        "ref": "az1",
        "said_on": "2025-08-08",
        "speaker": "Ilham Aliyev",
        "side": "Azerbaijan",
        "topics": ["talks"],
        "stance": "assessment",
        "text": "Baku is ready to host the talks.",
        "source": "APA",
    }
    await admin.send_document("az.jsonl", (json.dumps(line) + "\n").encode(), caption="/import")


async def said_to(bot: BotHarness, user: LocalUser, text: str) -> str:
    await user.send(text)
    return bot.last_text(user.chat_id)


# -- the guided /add -----------------------------------------------------------------


async def test_the_guided_add_refuses_a_side_it_does_not_know_and_asks_again(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    before = await state(record)
    await admin.send("/add")
    await admin.send("Keir Starmer")

    for typed, said in (
        ("2025-12", f"⚠️ unknown side '2025-12' {SIDES_LISTED}"),
        ("Ukriane", "⚠️ unknown side 'Ukriane'; did you mean Ukraine? (one of: Russia,"),
        ("Narnia", f"⚠️ unknown side 'Narnia' {SIDES_LISTED}"),
    ):
        answer = await said_to(bot, admin, typed)
        assert answer.startswith(said), answer
        assert "Which side do they speak for?" in answer
    assert answer.endswith(
        "the West, unknown). A side the record does not hold yet is written with + before its name: +Narnia"
        "\n\nWhich side do they speak for? e.g. <i>Ukraine</i>, <i>Russia</i>, <i>United States</i>; "
        "a side the record does not hold yet with + before it: <i>+Azerbaijan</i>"
    )
    assert await state(record) == before

    assert "Speaker: <b>Keir Starmer</b>, side: United Kingdom." in await said_to(bot, admin, "Велика Британія")


async def test_the_guided_add_records_a_new_side_written_as_new(bot: BotHarness, record: Database) -> None:
    admin = bot.admin()
    await admin.send("/add")
    await admin.send("Ilham Aliyev")
    assert "Speaker: <b>Ilham Aliyev</b>, side: Azerbaijan." in await said_to(bot, admin, "+Azerbaijan")
    for answer in ("2025-08-08", "talks", "assessment", "Baku is ready to host the talks.", "APA"):
        await admin.send(answer)
    await admin.send("/skip")
    preview = admin.last_message()
    assert "Side: Azerbaijan" in preview["text"]
    [confirm] = [b["callback_data"] for row in preview["reply_markup"]["inline_keyboard"] for b in row][:1]
    await admin.press(preview, confirm)
    assert (await newest(record)).side == "Azerbaijan"

    # The record holds it now: the next admin need not write it as new.
    await admin.send("/add")
    await admin.send("Jeyhun Bayramov")
    assert "side: Azerbaijan." in await said_to(bot, admin, "azerbaijan")


async def test_the_guided_add_takes_a_side_the_record_holds_beyond_the_vocabulary(bot: BotHarness) -> None:
    admin = bot.admin()
    await import_azerbaijan(admin)
    await admin.send("/add")
    assert "side: Azerbaijan." in await said_to(bot, admin, "Jeyhun Bayramov (AZERBAIJAN)")


async def test_the_guided_add_refuses_a_side_in_the_admins_language(bot: BotHarness, record: Database) -> None:
    admin = bot.admin(language_code="uk")
    await admin.send("/add")
    await admin.send("Кір Стармер")
    answer = await said_to(bot, admin, "Нарнія")
    assert answer.startswith("⚠️ невідома сторона 'Нарнія' (одна з: Росія, Україна, США,"), answer
    assert "+Нарнія" in answer
    assert answer.endswith("сторону, якої ще немає в записі, — із + перед назвою: <i>+Azerbaijan</i>")


# -- the one-line /add and /edit -------------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "said"),
    [
        ("Keir Starmer (2025-12)", f"<b>Part 1 (speaker's side)</b>: unknown side '2025-12' {SIDES_LISTED}"),
        ("Keir Starmer (Ukriane)", "<b>Part 1 (speaker's side)</b>: unknown side 'Ukriane'; did you mean Ukraine?"),
        ("Keir Starmer (+)", "<b>Part 1 (speaker's side)</b>: '+' is not a side's name, e.g. +Azerbaijan"),
    ],
)
async def test_the_one_line_add_refuses_a_side_it_does_not_know(
    bot: BotHarness, record: Database, speaker: str, said: str
) -> None:
    before = await state(record)
    answer = await said_to(bot, bot.admin(), f"/add {speaker} {LINE}")
    assert answer.startswith(f"⚠️ {said}") and "Nothing was added." in answer
    assert await state(record) == before


async def test_the_one_line_add_records_a_new_side_written_as_new_then_knows_it(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin()
    assert (await said_to(bot, admin, f"/add Ilham Aliyev (+Azerbaijan) {LINE}")).startswith("✅ Added #3")
    assert (await said_to(bot, admin, f"/add Jeyhun Bayramov (azerbaijan) {LINE}")).startswith("✅ Added #4")
    assert [(await get_statement(record, number)).side for number in (3, 4)] == ["Azerbaijan", "Azerbaijan"]


async def test_edit_refuses_a_side_it_does_not_know_and_takes_one_written_as_new(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin()
    before = await state(record)
    for command in ("/edit 1 side Narnia", "/edit 1 speaker Keir Starmer (Narnia)"):
        assert f"unknown side 'Narnia' {SIDES_LISTED}" in await said_to(bot, admin, command)
    assert await state(record) == before
    assert (await said_to(bot, admin, "/edit 1 side +Narnia")).startswith("✏️ Edited #1: side.")
    assert (await get_statement(record, 1)).side == "Narnia"


# -- /search and /alert ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("side:narnia", f"⚠️ side: unknown side 'narnia' {SIDES_LISTED}"),
        ("ceasefire side:Ukriane", "⚠️ side: unknown side 'Ukriane'; did you mean Ukraine? (one of:"),
        ("topic:xyz", "⚠️ topic: unknown topic 'xyz' (one of: peace_terms,"),
        ("speaker:nobody", "⚠️ speaker: no speaker called 'nobody' in the record"),
        ("ceasefire speaker:putn", "⚠️ speaker: no speaker called 'putn' in the record; did you mean Vladimir Putin?"),
    ],
)
async def test_search_names_a_filter_value_the_record_does_not_know(bot: BotHarness, query: str, said: str) -> None:
    answer = await said_to(bot, bot.user(), f"/search {query}")
    assert answer.startswith(said), answer
    assert "+" not in answer, "readers cannot make sides or speakers"


async def test_search_finds_a_side_the_record_holds_beyond_the_vocabulary(bot: BotHarness) -> None:
    await import_azerbaijan(bot.admin())
    answer = await said_to(bot, bot.user(), "/search side:azerbaijan")
    assert "Baku is ready to host the talks." in answer


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("ceasefire side:narnia", f"⚠️ side: unknown side 'narnia' {SIDES_LISTED}"),
        ("topic:xyz", "⚠️ topic: unknown topic 'xyz'"),
        ("ceasefire speaker:putn", "⚠️ speaker: no speaker called 'putn' in the record; did you mean Vladimir Putin?"),
        (
            'speaker:"Keir Starmer"',
            "⚠️ speaker: no speaker called 'Keir Starmer' in the record. To be alerted when someone the record "
            'does not hold yet is recorded: speaker:"+Keir Starmer"',
        ),
    ],
)
async def test_alert_names_a_filter_value_the_record_does_not_know_and_makes_no_alert(
    bot: BotHarness, record: Database, query: str, said: str
) -> None:
    answer = await said_to(bot, bot.user(), f"/alert {query}")
    assert answer.startswith(said), answer
    assert await chat_alerts(record, READER_ID) == []


async def test_an_alert_waits_for_a_speaker_written_as_new(bot: BotHarness, record: Database) -> None:
    answer = await said_to(bot, bot.user(), '/alert speaker:"+Keir Starmer"')
    assert "Alert 1 set" in answer
    assert [alert.query for alert in await chat_alerts(record, READER_ID)] == ['speaker:"+Keir Starmer"']


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("uk", "⚠️ сторона: невідома сторона 'нарнія' (одна з: Росія, Україна,"),
        ("ru", "⚠️ сторона: неизвестная сторона 'нарния' (одна из: Россия, Украина,"),
    ],
)
async def test_an_unknown_side_is_named_in_the_readers_language(bot: BotHarness, language: str, said: str) -> None:
    reader = bot.user(language_code=language)
    typed = said.split("'")[1]
    assert (await said_to(bot, reader, f"/search side:{typed}")).startswith(said)
    assert (await said_to(bot, reader, f"/alert side:{typed}")).startswith(said)
    assert ADMIN_ID != READER_ID


# -- /help ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "edit", "alert", "waiting_for"),
    [
        ("en", "/edit 23 side +Azerbaijan", "speaker:+Name", "speaker:+Fidan"),
        ("uk", "/edit 23 сторона +Azerbaijan", "мовець:+Ім'я", "мовець:+Фідан"),
        ("ru", "/edit 23 сторона +Azerbaijan", "спикер:+Имя", "спикер:+Фидан"),
    ],
)
async def test_help_teaches_how_to_name_what_the_record_does_not_hold_yet(
    bot: BotHarness, record: Database, language: str, edit: str, alert: str, waiting_for: str
) -> None:
    admin = bot.admin(language_code=language)
    reader = bot.user(language_code=language)
    admin_help = await said_to(bot, admin, "/help")
    reader_help = await said_to(bot, reader, "/help")

    for shown in (f"<code>{edit}</code>", "<code>Ilham Aliyev (+Azerbaijan)</code>", f"<code>{alert}</code>"):
        assert shown in admin_help
    assert f"<code>{alert}</code>" in reader_help and "+Azerbaijan" not in reader_help
    # What the help shows works as shown.
    assert "#1" in await said_to(bot, admin, edit.replace("23", "1"))
    assert (await get_statement(record, 1)).side == "Azerbaijan"
    assert "#3" in await said_to(bot, admin, f"/add Ilham Aliyev (+Azerbaijan) {LINE}")
    await reader.send(f"/alert {waiting_for}")
    assert [alert.query for alert in await chat_alerts(record, READER_ID)] == [waiting_for]
