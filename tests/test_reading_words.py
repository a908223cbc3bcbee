"""Words of Ukrainian and Russian questions as the reader writes them (bot.answering.reading):
months and seasons in every case, apostrophes typed or not."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.reading import english_words, fold, month_or_season, read, tells_manner
from bot.answering.record_index import RecordFacts


@pytest.mark.parametrize(
    ("word", "months"),
    [
        ("июле", (7, 7)),
        ("июля", (7, 7)),
        ("июне", (6, 6)),
        ("липні", (7, 7)),
        ("серпня", (8, 8)),
        ("августе", (8, 8)),
        ("марте", (3, 3)),
        ("осенью", (9, 11)),
        ("july", (7, 7)),
    ],
)
def test_a_month_is_read_in_any_case(word: str, months: tuple[int, int]) -> None:
    assert month_or_season(word) == months


@pytest.mark.parametrize("word", ["майдан", "маршрут", "июльский-проект"])
def test_a_word_that_only_begins_like_a_month_is_none(word: str) -> None:
    assert month_or_season(word) is None


@pytest.mark.parametrize("written", ["перемир'я", "перемир’я", "перемирʼя", "перемиря", "перемирря"])
def test_an_apostrophe_typed_any_way_or_left_out_reads_the_same(written: str) -> None:
    assert "ceasefire" in english_words(fold(written))


def test_an_english_possessive_keeps_its_apostrophe() -> None:
    assert fold("Putin's") == "putin's"


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("Що казав Путін з серпня?", (date(2025, 8, 1), date(2025, 11, 25))),
        ("Что говорил Путин с августа?", (date(2025, 8, 1), date(2025, 11, 25))),
        ("Що казав Путін від березня?", (date(2025, 3, 1), date(2025, 11, 25))),
        ("Що казав Путін у серпні?", (date(2025, 8, 1), date(2025, 8, 31))),
        ("Что говорил Путин с марта по май?", (date(2025, 3, 1), date(2025, 5, 31))),
    ],
)
def test_since_a_month_reads_from_that_month_to_the_records_last_date(question: str, span: tuple[date, date]) -> None:
    assert read(question, RecordFacts(last_date=date(2025, 11, 25))).span == span


def test_a_hyphenated_word_is_read_as_the_words_the_record_is_searched_by() -> None:
    reading = read("the 50-day ultimatum, the pre-war borders, face-to-face talks", RecordFacts())
    assert reading.content_words == ("face",)


def test_filler_words_of_a_question_are_not_what_it_asks_about() -> None:
    reading = read("What exactly is Moscow actually getting, according to Kyiv?", RecordFacts())
    assert not {"exactly", "actually", "getting", "according"} & set(reading.content_words)


@pytest.mark.parametrize("word", ["promised", "asking", "promising", "welcome"])
def test_a_word_of_how_something_was_said_tells_manner_in_any_form(word: str) -> None:
    assert tells_manner((word,))


@pytest.mark.parametrize("word", ["morning", "sanctions", "shipping"])
def test_other_words_tell_no_manner(word: str) -> None:
    assert not tells_manner((word,))


SIDES = RecordFacts(sides=("Russia", "Ukraine", "United States", "United Kingdom", "France", "European Union"))


@pytest.mark.parametrize(
    "question",
    [
        "Will American soldiers be sent to Ukraine?",
        "soldiers in Ukraine",
        "Did anyone offer guarantees for the Ukrainians?",
        "Who wants sanctions against Russia lifted?",
    ],
)
def test_a_party_an_english_question_speaks_of_is_not_read_as_who_speaks(question: str) -> None:
    reading = read(question, SIDES)
    assert not {"Ukraine", "Russia"} & reading.sides


@pytest.mark.parametrize(
    ("question", "side"),
    [
        ("What does Moscow want, according to Kyiv?", "Ukraine"),
        ("What did Kyiv say about Moscow?", "Ukraine"),
        ("Що обіцяли в Україні?", "Ukraine"),
    ],
)
def test_a_party_that_speaks_is_still_read_as_a_side(question: str, side: str) -> None:
    assert side in read(question, SIDES).sides


@pytest.mark.parametrize(
    "question", ["What did Europe promise Ukraine?", "Що обіцяла Європа?", "Что обещали европейцы?"]
)
def test_europe_names_the_european_parties_the_record_holds(question: str) -> None:
    assert {"United Kingdom", "France", "European Union"} <= read(question, SIDES).sides


def test_a_group_the_record_holds_covers_its_members_the_record_holds() -> None:
    assert read("What did the EU say?", SIDES).sides == {"European Union", "France"}


@pytest.mark.parametrize(
    "question", ["What did the Ukrainian leader say?", "What did the British PM pledge?", "What did US officials say?"]
)
def test_a_word_for_who_speaks_after_a_party_is_neither_a_name_nor_what_is_asked(question: str) -> None:
    reading = read(question, SIDES)
    assert reading.sides
    assert not reading.names
    assert not {"leader", "officials"} & set(reading.content_words)


@pytest.mark.parametrize(
    "question", ["Що казали в Росії про європейських миротворців?", "Что в России говорили о европейских миротворцах?"]
)
def test_a_party_spoken_about_in_ukrainian_or_russian_is_not_who_speaks(question: str) -> None:
    sides = read(question, SIDES).sides
    assert "Russia" in sides
    assert "European Union" not in sides
