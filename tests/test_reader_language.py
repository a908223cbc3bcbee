"""Ukrainian and Russian readers get their own language everywhere, through the real
handlers: places on cards, speakers' names wherever a name is shown, labels, field names,
examples that work when typed, and the reader's words for links and filters."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest
import pytest_asyncio

from bot.answering.search_words import search_words
from bot.i18n import _, use_language
from bot.input.search_syntax import parse_search, place_of
from bot.presentation.labels import place_name
from bot.presentation.listings import FULL_TEXT_REASONS, reason_sentence
from storage.engine import Database
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness

UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")


@pytest_asyncio.fixture
async def record(sample_database: Database) -> Database:
    """The bundled sample, which the conftest's `bot` runs on."""
    return sample_database


async def say(bot: BotHarness, text: str, language: str, user_id: int = READER_ID) -> str:
    user = bot.user(user_id, language_code=language)
    await user.send(text)
    return bot.last_text(user.chat_id)


def cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


# -- places ----------------------------------------------------------------------------


def places() -> list[dict[str, object]]:
    text = resources.files("bot").joinpath("data/vocabulary/places.json").read_text("utf-8")
    entries: list[dict[str, object]] = json.loads(text)["places"]
    return entries


def sample_places() -> set[str]:
    lines = resources.files("bot").joinpath("data/statements.jsonl").read_text("utf-8").splitlines()
    return {place for line in lines if line.strip() for place in json.loads(line).get("places", [])}


@pytest.mark.parametrize("entry", places(), ids=lambda entry: str(entry["place"]))
def test_every_place_has_a_ukrainian_and_a_russian_name_that_a_filter_takes_back(entry: dict[str, object]) -> None:
    names = entry["names"]
    assert isinstance(names, dict)
    uk, ru = names["uk"], names["ru"]
    assert cyrillic(uk) and not RUSSIAN_ONLY & set(uk), uk
    assert cyrillic(ru) and not UKRAINIAN_ONLY & set(ru), ru
    # What a card shows, typed into place:, is the same place.
    assert place_of(uk) == place_of(ru) == entry["place"]


def test_every_place_of_the_sample_is_named_in_ukrainian_and_russian() -> None:
    for language in ("uk", "ru"):
        with use_language(language):
            assert all(cyrillic(place_name(place)) for place in sample_places())


def test_a_place_places_json_does_not_know_is_shown_as_recorded() -> None:
    with use_language("uk"):
        assert place_name("Narnia") == "Narnia"
        assert place_name("crimea") == "Крим"
    with use_language("en"):
        assert place_name("Crimea") == "Crimea"


async def test_cards_name_places_in_the_readers_language(bot: BotHarness) -> None:
    assert "Места: Донецк, Луганск, Крым" in await say(bot, "/statement 36", "ru")
    assert "Місця: Крим" in await say(bot, "/start s1", "uk")
    assert "Places: Donetsk, Luhansk, Crimea" in await say(bot, "/statement 36", "en")


# -- speakers' names -------------------------------------------------------------------


def button(bot: BotHarness, message: dict[str, Any], label_part: str) -> str:
    """The callback data of the first button whose label holds `label_part`, on `message`
    as it stands now."""
    current = bot.api.messages[(message["chat"]["id"], message["message_id"])]
    for row in current["reply_markup"]["inline_keyboard"]:
        for item in row:
            if label_part in item["text"]:
                return str(item["callback_data"])
    raise AssertionError(f"no button with {label_part!r}")


@pytest.mark.parametrize(
    ("language", "query", "said"),
    [
        ("uk", "/search спікер:путн", "можливо, Володимир Путін?"),
        ("ru", "/search спикер:Путн", "Владимир Путин?"),
        ("en", "/search speaker:putn", "did you mean Vladimir Putin?"),
    ],
)
async def test_a_suggested_speaker_is_named_as_cards_name_them(
    bot: BotHarness, language: str, query: str, said: str
) -> None:
    assert said in await say(bot, query, language)


