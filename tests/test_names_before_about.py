"""Who a question asks about is not always written with a capital a reader's eye would
trust: the first word has one anyway ("Meloni on troops", "Мелоні про війська"), and chat
is often typed in lower case ("мерц про гарантии"). A word before "about" that opens the
question, or follows a verb of saying, is read as a name the record must hold, unless the
vocabulary knows it. And a name joined to a word by a hyphen ("Russia-Ukraine") is still
the name."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.ask import answer
from bot.answering.reading import read
from bot.answering.record_index import KnownActor, RecordFacts
from storage.engine import Database

FACTS = RecordFacts(
    actors=(
        KnownActor(1, "Sergei Lavrov", ("Sergei Lavrov", "Лавров", "Lavrov"), "Russia"),
        KnownActor(2, "Steve Witkoff", ("Steve Witkoff", "Уиткофф", "Віткофф", "Witkoff"), "United States"),
        KnownActor(3, "Vladimir Putin", ("Vladimir Putin", "Путин", "Путін", "Putin"), "Russia"),
    ),
    sides=("Russia", "Ukraine", "United States"),
    places=("Crimea",),
)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Мелоні про відправку військ в Україну", ("Мелоні",)),
        ("мерц про гарантии", ("мерц",)),
        ("Что сказал мерц о гарантиях?", ("мерц",)),
        ("Meloni on troops in Ukraine", ("Meloni",)),
    ],
)
def test_a_word_opening_the_question_before_about_is_a_name(question: str, names: tuple[str, ...]) -> None:
    assert read(question, FACTS).names == names


@pytest.mark.parametrize(
    "question",
    [
        "Розкажи про перемир'я",
        "Новости о санкциях",
        "News about Crimea",
        "санкції про нафту",  # a word the lexicon knows
        "лавров про крим",  # a speaker of the record, in lower case
        "Уиткоф о гарантиях",  # a slip on a speaker's name is theirs
        "meloni on troops",  # lower case in English: too often a plain word
        "Трамп сказав, що мерц про це знає",  # neither first nor after a verb of saying
    ],
)
def test_request_words_known_words_and_speakers_are_not_names(question: str) -> None:
    assert read(question, FACTS).names == ()


def test_a_name_joined_by_a_hyphen_is_the_name() -> None:
    reading = read("What is the Russia-Ukraine ceasefire status?", FACTS)
    assert reading.names == ()
    assert reading.sides == {"Russia", "Ukraine"}
    assert read("Lavrov on NATO-style guarantees", FACTS).names == ()


def test_a_hyphen_inside_a_cyrillic_name_keeps_it_whole() -> None:
    assert read("Що сказав Лавров у Ер-Ріяді?", FACTS).names == ("Ер-Ріяді",)


async def _refs(database: Database, question: str) -> list[str]:
    reply = await answer(database, question, today=date(2026, 11, 27))
    return [hit.statement.ref for hit in reply.hits]


@pytest.mark.parametrize("question", ["Мелоні про відправку військ в Україну", "мерц про гарантии"])
async def test_someone_the_record_never_heard_of_gets_nothing_found(model_database: Database, question: str) -> None:
    assert await _refs(model_database, question) == []


async def test_a_question_naming_both_sides_with_a_hyphen_is_answered(model_database: Database) -> None:
    assert "s05" in (await _refs(model_database, "What is the Russia-Ukraine ceasefire status?"))[:5]


@pytest.mark.parametrize(
    ("question", "name"), [("What are Belarus's demands?", "Belarus"), ("What is Meloni’s view?", "Meloni")]
)
def test_an_english_possessive_is_no_part_of_the_name(question: str, name: str) -> None:
    assert read(question, FACTS).names == (name,)


async def test_a_name_with_a_possessive_the_record_holds_is_not_unknown(model_database: Database) -> None:
    # China is among the guarantors in s30: "China's" is not a name the record lacks.
    reply = await answer(model_database, "What is China's position on the peace plan?", today=date(2026, 11, 27))
    assert "China" not in (reply.reason or "")


@pytest.mark.parametrize(
    ("question", "expected"),
    [("Що сталося в Стамбулі?", {"s12", "s13", "s18"}), ("Що було в Анкориджі?", {"s21", "s22"})],
)
async def test_a_question_asking_only_where_lists_what_was_said_there(
    model_database: Database, question: str, expected: set[str]
) -> None:
    """Nothing is asked but where: the statements about the place are the answer, however
    far the model puts so bare a question from each of them."""
    assert expected <= set((await _refs(model_database, question))[:5])
