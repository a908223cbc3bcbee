"""Keyword searches in the readers' languages, on each engine: /search, inline mode with
filters and /alert read a Ukrainian or Russian word as any of the English words the
bilingual lexicon gives for it (bot/data/vocabulary/crosslingual.json), and a Cyrillic
name in any inflection as the record's Latin speaker; what the words were looked for as
is shown. English words are read as before; no word reaches the engines as syntax."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.alerts.manage import create, parse_alert
from bot.alerts.tick import AlertReport, send_alerts
from bot.answering.search_words import alternatives, read_search_words, search_words, translations
from bot.i18n import use_language
from bot.presentation.listings import load_listing
from bot.presentation.paging import Listing
from storage.engine import Database
from storage.errors import InvalidInput
from storage.page_rows import load_statements
from storage.search import SearchFilters, query_words, search
from storage.statements import edit_statement
from tests.bot_harness import READER_ID, BotHarness, running_bot
from tests.support.digests import Telegram, record, telegram_on
from tests.test_share_links_and_inline import inline

READER = 7001
CEASEFIRE = ("ceasefire", "truce", "armistice")


def refs(page: Any) -> set[str]:
    return {statement.ref for statement in page.statements}


def said(records: list[dict[str, Any]], *words: str, speaker: str | None = None) -> set[str]:
    """The sample's statements whose indexed text holds one of `words` (whole, any case)."""
    pattern = re.compile(r"\b(" + "|".join(words) + r")", re.IGNORECASE)
    return {
        record["ref"]
        for record in records
        if (speaker is None or record["speaker"] == speaker)
        and pattern.search(" ".join([record["text"], record.get("speaker_role", ""), *record["topics"]]))
    }


# -- reading the words -----------------------------------------------------------------


def test_a_cyrillic_word_stands_for_its_english_words_and_function_words_go() -> None:
    words = search_words("перемир'я і санкции про Росію")
    assert [word.written for word in words] == ["перемир'я", "санкции", "Росію"]
    truce, sanctions, _ = words
    assert set(CEASEFIRE) <= set(truce.english) and "sanctions" in sanctions.english
    # The word itself and its transliteration still find it (a name, a word of a quote).
    # (Folded: an apostrophe after a Cyrillic letter may be typed or left out.)
    assert truce.alternatives[:2] == ("перемиря", "peremirya")
    assert translations(words).startswith("перемир'я → ceasefire, truce")


def test_english_words_are_read_as_before() -> None:
    text = "Ceasefire, Putin's terms of the 28-point plan"
    assert alternatives(search_words(text)) == query_words(text)
    assert translations(search_words(text)) == ""


# -- /search and inline mode -------------------------------------------------------------


@pytest.mark.parametrize("query", ["перемир'я", "перемирие", "Перемир’я", "припинення вогню"])
async def test_search_finds_the_english_record_by_ukrainian_and_russian_words(
    shared_sample_database: Database, sample_records: list[dict[str, Any]], query: str
) -> None:
    words = await read_search_words(shared_sample_database, query)
    page = await search(shared_sample_database, alternatives(words), limit=50)
    expected = said(sample_records, *CEASEFIRE)
    assert expected and expected <= refs(page)
    english = await search(shared_sample_database, "ceasefire", limit=50)
    assert refs(english) <= refs(page)


async def test_the_listing_says_what_the_words_were_looked_for_as(shared_sample_database: Database) -> None:
    with use_language("uk"):
        found = await load_listing(shared_sample_database, Listing("search", "санкції"))
        nothing = await load_listing(shared_sample_database, Listing("search", "санкції since:2099"))
    assert found.shown and re.search(
        r"«санкції» \(1–\d+ з \d+\)\n<i>Шукали англійською: санкції → sanctions, sanction", found.html
    )
    assert nothing.shown == 0 and "Шукали англійською: санкції → sanctions" in nothing.html
    with use_language("ru"):
        english = await load_listing(shared_sample_database, Listing("search", "sanctions"))
    assert english.shown and "английск" not in english.html


