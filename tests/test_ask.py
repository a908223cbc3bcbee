"""Answers to readers' questions on the sample corpus, through `bot.answering.ask.answer()`, on SQLite
and PostgreSQL: paraphrases (with the embedding model), the keyword fallback (without it),
"nothing found", contested claims beside their denials, the in-memory index following
writes, and the JSON contract of `diplobot ask --json`."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from bot.answering.ask import Answer, answer, answer_json
from bot.answering.record_index import exact
from bot.answering.record_index.loading import record_index
from bot.i18n import use_language
from bot.presentation.listings import understood
from storage.engine import Database
from storage.statements import add_statement, edit_statement, link_statements, retract_statement
from storage.validation import StatementData

#: "in July" and "since June" are read against the record's last date when today is
#: later; a fixed today keeps the tests about the sample, whenever they run.
TODAY = date(2026, 11, 27)


@pytest.fixture
async def keyword_database(sample_database: Database) -> Database:
    """The sample corpus and no model: what a deployment without the extra runs."""
    assert sample_database.embedder is None
    return sample_database


def refs(reply: Answer) -> list[str]:
    return [hit.statement.ref for hit in reply.hits]


async def ask(database: Database, question: str, **options: Any) -> Answer:
    return await answer(database, question, today=TODAY, **options)


# -- with the model ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Will American soldiers be sent to Ukraine?", {"s29", "s02"}),
        ("Who warned that foreign troops would be targets?", {"s32"}),
        ("What does Moscow want in exchange for ending the war?", {"s23", "s14", "s07", "s43"}),
        ("Would Kyiv recognise that Crimea is Russian?", {"s09"}),
    ],
)
async def test_paraphrases_find_the_statement(model_database: Database, question: str, expected: set[str]) -> None:
    reply = await ask(model_database, question)
    assert not reply.keyword_only
    assert expected & set(refs(reply)[:5]), refs(reply)


async def test_who_and_when_the_question_names_come_first(model_database: Database) -> None:
    reply = await ask(model_database, "What did Washington threaten Moscow with in July?", limit=10)
    assert refs(reply)[:2] and set(refs(reply)[:2]) <= {"s17", "s19"}
    assert all(hit.statement.side == "United States" for hit in reply.hits[:2])
    assert all(date(2025, 7, 1) <= hit.statement.said_on <= date(2025, 7, 31) for hit in reply.hits[:2])
    assert reply.understood_label == "United States · Jul 2025"


@pytest.mark.parametrize(
    "question", ["What did Trump say after the Alaska summit?", "Що казав Трамп після саміту на Алясці?"]
)
async def test_who_and_after_which_event_rank_what_was_said(model_database: Database, question: str) -> None:
    reply = await ask(model_database, question)
    assert refs(reply)[0] == "s22"
    after = [
        hit
        for hit in reply.hits
        if hit.statement.speaker == "Donald Trump" and hit.statement.said_on >= date(2025, 8, 15)
    ]
    assert len(after) >= 3, refs(reply)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The record keeps how something was said as the stance ("commitment"), seldom
        # the reader's verb: "promise" and "welcome" are held nowhere in its words.
        ("What did London promise to do after a deal?", {"s04"}),
        ("Did the Kremlin welcome the US plan?", {"s38"}),
        # Europe is the European parties the record holds; Ukraine, given, speaks not.
        ("What did Europe promise Ukraine?", {"s04", "s31", "s48"}),
    ],
)
async def test_a_verb_of_saying_the_record_does_not_use_still_answers(
    model_database: Database, question: str, expected: set[str]
) -> None:
    reply = await ask(model_database, question)
    assert expected <= set(refs(reply)[:5]), refs(reply)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The model puts a dozen statements within a hundredth of each other here; only
        # s14 says "neutrality", only s05 "intelligence" (the Russian word as its English).
        ("Did anyone talk about Ukrainian neutrality?", "s14"),
        ("кто говорил про разведданные", "s05"),
        # s36 writes "600,000", which the full-text index splits in two.
        ("600000", "s36"),
        ("1200 prisoners", "s18"),
    ],
)
async def test_the_statement_holding_the_questions_rare_word_comes_first(
    model_database: Database, question: str, expected: str
) -> None:
    reply = await ask(model_database, question)
    assert refs(reply)[:1] == [expected], refs(reply)


@pytest.mark.parametrize(
    "question",
    [
        "What happened in 2024?",
        "What did Zelensky say in 2024?",
        "що сталося у 2023 році",
        "Что Путин говорил в 2024 году?",
    ],
)
async def test_a_year_asked_as_when_that_the_record_has_nothing_from_gets_nothing(
    model_database: Database, question: str
) -> None:
    reply = await ask(model_database, question)
    assert reply.nothing_found, refs(reply)


async def test_a_year_named_as_what_is_asked_about_still_answers(model_database: Database) -> None:
    reply = await ask(model_database, "Can Ukraine get its 2014 borders back?")
    assert "s01" in refs(reply)[:3], refs(reply)


@pytest.mark.parametrize("question", ["😀😀", "?? !!", "—"])
async def test_a_question_without_words_gets_nothing(keyword_database: Database, question: str) -> None:
    reply = await ask(keyword_database, question)
    assert reply.hits == [] and reply.nothing_found
    assert reply.reason == "the question has no words to look for"


@pytest.mark.parametrize(
    "question",
    [
        "What did Hamas say about the Gaza ceasefire proposal?",
        "What did Erdogan offer as a mediator?",
        "Did Russia attack the Kakhovka dam?",
        "How do I bake sourdough bread?",
    ],
)
async def test_what_the_record_cannot_answer_gets_nothing(model_database: Database, question: str) -> None:
    reply = await ask(model_database, question)
    assert reply.hits == [] and reply.total == 0 and reply.nothing_found
    assert reply.reason
    assert answer_json(question, reply) == {"question": question, "results": []}


@pytest.mark.parametrize(
    "question", ["What did Trump say in July?", "Що казав Трамп у липні?", "Что Трамп говорил в июле?"]
)
async def test_who_and_when_alone_list_what_was_said_then_first(model_database: Database, question: str) -> None:
    reply = await ask(model_database, question)
    assert set(refs(reply)[:2]) == {"s17", "s19"}, refs(reply)
    assert all(hit.score < 1 for hit in reply.hits)  # first, not scored higher


async def test_past_the_first_page_only_what_is_close_to_the_best_answer_is_listed(model_database: Database) -> None:
    # The model puts 44 of the 48 statements within 0.04 of the best similarity here.
    reply = await ask(model_database, "обмін полоненими", limit=50)
    assert refs(reply)[:2] == ["s13", "s18"]
    assert reply.total <= 20, reply.total


async def test_the_words_read_for_the_ranking_follow_an_edit(model_database: Database) -> None:
    question = "Did anyone talk about Ukrainian neutrality?"
    assert refs(await ask(model_database, question))[:1] == ["s14"]
    edited = "Russia's memorandum handed over in Istanbul sought international recognition of its annexations."
    await edit_statement(model_database, 14, "text", edited, "test")
    await edit_statement(model_database, 5, "text", "Ukraine asked the world to respect its neutrality.", "test")
    assert refs(await ask(model_database, question))[:1] == ["s05"]


@pytest.mark.parametrize("question", ["Who is against NATO?", "Кто против НАТО?", "Хто проти НАТО?"])
async def test_a_capitalised_word_for_a_topic_is_what_is_asked_about(model_database: Database, question: str) -> None:
    reply = await ask(model_database, question)
    assert {"s01", "s26"} & set(refs(reply)[:5]), (reply.reason, refs(reply))


@pytest.mark.parametrize("question", ["Розкажи казку", "Какая завтра погода?"])
async def test_a_cyrillic_question_with_no_word_the_record_knows_gets_nothing(
    model_database: Database, question: str
) -> None:
    reply = await ask(model_database, question)
    assert reply.nothing_found, refs(reply)


async def test_nothing_close_enough_is_known_without_reading_stored_vectors(
    model_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below the threshold even at the top of every row's int8 bound: the exact
    similarities could only confirm it. An answer still reads its contenders' vectors."""
    read: list[int] = []
    stored_vectors = exact.stored_vectors

    async def counted(database: Database, ids: Any) -> Any:
        read.append(len(ids))
        return await stored_vectors(database, ids)

    monkeypatch.setattr(exact, "stored_vectors", counted)
    far = await ask(model_database, "How do I bake sourdough bread?")
    assert far.nothing_found and far.reason == "nothing in the record is close enough to the question"
    assert read == []
    near = await ask(model_database, "Will American soldiers be sent to Ukraine?")
    assert {"s29", "s02"} & set(refs(near)) and read and read[0] > 0