@pytest.mark.parametrize(
    ("language", "query", "said"),
    [
        ("ru", "/alert спикер:Путн", "Владимир Путин? Чтобы"),
        ("uk", "/alert мовець:Путн", "Володимир Путін? Щоб"),
        ("en", "/alert speaker:putn", "Vladimir Putin? To be alerted"),
    ],
)
async def test_the_alert_hint_for_an_unknown_speaker_is_one_sentence_after_another(
    bot: BotHarness, language: str, query: str, said: str
) -> None:
    text = await say(bot, query, language)
    assert said in text and "?." not in text
    # The filter written as the reader's language writes it, which /alert takes.
    hint = {"ru": "спикер:+Путн", "uk": "мовець:+Путн", "en": "speaker:+putn"}[language]
    assert text.endswith(hint), text
    assert "Alert 1 set" in await say(bot, f"/alert {hint}", "en")


async def test_settings_name_followed_speakers_as_cards_do(bot: BotHarness) -> None:
    user = bot.user(READER_ID, language_code="uk")
    await user.send("/subscribe")
    await user.send("/settings")
    message = user.last_message()
    await user.press(message, button(bot, message, "Мовці"))
    await user.send("Путін")
    assert "Володимир Путін" in bot.last_text(READER_ID)
    await user.send("/settings")
    settings = user.last_message()
    assert "🗣 Мовці: Володимир Путін" in settings["text"]
    await user.press(settings, button(bot, settings, "Мовці"))
    # The button to stop following him names him so too.
    await user.press(settings, button(bot, settings, "✖ Володимир Путін"))
    assert "Vladimir Putin" not in " ".join(bot.texts(READER_ID))


async def test_the_guided_add_names_a_recorded_speaker_as_its_preview_does(bot: BotHarness) -> None:
    admin = bot.user(ADMIN_ID, language_code="uk")
    await admin.send("/add")
    await admin.send("Sergei Lavrov")
    assert "Мовець: <b>Сергій Лавров</b>, сторона: Росія" in bot.last_text(ADMIN_ID)


async def test_a_name_that_could_be_several_speakers_lists_them_as_commands_that_work(bot: BotHarness) -> None:
    listing = await say(bot, "/actor Vladimir", "uk")
    commands = re.findall(r"<code>(/actor [^<]+)</code>", listing)
    assert "/actor Володимир Путін" in commands
    for command in commands:
        assert "could mean" not in (answer := await say(bot, command, "uk")) and "⚠️" not in answer, command


# -- labels and field names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("uk", "<b>Заява #7</b> (код s07)"),
        ("ru", "<b>Заявление #7</b> (код s07)"),
        ("en", "<b>Statement #7</b> (ref s07)"),
    ],
)
async def test_a_cards_ref_is_labelled_in_the_readers_language_and_read_back(
    bot: BotHarness, language: str, title: str
) -> None:
    assert title in await say(bot, "/statement 7", language)
    word = title.split("(")[1].split()[0]
    assert title in await say(bot, f"/statement {word} s07", language)


@pytest.mark.parametrize(
    ("language", "said"),
    [("uk", "⚠️ посилання: "), ("ru", "⚠️ ссылка: "), ("en", "⚠️ url: ")],
)
async def test_a_refused_edit_names_the_field_as_edit_does(bot: BotHarness, language: str, said: str) -> None:
    answer = await say(bot, "/edit 7 url notaurl", language, ADMIN_ID)
    assert answer.startswith(said) and "source_url" not in answer, answer


@pytest.mark.parametrize(("language", "said"), [("uk", "рядок 1: файл: "), ("ru", "строка 1: файл: ")])
async def test_an_import_of_no_text_names_the_file_in_the_admins_language(
    bot: BotHarness, language: str, said: str
) -> None:
    admin = bot.user(ADMIN_ID, language_code=language)
    await admin.send_document("statements.jsonl", b"\xff\xfe\x00binary\x80", caption="/import")
    answer = bot.last_text(ADMIN_ID)
    assert said in answer and "file:" not in answer, answer


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("uk", r"Знаходяться і за змістом, і за словами: \d+ з 48"),
        ("ru", r"Находятся и по смыслу, и по словам: \d+ из 48"),
        ("en", r"Found by meaning as well as by words: \d+ of 48"),
    ],
)
async def test_stats_say_in_plain_words_what_the_vectors_are_for(bot: BotHarness, language: str, said: str) -> None:
    answer = await say(bot, "/stats", language, ADMIN_ID)
    assert re.search(said, answer) and "вектор" not in answer and "embedding" not in answer, answer


