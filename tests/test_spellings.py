"""A Cyrillic name is matched with the Latin name the record holds however a scheme would
transliterate it: the record writes "Jeddah", "Reuters", "Novohryhorivka" as English does,
and a reader writes "Джидді", "Рейтер", "Новогригорьевке". Compared by consonant classes
both scripts share; a name the record does not hold is still "not mentioned"."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.ask import answer
from bot.answering.search_words import read_search_words
from bot.answering.spellings import RecordSpellings, cyrillic_consonants, latin_consonants
from storage.engine import Database

RECORD_NAMES = [
    "Joint statement after US-Ukraine talks in Jeddah",
    "Oval Office remarks with NATO Secretary General Mark Rutte",
    "Reuters, citing sources briefed on the summit",
    "Fox News interview",
    "Novohryhorivka",
    "Russian Ministry of Defence (MoD)",
    "Lukoil",
]


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [("Jeddah", "Джидда"), ("Novohryhorivka", "Новогригорьевка"), ("Hegseth", "Хегсет"), ("Witkoff", "Віткофф")],
)
def test_both_spellings_of_a_name_share_their_consonants(latin: str, cyrillic: str) -> None:
    assert latin_consonants(latin) in cyrillic_consonants(cyrillic)


@pytest.mark.parametrize(
    ("name", "latin"),
    [
        ("Джидді", ("jeddah",)),  # a vowel ending: the consonants are the same
        ("Рютте", ("rutte",)),
        ("Рейтер", ("reuters",)),  # the record's plural -s
        ("Фокс", ("fox",)),
        ("Ньюс", ("news",)),  # w before a consonant is a vowel
        ("Новогригорівку", ("novohryhorivka",)),
        ("Лукойлом", ("lukoil",)),  # a case ending with a consonant
    ],
)
def test_a_cyrillic_name_finds_the_record_s_latin_name(name: str, latin: tuple[str, ...]) -> None:
    assert RecordSpellings(RECORD_NAMES).latin_for(name) == latin


@pytest.mark.parametrize("name", ["Моди", "Ердоган", "Орбан", "Мінськ", "Сі", "Шольц", "Кадыров"])
def test_names_the_record_does_not_hold_find_nothing(name: str) -> None:
    # "Моди" is not the acronym "MoD": acronyms are not spelt out in Cyrillic.
    assert RecordSpellings(RECORD_NAMES).latin_for(name) == ()


async def _refs(database: Database, question: str) -> list[str]:
    reply = await answer(database, question, today=date(2026, 11, 27))
    return [hit.statement.ref for hit in reply.hits]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("бої за Новогригорівку", {"s41", "s42"}),  # a village among the statements' places
        ("що казали в Джидді", {"s05"}),  # a city in a statement's source
        ("что Трамп говорил вместе с Рютте", {"s17"}),
    ],
)
async def test_a_name_the_record_spells_in_latin_is_answered(
    model_database: Database, question: str, expected: set[str]
) -> None:
    refs = await _refs(model_database, question)
    assert expected & set(refs[:5])


async def test_a_name_the_record_does_not_hold_is_still_not_mentioned(model_database: Database) -> None:
    reply = await answer(model_database, "що казав Ердоган про переговори", today=date(2026, 11, 27))
    assert reply.hits == [] and "Ердоган" in (reply.reason or "")


async def test_a_search_word_the_record_spells_in_latin_is_looked_for_so(model_database: Database) -> None:
    words = await read_search_words(model_database, "Новогригорівка Рейтер")
    assert [word.english for word in words] == [("novohryhorivka",), ("reuters",)]
