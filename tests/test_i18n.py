"""The interface in English, Ukrainian and Russian: every string the code shows has its
translations (extracted from the source as `make messages` does), readers get their
language from Telegram or /language, and a subscriber's digest comes in theirs."""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.digests.compose import render_digest
from bot.i18n import use_language
from bot.presentation.alerts import alert_heading
from bot.presentation.labels import speaker_name, stance_count
from storage.alerts import DeliveredPage
from storage.engine import Database
from storage.models import AlertDelivery, Stance
from storage.subscriptions import get_subscriber, set_language
from tests.bot_harness import ADMIN_ID, BotHarness, running_bot
from tests.support.digests import FIRST_DUE, Telegram, record, subscribe_chat

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "bot" / "locale"
TRANSLATED = ("uk", "ru")
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+>")


def _code_messages() -> set[str | tuple[str, ...]]:
    """What `pybabel extract -F babel.cfg` finds: `_`, `N_` and `ngettext` in bot/, handlers/ and storage/."""
    found: set[str | tuple[str, ...]] = set()
    for folder in ("bot", "handlers", "storage"):
        for _name, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")]
        ):
            found.add(message)
    return found


def _marked_in_source() -> dict[str, str]:
    """Every literal passed to `_`, `N_` or `ngettext`, found by Python's own parser, which
    also sees inside f-strings (Babel's extractor does not), with where it stands."""
    found: dict[str, str] = {}
    for folder in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id not in ("_", "N_", "ngettext") or not node.args:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_message_is_hidden_from_extraction() -> None:
    """A message marked inside an f-string never reaches the catalogs: it would stay English."""
    extracted = {message if isinstance(message, str) else message[0] for message in _code_messages()}
    hidden = {text: where for text, where in _marked_in_source().items() if text not in extracted}
    assert hidden == {}


def _catalog(language: str):  # noqa: ANN202 - babel's Catalog
    with (LOCALE / language / "LC_MESSAGES" / "diplobot.po").open("rb") as file:
        return read_po(file, locale=language)


def _marks(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_in_the_code_is_translated(language: str) -> None:
    catalog = _catalog(language)
    problems = []
    for message in sorted(_code_messages(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            problems.append(f"fuzzy or empty: {key!r}")
            continue
        if isinstance(message, tuple) and len(strings) != 3:
            problems.append(f"not three plural forms: {key!r}")
        for string in strings:
            if _marks(string) != _marks(key):
                problems.append(f"placeholders or tags differ: {key!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogs_hold_nothing_the_code_no_longer_says() -> None:
    wanted = {message[0] if isinstance(message, tuple) else message for message in _code_messages()}
    for language in TRANSLATED:
        stale = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in _catalog(language) if entry.id}
        assert stale <= wanted, f"{language}: obsolete entries {sorted(stale - wanted)[:5]} (make messages)"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("uk", ["1 нова заява записана", "2 нові заяви записано", "5 нових заяв записано"]),
        ("ru", ["1 новое заявление записано", "2 новых заявления записано", "5 новых заявлений записано"]),
        ("en", ["1 new statement recorded", "2 new statements recorded", "5 new statements recorded"]),
    ],
)
def test_plural_forms_of_one_two_and_five(language: str, expected: list[str]) -> None:
    with use_language(language):
        headings = [render_digest({}, {"ceasefire": count})[0] for count in (1, 2, 5)]
    for heading, words in zip(headings, expected, strict=True):
        assert words in heading


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["3 statements match</b> your alert “talks”, 1 of them retracted", "2 of them retracted", "5 of them"]),
        ("uk", ["3 заяви відповідають</b> вашому", "з них 1 відкликана", "з них 2 відкликані", "з них 5 відкликано"]),
        ("ru", ["3 заявления соответствуют</b>", "из них 1 отозвано", "из них 2 отозваны", "из них 5 отозваны"]),
    ],
)
def test_a_delivery_of_new_and_retracted_statements_counts_the_retracted(language: str, expected: list[str]) -> None:
    with use_language(language):
        headings = " ".join(
            alert_heading(DeliveredPage(AlertDelivery(chat_id=1), [("talks", total)], total, 0, [1], retracted))
            for total, retracted in ((3, 1), (6, 2), (9, 5))
        )
    assert all(words in headings for words in expected), headings


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1 condition", "2 conditions", "5 conditions", "21 conditions"]),
        ("uk", ["1 умова", "2 умови", "5 умов", "21 умова"]),
        ("ru", ["1 условие", "2 условия", "5 условий", "21 условие"]),
    ],
)
def test_stance_counts_take_the_form_of_their_count(language: str, expected: list[str]) -> None:
    with use_language(language):
        assert [stance_count("condition", count) for count in (1, 2, 5, 21)] == expected
        assert all(str(count) in stance_count(stance, count) for stance in Stance for count in (1, 3))


@pytest_asyncio.fixture
async def chat_bot(database: Database) -> AsyncIterator[BotHarness]:
    async with running_bot(database) as harness:
        yield harness


