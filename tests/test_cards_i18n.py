"""Cards in the reader's language: every speaker of bot/data/actors.json is named in
Ukrainian and Russian as each language writes the name, and a role the record keeps in
English is shown translated where bot/data/vocabulary/roles.json knows it (whole, or
every part of it), as recorded where it does not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import pytest

from bot.i18n import use_language
from bot.presentation.html import statement_compact, statement_full
from bot.presentation.labels import _best, speaker_name
from bot.presentation.roles import translate_role
from storage.models import Actor, Stance, Statement, StatementTopic, Status, Topic

UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")


def actors() -> dict[str, list[str]]:
    return json.loads(resources.files("bot").joinpath("data/actors.json").read_text("utf-8"))


def roles() -> list[dict[str, Any]]:
    return json.loads(resources.files("bot").joinpath("data/vocabulary/roles.json").read_text("utf-8"))["roles"]


def cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def sample_roles() -> list[str]:
    lines = resources.files("bot").joinpath("data/statements.jsonl").read_text("utf-8").splitlines()
    return sorted({json.loads(line).get("speaker_role", "") for line in lines if line.strip()} - {""})


# -- speakers --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(actors()))
def test_every_speaker_is_named_in_each_languages_own_spelling(name: str) -> None:
    with use_language("uk"):
        ukrainian = speaker_name(name)
    with use_language("ru"):
        russian = speaker_name(name)
    assert cyrillic(ukrainian) and not RUSSIAN_ONLY & set(ukrainian), ukrainian
    assert cyrillic(russian) and not UKRAINIAN_ONLY & set(russian), russian
    assert not ukrainian.endswith(("ский", "цкий")) and not russian.endswith(("ський", "цький"))
    # In full: a surname alone ("Рубіо") would say less than the name in Latin letters.
    assert len(ukrainian.split()) >= min(2, len(name.split())) <= len(russian.split())


@pytest.mark.parametrize(
    ("name", "uk", "ru"),
    [
        ("Pete Hegseth", "Піт Гегсет", "Пит Хегсет"),
        ("Scott Bessent", "Скотт Бессент", "Скотт Бессент"),
        ("Marco Rubio", "Марко Рубіо", "Марко Рубио"),
        ("Steve Witkoff", "Стів Віткофф", "Стив Уиткофф"),
        ("Emmanuel Macron", "Емманюель Макрон", "Эммануэль Макрон"),
        ("Vladimir Medinsky", "Володимир Мединський", "Владимир Мединский"),
        ("Russian Ministry of Defence", "Міністерство оборони Росії", "Министерство обороны России"),
    ],
)
def test_names_that_were_shown_in_latin_letters(name: str, uk: str, ru: str) -> None:
    with use_language("uk"):
        assert speaker_name(name) == uk
    with use_language("ru"):
        assert speaker_name(name) == ru
    with use_language("en"):
        assert speaker_name(name) == name


def test_a_surname_alone_or_the_other_languages_spelling_is_never_shown() -> None:
    assert _best("Marco Rubio", ["Rubio", "Рубіо", "Рубио"], "uk") is None
    assert _best("Vladimir Medinsky", ["Володимир Мединський"], "ru") is None
    assert _best("Vladimir Medinsky", ["Владимир Мединский"], "uk") is None
    assert _best("Kremlin", ["Кремль"], "ru") == "Кремль"


# -- roles -----------------------------------------------------------------------------


def test_the_roles_file_gives_each_role_once_in_both_languages() -> None:
    seen: dict[str, str] = {}
    for entry in roles():
        assert entry["en"] and cyrillic(entry["uk"]) and cyrillic(entry["ru"]), entry
        assert not RUSSIAN_ONLY & set(entry["uk"]) and not UKRAINIAN_ONLY & set(entry["ru"]), entry
        for english in entry["en"]:
            key = " ".join(english.casefold().split())
            assert key not in seen, f"{english!r} is listed twice"
            seen[key] = entry["uk"]


@pytest.mark.parametrize("role", sample_roles())
@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_role_of_the_sample_is_shown_translated(role: str, language: str) -> None:
    shown = translate_role(role, language)
    assert cyrillic(shown) and not any(word.isascii() and word.isalpha() for word in shown.split()), shown


@pytest.mark.parametrize(
    ("role", "language", "shown"),
    [
        ("US Secretary of State", "uk", "Державний секретар США"),
        ("U.S. secretary of state.", "ru", "Государственный секретарь США"),
        ("Defence Minister of Ukraine, head of delegation", "uk", "Міністр оборони України, голова делегації"),
        ("Kremlin aide; head of Russian delegation", "ru", "Помощник президента России, глава российской делегации"),
        # Unknown, or a part unknown: as recorded.
        ("Chief negotiator", "uk", "Chief negotiator"),
        ("Foreign Minister of Russia, chief negotiator", "ru", "Foreign Minister of Russia, chief negotiator"),
        ("US Secretary of State", "en", "US Secretary of State"),
        ("", "uk", ""),
    ],
)
def test_a_role_is_translated_whole_or_part_by_part_or_not_at_all(role: str, language: str, shown: str) -> None:
    assert translate_role(role, language) == shown


def statement(speaker: str, role: str) -> Statement:
    return Statement(
        id=7,
        ref="s07",
        actor=Actor(name=speaker),
        speaker_role=role,
        side="United States",
        said_on=date(2025, 3, 11),
        stance=Stance.assessment,
        status=Status.reported,
        text="Text.",
        source="Wire",
        added_at=datetime(2025, 3, 12, tzinfo=UTC),
        topic_rows=[StatementTopic(topic=Topic.ceasefire, position=0)],
    )


def test_a_card_names_the_speaker_and_the_role_in_the_readers_language() -> None:
    card = statement("Pete Hegseth", "US Secretary of Defense")
    with use_language("uk"):
        assert "<b>Піт Гегсет</b> · Міністр оборони США · США" in statement_compact(card)
        assert "<b>Піт Гегсет</b>, Міністр оборони США" in statement_full(card)
    with use_language("ru"):
        assert "<b>Пит Хегсет</b> · Министр обороны США" in statement_compact(card)
    with use_language("en"):
        assert "<b>Pete Hegseth</b> · US Secretary of Defense · United States" in statement_compact(card)
    unknown = statement("Pete Hegseth", "Pentagon chief & spokesman <b>")
    with use_language("uk"):
        assert "· Pentagon chief &amp; spokesman &lt;b&gt; ·" in statement_compact(unknown)


@pytest.mark.parametrize(
    ("language", "said", "recorded"),
    [
        ("en", "Date: 11 Mar 2025", "Recorded 12 Mar 2025"),
        ("uk", "Дата: 11 бер. 2025", "Записано 12 бер. 2025"),
        ("ru", "Дата: 11 мар. 2025", "Записано 12 мар. 2025"),
    ],
)
def test_a_card_gives_when_it_was_recorded_as_it_gives_when_it_was_said(
    language: str, said: str, recorded: str
) -> None:
    card = statement("Pete Hegseth", "US Secretary of Defense")
    with use_language(language):
        full = statement_full(card)
    assert said in full and recorded in full and "2025-03-12" not in full