# -- /link -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "kind", "said"),
    [
        ("uk", "суперечить", "🔗 Пов'язано: #48 суперечить #45."),
        ("ru", "противоречит", "🔗 Связано: #48 противоречит #45."),
        ("uk", "відповідає на", "відповідає на #45"),
        ("ru", "отвечает на", "отвечает на #45"),
        ("en", "responds to", "🔗 Linked: #48 responds to #45."),
        ("en", "RESPONDS-TO", "🔗 Linked: #48 responds to #45."),
    ],
)
async def test_link_takes_the_kind_in_the_admins_words(bot: BotHarness, language: str, kind: str, said: str) -> None:
    answer = await say(bot, f"/link 48 {kind} 45", language, ADMIN_ID)
    assert answer.startswith("🔗") and said in answer, answer
    again = await say(bot, f"/link 48 {kind} 45", language, ADMIN_ID)
    assert again.startswith("⚠️") and "#48" in again, again


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("uk", "⚠️ вид: 'заперечує' — не вид зв'язку (один з: суперечить, відповідає на)"),
        ("ru", "⚠️ вид: 'опровергает' — не вид связи (один из: противоречит, отвечает на)"),
        ("en", "⚠️ kind: 'denies' is not a kind of link (one of: contradicts, responds_to)"),
    ],
)
async def test_link_refuses_another_kind_naming_the_kinds_in_the_admins_words(
    bot: BotHarness, language: str, said: str
) -> None:
    word = {"uk": "заперечує", "ru": "опровергает", "en": "denies"}[language]
    assert await say(bot, f"/link 48 {word} 45", language, ADMIN_ID) == said


async def test_the_link_usage_gives_examples_in_the_admins_words(bot: BotHarness) -> None:
    usage = await say(bot, "/link", "uk", ADMIN_ID)
    assert "<code>/link 24 відповідає на 23</code>" in usage and "responds_to" not in usage
    assert "🔗" in await say(bot, "/link 24 відповідає на 23", "uk", ADMIN_ID)
    assert "/link ID противоречит|отвечает на ID" in await say(bot, "/help", "ru", ADMIN_ID)


# -- /timeline -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "command", "heading"),
    [
        ("uk", "/timeline сторона:Росія", "Хронологія · сторона: Росія"),
        ("uk", "/timeline тема:НАТО", "Хронологія · тема: НАТО"),
        ("uk", "/timeline спікер:Путін", "Хронологія · мовець: Володимир Путін"),
        ("uk", '/timeline тема:"гарантії безпеки"', "Хронологія · тема: гарантії безпеки"),
        ("ru", "/timeline спикер:Путин", "Хронология · спикер: Владимир Путин"),
        ("ru", "/timeline сторона: Россия", "Хронология · сторона: Россия"),
        ("en", "/timeline side:Russia", "Timeline · side: Russia"),
        ("en", "/timeline Speaker:putin", "Timeline · speaker: Vladimir Putin"),
    ],
)
async def test_timeline_takes_the_filter_names_search_takes(
    bot: BotHarness, language: str, command: str, heading: str
) -> None:
    user = bot.user(READER_ID, language_code=language)
    await user.send(command)
    photo = user.last_message()
    assert photo.get("caption", "").startswith(f"<b>{heading}</b>"), photo


async def test_timeline_refuses_a_side_the_record_does_not_hold_by_its_filter_name(bot: BotHarness) -> None:
    answer = await say(bot, "/timeline сторона:Нарнія", "uk")
    assert answer.startswith("⚠️") and "Нарнія" in answer and "не тема, не сторона" not in answer, answer


# -- examples --------------------------------------------------------------------------

