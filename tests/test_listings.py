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
        ("en", "What did Russia say after the Alaska summit?", "Russia · after the Alaska summit (since 15 Aug 2025)"),
        ("en", "What did Russia say in 2025?", "Russia · 2025"),
        ("uk", "What did Russia say in 2025?", "Росія · 2025"),
        ("en", "What did Russia say after 2025-03-01?", "Russia · since 2 Mar 2025"),
        ("en", "What did Russia say since March 2025?", "Russia · since 1 Mar 2025"),
        ("en", "What did Russia say between March and May 2025?", "Russia · Mar 2025 – May 2025"),
        ("uk", "What did Russia say in July 2025?", "Росія · лип. 2025"),
        ("ru", "What did Ukraine say between March and May 2025?", "Украина · март 2025 – май 2025"),
        ("uk", "What did Ukraine say since 2025-08-01?", "Україна · з 1 серп. 2025"),
        ("ru", "What did Russia say before 2025-06-01?", "Россия · до 31 мая 2025"),
        ("uk", "Що хоче Москва щодо Донецька?", "Росія"),
    ],
)
def test_what_a_question_was_understood_as_is_in_the_readers_language(language: str, question: str, shown: str) -> None:
    understanding = understand(question, FACTS, today=TODAY)

    with use_language(language):
        assert understood(understanding) == shown
