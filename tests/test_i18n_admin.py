"""What is said below the handlers and outside any update speaks the reader's language too:
the admins' guided /add (also the note that an idle one was dropped, sent by a job), the
record's own errors, and alerts to a private chat that has no digest subscription."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import pytest_asyncio

from bot.alerts.manage import create
from bot.alerts.tick import send_alerts
from handlers import dialogues
from handlers.admin import add_dialogue
from storage import chat_state
from storage.engine import Database
from storage.models import StateScope
from tests.bot_harness import ADMIN_ID, running_bot
from tests.support.digests import Telegram, record, telegram_on

READER = 6101
GROUP = -6102


async def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_a_ukrainian_admin_is_guided_through_add_in_ukrainian(database: Database) -> None:
    async with running_bot(database) as bot:
        admin = bot.admin(language_code="uk")
        await admin.send("/add")
        assert "<b>Нова заява.</b>" in bot.last_text(ADMIN_ID) and "Хто це сказав?" in bot.last_text(ADMIN_ID)
        await admin.send("Vladimir Putin")
        assert "<b>Володимир Путін</b> — новий мовець у записі." in bot.last_text(ADMIN_ID)
        await admin.send("Росія")
        assert "Мовець: <b>Володимир Путін</b>, сторона: Росія." in bot.last_text(ADMIN_ID)
        assert "Коли це сказано?" in bot.last_text(ADMIN_ID)
        await admin.send("2025-02-30")
        said = bot.last_text(ADMIN_ID)
        assert "'2025-02-30' — не справжня календарна дата" in said and "Коли це сказано?" in said
        await admin.send("2025-08-16")
        assert "Дата: " in bot.texts(ADMIN_ID)[-1] and "Які теми?" in bot.last_text(ADMIN_ID)
        buttons = str(bot.calls("sendMessage")[-1].params["reply_markup"])
        assert "Припинення вогню" in buttons or "припинення вогню" in buttons
        assert "Готово" in buttons
        await admin.send("/cancel")
        assert bot.last_text(ADMIN_ID) == "Нову заяву скасовано; нічого не записано."
        await admin.send("/stats")
        assert bot.last_text(ADMIN_ID).startswith("<b>Запис</b>\nЗаяв: ")


async def test_the_note_that_an_idle_add_was_dropped_comes_in_the_chosen_language(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(add_dialogue, "DIALOGUE_TIMEOUT", timedelta(seconds=0.3))
    monkeypatch.setattr(dialogues, "IDLE_CHECK_INTERVAL", timedelta(seconds=0.1))
    async with running_bot(database) as bot:
        admin = bot.admin(language_code="en")
        await admin.send("/language ru")
        await admin.send("/add")
        await admin.send("Vladimir Putin")
        await _wait_for(lambda: bot.last_text(ADMIN_ID).startswith("⌛"))
        assert bot.last_text(ADMIN_ID).startswith("⌛ Новое заявление ждало ответа 0.3 секунды")


async def test_the_records_errors_come_in_russian(database: Database) -> None:
    async with running_bot(database) as bot:
        await bot.user(READER, language_code="ru").send("/subscribe 08:00 Mars/Olympus")
        assert (
            bot.last_text(READER) == "⚠️ часовой пояс: 'Mars/Olympus' — неизвестный часовой пояс: "
            "укажите город (напр. Kyiv или Киев), имя IANA (напр. Europe/Kyiv) или смещение "
            "от UTC-12 до UTC+14 (напр. UTC+3 или UTC+5:30)"
        )
        admin = bot.admin(language_code="ru")
        await admin.send("/add Vladimir Putin | 2025-02-30 | ceasefire | Words. | Reuters")
        assert bot.last_text(ADMIN_ID).startswith(
            "⚠️ <b>Часть 2 (дата)</b>: '2025-02-30' — не настоящая календарная дата\nНичего не добавлено."
        )
        await admin.send("/retract 999999 no reason")
        assert bot.last_text(ADMIN_ID) == "⚠️ в записи нет заявления #999999"
    # English stays as it was.
    async with running_bot(database) as bot:
        await bot.user(READER + 1, language_code="en").send("/subscribe 08:00 Mars/Olympus")
        assert (
            bot.last_text(READER + 1)
            == "⚠️ time zone: 'Mars/Olympus' is not a known time zone: give a city (e.g. Kyiv), an IANA name "
            "(e.g. Europe/Kyiv) or an offset from UTC-12 to UTC+14 (e.g. UTC+3 or UTC+5:30)"
        )


@pytest.mark.parametrize(
    ("language", "refused"),
    [
        (
            "uk",
            "⚠️ статус: 'bogus' — не статус (один з: повідомлено, підтверджено, оскаржено, спростовано, відкликано)",
        ),
        ("ru", "⚠️ статус: 'bogus' — не статус (один из: сообщено, подтверждено, оспорено, опровергнуто, отозвано)"),
        ("en", "⚠️ status: 'bogus' is not a status (one of: reported, confirmed, contested, denied, retracted)"),
    ],
)
async def test_a_value_not_among_a_fields_choices_lists_them_in_the_admins_language(
    database: Database, language: str, refused: str
) -> None:
    """The choices are said as the admin reads them elsewhere (the labels of the record's
    values), and each of them is taken back when typed."""
    statement = await record(database)
    async with running_bot(database) as bot:
        await bot.admin(language_code=language).send(f"/edit {statement.id} status bogus")
        assert bot.last_text(ADMIN_ID) == refused


@pytest.mark.parametrize(
    ("language", "side", "speaker"),
    [("uk", "невідома", "Кір Стармер"), ("ru", "неизвестна", "Кир Стармер"), ("en", "unknown", "Keir Starmer")],
)
async def test_a_side_left_open_is_shown_in_the_readers_language(
    database: Database, language: str, side: str, speaker: str
) -> None:
    """A new speaker's statement keeps the side "unknown" until an admin sets it; readers
    see that word in their own language, as they see every recorded side (and the speaker
    in their script)."""
    async with running_bot(database) as bot:
        admin = bot.admin(language_code=language)
        await admin.send("/add Keir Starmer | 2025-03-02 | ceasefire | Words of support. | BBC")
        added = bot.last_text(ADMIN_ID)
        assert f": {side}\n" in added and f"(<i>{side}</i>)" in added
        await admin.send("/latest")
        assert f"{speaker}</b> · {side}\n" in bot.last_text(ADMIN_ID)


@pytest.mark.parametrize(
    ("language", "named"),
    [
        ("uk", "• рядок 1: json: некоректний JSON: бракує коми або закривної дужки у стовпці 16"),
        ("ru", "• строка 1: json: некорректный JSON: не хватает запятой или закрывающей скобки в столбце 16"),
        ("en", "• line 1: json: not valid JSON: a comma or a closing bracket is missing at column 16"),
    ],
)
async def test_a_broken_json_line_is_explained_in_the_admins_language(
    database: Database, language: str, named: str
) -> None:
    """Python's JSON parser explains in English; the admin reads what is wrong in theirs."""
    async with running_bot(database) as bot:
        await bot.admin(language_code=language).send_document("broken.jsonl", b'{"speaker": "X"\n', caption="/import")
        assert named in bot.last_text(ADMIN_ID) and "Expecting" not in bot.last_text(ADMIN_ID)


