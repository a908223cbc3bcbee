"""Question understanding (bot.answering.understanding): a pure function of the question, what the record
knows (speakers, sides, places, event dates) and today's date. No database here: the facts
are written out as a record would report them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.record_index import KnownActor, RecordFacts
from bot.answering.understanding import Understanding, understand
from storage.models import Stance, Topic

PUTIN, ZELENSKY, TRUMP, LAVROV, KREMLIN, UMEROV, MACRON = 1, 2, 3, 4, 5, 6, 7

FACTS = RecordFacts(
    actors=(
        KnownActor(
            PUTIN,
            "Vladimir Putin",
            ("Vladimir Putin", "Putin", "Путин", "Путін", "Владимир Путин"),
            "Russia",
            ("President of Russia",),
        ),
        KnownActor(
            ZELENSKY,
            "Volodymyr Zelensky",
            ("Volodymyr Zelensky", "Zelensky", "Zelenskyy", "Зеленский", "Зеленський"),
            "Ukraine",
            ("President of Ukraine",),
        ),
        KnownActor(
            TRUMP,
            "Donald Trump",
            ("Donald Trump", "Trump", "Трамп"),
            "United States",
            ("President of the United States",),
        ),
        KnownActor(
            LAVROV, "Sergei Lavrov", ("Sergei Lavrov", "Lavrov", "Лавров"), "Russia", ("Foreign Minister of Russia",)
        ),
        KnownActor(
            KREMLIN, "Kremlin", ("Kremlin", "The Kremlin", "Кремль", "Dmitry Peskov"), "Russia", ("Readout of a call",)
        ),
        KnownActor(UMEROV, "Rustem Umerov", ("Rustem Umerov", "Umerov"), "Ukraine", ("Head of Ukrainian delegation",)),
        KnownActor(MACRON, "Emmanuel Macron", ("Emmanuel Macron", "Macron"), "France", ("President of France",)),
    ),
    sides=("United States", "Russia", "Ukraine", "France", "United Kingdom", "European Union"),
    places=("Alaska", "Crimea", "Donetsk", "Geneva", "Istanbul", "Kyiv", "Zaporizhzhia"),
    events={
        "Alaska": date(2025, 8, 15),
        "Istanbul": date(2025, 5, 11),
        "Geneva": date(2025, 11, 23),
        "Crimea": date(2025, 2, 12),
        "Donetsk": date(2025, 6, 2),
        "Kyiv": date(2025, 5, 10),
        "Zaporizhzhia": date(2025, 6, 2),
    },
    first_date=date(2025, 2, 12),
    last_date=date(2025, 11, 25),
)
#: A Wednesday, inside the record's span.
TODAY = date(2025, 11, 19)


def read(question: str, today: date = TODAY) -> Understanding:
    return understand(question, FACTS, today=today)


# -- sides ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "side"),
    [
        ("What does Moscow want for Donetsk?", "Russia"),
        ("Did the Kremlin reject the plan?", "Russia"),
        ("What did the Russians say about peacekeepers?", "Russia"),
        ("What did Kyiv say about Crimea?", "Ukraine"),
        ("What has Washington demanded?", "United States"),
        ("What did the White House propose?", "United States"),
        ("What did London promise?", "United Kingdom"),
        ("What did Brussels say about sanctions?", "European Union"),
        ("Lavrov on security guarantees", "Russia"),
        ("Putin's conditions for a ceasefire", "Russia"),
    ],
)
def test_the_party_asked_about_becomes_a_filter(question: str, side: str) -> None:
    understood = read(question)
    assert understood.sides is not None and side in understood.sides
    assert side in understood.labels


def test_a_group_admits_its_members_and_is_labelled_by_its_name() -> None:
    understood = read("Has the EU offered to send peacekeepers?")
    assert understood.sides is not None
    assert {"European Union", "France"} <= set(understood.sides)
    assert "Russia" not in understood.sides
    assert understood.label == "European Union"


@pytest.mark.parametrize(
    "question",
    [
        "Who called Russia a paper tiger?",  # the party is what was said about
        "Trump deadline and tariffs for Russia",  # ... after a preposition
        "Which side said the advance was halted?",  # the speaker is what is asked
        "Has China been proposed as a guarantor?",  # passive: China does not speak
    ],
)
def test_a_party_spoken_about_is_no_filter(question: str) -> None:
    understood = read(question)
    assert understood.sides is None or "Russia" not in understood.sides
    if "China" in question:
        assert understood.sides is None


def test_an_adjective_or_an_action_only_ranks_higher() -> None:
    soldiers = read("Will American soldiers be sent to Ukraine?")
    assert soldiers.sides is None
    assert "United States" in soldiers.boost_sides
    stopped = read("Did Washington stop sharing intelligence with Kyiv?")
    assert stopped.sides is None
    assert "United States" in stopped.boost_sides


def test_according_to_names_the_speaker() -> None:
    understood = read("What is Moscow's real aim according to Kyiv?")
    assert understood.sides == ("Ukraine",)


def test_a_capital_after_in_is_the_city() -> None:
    understood = read("What did Zelensky say in Kyiv?")
    assert understood.sides == ("Ukraine",)
    assert understood.places == ("Kyiv",)
    assert understood.speakers == (ZELENSKY,)


# -- speakers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "actor", "side"),
    [
        ("What did Putin demand about Donetsk?", PUTIN, "Russia"),
        ("Что сказал Путин о перемирии?", PUTIN, "Russia"),
        ("Що сказав Зеленський про Крим?", ZELENSKY, "Ukraine"),
        ("What did Zelenskyy say about Crimea?", ZELENSKY, "Ukraine"),
        ("statements by Lavrov after the Istanbul talks", LAVROV, "Russia"),
        ("Трамп о санкциях", TRUMP, "United States"),
    ],
)
def test_speakers_by_any_alias(question: str, actor: int, side: str) -> None:
    understood = read(question)
    assert actor in understood.speakers
    assert understood.sides == (side,)


def test_speakers_by_the_role_they_held() -> None:
    assert read("What did the Russian foreign minister say since June?").speakers == (LAVROV,)
    assert UMEROV in read("What did the head of the Ukrainian delegation announce?").speakers


def test_a_body_named_like_its_party_filters_without_a_speaker_boost() -> None:
    understood = read("Did the Kremlin say Ukraine would rearm?")
    assert understood.sides == ("Russia",)
    assert KREMLIN not in understood.speakers


def test_a_first_name_alone_is_not_a_different_person() -> None:
    understood = read("What did Dmitry Medvedev threaten?")
    assert KREMLIN not in understood.speakers
    assert understood.unknown_speaker == "Dmitry Medvedev"


def test_someone_the_record_never_heard_speak() -> None:
    assert read("What did Erdogan say about the talks in Istanbul?").unknown_speaker == "Erdogan"
    assert read("What did Putin say about Erdogan?").unknown_speaker is None
    assert read("What Did Erdogan Say").unknown_speaker is None  # Title Case: capitals say nothing


def test_names_the_record_does_not_know_are_reported() -> None:
    assert "Kakhovka" in read("Did Russia attack the Kakhovka dam?").names
    assert "Nord Stream" in read("What happened at the Nord Stream pipelines?").names
    assert read("What did Putin say about Crimea?").names == ()


# -- sentence openings and courtesy ------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Thanks! What did Zelensky say about Crimea?",
        "Crimea. What did Zelensky say about it?",
        "Thanks\nWhat did Zelensky say about Crimea?",
        "Hello, What did Zelensky say about Crimea?",
        "Macron. What did he say?",
    ],
)
def test_a_capital_where_a_sentence_opens_is_no_name(question: str) -> None:
    assert read(question).names == ()


def test_a_name_where_a_sentence_opens_is_still_a_name() -> None:
    assert ZELENSKY in read("Thanks! Zelensky said what about Crimea?").speakers
    assert read("Thanks! What did Erdogan say about the talks in Istanbul?").unknown_speaker == "Erdogan"
    assert "Kakhovka" in read("Thanks! Did Russia attack the Kakhovka dam?").names


@pytest.mark.parametrize(
    ("question", "plain"),
    [
        ("Thanks, and what did Zelensky say about Crimea?", "What did Zelensky say about Crimea?"),
        ("Thanks! What did Zelensky say about Crimea?", "What did Zelensky say about Crimea?"),
        ("Please tell me what Zelensky said about Crimea", "What did Zelensky say about Crimea?"),
        ("What did Zelensky say about Crimea, please?", "What did Zelensky say about Crimea?"),
        ("Дякую! Що сказав Зеленський про Крим?", "Що сказав Зеленський про Крим?"),
        ("Будь ласка, скажіть, що сказав Зеленський про Крим?", "Що сказав Зеленський про Крим?"),
        ("Спасибо. Что говорил Путин о Донбассе?", "Что говорил Путин о Донбассе?"),
        ("Подскажите пожалуйста что говорил Путин о Донбассе?", "Что говорил Путин о Донбассе?"),
    ],
)
def test_greetings_thanks_and_please_are_not_what_is_asked(question: str, plain: str) -> None:
    courteous, asked = read(question), read(plain)
    assert courteous.concepts == asked.concepts
    assert (courteous.sides, courteous.speakers) == (asked.sides, asked.speakers)
    assert courteous.names == ()


def test_courtesy_words_inside_a_sentence_may_be_what_is_asked() -> None:
    assert ("thank",) in read("Did Zelensky say thank you?").concepts


# -- topics, stances, places ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic", "alternative"),
    [
        ("Is a truce possible before winter?", Topic.ceasefire, "ceasefire"),
        ("Were POWs swapped in Istanbul?", Topic.prisoners, "prisoners"),
        ("Will peacekeepers be deployed?", Topic.foreign_troops, "troops"),
        ("Will American soldiers be sent to Ukraine?", Topic.foreign_troops, "troops"),
        ("Who talked about tariffs?", Topic.sanctions, "sanctions"),
    ],
)
def test_topics_by_their_common_names(question: str, topic: Topic, alternative: str) -> None:
    understood = read(question)
    assert topic in understood.topics
    assert any(alternative in concept for concept in understood.concepts)


def test_verbs_of_stance_rank_that_stance_and_are_not_required_words() -> None:
    understood = read("What did London promise to do after a deal?")
    assert Stance.commitment in understood.stances
    assert all("promise" not in concept for concept in understood.concepts)


def test_places_with_the_spellings_readers_use() -> None:
    assert read("What happened in Crimean ports?").places == ("Crimea",)
    assert read("Talks in Anchorage").places == ("Alaska",)
    assert read("Zaporozhye front").places == ("Zaporizhzhia",)


# -- time -------------------------------------------------------------------------------


def test_a_month_is_the_latest_one_the_record_can_speak_of() -> None:
    understood = read("What did Washington threaten Moscow with in July?", today=date(2026, 11, 27))
    assert (understood.since, understood.until) == (date(2025, 7, 1), date(2025, 7, 31))
    assert "July" not in understood.query and "July" not in understood.semantic_query
    assert understood.label == "United States · Jul 2025"


def test_months_and_years() -> None:
    assert (read("Ceasefire talks in August 2024").since, read("Ceasefire talks in August 2024").until) == (
        date(2024, 8, 1),
        date(2024, 8, 31),
    )
    since = read("What has Putin said since June?")
    assert (since.since, since.until) == (date(2025, 6, 1), None)
    assert since.label == "Russia · since Jun 2025"
    before = read("What did Trump say before May?")
    assert (before.since, before.until) == (None, date(2025, 4, 30))
    between = read("Was there a truce between March and May?")
    assert (between.since, between.until) == (date(2025, 3, 1), date(2025, 5, 31))
    early = read("What did Moscow want in early August?")
    assert (early.since, early.until) == (date(2025, 8, 1), date(2025, 8, 15))


def test_may_and_march_as_words_are_no_dates() -> None:
    understood = read("What may Russia accept?")
    assert (understood.since, understood.until) == (None, None)


def test_relative_dates_against_today() -> None:
    last_week = read("Did Putin say anything last week?")
    assert (last_week.since, last_week.until) == (date(2025, 11, 10), TODAY)
    yesterday = read("What did Zelensky say yesterday?")
    assert (yesterday.since, yesterday.until) == (date(2025, 11, 18), date(2025, 11, 18))
    this_month = read("Sanctions this month")
    assert (this_month.since, this_month.until) == (date(2025, 11, 1), TODAY)
    ago = read("What did Trump say two weeks ago?")
    assert ago.since is not None and ago.until is not None
    assert ago.since <= date(2025, 11, 5) <= ago.until


def test_events_are_dated_by_the_record() -> None:
    after = read("What did Trump say after the Alaska summit?")
    assert (after.since, after.anchor, after.anchor_after) == (date(2025, 8, 15), date(2025, 8, 15), True)
    assert after.label == "United States · after the Alaska summit"
    before = read("What did Zelensky say before the Istanbul talks?")
    assert (before.until, before.anchor_after) == (date(2025, 5, 11), False)
    also = read("What happened after the summit in Geneva?")
    assert also.since == date(2025, 11, 23)
    unknown = read("What happened after the Paris summit?")
    assert unknown.since is None


def test_recency_is_a_boost_not_a_filter() -> None:
    understood = read("What has Lavrov said recently?")
    assert understood.recent
    assert (understood.since, understood.until) == (None, None)


def test_only_who_and_when_leaves_no_content() -> None:
    understood = read("What did Putin say last week?")
    assert understood.concepts == ()
    assert read("What did Putin say about Donetsk?").concepts == (("donetsk",),)