@pytest.mark.parametrize(
    "question",
    [
        # Prisoners were exchanged in Istanbul (Umerov); Lavrov and Macron never spoke of it.
        "What did Lavrov say about prisoner exchanges?",
        "What did Macron say about prisoner exchanges?",
        # Nothing on prisoners was said in September, nor in Geneva.
        "What was said about prisoner exchanges in September?",
        "What was said about prisoner exchanges in Geneva?",
        # Zelensky spoke of Crimea in April, not in September; Trump never of Istanbul.
        "What did Zelensky say about Crimea in September?",
        "Що Зеленський казав про Крим у вересні?",
        "Что Зеленский говорил о Крыме в сентябре?",
        "What did Trump say about Istanbul?",
        # A topic named of a speaker none of whose statements is on it, nor uses its words:
        # only Umerov spoke of prisoners; Zelensky never of sanctions.
        "What did Lavrov say about prisoners?",
        "Що Лавров казав про полонених?",
        "Что Лавров говорил о пленных?",
        "What did Zelensky say about sanctions?",
        "Що Зеленський казав про санкції?",
        "Что Зеленский говорил о санкциях?",
    ],
)
async def test_a_near_miss_of_who_when_or_where_gets_nothing(model_database: Database, question: str) -> None:
    reply = await ask(model_database, question)
    assert reply.hits == [] and reply.nothing_found, refs(reply)