async def test_stats_name_the_sides_in_the_admins_language(database: Database) -> None:
    await record(database, speaker="Vladimir Putin", side="Russia")
    async with running_bot(database) as bot:
        await bot.admin(language_code="uk").send("/stats")
        [by_side] = [line for line in bot.last_text(ADMIN_ID).splitlines() if line.startswith("За сторонами:")]
        assert by_side == "За сторонами: Росія 1"
        # When the latest was recorded, in the admin's words for dates, as when it was said.
        [latest] = [line for line in bot.last_text(ADMIN_ID).splitlines() if line.startswith("Останнє сказане:")]
        assert re.fullmatch(r"Останнє сказане: .* · останній запис: \d{1,2} [а-яії]+\. \d{4}, \d\d:\d\d UTC", latest)
        await bot.admin(language_code="uk").send("/statement 1")
        assert re.search(r"\nЗаписано \d{1,2} [а-яії]+\. \d{4}(\n|$)", bot.last_text(ADMIN_ID))


@pytest_asyncio.fixture
async def telegram(database: Database) -> AsyncIterator[Telegram]:
    async with telegram_on(database) as double:
        yield double


async def test_an_alert_to_a_private_chat_without_subscription_comes_in_the_users_language(
    database: Database, telegram: Telegram
) -> None:
    await chat_state.save_data(database, StateScope.user, READER, {chat_state.USER_LANGUAGE: "uk"})
    await create(database, READER, "ceasefire")
    await create(database, GROUP, "ceasefire")
    await record(database, "Vladimir Putin", "ceasefire", "A ceasefire is possible.")
    report = await send_alerts(telegram.bot, database, limiter=telegram.limiter)
    assert report.sent == 2
    [to_reader] = telegram.api.delivered(READER)
    [to_group] = telegram.api.delivered(GROUP)
    assert "Володимир Путін" in to_reader and "A new statement matches" not in to_reader
    assert "A new statement matches" in to_group and "Vladimir Putin" in to_group