async def test_a_ukrainian_user_gets_ukrainian_answers(chat_bot: BotHarness) -> None:
    user = chat_bot.user(811, language_code="uk")
    await user.send("/help")
    assert "<b>Читання</b>" in chat_bot.last_text(811) and "/language" in chat_bot.last_text(811)
    await user.send("/search")
    assert chat_bot.last_text(811).startswith("Скажіть, що шукати")
    await user.send("/nosuchcommand")
    assert "Я не знаю команди /nosuchcommand" in chat_bot.last_text(811)


async def test_other_telegram_languages_get_english(chat_bot: BotHarness) -> None:
    await chat_bot.user(812, language_code="de").send("/search")
    assert chat_bot.last_text(812).startswith("Say what to look for")


async def test_language_command_switches_and_sticks(chat_bot: BotHarness, database: Database) -> None:
    user = chat_bot.user(813, language_code="uk")
    await user.send("/subscribe 08:00 Europe/Kyiv")
    assert chat_bot.last_text(813).startswith("✅ Підписано")
    subscriber = await get_subscriber(database, 813)
    assert subscriber is not None and subscriber.language == "uk"

    await user.send("/language ru")
    assert chat_bot.last_text(813) == "✅ Теперь я говорю с вами по-русски."
    await user.send("/search")
    assert chat_bot.last_text(813).startswith("Скажите, что искать")
    subscriber = await get_subscriber(database, 813)
    assert subscriber is not None and subscriber.language == "ru"

    await user.send("/language")
    buttons = chat_bot.calls("sendMessage")[-1].params["reply_markup"]
    assert "Українська" in str(buttons) and "English" in str(buttons)
    await user.send("/language xx")
    assert "en, uk и ru" in chat_bot.last_text(813)


async def test_menus_and_descriptions_are_set_per_language(chat_bot: BotHarness) -> None:
    menus = {call.params.get("language_code"): call for call in chat_bot.calls("setMyCommands")}
    assert {None, "uk", "ru"} <= set(menus)
    uk = {command["command"]: command["description"] for command in menus["uk"].params["commands"]}
    assert uk["language"] == "English, Українська, Русский" and uk["search"] == "Пошук за словами й фільтрами"
    descriptions = {call.params.get("language_code") for call in chat_bot.calls("setMyDescription")}
    assert descriptions == {None, "uk", "ru"}
    assert len(chat_bot.calls("setMyShortDescription")) == 3


async def test_the_admins_menu_is_set_in_each_language(chat_bot: BotHarness) -> None:
    """Telegram picks the admin's menu by the admin's app language, like everyone's."""
    scoped = [call for call in chat_bot.calls("setMyCommands") if call.params.get("scope", {}).get("type") == "chat"]
    menus = {call.params.get("language_code"): call.params for call in scoped}
    assert set(menus) == {None, "uk", "ru"}
    assert all(menu["scope"]["chat_id"] == ADMIN_ID for menu in menus.values())
    described = {
        language: {command["command"]: command["description"] for command in menu["commands"]}
        for language, menu in menus.items()
    }
    assert described[None]["add"] == "Add a statement (one line, or a guided dialogue)"
    assert described["uk"]["add"] == "Додати заяву (одним рядком або покроково)"
    assert described["ru"]["add"] == "Добавить заявление (одной строкой или пошагово)"
    assert described["uk"]["positions"] == "Хто де стоїть у кожній темі, картинкою"
    assert described["uk"].keys() == described["ru"].keys() == described[None].keys()


async def test_a_subscribers_digest_comes_in_its_language(database: Database, telegram: Telegram) -> None:
    await subscribe_chat(database, 821)
    await subscribe_chat(database, 822)
    await subscribe_chat(database, 823)
    await set_language(database, 821, "uk")
    await set_language(database, 822, "ru")
    await record(database, speaker="Vladimir Putin", topics="ceasefire")
    await record(database, speaker="Vladimir Putin", topics="ceasefire")
    report = await telegram.tick(FIRST_DUE + timedelta(minutes=1))
    assert report.sent == 3
    [uk] = telegram.api.delivered(821)
    [ru] = telegram.api.delivered(822)
    [en] = telegram.api.delivered(823)
    assert "Ваш щоденний дайджест" in uk and "2 нові заяви" in uk and "Припинення вогню" in uk
    assert "Володимир Путін" in uk and "серп. 2025" in uk
    assert "Ваш ежедневный дайджест" in ru and "2 новых заявления" in ru and "Владимир Путин" in ru
    assert "Your daily digest" in en and "2 new statements" in en and "Vladimir Putin" in en


@pytest.mark.parametrize(
    ("language", "name", "shown"),
    [
        ("uk", "Vladimir Putin", "Володимир Путін"),
        ("ru", "Vladimir Putin", "Владимир Путин"),
        ("en", "Vladimir Putin", "Vladimir Putin"),
        ("uk", "Marco Rubio", "Марко Рубіо"),
        ("ru", "Pete Hegseth", "Пит Хегсет"),
        ("uk", "Someone Not In The Record", "Someone Not In The Record"),
    ],
)
def test_speakers_are_named_in_the_readers_script_only_in_full(language: str, name: str, shown: str) -> None:
    """A surname alone in Cyrillic ("Рубіо") would say less than the full name in Latin letters."""
    with use_language(language):
        assert speaker_name(name) == shown
