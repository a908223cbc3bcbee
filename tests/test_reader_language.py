"""Ukrainian and Russian readers get their own language everywhere, through the real
handlers: places on cards, speakers' names wherever a name is shown, labels, field names,
examples that work when typed, and the reader's words for links and filters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import resources

import pytest
import pytest_asyncio

from bot.i18n import use_language
from bot.input.search_syntax import place_of
from bot.presentation.labels import place_name
from storage.engine import Database
from tests.bot_harness import READER_ID, BotHarness, running_bot

UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


async def say(bot: BotHarness, text: str, language: str, user_id: int = READER_ID) -> str:
    user = bot.user(user_id, language_code=language)
    await user.send(text)
    return bot.last_text(user.chat_id)


def cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


# -- places ----------------------------------------------------------------------------


def places() -> list[dict[str, object]]:
    text = resources.files("bot").joinpath("data/vocabulary/places.json").read_text("utf-8")
    entries: list[dict[str, object]] = json.loads(text)["places"]
    return entries


def sample_places() -> set[str]:
    lines = resources.files("bot").joinpath("data/statements.jsonl").read_text("utf-8").splitlines()
    return {place for line in lines if line.strip() for place in json.loads(line).get("places", [])}


@pytest.mark.parametrize("entry", places(), ids=lambda entry: str(entry["place"]))
def test_every_place_has_a_ukrainian_and_a_russian_name_that_a_filter_takes_back(entry: dict[str, object]) -> None:
    names = entry["names"]
    assert isinstance(names, dict)
    uk, ru = names["uk"], names["ru"]
    assert cyrillic(uk) and not RUSSIAN_ONLY & set(uk), uk
    assert cyrillic(ru) and not UKRAINIAN_ONLY & set(ru), ru
    # What a card shows, typed into place:, is the same place.
    assert place_of(uk) == place_of(ru) == entry["place"]


def test_every_place_of_the_sample_is_named_in_ukrainian_and_russian() -> None:
    for language in ("uk", "ru"):
        with use_language(language):
            assert all(cyrillic(place_name(place)) for place in sample_places())


def test_a_place_places_json_does_not_know_is_shown_as_recorded() -> None:
    with use_language("uk"):
        assert place_name("Narnia") == "Narnia"
        assert place_name("crimea") == "Крим"
    with use_language("en"):
        assert place_name("Crimea") == "Crimea"


async def test_cards_name_places_in_the_readers_language(bot: BotHarness) -> None:
    assert "Места: Донецк, Луганск, Крым" in await say(bot, "/statement 36", "ru")
    assert "Місця: Крим" in await say(bot, "/start s1", "uk")
    assert "Places: Donetsk, Luhansk, Crimea" in await say(bot, "/statement 36", "en")
