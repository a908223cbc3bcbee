"""Share links and inline mode in process: every statement a reader is shown carries the
deep link that opens it (`/start s23`), and `@bot words` answers in any chat with
statements citing speaker, date and source, each posting itself with that link."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from telegram import Update

from bot.presentation.html import share_url, statement_compact, statement_shared
from storage.engine import Database
from storage.statements import get_statement
from tests.bot_harness import READER_ID, BotHarness, running_bot

LINK = "https://t.me/diplobot_bot?start=s"
_inline_ids = itertools.count(1)


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


async def inline(bot: BotHarness, query: str, offset: str = "") -> dict[str, Any]:
    """Types `@bot query` (Telegram sends `offset` when the user scrolls for more); the
    bot's answerInlineQuery, as sent."""
    number = next(_inline_ids)
    update = {
        "update_id": 900_000 + number,
        "inline_query": {
            "id": f"q{number}",
            "from": {"id": READER_ID, "is_bot": False, "first_name": "Reader"},
            "query": query,
            "offset": offset,
            "chat_type": "supergroup",
        },
    }
    await bot.application.process_update(Update.de_json(update, bot.application.bot))
    [answer] = [call for call in bot.calls("answerInlineQuery") if call.params["inline_query_id"] == f"q{number}"]
    return answer.params


# -- share links ---------------------------------------------------------------------


async def test_the_share_link_is_the_bots_deep_link_to_the_statement(sample_database: Database) -> None:
    statement = await get_statement(sample_database, 23)
    assert share_url("diplobot_bot", 23) == f"{LINK}23"
    assert f'<a href="{LINK}23">🔗 Share</a>' in statement_compact(statement, "diplobot_bot")
    assert "start=" not in statement_compact(statement)  # no username known: no link
    shared = statement_shared(statement, "diplobot_bot")
    assert "/statement_" not in shared and f'<a href="{LINK}23">t.me/diplobot_bot?start=s23</a>' in shared


async def test_lists_and_the_full_record_carry_share_links_that_open_the_statement(bot: BotHarness) -> None:
    reader = bot.user()
    await reader.send("/search ceasefire speaker:putin")
    listed = bot.last_text(READER_ID)
    ids = re.findall(r"/statement_(\d+)", listed)
    links = re.findall(re.escape(LINK) + r"(\d+)", listed)
    assert ids and ids == links  # one link per statement, its own

    await reader.send("/ask What does Moscow want for Donetsk?")
    assert LINK in bot.last_text(READER_ID)

    await reader.send(f"/statement {ids[0]}")
    full = bot.last_text(READER_ID)
    assert f'🔗 Share: <a href="{LINK}{ids[0]}">{LINK}{ids[0]}</a>' in full

    await reader.send(f"/start s{ids[0]}")  # what the link sends when someone opens it
    assert f"<b>Statement #{ids[0]}</b>" in bot.last_text(READER_ID)


# -- inline mode ----------------------------------------------------------------------


async def test_inline_words_answer_with_cited_statements_that_post_their_link(bot: BotHarness) -> None:
    answer = await inline(bot, "Will American soldiers go to Ukraine?")
    assert answer["cache_time"] == 30 and answer["is_personal"] is True
    results = answer["results"]
    assert 1 <= len(results) <= 10
    for result in results:
        statement = await get_statement(bot.application.bot_data["database"], int(result["id"].removeprefix("s")))
        assert result["type"] == "article"
        assert result["title"].startswith(f"{statement.speaker} · ")  # who and when
        assert result["description"].endswith(f"— {statement.source}")  # what and where from
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert f"{LINK}{statement.id}" in content["message_text"] and "/statement_" not in content["message_text"]
        [[button]] = result["reply_markup"]["inline_keyboard"]
        assert button["url"] == f"{LINK}{statement.id}"


async def test_an_empty_query_shows_the_latest_and_pages_with_next_offset(bot: BotHarness) -> None:
    first = await inline(bot, "")
    assert len(first["results"]) == 10 and str(first["next_offset"]) == "10"
    await bot.user().send("/latest 10")
    latest_ids = re.findall(r"/statement_(\d+)", bot.last_text(READER_ID))
    assert [result["id"] for result in first["results"]] == [f"s{i}" for i in latest_ids]

    second = await inline(bot, "", offset="10")
    assert len(second["results"]) == 10 and str(second["next_offset"]) == "20"
    assert not {result["id"] for result in first["results"]} & {result["id"] for result in second["results"]}
    last = await inline(bot, "", offset="40")
    assert len(last["results"]) == 8 and "next_offset" not in last


async def test_inline_filters_search_and_nothing_found_offers_the_private_chat(bot: BotHarness) -> None:
    filtered = await inline(bot, "speaker:zelensky topic:security_guarantees")
    assert filtered["results"]
    assert all(result["title"].startswith("Volodymyr Zelensky · ") for result in filtered["results"])

    for query in ("zzqx wvvk", "ceasefire stance:shouting"):
        nothing = await inline(bot, query)
        assert nothing["results"] == []
        assert nothing["button"] == {
            "text": "Nothing in the record matches: ask me in a private chat",
            "start_parameter": "inline",
        }


async def test_user_text_cannot_break_the_inline_answer(bot: BotHarness) -> None:
    answer = await inline(bot, '<b>ceasefire</b> & "Putin"', offset="not a number")
    assert answer["results"]  # read as words, from the first page
