"""A question that asks for a kind of statement ("Who rejected ...", "Що пообіцяв ...",
"Кто угрожал ...") puts statements of that stance first among near equals: the record
keeps each statement's stance, and a reader's verb names it more surely than the model's
similarity, which barely tells a promise from a refusal on the same subject."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.ask import answer
from bot.answering.reading import read
from bot.answering.record_index import KnownActor, RecordFacts
from storage.engine import Database
from storage.models import Stance

FACTS = RecordFacts(
    actors=(KnownActor(1, "Donald Trump", ("Donald Trump", "Трамп", "Trump"), "United States"),),
    sides=("Russia", "Ukraine", "United States"),
)


@pytest.mark.parametrize(
    ("question", "stances"),
    [
        ("Did the Russians reject Western peacekeepers?", {Stance.rejection}),
        ("Що пообіцяв Трамп?", {Stance.commitment}),
        ("Кто угрожал санкциями", {Stance.warning}),
        ("What did Trump say about Crimea?", set()),  # saying is no kind of statement
    ],
)
def test_the_kind_of_statement_asked_for_is_read(question: str, stances: set[Stance]) -> None:
    assert read(question, FACTS).stances == stances


async def test_a_promise_asked_for_comes_first(model_database: Database) -> None:
    reply = await answer(model_database, "Що пообіцяв Трамп?", today=date(2026, 11, 27))
    # s27: the US would help provide security guarantees (a commitment); his warnings and
    # assessments come after it.
    assert reply.hits[0].statement.ref == "s27"