@pytest.mark.parametrize(
    "question",
    [
        # Words for a topic that also name others ("guarantees"): Rubio spoke of talks in
        # Geneva, on no statement about guarantees nor in words of them.
        "What did Rubio say about security guarantees?",
        "Що Рубіо казав про гарантії безпеки?",
        "Что Рубио говорил о гарантиях безопасности?",
        # A name the record holds, but not where the question points: only Bessent
        # spoke of Lukoil.
        "What did Zelensky say about Lukoil?",
        # A word the record holds nowhere, asked of a speaker.
        "What did Lavrov say about elections?",
    ],
)
async def test_a_subject_held_nowhere_where_the_question_points_gets_nothing(
    model_database: Database, question: str
) -> None:
    reply = await ask(model_database, question)
    assert reply.hits == [] and reply.nothing_found, refs(reply)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Witkoff say about security guarantees?", "s25"),
        ("Що Віткофф казав про гарантії безпеки?", "s25"),
        ("What did Bessent say about Rosneft?", "s35"),
        # "summit" stands for talks, on which Witkoff has no statement, but his says "summit".
        ("What did Witkoff say Russia agreed to at the summit?", "s25"),
        # A plain word held elsewhere ("losing") may paraphrase what is said where the
        # question points ("control"): no refusal on it alone. "Zaporizke" is the
        # record's village, not Zaporizhzhia.
        ("Did Ukraine deny losing Zaporizke?", "s42"),
        ("How much American weaponry did Zelensky say Ukraine would buy?", "s28"),
        # A word for how something was said is the stance's, even when it is also a
        # topic's word ("demands" of peace terms, on which Macron has no statement).
        ("What demands did Macron make in Kyiv?", "s11"),
        ("Що Макрон вимагав від Росії?", "s11"),
        # A region is asked about with its parts: Putin spoke of Donetsk, never "Donbas".
        ("What did Putin say about Donbas?", "s23"),
        ("Що Путін казав про Донбас?", "s43"),
        ("Что Путин говорил о Донбассе?", "s23"),
    ],
)
async def test_a_subject_held_where_the_question_points_is_answered(
    model_database: Database, question: str, expected: str
) -> None:
    reply = await ask(model_database, question)
    assert expected in refs(reply)[:5], refs(reply)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Umerov say about prisoner exchanges?", "s13"),
        ("What did Umerov say about prisoner exchanges in July?", "s18"),
        ("What did Zelensky say about Crimea?", "s09"),
        # The Kremlin speaks through Putin: his May proposal is the Kremlin's.
        ("What did the Kremlin offer in May?", "s12"),
        # A topic named of a speaker or month that holds it: by its tag, or in the words
        # of a statement tagged otherwise (Hegseth on NATO, Putin on a ceasefire in May).
        ("What did Umerov say about prisoners?", "s13"),
        ("Що Трамп казав про санкції?", "s17"),
        ("Что Путин говорил о перемирии?", "s06"),
        ("What did Hegseth say about NATO?", "s01"),
        ("Що Путін казав про перемир'я в травні?", "s12"),
        ("What did Trump say about a truce in July?", "s19"),
    ],
)
async def test_who_when_and_where_that_hold_the_subject_are_answered(
    model_database: Database, question: str, expected: str
) -> None:
    reply = await ask(model_database, question)
    assert expected in refs(reply)[:5], refs(reply)


