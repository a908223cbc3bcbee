"""Admins and readers who write Ukrainian or Russian use the record's labels in their own
words, through the real handlers and database (`LocalBotApi` as Telegram): /add in one
line and step by step, /edit, /search, /alert, /topic, /positions and /timeline; and a
refused value is answered in their language with the choices as they know them."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import col, select

from bot.local.bot_api import LocalUser
from storage.alerts import chat_alerts
from storage.engine import Database
from storage.exchange import ExchangeFormat, export_statements
from storage.models import Stance, Statement, Status
from storage.statements import add_statement, get_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, READER_ID, BotHarness

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest_asyncio.fixture
async def record(database: Database) -> Database:
    """#1 by Vladimir Putin (Russia) on territory, #2 by Volodymyr Zelensky (Ukraine)."""
    for values in (
        {
            "speaker": "Vladimir Putin",
            "side": "Russia",
            "said_on": "2025-08-16",
            "topics": ["territory", "peace_terms"],
            "stance": "condition",
            "text": "Ukraine must withdraw from the Donetsk region.",
            "source": "Kremlin",
        },
        {
            "speaker": "Volodymyr Zelensky",
            "side": "Ukraine",
            "said_on": "2025-08-18",
            "topics": ["security_guarantees"],
            "stance": "demand",
            "text": "Security guarantees must come first.",
            "source": "Address",
        },
    ):
        await add_statement(database, validate_statement(values), "seed")
    return database


async def newest(database: Database) -> Statement:
    async with database.read() as session:
        return (await session.exec(select(Statement).order_by(col(Statement.id).desc()))).first()


async def press(user: LocalUser, label: str) -> None:
    message: dict[str, Any] = user.last_message()
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    [data] = [button["callback_data"] for row in keyboard for button in row if button["text"].endswith(label)]
    await user.press(message, data)


# -- /add --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "line", "side", "topics"),
    [
        (
            "uk",
            "/add Кір Стармер (Велика Британія) | 2025-03-02 | гарантії безпеки, іноземні війська | Слова. | BBC",
            "United Kingdom",
            ["security_guarantees", "foreign_troops"],
        ),
        (
            "ru",
            "/add Кир Стармер (Великобритания) | 2025-03-02 | гарантии безопасности, территория | Слова. | BBC",
            "United Kingdom",
            ["security_guarantees", "territory"],
        ),
        (
            "en",
            "/add Keir Starmer (United Kingdom) | 2025-03-02 | security guarantees, territories | Words. | BBC",
            "United Kingdom",
            ["security_guarantees", "territory"],
        ),
    ],
)
async def test_the_one_line_add_takes_sides_and_topics_in_the_admins_words(
    bot: BotHarness, record: Database, language: str, line: str, side: str, topics: list[str]
) -> None:
    await bot.admin(language_code=language).send(line)
    stored = await newest(record)
    assert stored.id == 3
    assert (stored.side, stored.topics) == (side, topics)


async def test_a_refused_topic_in_the_one_line_add_names_the_topics_in_ukrainian(
    bot: BotHarness, record: Database
) -> None:
    before = await export_statements(record, ExchangeFormat.jsonl)
    await bot.admin(language_code="uk").send("/add Путін | 2025-08-16 | теритроія | Слова. | ТАСС")
    answer = bot.last_text(ADMIN_ID)
    assert answer.startswith(
        "⚠️ <b>Частина 3 (теми)</b>: невідома тема 'теритроія'; можливо, території? (одна з: умови миру, "
        "гарантії безпеки, припинення вогню, території, НАТО, іноземні війська, санкції, полонені, "
        "переговори, поле бою)\nНічого не додано."
    )
    assert "Теми (через кому): умови миру, гарантії безпеки," in answer
    assert "peace_terms" not in answer
    assert await export_statements(record, ExchangeFormat.jsonl) == before