@pytest.mark.parametrize(
    ("query", "speaker"),
    [
        ("Путина", "Vladimir Putin"),
        ("Зеленського", "Volodymyr Zelensky"),
        ("Лавров", "Sergei Lavrov"),
        ("перемирие speaker:Путина", "Vladimir Putin"),
        ("перемир’я speaker:Зеленського", "Volodymyr Zelensky"),
    ],
)
async def test_cyrillic_names_find_their_speakers_in_any_inflection(
    shared_sample_database: Database, query: str, speaker: str
) -> None:
    page = await load_listing(shared_sample_database, Listing("search", query))
    assert page.shown
    listed = await load_statements(shared_sample_database, [int(n) for n in re.findall(r"/statement_(\d+)", page.html)])
    speakers = {statement.speaker for statement in listed.values()}
    if "speaker:" in query:
        assert speakers == {speaker}
    else:
        assert speaker in speakers


async def test_a_speaker_no_reading_finds_is_still_refused(shared_sample_database: Database) -> None:
    with pytest.raises(InvalidInput, match="no speaker called"):
        await load_listing(shared_sample_database, Listing("search", "перемирие speaker:Путенко"))


@pytest.mark.parametrize(
    "words",
    [
        [('"ceasefire" OR "x"',)],
        [("NEAR(a b)", "-truce", "a*")],
        [('ceasefire" NOT fts_state: live',), ("'; DROP TABLE statement; --",)],
        [("",), ("   ",)],
    ],
)
async def test_no_form_reaches_the_engine_as_syntax(shared_sample_database: Database, words: list[tuple[str]]) -> None:
    for filters in (None, SearchFilters(side="Russia")):
        page = await search(shared_sample_database, words, filters)
        assert page.total >= 0


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


async def test_search_and_inline_filters_read_cyrillic_words(
    bot: BotHarness, sample_records: list[dict[str, Any]]
) -> None:
    reader = bot.user(language_code="ru")
    await reader.send("/search санкции")
    listed = bot.last_text(READER_ID)
    assert "Искали по-английски: санкции → sanctions" in listed
    assert re.findall(r"/statement_(\d+)", listed)

    answer = await inline(bot, "перемирие side:Россия")
    expected = said(sample_records, *CEASEFIRE) & {r["ref"] for r in sample_records if r["side"] == "Russia"}
    assert expected and len(answer["results"]) >= min(10, len(expected))


# -- alerts ----------------------------------------------------------------------------


@pytest_asyncio.fixture
async def telegram(database: Database) -> AsyncIterator[Telegram]:
    async with telegram_on(database) as double:
        yield double


async def tick(telegram: Telegram) -> AlertReport:
    return await send_alerts(telegram.bot, telegram.database, limiter=telegram.limiter)


async def test_a_cyrillic_alert_fires_on_any_of_its_english_words(database: Database, telegram: Telegram) -> None:
    await create(database, READER, "перемирие")
    await create(database, READER + 1, "санкції Путіна")
    await record(database, "Vladimir Putin", "talks", "A truce along the front line is possible.")
    await record(database, "Volodymyr Zelensky", "sanctions", "Sanctions must stay.", side="Ukraine")
    await record(database, "Vladimir Putin", "talks", "New sanctions will not change our course.")
    await record(database, "Vladimir Putin", "talks", "Talks go on.")
    await tick(telegram)

    [truce] = telegram.api.delivered(READER)
    assert "A truce along the front line" in truce and "Sanctions" not in truce
    # Every word must occur, each in any of its forms: Putin, and sanctions.
    [sanctions] = telegram.api.delivered(READER + 1)
    assert "New sanctions will not change" in sanctions and "must stay" not in sanctions


async def test_an_edit_between_a_words_english_words_tells_of_nothing_new(
    database: Database, telegram: Telegram
) -> None:
    statement = await record(database, "Vladimir Putin", "talks", "Talks go on.")
    await create(database, READER, "перемир'я")
    await edit_statement(database, statement.id or 0, "text", "A truce is possible.", "test")
    await tick(telegram)
    await edit_statement(database, statement.id or 0, "text", "A ceasefire is possible.", "test")
    await tick(telegram)
    assert len(telegram.api.delivered(READER)) == 1


async def test_an_alert_of_function_words_alone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="give words to look for"):
        parse_alert("і та про")


async def test_setting_a_cyrillic_alert_says_what_it_looks_for(bot: BotHarness) -> None:
    reader = bot.user(language_code="uk")
    await reader.send("/alert перемир'я speaker:Путін")
    made = bot.last_text(READER_ID)
    assert "Шукали англійською: перемир'я → ceasefire, truce" in made
    assert "Путін →" not in made