@pytest.mark.parametrize(
    ("question", "expected", "label"),
    [
        # A capital where a sentence opens is no name the record must hold ...
        ("Thanks! What did Zelensky say about Crimea?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Thanks\nWhat did Zelensky say about Crimea?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Дякую\nЩо сказав Зеленський про Крим?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Привіт, Дякую. Що казав Путін про Донбас?", "s43", "Vladimir Putin · Donbas"),
        ("Спасибо\nЧто говорил Путин о Донбассе?", "s23", "Vladimir Putin · Donbas"),
        ("Ок, Спасибо, а что Путин говорил о Донбассе?", "s23", None),
        # ... and greetings, thanks and please are no words of what is asked.
        ("Thanks, and what did Zelensky say about Crimea?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Please tell me what Zelensky said about Crimea", "s09", "Volodymyr Zelensky · Crimea"),
        ("Hello. What did Putin say about Donbas?", "s23", "Vladimir Putin · Donbas"),
        ("Дякую! Що сказав Зеленський про Крим?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Будь ласка, що сказав Зеленський про Крим?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Спасибо. Что говорил Путин о Донбассе?", "s23", "Vladimir Putin · Donbas"),
        ("Подскажите пожалуйста что говорил Путин о Донбассе?", "s23", "Vladimir Putin · Donbas"),
        # A name of the record where a sentence opens is still its name.
        ("Zelensky said what about Crimea?", "s09", "Volodymyr Zelensky · Crimea"),
        ("Thanks! Zelensky said what about Crimea?", "s09", "Volodymyr Zelensky · Crimea"),
    ],
)
async def test_courtesy_and_sentence_openings_do_not_hide_the_answer(
    model_database: Database, question: str, expected: str, label: str | None
) -> None:
    reply = await ask(model_database, question)
    assert expected in refs(reply)[:5], (reply.reason, refs(reply))
    if label is not None:
        assert reply.understood_label == label


@pytest.mark.parametrize(
    ("language", "meaning"),
    [("en", "Donald Trump · Jul 2025"), ("uk", "Дональд Трамп · лип. 2025"), ("ru", "Дональд Трамп · июль 2025")],
)
async def test_the_reader_is_shown_whom_and_when_the_question_was_read_as(
    model_database: Database, language: str, meaning: str
) -> None:
    reply = await ask(model_database, "Що казав Трамп у липні?")
    with use_language(language):
        assert understood(reply.understood) == meaning  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "meaning"),
    [
        ("Що казав Путін з серпня?", "Володимир Путін · з 1 серп. 2025"),
        ("Что говорил Путин с августа?", "Володимир Путін · з 1 серп. 2025"),
        ("Що казав Путін у серпні?", "Володимир Путін · серп. 2025"),
    ],
)
async def test_since_a_month_is_read_as_from_that_month_on(
    model_database: Database, question: str, meaning: str
) -> None:
    reply = await ask(model_database, question)
    with use_language("uk"):
        assert understood(reply.understood) == meaning  # type: ignore[arg-type]
    if "серпні" not in question:
        assert any(hit.statement.said_on.month > 8 for hit in reply.hits)  # not August alone


