"""Whether the record holds a question's word in any form (bot.answering.keywords): the
stem looked up must be a prefix of the forms the engine's own stemmer stores."""

from __future__ import annotations

import pytest

from bot.answering.keywords import term_stats, word_stem
from storage.engine import Database


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("deploying", "deployment"),
        ("deploy", "deployed"),
        ("weaponry", "weapons"),
        ("threatened", "threat"),
        ("neutrality", "neutral"),
        ("security", "secure"),
    ],
)
def test_a_words_stem_begins_its_other_forms(word: str, form: str) -> None:
    assert form.startswith(word_stem(word))


async def test_forms_the_engine_stems_apart_are_held(sample_database: Database) -> None:
    # The sample says "troop deployment" (s48) and "American weapons" (s28), and
    # "agreed" and "against" but never "age".
    # "neutrality" is stored as "neutral", "security" as "secur".
    groups = [("deploying",), ("weaponry",), ("referendum",), ("age",), ("oil",), ("neutrality",), ("security",)]
    stats = await term_stats(sample_database, [], [], 50, alternatives=groups)
    assert stats.held == {
        ("deploying",): True,
        ("weaponry",): True,
        ("referendum",): False,
        ("age",): False,
        ("oil",): True,
        ("neutrality",): True,
        ("security",): True,
    }
