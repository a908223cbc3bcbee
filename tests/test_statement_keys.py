"""Every way the bot shows a statement's identity can be typed back: the number (`23`,
`#23`, `№23`), the share link's payload (`s23`) or the whole link, the tappable
`/statement_23`, and the ref the card, `diplobot ask --json`, imports and pictures show
(`s23`, `u1f…`, any imported ref). Through the real handlers on the sample record
(statements #1–#48, refs s01–s48), with `LocalBotApi` as Telegram."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.answering.ask import result_json
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements
from storage.models import Status
from storage.search import SearchHit
from storage.statements import get_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, retract, running_bot

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


async def say(bot: BotHarness, text: str, user_id: int = READER_ID, language: str | None = None) -> str:
    user = bot.user(user_id, language_code=language) if user_id != ADMIN_ID else bot.admin(language_code=language)
    await user.send(text)
    return bot.last_text(user.chat_id)


async def added_statement(bot: BotHarness, database: Database) -> tuple[int, str]:
    """A statement added through the one-line /add: its number and its ref ("u…")."""
    await bot.admin().send("/add Vladimir Putin | 2025-11-30 | talks | We are ready to meet in Istanbul. | TASS")
    statement = await get_statement(database, 49)
    assert statement.ref.startswith("u")
    return 49, statement.ref


# -- /statement --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["23", "#23", "№23", "s23", "/statement_23", "https://t.me/diplobot_bot?start=s23", "ref s23"]
)
async def test_statement_opens_by_every_shown_form(bot: BotHarness, typed: str) -> None:
    text = await say(bot, f"/statement {typed}")
    assert "<b>Statement #23</b> (ref s23)" in text and "Donetsk" in text


async def test_statement_opens_by_the_ref_of_a_statement_added_in_the_bot(
    bot: BotHarness, sample_database: Database
) -> None:
    number, ref = await added_statement(bot, sample_database)
    text = await say(bot, f"/statement {ref}")
    assert f"<b>Statement #{number}</b> (ref {ref})" in text


async def test_statement_opens_by_the_ref_diplobot_ask_prints(bot: BotHarness, sample_database: Database) -> None:
    number, ref = await added_statement(bot, sample_database)
    statement = await get_statement(sample_database, number)
    printed = result_json(SearchHit(statement, 0.9))
    assert (printed["ref"], printed["id"]) == (ref, number)
    for typed in (printed["ref"], str(printed["id"])):
        assert f"<b>Statement #{number}</b>" in await say(bot, f"/statement {typed}")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("s99999", "no statement s99999 in the record"),
        ("99999", "no statement #99999 in the record"),
        ("nosuchref", "no statement nosuchref in the record"),
        ("garbage!", "give a statement's number or ref, e.g. /statement 23 or /statement s23"),
    ],
)
async def test_statement_names_what_it_did_not_find(bot: BotHarness, typed: str, expected: str) -> None:
    assert expected in await say(bot, f"/statement {typed}")


async def test_a_ref_that_is_another_statements_number_is_not_guessed(
    bot: BotHarness, sample_database: Database
) -> None:
    """An imported ref `s7` on statement #49, while #7 (ref s07) exists: `s7` may be either."""
    line = json.dumps(
        {
            "ref": "s7",
            "said_on": "2025-09-01",
            "speaker": "Emmanuel Macron",
            "side": "France",
            "topics": ["security_guarantees"],
            "stance": "commitment",
            "text": "France is ready to deploy a reassurance force after a ceasefire.",
            "source": "Élysée",
        }
    )
    await bot.admin().send_document("one.jsonl", (line + "\n").encode(), caption="/import")
    assert (await get_statement(sample_database, 49)).ref == "s7"
    before = await export_statements(sample_database, ExchangeFormat.jsonl)

    answer = await say(bot, "/statement s7")
    assert "s7 may be #7 or #49 (ref s7); give the number" in answer
    answer = await say(bot, "/edit s7 status confirmed", ADMIN_ID)
    assert "s7 may be #7 or #49 (ref s7); give the number" in answer
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before

    # A share link is the bot's own: s7 there is statement #7.
    assert "<b>Statement #7</b>" in await say(bot, "/start s7")


