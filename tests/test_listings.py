"""The paged lists readers see (bot.presentation.listings): what a question was understood
as is said in the reader's language."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.understanding import understand
from bot.i18n import use_language
from bot.presentation.listings import understood
from tests.test_questions import FACTS

TODAY = date(2025, 11, 30)


@pytest.mark.parametrize(
    ("language", "question", "shown"),
    [
        ("en", "What did Russia say after the Alaska summit?", "Russia · after the Alaska summit"),
        ("uk", "What did Russia say in July 2025?", "Росія · лип. 2025"),
        ("ru", "What did Ukraine say between March and May 2025?", "Украина · 1 мар. 2025 – 31 мая 2025"),
        ("uk", "What did Ukraine say since 2025-08-01?", "Україна · з 1 серп. 2025"),
        ("ru", "What did Russia say before 2025-06-01?", "Россия · до 31 мая 2025"),
        ("uk", "Що хоче Москва щодо Донецька?", "Росія"),
    ],
)
def test_what_a_question_was_understood_as_is_in_the_readers_language(language: str, question: str, shown: str) -> None:
    understanding = understand(question, FACTS, today=TODAY)

    with use_language(language):
        assert understood(understanding) == shown
