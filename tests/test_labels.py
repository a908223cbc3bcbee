"""The record's labels typed in English, Ukrainian or Russian are read into the record's
keys, wherever they are typed (bot.input.labels and the readers of /add, /edit and
/search built on it); a value that is none of them is refused with the choices in the
reader's language."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.i18n import LANGUAGES, said, use_language
from bot.input.add_line import AddLineError, parse_add_line, parse_side, parse_speaker, parse_stance, parse_topic_list
from bot.input.edit_line import FIELDS, Edit, edit_field, field_choices, parse_edit
from bot.input.labels import (
    UnknownSide,
    Vocabulary,
    fold,
    link_kinds,
    side_of,
    sides,
    stance_of,
    stances,
    status_of,
    statuses,
    topic_of,
    topics,
    topics_of,
)
from bot.input.search_syntax import parse_search
from bot.presentation.labels import label, side_name
from storage.errors import InvalidInput, wording_of
from storage.models import Stance, Status, Topic


@pytest.mark.parametrize(
    ("typed", "topic"),
    [
        ("territory", Topic.territory),
        ("Territories", Topic.territory),
        ("території", Topic.territory),
        ("територія", Topic.territory),
        ("територіями", Topic.territory),
        ("территории", Topic.territory),
        ("территория", Topic.territory),
        ("security guarantees", Topic.security_guarantees),
        ("Security-Guarantees", Topic.security_guarantees),
        ("гарантії безпеки", Topic.security_guarantees),
        ("гарантія безпеки", Topic.security_guarantees),
        ("гарантии безопасности", Topic.security_guarantees),
        ("перемир’я", Topic.ceasefire),
        ("перемирие", Topic.ceasefire),
        ("прекращение огня", Topic.ceasefire),
        ("НАТО", Topic.nato),
        ("іноземних військ", Topic.foreign_troops),
        ("иностранные войска", Topic.foreign_troops),
        ("санкцій", Topic.sanctions),
        ("полонені", Topic.prisoners),
        ("военнопленные", Topic.prisoners),
        ("переговори", Topic.talks),
        ("умови миру", Topic.peace_terms),
        ("условия мира", Topic.peace_terms),
        ("поле бою", Topic.battlefield),
    ],
)
def test_a_topic_is_read_in_any_of_the_three_languages_and_forms(typed: str, topic: Topic) -> None:
    assert topic_of(typed) is topic


@pytest.mark.parametrize(
    ("typed", "stance"),
    [
        ("demand", Stance.demand),
        ("Demands", Stance.demand),
        ("вимога", Stance.demand),
        ("вимоги", Stance.demand),
        ("требование", Stance.demand),
        ("пропозиція", Stance.proposal),
        ("пропозиція допомоги", Stance.offer),
        ("предложение помощи", Stance.offer),
        ("зобов’язання", Stance.commitment),
        ("отказ", Stance.rejection),
        ("опровержение", Stance.denial),
    ],
)
def test_a_stance_is_read_in_any_of_the_three_languages(typed: str, stance: Stance) -> None:
    assert stance_of(typed) is stance


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("confirmed", Status.confirmed),
        ("підтверджено", Status.confirmed),
        ("подтверждено", Status.confirmed),
        ("подтверждён", Status.confirmed),
        ("оскаржено", Status.contested),
        ("оспорено", Status.contested),
        ("спростовано", Status.denied),
        ("сообщено", Status.reported),
        ("відкликано", Status.retracted),
    ],
)
def test_a_status_is_read_in_any_of_the_three_languages(typed: str, status: Status) -> None:
    assert status_of(typed) is status


@pytest.mark.parametrize(
    ("typed", "side"),
    [
        ("Ukraine", "Ukraine"),
        ("україна", "Ukraine"),
        ("Украина", "Ukraine"),
        ("Росія", "Russia"),
        ("России", "Russia"),
        ("США", "United States"),
        ("USA", "United States"),
        ("Велика Британія", "United Kingdom"),
        ("Польща", "Poland"),
        ("Евросоюз", "European Union"),
        ("невідома", "unknown"),
    ],
)
def test_a_side_is_read_as_the_record_spells_it(typed: str, side: str) -> None:
    assert side_of(typed) == side


def test_a_side_the_record_holds_beyond_the_vocabulary_is_read_as_the_record_spells_it() -> None:
    assert side_of("  freedonia ", ["Sylvania", "Freedonia"]) == "Freedonia"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("  Freedonia  ", "unknown side 'Freedonia' (one of: Russia, Ukraine, United States,"),
        ("Ukriane", "unknown side 'Ukriane'; did you mean Ukraine? (one of: Russia, Ukraine,"),
        ("2025-12", "unknown side '2025-12' (one of: Russia,"),
    ],
)
def test_a_side_that_is_none_of_the_records_is_refused(typed: str, said: str) -> None:
    with pytest.raises(UnknownSide) as refused:
        side_of(typed)
    assert str(refused.value).startswith(said) and str(refused.value).endswith("the West, unknown)")
    assert refused.value.unknown_side == " ".join(typed.split())


def test_an_admin_records_a_new_side_only_written_as_new() -> None:
    assert side_of("+Freedonia", new=True) == "Freedonia"
    assert side_of("+ Freedonia", new=True) == "Freedonia"
    assert side_of("+Україна", new=True) == "Ukraine", "a known side written as new is the known side"
    assert side_of("+freedonia", ["Freedonia"], new=True) == "Freedonia"
    with pytest.raises(UnknownSide) as refused:
        side_of("Freedonia", new=True)
    assert str(refused.value).endswith(
        "A side the record does not hold yet is written with + before its name: +Freedonia"
    )
    with pytest.raises(UnknownSide):
        side_of("+Freedonia"), "only an admin recording a statement makes a side"
    for junk in ("+", "+2025-12", "+ 12"):
        with pytest.raises(ValueError, match="is not a side's name, e.g. \\+Azerbaijan"):
            side_of(junk, new=True)


@pytest.mark.parametrize(
    ("vocabulary", "keys"),
    [
        (topics, [topic.value for topic in Topic]),
        (stances, [stance.value for stance in Stance]),
        (statuses, [status.value for status in Status]),
    ],
)
def test_every_label_the_bot_shows_is_taken_back(vocabulary: Callable[[], Vocabulary], keys: list[str]) -> None:
    """Whatever a list, a button or a card showed, in any language, means what it showed."""
    for language in LANGUAGES:
        with use_language(language):
            for key in keys:
                assert vocabulary().key_of(label(key)) == key, (language, key)
                assert vocabulary().key_of(key) == key


def test_every_side_name_the_bot_shows_or_lists_is_taken_back() -> None:
    for key, _ in sides().shown:
        for language in LANGUAGES:
            with use_language(language):
                assert side_of(side_name(key)) == key, (language, key)


def test_no_phrase_of_the_labels_data_means_two_keys() -> None:
    """Each phrase written in labels.json, read on its own, is the key it is listed under."""
    for vocabulary in (topics(), stances(), statuses(), link_kinds()):
        for key, form in vocabulary.forms:
            phrase = " ".join(word.rstrip("*") for word in form.words)
            if phrase:
                assert vocabulary.key_of(phrase) == key, (phrase, key)


def test_reading_ignores_case_apostrophes_hyphens_and_yo() -> None:
    assert fold("  Зобов’язання ") == fold("зобовʼязання") == "зобов'язання"
    assert fold("Подтверждён.") == "подтвержден"
    assert fold("security_guarantees") == fold("Security-Guarantees") == "security guarantees"


@pytest.mark.parametrize("typed", ["peace", "", "territory of peace", "терр", "land"])
def test_what_is_no_topic_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        topic_of(typed)


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        (
            "en",
            "unknown topic 'weather' (one of: peace_terms, security_guarantees, ceasefire, territory, nato, "
            "foreign_troops, sanctions, prisoners, talks, battlefield)",
        ),
        (
            "uk",
            "невідома тема 'weather' (одна з: умови миру, гарантії безпеки, припинення вогню, території, НАТО, "
            "іноземні війська, санкції, полонені, переговори, поле бою)",
        ),
        (
            "ru",
            "неизвестная тема 'weather' (одна из: условия мира, гарантии безопасности, прекращение огня, "
            "территории, НАТО, иностранные войска, санкции, пленные, переговоры, поле боя)",
        ),
    ],
)
def test_a_refused_topic_lists_the_topics_in_the_readers_language(language: str, refusal: str) -> None:
    with pytest.raises(ValueError) as refused:
        topic_of("weather")
    with use_language(language):
        assert said(wording_of(refused.value)) == refusal
    # The command line and the logs read the English, with the record's keys.
    assert str(refused.value).startswith("unknown topic 'weather' (one of: peace_terms, ")


@pytest.mark.parametrize(
    ("language", "typed", "start"),
    [
        ("en", "teritory", "unknown topic 'teritory'; did you mean territory? (one of: peace_terms,"),
        ("uk", "теритроії", "невідома тема 'теритроії'; можливо, території? (одна з: умови миру,"),
        ("ru", "санкцыи", "неизвестная тема 'санкцыи'; может быть, санкции? (одна из: условия мира,"),
    ],
)
def test_a_near_miss_is_named(language: str, typed: str, start: str) -> None:
    with pytest.raises(ValueError) as refused:
        topic_of(typed)
    with use_language(language):
        assert said(wording_of(refused.value)).startswith(start)


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "'shouting' is not a stance (one of: demand, condition, proposal, offer,"),
        ("uk", "'shouting' — не позиція (одна з: вимога, умова, пропозиція, пропозиція допомоги,"),
        ("ru", "'shouting' — не позиция (одна из: требование, условие, предложение, предложение помощи,"),
    ],
)
def test_a_refused_stance_lists_the_stances_in_the_readers_language(language: str, refusal: str) -> None:
    with pytest.raises(AddLineError) as refused:
        parse_stance("shouting")
    with use_language(language):
        assert said(refused.value.problem).startswith(refusal)


def test_topics_of_a_list_are_each_read_once_in_order() -> None:
    assert topics_of("територія; гарантии безопасности, territory ,") == [
        Topic.territory,
        Topic.security_guarantees,
    ]
    assert parse_topic_list("санкції, переговоры") == [Topic.sanctions, Topic.talks]
    with pytest.raises(AddLineError) as refused:
        parse_topic_list(" , ")
    with use_language("uk"):
        assert said(refused.value.problem).startswith("назвіть хоча б одну тему (одну з: умови миру,")


def test_the_one_line_add_takes_ukrainian_and_russian_labels() -> None:
    data = parse_add_line(
        "Кір Стармер (Велика Британія) | 2025-03-02 | гарантії безпеки, иностранные войска | Слова. | BBC"
    )
    assert (data.speaker, data.side) == ("Кір Стармер", "United Kingdom")
    assert data.topics == [Topic.security_guarantees, Topic.foreign_troops]
    assert parse_speaker("Владимир Путин (Россия)").side == "Russia"
    assert parse_side("США") == "United States"


@pytest.mark.parametrize(
    ("field", "value", "edit"),
    [
        ("status", "confirmed", Edit("status", "confirmed")),
        ("статус", "підтверджено", Edit("status", "confirmed")),
        ("статус", "оспорено", Edit("status", "contested")),
        ("тема", "територія, санкции", Edit("topics", "territory, sanctions")),
        ("topics", "security guarantees", Edit("topics", "security_guarantees")),
        ("позиція", "вимога", Edit("stance", "demand")),
        ("позиция", "предложение помощи", Edit("stance", "offer")),
        ("сторона", "Україна", Edit("side", "Ukraine")),
        ("side", "+Freedonia", Edit("side", "Freedonia")),
        ("speaker", "Кір Стармер (Велика Британія)", Edit("speaker", "Кір Стармер", "United Kingdom")),
        ("мовець", "Володимир Путін", Edit("speaker", "Володимир Путін")),
        ("цитата", "так", Edit("quote", "yes")),
        ("quote", "нет", Edit("quote", "no")),
        ("said_on", "2025-08", Edit("date", "2025-08")),
        ("текст", "Новий текст.", Edit("text", "Новий текст.")),
    ],
)
def test_an_edit_is_read_into_the_records_terms(field: str, value: str, edit: Edit) -> None:
    name = edit_field(field)
    assert name is not None
    assert parse_edit(name, value) == edit


def test_every_field_name_listed_is_taken_back() -> None:
    for language in LANGUAGES:
        with use_language(language):
            for name in said(field_choices()).split(", "):
                assert edit_field(name) in FIELDS, (language, name)
    assert edit_field("colour") is None and edit_field("колір") is None


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "status: 'maybe' is not a status (one of: reported, confirmed, contested, denied, retracted)"),
        ("uk", "статус: 'maybe' — не статус (один з: повідомлено, підтверджено, оскаржено, спростовано, відкликано)"),
        ("ru", "статус: 'maybe' — не статус (один из: сообщено, подтверждено, оспорено, опровергнуто, отозвано)"),
    ],
)
def test_a_refused_edit_value_names_the_field_and_the_choices(language: str, refusal: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_edit("status", "maybe")
    with use_language(language):
        assert said(refused.value) == refusal


@pytest.mark.parametrize(
    ("query", "side", "topic", "stance", "status"),
    [
        ("side:Україна topic:територія", "Ukraine", Topic.territory, None, None),
        ('side:Росія topic:"гарантії безпеки" stance:вимога', "Russia", Topic.security_guarantees, Stance.demand, None),
        ("side:США status:подтверждено stance:отказ", "United States", None, Stance.rejection, Status.confirmed),
        ("side:russia topic:security_guarantees", "Russia", Topic.security_guarantees, None, None),
    ],
)
def test_search_filters_take_the_readers_words(
    query: str, side: str, topic: Topic | None, stance: Stance | None, status: Status | None
) -> None:
    filters = parse_search(f"ceasefire {query}").filters
    assert (filters.side, filters.topic, filters.stance, filters.status) == (side, topic, stance, status)


def test_a_refused_search_filter_speaks_the_readers_language() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_search("talks stance:крик")
    with use_language("ru"):
        assert said(refused.value).startswith("позиция: 'крик' — не позиция (одна из: требование, условие,")