# -- /start ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["s23", "23", "s023"])
async def test_start_opens_the_statement_of_a_link(bot: BotHarness, payload: str) -> None:
    assert "<b>Statement #23</b>" in await say(bot, f"/start {payload}")


async def test_start_opens_a_statement_by_its_ref(bot: BotHarness, sample_database: Database) -> None:
    number, ref = await added_statement(bot, sample_database)
    assert f"<b>Statement #{number}</b>" in await say(bot, f"/start {ref}")


@pytest.mark.parametrize("payload", ["s99999", "garbage", "s0", "x" * 64])
async def test_start_with_a_link_to_no_statement_says_so_then_welcomes(bot: BotHarness, payload: str) -> None:
    user = bot.user()
    await user.send(f"/start {payload}")
    text = bot.last_text(READER_ID)
    assert text.startswith("⚠️ This link points to no statement in the record.")
    assert "<b>48</b> statements by 20 speakers" in text


async def test_start_from_the_inline_button_is_the_welcome(bot: BotHarness) -> None:
    """Inline mode's "ask me in a private chat" button opens `/start inline`."""
    text = await say(bot, "/start inline")
    assert text.startswith("<b>diplobot</b> keeps the record") and "link" not in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("uk", "⚠️ Це посилання не веде до жодної заяви в записі."),
        ("ru", "⚠️ Эта ссылка не ведёт ни к одному заявлению в записи."),
    ],
)
async def test_a_link_to_no_statement_is_said_in_the_readers_language(
    bot: BotHarness, language: str, said: str
) -> None:
    assert (await say(bot, "/start s99999", language=language)).startswith(said)


async def test_a_retracted_statement_opened_by_link_shows_as_retracted(
    bot: BotHarness, sample_database: Database
) -> None:
    await retract(bot.admin(), 23, "misattributed")
    assert (await get_statement(sample_database, 23)).status is Status.retracted
    by_link = await say(bot, "/start s23")
    assert "Status: <b>retracted</b>: misattributed" in by_link
    assert by_link == await say(bot, "/statement 23")


# -- the admins' commands ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["#23", "s23", "№23", "/statement_23"])
async def test_edit_takes_every_shown_form(bot: BotHarness, sample_database: Database, typed: str) -> None:
    answer = await say(bot, f"/edit {typed} status contested", ADMIN_ID)
    assert answer.startswith("✏️ Edited #23: status.")
    assert (await get_statement(sample_database, 23)).status is Status.contested


async def test_edit_and_retract_take_the_ref_of_a_statement_added_in_the_bot(
    bot: BotHarness, sample_database: Database
) -> None:
    number, ref = await added_statement(bot, sample_database)
    assert (await say(bot, f"/edit {ref} status confirmed", ADMIN_ID)).startswith(f"✏️ Edited #{number}")
    assert (await retract(bot.admin(), number, "duplicate")).startswith(f"Retracted #{number}")


async def test_retract_asks_about_the_statement_a_ref_names(bot: BotHarness) -> None:
    answer = await say(bot, "/retract s23 misattributed", ADMIN_ID)
    assert answer.startswith("🗑 Retract #23?")


async def test_link_takes_refs_and_numbers_alike(bot: BotHarness) -> None:
    answer = await say(bot, "/link s24 responds_to #23", ADMIN_ID)
    assert answer.startswith("🔗 Linked: #24 responds to #23.")


async def test_edit_of_a_ref_not_in_the_record_changes_nothing(bot: BotHarness, sample_database: Database) -> None:
    before = await export_statements(sample_database, ExchangeFormat.jsonl)
    assert "no statement s99999 in the record" in await say(bot, "/edit s99999 status confirmed", ADMIN_ID)
    assert await export_statements(sample_database, ExchangeFormat.jsonl) == before
