"""A misspelt speaker's name suggested in the script and language it was typed in."""

from __future__ import annotations

import pytest

from bot.answering.near_names import nearest_speaker
from bot.answering.record_index import KnownActor, RecordFacts
from bot.i18n import use_language

LAVROV = KnownActor(1, "Sergei Lavrov", ("Lavrov", "Лавров", "Сергей Лавров", "Сергій Лавров"), "Russia")
FACTS = RecordFacts(actors=(LAVROV,))


@pytest.mark.parametrize(
    ("language", "question", "suggestion"),
    [
        ("uk", "Лавро", "Сергій Лавров"),  # no letter of either language: the reader's
        ("ru", "Лавро", "Сергей Лавров"),
        ("en", "Лавро", "Сергей Лавров"),
        ("ru", "Що Лавро казав про війська?", "Сергій Лавров"),  # the question's own language wins
        ("uk", "Что Лавро говорил о войсках? Объясните", "Сергей Лавров"),
        ("uk", "Lavro", "Sergei Lavrov"),
    ],
)
def test_a_slip_is_suggested_in_the_language_of_the_question_else_of_the_reader(
    language: str, question: str, suggestion: str
) -> None:
    typed = question.split()[1] if " " in question else question
    with use_language(language):
        assert nearest_speaker(typed, FACTS, question) == suggestion
