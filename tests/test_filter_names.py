"""The filters of /search and /alert by their Ukrainian and Russian names (`тема:`,
`спікер:`, `сторона:`, `з:`/`с:` for since, `до:` for until; labels.json "filters"), a
place by the name places.json gives it ("місце:Стамбулі" is Istanbul), and `/topic` alone
listing the topics as the reader's language names them, each taken back by /topic."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.alerts.manage import parse_alert
from bot.input.search_syntax import parse_search
from bot.presentation.listings import load_listing
from bot.presentation.paging import Listing
from storage.engine import Database
from storage.errors import InvalidInput
from tests.bot_harness import READER_ID, BotHarness, running_bot

ENGLISH = parse_search("ceasefire speaker:putin side:Russia topic:ceasefire since:2025-08 until:2025-12-31")


@pytest.mark.parametrize(
    "query",
    [
        "ceasefire мовець:putin сторона:Росія тема:перемир'я з:2025-08 до:2025-12-31",
        'ceasefire спікер:putin сторони:Russia теми:"припинення вогню" від:2025-08 до:2025-12',
        "ceasefire спикер:putin сторона:Россия тема:перемирие с:2025-08 по:2025-12",
        "ceasefire Спикер:putin Сторона:России Тема:перемирие после:2025-08 до:2025-12",
    ],
)
def test_filters_are_named_in_ukrainian_or_russian_too(query: str) -> None:
    parsed = parse_search(query)
    assert parsed == ENGLISH
    assert parse_alert(query).filters == ENGLISH.filters


def test_words_before_a_colon_that_name_no_filter_stay_words() -> None:
    parsed = parse_search("Увага: перемир'я https://example.org/a:b тема:санкції")
    assert parsed.text == "Увага: перемир'я https://example.org/a:b"
    assert parsed.filters.topic == "sanctions"


@pytest.mark.parametrize(("query", "suggestion"), [("спкер:Путін", "спикер:"), ("сторна:Росія", "сторона:")])
def test_a_misspelt_filter_name_is_refused_with_the_nearest(query: str, suggestion: str) -> None:
    with pytest.raises(InvalidInput, match=f"did you mean {suggestion}"):
        parse_search(f"перемир'я {query}")


def test_an_unclosed_quote_is_named_as_typed() -> None:
    with pytest.raises(InvalidInput, match='e.g. мовець:"Vladimir Putin"'):
        parse_search('мовець:"Путін')


@pytest.mark.parametrize(("value", "place"), [("Стамбул", "Istanbul"), ("Стамбулі", "Istanbul"), ("Kiev", "Kyiv")])
def test_a_place_is_read_as_the_record_spells_it(value: str, place: str) -> None:
    assert parse_search(f"місце:{value}").filters.place == place
    assert parse_search("place:Somewhere Else").filters.place == "Somewhere"


async def test_a_place_in_cyrillic_finds_the_records_place(shared_sample_database: Database) -> None:
    cyrillic = await load_listing(shared_sample_database, Listing("search", "місце:Стамбулі"))
    english = await load_listing(shared_sample_database, Listing("search", "place:Istanbul"))
    assert cyrillic.shown and cyrillic.total == english.total
    assert re.findall(r"/statement_\d+", cyrillic.html) == re.findall(r"/statement_\d+", english.html)


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


@pytest.mark.parametrize(
    ("language", "listed", "heading"),
    [
        ("uk", "<code>/topic гарантії безпеки</code>", "<b>Тема: гарантії безпеки</b>"),
        ("ru", "<code>/topic прекращение огня</code>", "<b>Тема: прекращение огня</b>"),
        ("en", "<code>/topic security_guarantees</code>", "<b>Topic: security guarantees</b>"),
    ],
)
async def test_topic_alone_lists_topics_in_the_readers_language_and_takes_them_back(
    bot: BotHarness, language: str, listed: str, heading: str
) -> None:
    reader = bot.user(READER_ID, language_code=language)
    await reader.send("/topic")
    shown = bot.last_text(READER_ID)
    assert listed in shown and re.search(r"</code> \(\d+\)", shown)
    commands = re.findall(r"<code>(/topic [^<]+)</code>", shown)
    assert len(commands) == 10
    for command in commands:
        await reader.send(command)
        assert "⚠️" not in bot.last_text(READER_ID), command
    await reader.send(re.sub(r"<[^>]+>", "", listed))
    assert heading in bot.last_text(READER_ID)


@pytest.mark.parametrize("quoted", ["«Vladimir Putin»", "“Vladimir Putin”", "„Vladimir Putin“", '"Vladimir Putin"'])
def test_a_value_of_several_words_may_be_put_in_guillemets_or_curly_quotes(quoted: str) -> None:
    parsed = parse_search(f"ceasefire speaker:{quoted} тема:«гарантії безпеки»")
    assert parsed.text == "ceasefire"
    assert parsed.filters.speaker == "Vladimir Putin"
    assert parsed.filters.topic == "security_guarantees"


def test_an_unclosed_guillemet_is_refused_as_an_unclosed_quote() -> None:
    with pytest.raises(InvalidInput, match="quotation mark is not closed"):
        parse_search("speaker:«Vladimir Putin")


@pytest.mark.parametrize("query", ["ceasefire speaker: putin", "ceasefire спікер:  putin", "ceasefire Speaker:\tputin"])
def test_a_space_after_the_colon_still_gives_the_filter_its_value(query: str) -> None:
    parsed = parse_search(query)
    assert parsed.text == "ceasefire"
    assert parsed.filters.speaker == "putin"
    assert parse_alert(query).filters.speaker == "putin"


@pytest.mark.parametrize("query", ["ceasefire speaker:", "ceasefire speaker: topic:talks", "перемир'я мовець: "])
def test_a_filter_without_a_value_is_refused_not_looked_for_as_a_word(query: str) -> None:
    with pytest.raises(InvalidInput, match="empty value") as refused:
        parse_search(query)
    assert refused.value.field == "speaker"


@pytest.mark.parametrize(
    ("query", "speaker", "words"),
    [
        ("ceasefire speaker:Vladimir Putin", "Vladimir Putin", "ceasefire"),
        ("speaker:Владимир Путин перемирие", "Владимир Путин", "перемирие"),
        ("speaker:Putin Crimea", "Putin", "Crimea"),
        ("мовець:Кір Стармер війська", "Кір Стармер", "війська"),
    ],
)
def test_a_speakers_name_of_several_words_is_the_filters_value_not_a_word_to_look_for(
    query: str, speaker: str, words: str
) -> None:
    parsed = parse_search(query)
    assert (parsed.filters.speaker, parsed.text) == (speaker, words)


async def test_a_search_by_a_speakers_full_name_holds_only_their_statements(shared_sample_database: Database) -> None:
    page = await load_listing(shared_sample_database, Listing("search", "ceasefire speaker:Vladimir Putin"))
    assert page.total == 2 and "Medinsky" not in page.html and "Zelensky" not in page.html