async def test_the_guided_add_speaks_russian_and_takes_russian_answers(bot: BotHarness, record: Database) -> None:
    admin = bot.admin(language_code="ru")
    await admin.send("/add")
    assert "напр. <i>Владимир Путин</i>" in bot.last_text(ADMIN_ID)
    await admin.send("Кир Стармер")
    assert "напр. <i>Украина</i>, <i>Россия</i>, <i>США</i>" in bot.last_text(ADMIN_ID)
    await admin.send("Великобритания")
    assert "Спикер: <b>Кир Стармер</b>, сторона: Великобритания." in bot.last_text(ADMIN_ID)
    await admin.send("2025-03-02")
    await admin.send("территория, гарантия безопасности")
    assert "Темы: территории, гарантии безопасности." in bot.texts(ADMIN_ID)[-2]
    await admin.send("требования")
    assert "Позиция: требование." in bot.texts(ADMIN_ID)[-2]
    await admin.send("Мы готовы.")
    await admin.send("BBC | https://www.bbc.co.uk/news")
    preview = bot.last_text(ADMIN_ID)
    assert "Сторона: Великобритания" in preview and "United Kingdom" not in preview
    await press(admin, "Подтвердить")

    stored = await newest(record)
    assert (stored.speaker, stored.side, stored.stance) == ("Кир Стармер", "United Kingdom", Stance.demand)
    assert stored.topics == ["territory", "security_guarantees"]


async def test_a_typed_stance_that_is_none_is_refused_in_ukrainian_with_the_stances(
    bot: BotHarness, record: Database
) -> None:
    admin = bot.admin(language_code="uk")
    for answer in ("/add", "Vladimir Putin", "2025-08-16", "територія"):
        await admin.send(answer)
    await admin.send("крик")
    assert bot.last_text(ADMIN_ID).startswith(
        "⚠️ 'крик' — не позиція (одна з: вимога, умова, пропозиція, пропозиція допомоги, зобов'язання, "
    )
    assert "Що це за заява?" in bot.last_text(ADMIN_ID)


# -- /edit -------------------------------------------------------------------------


async def test_edit_takes_field_names_and_values_in_ukrainian(bot: BotHarness, record: Database) -> None:
    admin = bot.admin(language_code="uk")
    await admin.send("/edit 1 статус підтверджено")
    assert bot.last_text(ADMIN_ID).startswith("✏️ Змінено #1: статус.")
    await admin.send("/edit 1 тема територія, санкції")
    await admin.send("/edit 1 позиція вимога")
    await admin.send("/edit 1 цитата так")
    statement = await get_statement(record, 1)
    assert statement.status is Status.confirmed
    assert statement.topics == ["territory", "sanctions"]
    assert statement.stance is Stance.demand and statement.is_quote


async def test_edit_takes_values_in_russian(bot: BotHarness, record: Database) -> None:
    admin = bot.admin(language_code="ru")
    await admin.send("/edit 2 status оспорено")
    await admin.send("/edit 2 topics гарантии безопасности, перемирие")
    await admin.send("/edit 2 stance отказ")
    await admin.send("/edit 2 side Украина")
    statement = await get_statement(record, 2)
    assert statement.status is Status.contested
    assert statement.topics == ["security_guarantees", "ceasefire"]
    assert (statement.stance, statement.side) == (Stance.rejection, "Ukraine")


@pytest.mark.parametrize(
    ("language", "typed", "speaker", "side"),
    [
        ("en", "Keir Starmer (United Kingdom)", "Keir Starmer", "United Kingdom"),
        ("uk", "Кір Стармер (Велика Британія)", "Кір Стармер", "United Kingdom"),
        ("ru", "Эммануэль Макрон (Франция)", "Эммануэль Макрон", "France"),
        ("uk", "Vladimir Putin (США)", "Vladimir Putin", "United States"),
    ],
)
async def test_edit_takes_a_speaker_with_the_side_in_brackets(
    bot: BotHarness, record: Database, language: str, typed: str, speaker: str, side: str
) -> None:
    """A new speaker with their side, or the same speaker with another side, in one change."""
    await bot.admin(language_code=language).send(f"/edit 1 speaker {typed}")
    statement = await get_statement(record, 1)
    assert (statement.speaker, statement.side) == (speaker, side)