@pytest.mark.parametrize(
    ("language", "meaning"), [("en", "Vladimir Putin · Donbas"), ("uk", "Володимир Путін · Донбас")]
)
async def test_the_reader_is_shown_where_the_question_was_read_as_about(
    model_database: Database, language: str, meaning: str
) -> None:
    reply = await ask(model_database, "Що казав Путін про Донбас?")
    with use_language(language):
        assert understood(reply.understood) == meaning  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "suggestion"),
    [
        ("What did Zelenksy say about Crimea?", "Volodymyr Zelensky"),
        ("Що казав Зиленський про Крим?", "Володимир Зеленський"),
        ("Что Ларвов говорил о миротворцах?", "Сергей Лавров"),
    ],
)
async def test_a_misspelt_speaker_is_suggested(model_database: Database, question: str, suggestion: str) -> None:
    reply = await ask(model_database, question)
    assert reply.nothing_found
    assert reply.reason is not None and reply.reason.endswith(f"did you mean {suggestion}?"), reply.reason


@pytest.mark.parametrize(
    ("question", "suggestion"), [("Putna", "Vladimir Putin"), ("Зиленський", "Володимир Зеленський")]
)
async def test_a_misspelt_name_alone_is_suggested_the_speaker(
    model_database: Database, question: str, suggestion: str
) -> None:
    reply = await ask(model_database, question)
    assert reply.nothing_found
    assert reply.reason is not None and reply.reason.endswith(f"did you mean {suggestion}?"), reply.reason


async def test_a_name_like_no_speaker_is_suggested_nothing(model_database: Database) -> None:
    reply = await ask(model_database, "What did Erdogan say about Crimea?")
    assert reply.reason == "the record does not mention Erdogan"


@pytest.mark.parametrize(
    "question", ["What did Erdogan say about Crimea?", "Thanks! What did Erdogan say about Crimea?"]
)
async def test_a_name_the_record_lacks_after_courtesy_is_still_reported(
    model_database: Database, question: str
) -> None:
    reply = await ask(model_database, question)
    assert reply.nothing_found and reply.reason == "the record does not mention Erdogan"


async def test_contested_claims_come_with_their_denials(model_database: Database) -> None:
    reply = await ask(model_database, "Did Russia capture villages in Dnipropetrovsk region?")
    by_ref = {hit.statement.ref: hit.statement for hit in reply.hits}
    assert "s41" in by_ref, refs(reply)
    claim = by_ref["s41"]
    assert [other.ref for other in reply.counterparts[claim.id]] == ["s42"]  # type: ignore[index]
    if "s42" in by_ref:
        assert "s41" in [other.ref for other in reply.counterparts[by_ref["s42"].id]]  # type: ignore[index]
    # Uncontested statements have none.
    assert all(
        reply.counterparts.get(hit.statement.id or 0, []) == []
        for hit in reply.hits
        if hit.statement.ref not in {"s16", "s40", "s41", "s42"}
    )


async def test_linked_contradictions_count_too(model_database: Database) -> None:
    first = await ask(model_database, "Who claimed Russian forces began an offensive in Dnipropetrovsk?")
    offensive = next(hit.statement for hit in first.hits if hit.statement.ref == "s16")
    denial = await add_statement(
        model_database,
        StatementData(
            speaker="Ukrainian military",
            side="Ukraine",
            said_on=date(2025, 6, 3),
            topics=["battlefield"],
            stance="denial",
            text="Denied that any Russian offensive had begun in the region.",
            source="Test wire",
        ),
        "test",
    )
    await link_statements(model_database, denial.id, "contradicts", offensive.id, "test")  # type: ignore[arg-type]
    reply = await ask(model_database, "Who claimed Russian forces began an offensive in Dnipropetrovsk?")
    assert denial.id in [other.id for other in reply.counterparts[offensive.id]]  # type: ignore[index]