#: Commands whose examples a reader can try at once, and what a working one answers with.
TRIED = ("timeline", "search", "alert", "actor", "topic", "ask")
_EXAMPLE = re.compile(r"<code>(/([a-z]+) [^<]*)</code>")
#: A placeholder (СЛОВА, ІМ'Я, N), a choice or an ellipsis: a form, not an example.
_FORM = re.compile(r"[…\[\]|{]|\b[A-ZА-ЯІЇЄҐ'’]{2,}\b|\bN\b")


def examples(text: str) -> list[tuple[str, str]]:
    return [
        (example, command)
        for example, command in _EXAMPLE.findall(text)
        if command in TRIED and not _FORM.search(example.split(maxsplit=1)[1])
    ]


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
async def test_help_and_usage_examples_are_in_the_readers_language_and_work(bot: BotHarness, language: str) -> None:
    user = bot.user(READER_ID, language_code=language)
    found: list[tuple[str, str]] = []
    for asked in ("/help", "/timeline", "/alert", "/search", "/actor", "/ask"):
        found += examples(await say(bot, asked, language))
    tried = {command for _, command in found}
    assert tried == set(TRIED), tried
    for example, command in dict.fromkeys(found):
        argument = example.split(maxsplit=1)[1]
        assert language == "en" or not re.search(r"[A-Za-z]{3,}", argument), f"English in {example!r}"
        before = len(bot.api.calls)
        await user.send(example)
        sent = [call for call in bot.api.calls[before:] if call.method in ("sendMessage", "sendPhoto")]
        said = " ".join(str(call.params.get("text", call.params.get("caption", ""))) for call in sent)
        assert sent and "⚠️" not in said, (example, said)
        if command == "timeline":
            assert any(call.method == "sendPhoto" for call in sent), example
        # (A question is answered by the sentence model, which these tests run without.)
        if command in ("search", "topic", "actor"):
            assert "/statement_" in said, (example, said)


@pytest.mark.parametrize("language", ["uk", "ru"])
async def test_the_channel_help_gives_its_alert_example_in_the_readers_language(bot: BotHarness, language: str) -> None:
    text = await say(bot, "/channel", language)
    alert = re.search(r"<code>/channel @mychannel alert ([^<]+)</code>", text)
    assert alert and not re.search(r"[A-Za-z]{3,}", alert.group(1)), text


# -- why nothing was found -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "question", "reason", "hint"),
    [
        ("uk", "Що казав Маск?", "У записі немає заяв від «Маск».", "<i>Про що є в записі: /topic</i>"),
        ("ru", "Что говорил Маск?", "В записи нет заявлений от «Маск».", "<i>О чём есть в записи: /topic</i>"),
        (
            "en",
            "What did Musk say?",
            "The record holds nothing said by “Musk”.",
            "<i>See what the record is about: /topic</i>",
        ),
        (
            "en",
            "What did Putin say about the weather on Mars?",
            "The record does not mention Mars.",
            "<i>Everything Vladimir Putin said: <code>/actor Vladimir Putin</code></i>",
        ),
        # Said in English by the full-text ranking (these tests run without the sentence model).
        (
            "uk",
            "Що казав Путін про погоду на Марсі?",
            "У записі немає нічого, що відповідало б цим фільтрам.",
            "<i>Усе сказане — Володимир Путін: <code>/actor Володимир Путін</code></i>",
        ),
        (
            "en",
            "What did Putin say about bananas in 2019?",
            "Nothing in the record matches those filters.",
            "<i>Ask again without the time to look through the whole record.</i>",
        ),
    ],
)
async def test_why_nothing_answers_is_one_reason_and_one_hint_in_the_readers_language(
    bot: BotHarness, language: str, question: str, reason: str, hint: str
) -> None:
    answer = await say(bot, question, language)
    *_heading, said_reason, said_hint = answer.split("\n")
    assert (said_reason, said_hint) == (reason, hint), answer
    with use_language(language):
        assert _("Nothing in the record answers this.") not in answer