@pytest.mark.parametrize(
    ("language", "command", "answer"),
    [
        (
            "uk",
            "/edit 1 колір червоний",
            "⚠️ колір — не поле, яке можна змінити.\n<code>/edit ID ПОЛЕ ЗНАЧЕННЯ</code>, напр. "
            "<code>/edit 23 статус підтверджено</code>\nПоля: мовець, посада, сторона, дата, теми, місця, "
            "позиція, текст, цитата, джерело, посилання, статус",
        ),
        (
            "ru",
            "/edit 1 позиция крик",
            "⚠️ позиция: 'крик' — не позиция (одна из: требование, условие, предложение, предложение помощи, "
            "обязательство, согласие, отказ, оценка, предупреждение, призыв, утверждение, опровержение)",
        ),
        (
            "uk",
            "/edit 1 тема погода",
            "⚠️ теми: невідома тема 'погода' (одна з: умови миру, гарантії безпеки, припинення вогню, "
            "території, НАТО, іноземні війська, санкції, полонені, переговори, поле бою)",
        ),
        ("uk", "/edit 1 статус відкликано", "⚠️ статус: скористайтеся /retract"),
        ("ru", "/edit 1 speaker Путин ()", "⚠️ сторона: скобки после имени пусты"),
        ("en", "/edit 1 colour red", "⚠️ colour is not a field that can be edited.\n"),
    ],
)
async def test_a_refused_edit_is_said_in_the_admins_language_and_changes_nothing(
    bot: BotHarness, record: Database, language: str, command: str, answer: str
) -> None:
    before = await export_statements(record, ExchangeFormat.jsonl)
    await bot.admin(language_code=language).send(command)
    assert bot.last_text(ADMIN_ID).startswith(answer)
    assert await export_statements(record, ExchangeFormat.jsonl) == before


# -- reading the record ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("uk", "/search side:Росія topic:територія"),
        ("ru", "/search side:Россия topic:территории stance:условие"),
        ("en", "/search side:russia topic:territory"),
    ],
)
async def test_search_filters_in_the_readers_words(bot: BotHarness, language: str, query: str) -> None:
    await bot.user(READER_ID, language_code=language).send(query)
    answer = bot.last_text(READER_ID)
    assert "Donetsk" in answer and "Security guarantees must" not in answer


async def test_an_alert_takes_filters_in_the_readers_words_and_refuses_in_them(
    bot: BotHarness, record: Database
) -> None:
    reader = bot.user(READER_ID, language_code="uk")
    await reader.send("/alert Донецьк side:Росія topic:території")
    assert "🔔" in bot.last_text(READER_ID)
    await reader.send("/alert Донецьк status:чутки")
    assert bot.last_text(READER_ID).startswith(
        "⚠️ статус: 'чутки' — не статус (один з: повідомлено, підтверджено, оскаржено, спростовано, відкликано)"
    )
    assert [alert.query for alert in await chat_alerts(record, READER_ID)] == ["Донецьк side:Росія topic:території"]


@pytest.mark.parametrize(
    ("command", "heading"),
    [
        ("/topic території", "<b>Тема: території</b>"),
        ("/topic гарантии безопасности", "<b>Тема: гарантії безпеки</b>"),
        ("/positions text територія", "<b>Позиції за сторонами · території</b>"),
    ],
)
async def test_topic_and_positions_take_a_topic_in_ukrainian_or_russian(
    bot: BotHarness, command: str, heading: str
) -> None:
    await bot.user(READER_ID, language_code="uk").send(command)
    assert bot.last_text(READER_ID).startswith(heading)


@pytest.mark.parametrize("command", ["/timeline Україна", "/timeline Украины", "/timeline side:Ukraine"])
async def test_timeline_takes_a_side_in_ukrainian_or_russian(bot: BotHarness, command: str) -> None:
    await bot.user(READER_ID, language_code="uk").send(command)
    assert str(bot.calls("sendPhoto")[-1].params["caption"]).startswith("<b>Хронологія · сторона: Україна</b>")