async def test_the_index_sees_statements_added_after_it_was_loaded(model_database: Database) -> None:
    question = "What did the Holy See offer about mediation between the parties?"
    index = await record_index(model_database)
    loads = index.loads
    before = await ask(model_database, question)
    assert "t-vatican" not in refs(before)
    await add_statement(
        model_database,
        StatementData(
            ref="t-vatican",
            speaker="Pietro Parolin",
            speaker_role="Secretary of State of the Holy See",
            side="Holy See",
            said_on=date(2025, 11, 26),
            topics=["talks"],
            stance="offer",
            text="The Holy See offered to host mediation between the parties and to help return children.",
            source="Vatican News",
        ),
        "test",
    )
    after = await ask(model_database, question)
    assert refs(after)[:1] == ["t-vatican"]
    assert index.loads == loads  # refreshed in place, not reloaded
    # Retracted statements leave the answers.
    await retract_statement(model_database, after.hits[0].statement.id, "duplicate", "test")  # type: ignore[arg-type]
    assert "t-vatican" not in refs(await ask(model_database, question))


async def test_scores_and_the_json_contract(model_database: Database) -> None:
    question = "prisoner exchange in Istanbul"
    reply = await ask(model_database, question)
    payload = answer_json(question, reply)
    assert payload["question"] == question
    assert {result["ref"] for result in payload["results"][:2]} == {"s13", "s18"}
    for result in payload["results"]:
        assert set(result) == {"ref", "id", "speaker", "side", "said_on", "text", "source", "status", "score"}
        assert isinstance(result["score"], float) and 0.0 <= result["score"] <= 1.0
    scores = [result["score"] for result in payload["results"]]
    assert scores == sorted(scores, reverse=True)


async def test_pages(model_database: Database) -> None:
    first = await ask(model_database, "security guarantees for Ukraine", limit=2)
    assert len(first.hits) == 2 and first.has_next and first.total > 2
    second = await ask(model_database, "security guarantees for Ukraine", limit=2, offset=2)
    assert not set(refs(first)) & set(refs(second))


# -- without the model --------------------------------------------------------------------


async def test_keyword_search_answers_without_the_model(
    keyword_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.answering.retrieval"):
        reply = await ask(keyword_database, "prisoner exchange in Istanbul")
        again = await ask(keyword_database, "Lavrov on security guarantees")
    assert reply.keyword_only and again.keyword_only
    assert set(refs(reply)[:2]) == {"s13", "s18"}
    assert refs(again)[:1] == ["s30"]
    warnings = [record for record in caplog.records if "keyword search only" in record.getMessage()]
    assert len(warnings) == 1


async def test_keyword_search_keeps_the_filters_and_says_nothing_found(keyword_database: Database) -> None:
    reply = await ask(keyword_database, "What did Washington threaten Moscow with in July?")
    assert set(refs(reply)) <= {"s17", "s19"} and refs(reply)
    nothing = await ask(keyword_database, "What did Hamas say about the Gaza ceasefire proposal?")
    assert nothing.hits == [] and nothing.reason


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Thanks! What did Zelensky say about Crimea?", "s09"),
        ("Thanks, and what did Zelensky say about Crimea?", "s09"),
        ("Macron. What did he say?", "s11"),
    ],
)
async def test_keyword_search_reads_past_courtesy_and_sentence_openings(
    keyword_database: Database, question: str, expected: str
) -> None:
    reply = await ask(keyword_database, question)
    assert reply.keyword_only and expected in refs(reply)[:5], (reply.reason, refs(reply))


async def test_keyword_index_sees_new_statements(keyword_database: Database) -> None:
    await ask(keyword_database, "anything about Transnistria?")
    await add_statement(
        keyword_database,
        StatementData(
            ref="t-moldova",
            speaker="Maia Sandu",
            speaker_role="President of Moldova",
            side="Moldova",
            said_on=date(2025, 11, 26),
            topics=["talks"],
            stance="appeal",
            text="Called for Transnistria to be part of any settlement talks.",
            source="Test wire",
        ),
        "test",
    )
    reply = await ask(keyword_database, "What did Moldova say about Transnistria?")
    assert refs(reply)[:1] == ["t-moldova"]