def test_every_reason_of_the_full_text_ranking_is_translated() -> None:
    for language, expected in (("uk", "У записі немає нічого"), ("ru", "В записи нет ничего")):
        with use_language(language):
            for reason in FULL_TEXT_REASONS:
                assert reason_sentence(reason).startswith(expected), reason
    with use_language("en"):
        assert reason_sentence("nothing in the record matches the question") == (
            "Nothing in the record matches the question."
        )
        assert reason_sentence("the record does not mention X; did you mean Y?").endswith("Y?")
    # A name is quoted, so that it needs no ending of the case it stands in.
    with use_language("uk"):
        assert reason_sentence(_("the record does not mention {names}").format(names="Маск")) == (
            "У записі немає згадок про «Маск»."
        )


# -- a side given for a speaker --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name", "said"),
    [
        ("ru", "США", "«США» — это сторона, а не спикер."),
        ("uk", "Росія", "«Росія» — це сторона, а не мовець."),
        ("en", "France", "“France” is a side, not a speaker."),
    ],
)
async def test_actor_of_a_side_points_to_its_statements_in_the_readers_language(
    bot: BotHarness, language: str, name: str, said: str
) -> None:
    answer = await say(bot, f"/actor {name}", language)
    assert answer.startswith(said) and "⚠️" not in answer, answer
    commands = re.findall(r"<code>(/[a-z]+ [^<]+)</code>", answer)
    assert [command.split()[0] for command in commands][:2] == ["/timeline", "/search"], commands
    assert any(command.startswith("/actor ") for command in commands), commands
    if language != "en":
        assert not any(re.search(r"[A-Za-z]{3,}", command.split(maxsplit=1)[1]) for command in commands), commands
    user = bot.user(READER_ID, language_code=language)
    for command in commands:
        before = len(bot.api.calls)
        await user.send(command)
        sent = [call for call in bot.api.calls[before:] if call.method in ("sendMessage", "sendPhoto")]
        assert sent and not any("⚠️" in str(call.params.get("text", "")) for call in sent), command


async def test_actor_of_a_name_that_is_no_side_either_says_there_is_no_such_speaker(bot: BotHarness) -> None:
    assert await say(bot, "/actor Нарнія", "uk") == "⚠️ у записі немає мовця на ім'я 'Нарнія'"


# -- filter values of several words ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "topic", "side", "place"),
    [
        ("тема:гарантії безпеки", "", "security_guarantees", None, None),
        ("тема:гарантии безопасности перемирие", "перемирие", "security_guarantees", None, None),
        ("ceasefire topic:security guarantees Putin", "ceasefire Putin", "security_guarantees", None, None),
        ("сторона:Сполучені Штати перемир'я", "перемир'я", None, "United States", None),
        ("side:United Kingdom", "", None, "United Kingdom", None),
        ("місце:Чорне море зерно", "зерно", None, None, "Black Sea"),
        # A word that names nothing with the value stays a word; so does one after a filter.
        ("тема:перемир'я Путін", "Путін", "ceasefire", None, None),
        ("тема:гарантії сторона:Росія безпеки", "безпеки", "security_guarantees", "Russia", None),
        ('тема:"гарантії безпеки" безпеки', "безпеки", "security_guarantees", None, None),
    ],
)
def test_a_filters_value_of_several_words_is_not_also_searched_as_words(
    query: str, text: str, topic: str | None, side: str | None, place: str | None
) -> None:
    parsed = parse_search(query)
    assert parsed.text == text
    assert (parsed.filters.topic, parsed.filters.side, parsed.filters.place) == (topic, side, place)


@pytest.mark.parametrize(
    ("language", "query", "quoted"),
    [
        ("uk", "/search тема:гарантії безпеки", '/search тема:"гарантії безпеки"'),
        ("ru", "/search тема:гарантии безопасности", '/search тема:"гарантии безопасности"'),
    ],
)
async def test_search_by_a_topic_of_two_words_finds_what_the_quoted_topic_finds_and_nothing_stray(
    bot: BotHarness, language: str, query: str, quoted: str
) -> None:
    answer = await say(bot, query, language)
    assert "англійською" not in answer and "по-английски" not in answer, answer
    count = re.search(r"\(1–\d+ (?:з|из) (\d+)\)", answer)
    assert count, answer
    assert f" {count.group(1)})" in await say(bot, quoted, language)


