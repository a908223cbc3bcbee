"""The vocabularies of question understanding are data (bot/data/vocabulary/*.json), read
once through the package's resources: what they must hold for understanding to work."""

from __future__ import annotations

import json
from importlib import resources

from bot.answering.understanding.words import GRAMMAR, PLACES, SIDES, STANCES, TIME_WORDS, TOPICS
from storage.models import Stance, Topic


def test_every_file_is_package_data_that_loads() -> None:
    directory = resources.files("bot").joinpath("data/vocabulary")
    names = sorted(entry.name for entry in directory.iterdir() if entry.name.endswith(".json"))
    assert names == [
        "crosslingual.json",
        "english_grammar.json",
        "follow_ups.json",
        "labels.json",
        "numbers.json",
        "option_words.json",
        "places.json",
        "reading.json",
        "roles.json",
        "search_words.json",
        "sides.json",
        "slavic_grammar.json",
        "spellings.json",
        "stances.json",
        "time_words.json",
        "topics.json",
    ]
    for name in names:
        assert isinstance(json.loads(directory.joinpath(name).read_text("utf-8")), dict), name


def test_every_topic_of_the_record_has_words_readers_use() -> None:
    assert set(TOPICS.words) == set(Topic)
    assert all(TOPICS.words[topic] for topic in Topic)


def test_a_group_covers_the_members_of_the_groups_it_includes() -> None:
    by_side = {words.side: words for words in SIDES.sides}
    eu = by_side["European Union"].members
    assert "Poland" in eu and "United Kingdom" not in eu
    europe = by_side["Europe"].members
    assert europe[: len(eu)] == eu and {"European Union", "United Kingdom"} <= set(europe)
    west = by_side["the West"].members
    assert west[: len(europe)] == europe and "United States" in west


def test_words_are_read_into_what_understanding_looks_up() -> None:
    assert TIME_WORDS.months["sept"] == TIME_WORDS.months["september"] == 9
    assert TIME_WORDS.seasons["winter"] == (12, 2)
    assert STANCES.stance_of["pledged"] is Stance.commitment
    assert not STANCES.stance_verbs & STANCES.action_verbs
    assert GRAMMAR.irregular_verbs["withdrew"] == "withdraw"
    assert PLACES.parts["Donbas"] == ("Donetsk", "Luhansk")
