"""Readers' commands in process: real handlers and database, `LocalBotApi` as Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import bot.presentation.listings as bot_listings
import storage.search as search_module
from handlers.errors import SORRY
from storage.engine import Database
from storage.models import AuditEntry, Statement
from storage.statements import add_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness, retract, running_bot


@pytest_asyncio.fixture
async def bot(sample_database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(sample_database) as harness:
        yield harness


async def say(bot: BotHarness, text: str, user_id: int = READER_ID) -> str:
    user = bot.user(user_id)
    await user.send(text)
    return bot.last_text(user.chat_id)


async def test_start_tells_what_the_record_holds(bot: BotHarness) -> None:
    text = await say(bot, "/start")
    assert "<b>48</b> statements by 20 speakers" in text
    assert "25 Nov 2025" in text


async def test_start_deep_link_opens_the_statement(bot: BotHarness) -> None:
    text = await say(bot, "/start s23")
    assert "<b>Statement #23</b>" in text and "Donetsk" in text


async def test_help_shows_admin_commands_to_admins_only(bot: BotHarness) -> None:
    reader_help = await say(bot, "/help")
    admin_help = await say(bot, "/help", ADMIN_ID)
    for command in (
        "/ask",
        "/search",
        "/latest",
        "/actor",
        "/topic",
        "/statement",
        "/subscribe",
        "/settings",
        "/digest",
        "/unsubscribe",
        "/cancel",
    ):
        assert command in reader_help
    assert "/add" not in reader_help and "/retract" not in reader_help
    assert "/add" in admin_help and "/import" in admin_help


async def test_latest_pages_with_buttons_that_edit_the_same_message(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/latest")
    first = user.last_message()
    assert "(1–5 of 48)" in first["text"]
    [[next_button]] = first["reply_markup"]["inline_keyboard"]
    await user.press(first, next_button["callback_data"])
    edited = bot.calls("editMessageText")[-1]
    assert int(edited.params["message_id"]) == first["message_id"]
    assert "(6–10 of 48)" in edited.params["text"]
    labels = [button["text"] for button in edited.params["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["◀ Previous", "Next ▶"]
    assert len(bot.texts(user.chat_id)) == 1, "paging must edit, not send"


async def test_a_forgotten_listing_tells_the_reader_to_run_the_command_again(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/latest")
    await user.press(user.last_message(), "pg:nosuchkey:5")
    notice = bot.calls("answerCallbackQuery")[-1]
    assert "expired" in notice.params["text"]


@pytest.mark.parametrize(
    ("argument", "expected"),
    [("3", "Latest 3 of 48"), ("abc", "give a number from 1 to 50"), ("999", "give a number from 1 to 50")],
)
async def test_latest_n(bot: BotHarness, argument: str, expected: str) -> None:
    assert expected in await say(bot, f"/latest {argument}")


async def test_search_for_the_retracted_status_shows_what_was_retracted_and_why(bot: BotHarness) -> None:
    assert "No statement passes these filters." in await say(bot, "/search status:retracted")
    assert "Retracted" in await retract(bot.admin(), 23, "Misattributed quote")
    found = await say(bot, "/search status:retracted")
    assert "(1–1 of 1)" in found and "/statement_23" in found
    assert "<b>retracted</b>: Misattributed quote" in found
    await bot.user(language_code="uk").send("/search Донецьк статус:відкликано")
    in_ukrainian = bot.last_text(READER_ID)
    assert "/statement_23" in in_ukrainian and "(1–1 з 1)" in in_ukrainian
    assert "/statement_23" not in await say(bot, "/search Donetsk")  # left out unless asked for


async def test_search_with_filters(bot: BotHarness) -> None:
    text = await say(bot, "/search ceasefire speaker:путин since:2025-03")
    assert "Vladimir Putin" in text
    assert "Donald Trump" not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("topic:weather talks", "unknown topic 'weather'"),
        ("since:yesterday", "since: 'yesterday' is not a date"),
        ("stance:shout", "stance: 'shout' is not a stance (one of: demand, condition,"),
        ("status:confimred", "status: 'confimred' is not a status; did you mean confirmed? (one of: reported,"),
        ("since:2025-09-01 until:2025-01-01", "since: is after until"),
        ("ceasefire speker:putin", "speker: not a filter; did you mean speaker:?"),
        ("sinse:2025-03 talks", "sinse: not a filter; did you mean since:?"),
        ("ceasefire speaker:putn", "speaker: no speaker called 'putn' in the record"),
        ("place:Nowhere", "⚠️ place: no place called 'Nowhere' in the record"),
        ("talks place:Istanbol", "⚠️ place: no place called 'Istanbol' in the record; did you mean Istanbul?"),
        ("place:Novohryhorivkaa", "no place called 'Novohryhorivkaa' in the record; did you mean Novohryhorivka?"),
    ],
)
async def test_search_bad_filters_get_a_specific_answer(bot: BotHarness, query: str, expected: str) -> None:
    assert expected in await say(bot, f"/search {query}")


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("place:novohryhorivka", "/statement_"),  # a place of the record, not of places.json
        ("place:Стамбулі", "/statement_"),  # places.json's, inflected
        ("place:Kharkiv", "No statement passes these filters."),  # places.json's: known, none said there
    ],
)
async def test_a_place_of_the_record_or_the_vocabulary_is_searched(bot: BotHarness, query: str, shown: str) -> None:
    text = await say(bot, f"/search {query}")
    assert shown in text and "no place called" not in text


async def test_an_unknown_place_is_named_in_the_readers_language_with_the_nearest(bot: BotHarness) -> None:
    await bot.user(language_code="uk").send("/search місце:Доннецьк")
    assert "⚠️ місце: у записі немає місця з назвою 'Доннецьк'; можливо, Донецьк?" in bot.last_text(READER_ID)
    await bot.user(language_code="ru").send("/search место:Нигде")
    assert "⚠️ место: в записи нет места с названием 'Нигде'" in bot.last_text(READER_ID)


async def test_a_word_before_a_colon_that_is_no_filter_is_looked_for(bot: BotHarness) -> None:
    text = await say(bot, "/search Article:5 https://example.org")
    assert text.startswith("<b>Search</b> “Article:5 https://example.org”") and "not a filter" not in text


async def test_search_without_words_explains_usage(bot: BotHarness) -> None:
    assert "Say what to look for" in await say(bot, "/search")


async def test_user_html_is_escaped_in_replies(bot: BotHarness) -> None:
    text = await say(bot, "/search <b>ceasefire</b> & <script>x</script>")
    assert "&lt;b&gt;ceasefire&lt;/b&gt; &amp; &lt;script&gt;" in text
    assert "<script>" not in text


async def test_over_long_questions_are_refused_plainly(bot: BotHarness) -> None:
    text = await say(bot, "/ask " + "why " * 400)
    assert "at most 1000" in text
    text = await say(bot, "peace " * 300)
    assert "at most 1000" in text


@pytest.mark.parametrize("text", ["😀😀", "?!", "/ask 🙏 …"])
async def test_a_message_without_words_is_asked_for_a_question(bot: BotHarness, text: str) -> None:
    reply = await say(bot, text)
    assert "Ask a question" in reply
    assert "/statement_" not in reply


@pytest.mark.parametrize(("language", "name"), [("ru", "Владимир Путин"), ("uk", "Володимир Путін")])
async def test_a_speakers_statements_name_the_speaker_in_the_readers_script(
    bot: BotHarness, language: str, name: str
) -> None:
    user = bot.user(READER_ID, language_code=language)
    await user.send("/actor Putin")

    summary, listing = bot.texts(user.chat_id)[-2:]

    assert summary.startswith(f"<b>{name}</b>:")
    assert f"<b>{name}</b>" in listing
    assert "Vladimir Putin" not in summary + listing


async def test_plain_text_in_private_is_a_question(bot: BotHarness) -> None:
    text = await say(bot, "What did Zelensky say about Crimea?")
    assert "Crimea" in text and "Volodymyr Zelensky" in text


@pytest.mark.parametrize(
    ("language", "message", "invitation"),
    [
        ("en", "Hi!", "Ask me in your own words"),
        ("en", "thank you 🙏", "Ask me in your own words"),
        ("uk", "Привіт", "Питайте своїми словами"),
        ("uk", "Дякую!", "Питайте своїми словами"),
        ("ru", "спасибо", "Спрашивайте своими словами"),
    ],
)
async def test_a_greeting_or_thanks_is_answered_with_how_to_ask(
    bot: BotHarness, language: str, message: str, invitation: str
) -> None:
    """Not with whichever statements rank first for "hi"."""
    user = bot.user(READER_ID, language_code=language)
    await user.send(message)
    reply = bot.last_text(READER_ID)
    assert reply.startswith("👋 " + invitation) and "/statement_" not in reply


async def test_a_question_that_starts_with_thanks_is_still_a_question(bot: BotHarness) -> None:
    """Only a whole message of small talk is taken as such."""
    assert not (await say(bot, "Thanks, and what did Zelensky say about Crimea?")).startswith("👋")


async def test_plain_text_in_a_group_needs_a_mention_or_a_reply(bot: BotHarness) -> None:
    member = bot.user(READER_ID, chat_id=-100, chat_type="group")
    await member.send("Crimea is on everyone's mind")
    assert bot.texts(-100) == []
    await member.send("@diplobot_bot What did Zelensky say about Crimea?")
    assert "Crimea" in bot.last_text(-100)
    answered = bot.api.messages[(-100, max(key[1] for key in bot.api.messages if key[0] == -100))]
    await member.send("and Donetsk?", reply_to=answered)
    assert len(bot.texts(-100)) == 2


async def test_group_commands_addressed_to_the_bot_work(bot: BotHarness) -> None:
    member = bot.user(READER_ID, chat_id=-200, chat_type="supergroup")
    await member.send("/latest@diplobot_bot")
    assert "Latest statements" in bot.last_text(-200)
    await member.send("/latest@some_other_bot")
    await member.send("/frobnicate@some_other_bot")
    assert len(bot.texts(-200)) == 1


async def test_actor_by_cyrillic_alias_lists_latest_per_topic_and_statements(bot: BotHarness) -> None:
    user = bot.user()
    await user.send("/actor Путин")
    summary, listing = bot.texts(user.chat_id)[-2:]
    assert "<b>Vladimir Putin</b>: 7 statements" in summary
    assert "<b>ceasefire</b>" in summary
    assert "newest first (1–5 of 7)" in listing


async def test_counts_past_the_cap_read_as_at_least(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    user = bot.user()
    await user.send("/actor Путин")
    listing = bot.last_text(user.chat_id)
    # Counted to the first multiple of the cap past the page: 6 of the 7.
    assert "newest first (1–5 of 6+)" in listing
    [[next_button]] = user.last_message()["reply_markup"]["inline_keyboard"]
    await user.press(user.last_message(), next_button["callback_data"])
    assert "(6–7 of 7)" in bot.calls("editMessageText")[-1].params["text"]


@pytest.mark.parametrize(
    ("name", "speaker"),
    [
        ("Зеленського", "Volodymyr Zelensky"),
        ("Зеленским", "Volodymyr Zelensky"),
        ("Путина", "Vladimir Putin"),
        ("ПУТІНА", "Vladimir Putin"),
        ("Putin's", "Vladimir Putin"),
    ],
)
async def test_a_speaker_is_found_by_an_inflected_name(bot: BotHarness, name: str, speaker: str) -> None:
    user = bot.user()
    await user.send(f"/actor {name}")

    summary = bot.texts(user.chat_id)[-2]

    assert summary.startswith(f"<b>{speaker}</b>:")


async def test_unknown_actor(bot: BotHarness) -> None:
    assert "no speaker called 'Napoleon'" in await say(bot, "/actor Napoleon")


async def test_topic_lists_and_validates(bot: BotHarness) -> None:
    assert "/topic prisoners</code> (2)" in await say(bot, "/topic")
    assert "Topic: prisoners" in await say(bot, "/topic prisoners")
    assert "unknown topic 'weather'" in await say(bot, "/topic weather")


async def test_statement_shows_the_full_record_with_links(bot: BotHarness, sample_database: Database) -> None:
    from storage.statements import link_statements

    await link_statements(sample_database, 42, "contradicts", 41, "test")
    text = await say(bot, "/statement 41")
    assert "Date: Aug 2025" in text and "Status: <i>contested</i>" in text
    assert "<b>Contradicted by</b>" in text and "Ukrainian military" in text
    assert "<b>Contradicts</b>" in await say(bot, "/statement_42")


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("999", "no statement #999"),
        ("abc", "no statement abc in the record"),
        ("a b", "give a statement's number or ref"),
        ("", "give a statement's number or ref"),
    ],
)
async def test_statement_bad_ids(bot: BotHarness, argument: str, expected: str) -> None:
    assert expected in await say(bot, f"/statement {argument}")


async def test_unknown_command_in_private_points_to_help(bot: BotHarness) -> None:
    assert "I don't know /frobnicate" in await say(bot, "/frobnicate")


async def test_in_a_group_an_unknown_command_is_answered_only_when_it_names_this_bot(bot: BotHarness) -> None:
    member = bot.user(READER_ID, chat_id=-300, chat_type="group", language_code="uk")
    await member.send("/frobnicate")
    await member.send("/frobnicate@other_bot")
    assert bot.texts(-300) == []
    await member.send("/frobnicate@DiploBot_Bot")
    assert bot.texts(-300) == ["Я не знаю команди /frobnicate@DiploBot_Bot. /help показує, що я вмію."]


async def test_long_answers_are_split_below_telegrams_limit(bot: BotHarness, sample_database: Database) -> None:
    for number in range(3):
        data = validate_statement(
            {
                "speaker": "Vladimir Putin",
                "said_on": "2025-11-26",
                "topics": ["talks"],
                "text": f"{number} " + "word " * 790,
                "source": "Test",
            }
        )
        await add_statement(sample_database, data, "test")
    user = bot.user()
    await user.send("/latest 10")
    texts = bot.texts(user.chat_id)
    assert len(texts) >= 2
    assert all(0 < len(text) <= 4096 for text in texts)


async def test_an_unexpected_error_gets_a_short_apology_and_no_trace(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, sample_database: Database, count_rows
) -> None:  # noqa: ANN001
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM statement -- boom")

    monkeypatch.setattr(bot_listings, "latest", broken)
    before = await count_rows(sample_database, Statement), await count_rows(sample_database, AuditEntry)
    text = await say(bot, "/latest")
    assert text == SORRY
    assert "SELECT" not in text and "boom" not in text
    assert (await count_rows(sample_database, Statement), await count_rows(sample_database, AuditEntry)) == before


async def test_actor_with_a_misspelt_name_suggests_the_speaker(bot: BotHarness) -> None:
    assert "did you mean Vladimir Putin?" in await say(bot, "/actor Putn")


@pytest.mark.parametrize(
    ("query", "reason", "hint"),
    [
        ("zzzqqq", "No statement holds “zzzqqq”.", "<i>Try another word, or see the topics: /topic</i>"),
        (
            "zzzz qqqq",
            "No statement holds any of these words: zzzz, qqqq.",
            "<i>Try other words, or see the topics: /topic</i>",
        ),
        (
            "ceasefire speaker:lavrov",
            "No statement with these words passes the filters.",
            "<i>Without the filters, 13 statements have them: <code>/search ceasefire</code></i>",
        ),
        (
            "speaker:lavrov topic:sanctions",
            "No statement passes these filters.",
            "<i>Drop a filter to widen the search.</i>",
        ),
        (
            "the",
            "“the” is too common to look for.",
            "<i>Search for a word of what was said, e.g. <code>/search ceasefire</code></i>",
        ),
    ],
)
async def test_a_search_that_finds_nothing_says_why_and_how_to_widen_it(
    bot: BotHarness, query: str, reason: str, hint: str
) -> None:
    text = await say(bot, f"/search {query}")
    assert text.split("\n") == [f"<b>Search</b> “{query}”", reason, hint]


async def test_a_search_that_finds_nothing_says_so_in_the_readers_language(bot: BotHarness) -> None:
    await bot.user(language_code="uk").send("/search і")
    assert bot.last_text(READER_ID).split("\n")[1:] == [
        "«і» — надто поширене слово, щоб його шукати.",
        "<i>Шукайте слово зі сказаного, напр. <code>/search перемир'я</code></i>",
    ]
    await bot.user(language_code="ru").send("/search перемирие спикер:Лавров")
    assert bot.last_text(READER_ID).split("\n")[-2:] == [
        "Ни одно заявление с этими словами не проходит фильтры.",
        "<i>Без фильтров их содержат 13 заявлений: <code>/search перемирие</code></i>",
    ]


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        ("en", "help", "/subscribe"),
        ("uk", "Допомога", "/subscribe"),
        ("ru", "что ты умеешь?", "/subscribe"),
        ("en", "What's new?", "/statement_"),
        ("uk", "що нового?", "/statement_"),
        ("ru", "Новости", "/statement_"),
        ("ru", "кто ты?", "<b>48</b>"),
    ],
)
async def test_a_message_asking_for_a_command_is_answered_by_it(
    bot: BotHarness, language: str, message: str, expected: str
) -> None:
    """ "help" is /help, not the statements that rank first for the word; "what's new?"
    is /latest, not "nothing close enough"; "who are you?" is the welcome."""
    user = bot.user(READER_ID, language_code=language)
    await user.send(message)
    assert expected in bot.last_text(READER_ID)


async def test_a_question_holding_a_request_word_is_still_a_question(bot: BotHarness) -> None:
    reply = await say(bot, "What help did Trump promise Ukraine?")
    assert "/statement_27" in reply and "/subscribe" not in reply


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "holds no word"), ("uk", "жодного слова"), ("ru", "ни одного слова")]
)
async def test_a_search_for_emoji_alone_says_it_holds_no_word(bot: BotHarness, language: str, expected: str) -> None:
    reader = bot.user(READER_ID, language_code=language)
    for query in ("🤔", "«"):
        await reader.send(f"/search {query}")
        shown = bot.last_text(READER_ID)
        assert expected in shown and "common" not in shown, shown


@pytest.mark.parametrize(
    ("language", "asked", "expected"),
    [
        ("en", "How do I subscribe?", "<code>/subscribe 08:00 Kyiv</code>"),
        ("uk", "як підписатися?", "<code>/subscribe 08:00 Київ</code>"),
        ("ru", "Как подписаться", "<code>/subscribe 08:00 Киев</code>"),
        ("en", "What topics are there?", "<code>/topic peace_terms</code> (21)"),
        ("ru", "какие есть темы?", "<code>/topic условия мира</code> (21)"),
        ("en", "How many statements do you have?", "I hold <b>48</b> statements"),
        ("uk", "скільки у тебе заяв?", "У мене <b>48</b> заяв"),
        ("en", "What can I ask?", "/search WORDS [filters]"),
    ],
)
async def test_asking_about_the_bot_itself_is_answered_by_it_not_with_statements(
    bot: BotHarness, language: str, asked: str, expected: str
) -> None:
    await bot.user(READER_ID, language_code=language).send(asked)
    shown = bot.last_text(READER_ID)
    assert expected in shown and "/statement_" not in shown


async def test_a_sticker_or_a_file_in_a_private_chat_is_answered_in_a_group_left_alone(bot: BotHarness) -> None:
    reader = bot.user(READER_ID, language_code="uk")
    sticker = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1}
    await reader._process({"message": reader._message(sticker={**sticker, "is_animated": False, "is_video": False})})
    assert bot.last_text(READER_ID).startswith("Я читаю лише текст. Питайте своїми словами")
    await reader.send_document("notes.txt", b"hello")
    assert len(bot.texts(READER_ID)) == 2

    member = bot.user(READER_ID, chat_id=-400, chat_type="group")
    await member.send_document("notes.txt", b"hello")
    assert bot.texts(-400) == []


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("ua", "✅ Тепер я розмовляю з вами українською."),
        ("Українська", "✅ Тепер я розмовляю з вами українською."),
        ("russian", "✅ Теперь я говорю с вами по-русски."),
        ("EN", "✅ I speak English to you now."),
    ],
)
async def test_language_takes_the_languages_name_and_ua_as_well_as_its_code(
    bot: BotHarness, typed: str, said: str
) -> None:
    assert await say(bot, f"/language {typed}") == said


async def test_a_language_the_bot_does_not_speak_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    await say(bot, "/language ru")
    assert "en, uk и ru" in await say(bot, "/language de")
    assert await say(bot, "/cancel") == "Нечего отменять."