# -- markup in search words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("<b>truce</b>", ["truce"]),
        ("&lt;i&gt;ceasefire&lt;/i&gt;", ["ceasefire"]),
        ('<a href="https://example.org">ceasefire</a> Putin', ["ceasefire", "Putin"]),
        ("<b>перемир'я</b>", ["перемир'я"]),
        ("a < b > c", ["b", "c"]),
    ],
)
def test_markup_typed_with_search_words_is_no_word(typed: str, words: list[str]) -> None:
    assert [word.written for word in search_words(typed)] == words


async def test_search_in_markup_finds_what_the_words_find_and_shows_the_markup_escaped(bot: BotHarness) -> None:
    plain = await say(bot, "/search ceasefire", "en")
    marked = await say(bot, "/search <b>ceasefire</b>", "en")
    found = re.search(r"\(1–\d+ of (\d+)\)", plain)
    assert found and f"of {found.group(1)})" in marked, marked
    assert "“&lt;b&gt;ceasefire&lt;/b&gt;”" in marked and "<b>ceasefire" not in marked


@pytest.mark.parametrize("typed", ["перемир`я", "перемирʼя", "перемир’я", "перемир´я"])
def test_an_apostrophe_typed_as_any_mark_is_the_apostrophe(typed: str) -> None:
    assert [(word.written, word.english) for word in search_words(typed)] == [
        (word.written, word.english) for word in search_words("перемир'я")
    ]


async def test_search_with_a_backtick_for_the_apostrophe_finds_what_the_apostrophe_finds(bot: BotHarness) -> None:
    with_apostrophe = await say(bot, "/search перемир'я", "uk")
    with_backtick = await say(bot, "/search перемир`я", "uk")
    assert with_backtick.replace("перемир`я", "перемир'я", 1) == with_apostrophe
    assert "перемир'я → ceasefire" in with_backtick


async def test_a_question_with_ukrainian_apostrophe_marks_is_read_as_with_the_apostrophe(bot: BotHarness) -> None:
    replies = {await say(bot, f"/ask Що казав Зеленський про перемир{mark}я у Лондоні?", "uk") for mark in "'`ʼ"}
    assert len(replies) == 1


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("uk", "/alert і"),
        ("ru", "/alert и"),
        ("uk", "/positions територія, санкції"),
        ("ru", "/positions территория, санкции"),
    ],
)
async def test_a_refusals_example_is_in_the_readers_language_and_works(
    bot: BotHarness, language: str, typed: str
) -> None:
    refusal = await say(bot, typed, language)
    example = refusal.split("напр. ", 1)[1].strip()
    assert not re.search(r"[A-Za-z]{3,}", example.split(" ", 1)[1]), refusal
    before = len(bot.api.calls)
    await bot.user(language_code=language).send(example)
    answered = bot.api.calls[before:]
    assert answered and not any("⚠️" in str(call.params.get("text", "")) for call in answered)


@pytest.mark.parametrize("language", ["uk", "ru"])
async def test_what_the_reader_typed_is_quoted_as_their_language_quotes(bot: BotHarness, language: str) -> None:
    heading = (await say(bot, "/search ceasefire", language)).split("\n")[0]
    assert heading.split("</b> ", 1)[1].startswith("«ceasefire» (1–5 ")
    assert "«ceasefire»" in await say(bot, "/alert ceasefire", language)


@pytest.mark.parametrize(
    ("language", "typed", "said"),
    [
        ("uk", "/search з:2025-09-01 до:2025-01-01", "⚠️ з дати: пізніше за кінцеву дату (до:)"),
        ("ru", "/search с:2025-09-01 до:2025-01-01", "⚠️ с даты: позже конечной даты (до:)"),
    ],
)
async def test_a_span_that_ends_before_it_starts_is_refused_in_the_readers_words(
    bot: BotHarness, language: str, typed: str, said: str
) -> None:
    assert await say(bot, typed, language) == said
