"""A speaker the bot knows names for (bot/data/actors.json: "Pete Hegseth" is also
"Гегсет", "Хегсет", "Піт Гегсет") is found by them in a record that never loaded the
sample: whatever records them first (`/import`, `diplobot import`, a one-line or guided
`/add`, `/edit … speaker`), and, for a speaker recorded before, once the record is opened
again (`diplobot db upgrade`, every start). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import select

from bot.known_speakers import known_speakers
from storage.actors import KnownNames, find_actors, get_or_create_actor, normalize_name
from storage.engine import Database
from storage.known_names import complete_known_names
from storage.models import Actor, Statement
from storage.sample import sample_corpus
from storage.search import search
from storage.statements import add_statement
from storage.validation import validate_statement
from tests.bot_harness import ADMIN_ID, BotHarness, running_bot
from tests.conftest import run_in_thread
from tests.test_cli import sqlite_cli

HEGSETH_NAMES = {"Pete Hegseth", "Hegseth", "Хегсет", "Піт Гегсет", "Гегсет", "Пит Хегсет"}
#: Rubio's names as the record holds them: one of those that fold alike ("Rubio", "Рубио",
#: "Рубіо": rubio) stands for all of them.
RUBIO_NAMES = {"Marco Rubio", "Rubio", "Марко Рубіо"}


def sample_lines(*refs: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in sample_corpus().decode().splitlines() if line.strip()]
    return [line for line in lines if line["ref"] in refs]


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


#: Hegseth on pre-2014 borders (s01) and on troops (s02), Rubio on the Geneva talks (s39),
#: Putin and Macron besides: a file of the exchange format, not the sample.
IMPORTED = jsonl(sample_lines("s01", "s02", "s39", "s23", "s11"))
HEGSETH_ON_BORDERS = "pre-2014 borders is an unrealistic objective"
RUBIO_ON_GENEVA = "After talks with the Ukrainian delegation in Geneva"


async def names_of(database: Database, speaker: str) -> set[str]:
    async with database.read() as session:
        actor = (await session.exec(select(Actor).where(Actor.name == speaker))).one()
        return {alias.alias for alias in actor.aliases}


async def search_texts(database: Database, speaker: str) -> list[str]:
    async with database.read() as session:
        rows = await session.exec(select(Statement.search_text).join(Actor).where(Actor.name == speaker))
        return list(rows.all())


async def statements_found(database: Database, words: str) -> list[str]:
    return [hit.statement.ref for hit in (await search(database, words)).hits]


async def ref_of(database: Database, statement_id: int) -> str:
    async with database.read() as session:
        statement = await session.get(Statement, statement_id)
        assert statement is not None
        return statement.ref


def add_values(speaker: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "ref": f"t-{normalize_name(speaker).replace(' ', '-')}",
        "speaker": speaker,
        "side": "United States",
        "said_on": "2025-02-12",
        "topics": ["territory"],
        "text": "Returning to Ukraine's pre-2014 borders is an unrealistic objective.",
        "source": "NATO briefing",
    }
    return {**values, **overrides}


# -- imports ---------------------------------------------------------------------------


@pytest_asyncio.fixture
async def model_bot(
    db_engine: str, make_database: Callable[..., Awaitable[Database]], shared_embedder: Any
) -> AsyncIterator[BotHarness]:
    """An empty record (no sample) with the sentence model, as a deployment runs it."""
    database = await make_database(db_engine, embedder=shared_embedder)
    async with running_bot(database) as harness:
        yield harness


async def test_an_imported_file_finds_its_speakers_by_every_name_the_bot_knows(model_bot: BotHarness) -> None:
    await model_bot.admin().send_document("statements.jsonl", IMPORTED, caption="/import")
    assert "5 added" in model_bot.last_text(ADMIN_ID)
    reader = model_bot.user()

    await reader.send("/actor Хегсет")
    summary, listing = model_bot.texts(reader.chat_id)[-2:]
    assert summary.startswith("<b>Pete Hegseth</b>: 2 statements")
    assert HEGSETH_ON_BORDERS in listing

    await reader.send("Що казав Гегсет про кордони?")
    answer = model_bot.last_text(reader.chat_id)
    assert "<i>Understood as: Pete Hegseth</i>" in answer
    first = answer.split("\n\n")[1]
    assert first.startswith("<b>Pete Hegseth</b>") and HEGSETH_ON_BORDERS in first

    await reader.send("/search talks speaker:Рубио")
    found = model_bot.last_text(reader.chat_id)
    assert "Marco Rubio" in found and RUBIO_ON_GENEVA in found
    assert "Pete Hegseth" not in found and "no speaker called" not in found


async def test_an_import_indexes_the_statements_under_the_speakers_known_names(database: Database) -> None:
    async with running_bot(database) as bot:
        await bot.admin().send_document("statements.jsonl", IMPORTED, caption="/import")

    assert await names_of(database, "Pete Hegseth") == HEGSETH_NAMES
    for text in await search_texts(database, "Pete Hegseth"):
        assert {"Гегсет", "Пит Хегсет", "Піт Гегсет"} <= set(text.splitlines())
    assert sorted(await statements_found(database, "Гегсет")) == ["s01", "s02"]
    assert await statements_found(database, "Рубіо") == ["s39"]


def test_diplobot_import_gives_the_speakers_their_known_names(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)
    file = tmp_path / "statements.jsonl"
    file.write_bytes(IMPORTED)

    assert "5 added" in cli.ok("import", str(file)).stdout

    async def check() -> None:
        database = Database(cli.database_url)
        try:
            assert await names_of(database, "Marco Rubio") == RUBIO_NAMES
            assert await statements_found(database, "Рубіо") == ["s39"]
        finally:
            await database.close()

    run_in_thread(check)


# -- adding and editing -----------------------------------------------------------------


async def test_a_one_line_add_of_a_new_speaker_gives_them_their_known_names(database: Database) -> None:
    async with running_bot(database) as bot:
        await bot.admin().send(
            "/add Hegseth (United States) | 2025-02-12 | territory | Returning to Ukraine's pre-2014 borders "
            "is an unrealistic objective. | NATO briefing"
        )
        assert "Added #1" in bot.last_text(ADMIN_ID)
        reader = bot.user()
        await reader.send("/actor Гегсет")
        assert bot.texts(reader.chat_id)[-2].startswith("<b>Hegseth</b>: 1 statement")

    assert await names_of(database, "Hegseth") == HEGSETH_NAMES
    assert await statements_found(database, "Хегсет") == [await ref_of(database, 1)]


async def test_the_guided_add_gives_a_new_speaker_their_known_names(database: Database) -> None:
    async with running_bot(database) as bot:
        admin = bot.admin()
        for answer in (
            "/add",
            "Marco Rubio",
            "United States",
            "2025-11-23",
            "talks",
            "assessment",
            "Tremendous progress was made in Geneva.",
            "Reuters",
            "/skip",
        ):
            await admin.send(answer)
        assert bot.last_text(ADMIN_ID).startswith("<b>Preview</b>")
        preview = admin.last_message()
        keyboard = preview["reply_markup"]["inline_keyboard"]
        [confirm] = [button["callback_data"] for row in keyboard for button in row if "Confirm" in button["text"]]
        await admin.press(preview, confirm)
        assert "Added #1" in bot.last_text(ADMIN_ID)

    assert await names_of(database, "Marco Rubio") == RUBIO_NAMES
    assert "Марко Рубіо" in (await search_texts(database, "Marco Rubio"))[0]


async def test_an_edit_naming_a_new_speaker_gives_them_their_known_names(database: Database) -> None:
    await add_statement(database, validate_statement(add_values("J. D. Vance")), "seed")
    async with running_bot(database) as bot:
        await bot.admin().send("/edit 1 speaker Marco Rubio")
        assert "Edited #1" in bot.last_text(ADMIN_ID)
        reader = bot.user()
        await reader.send("/search borders speaker:Рубио")
        assert "Marco Rubio" in bot.last_text(reader.chat_id)

    assert await names_of(database, "Marco Rubio") == RUBIO_NAMES
    assert await statements_found(database, "Рубіо") == ["t-j-d-vance"]


async def test_a_new_speaker_takes_only_the_known_names_nobody_holds(database: Database) -> None:
    known = KnownNames({"Pete Hegseth": ["Hegseth", "Гегсет"]})
    async with database.write() as session:
        await get_or_create_actor(session, "Hegseth")
        created = await get_or_create_actor(session, "Pete Hegseth", known)
        assert {alias.alias for alias in created.aliases} == {"Pete Hegseth", "Гегсет"}
    async with database.read() as session:
        assert [actor.name for actor in await find_actors(session, "hegseth")] == ["Hegseth"]
        assert [actor.name for actor in await find_actors(session, "Гегсет")] == ["Pete Hegseth"]


# -- speakers recorded before ----------------------------------------------------------


async def test_opening_the_record_gives_speakers_recorded_before_their_known_names(database: Database) -> None:
    # As an older release recorded them: the name alone.
    await add_statement(database, validate_statement(add_values("Pete Hegseth")), "seed")
    await add_statement(database, validate_statement(add_values("Somebody Else", ref="t2", text="Other.")), "seed")
    assert await names_of(database, "Pete Hegseth") == {"Pete Hegseth"}
    assert await statements_found(database, "Гегсет") == []

    assert await complete_known_names(database, known_speakers()) == ["Pete Hegseth"]

    assert await names_of(database, "Pete Hegseth") == HEGSETH_NAMES
    assert await statements_found(database, "Гегсет") == ["t-pete-hegseth"]
    assert await names_of(database, "Somebody Else") == {"Somebody Else"}
    # Once given, nothing is left to give.
    assert await complete_known_names(database, known_speakers()) == []


async def test_a_known_name_another_speaker_holds_stays_theirs(database: Database) -> None:
    known = KnownNames({"Pete Hegseth": ["Hegseth", "Гегсет"]})
    await add_statement(database, validate_statement(add_values("Pete Hegseth")), "seed")
    await add_statement(database, validate_statement(add_values("Hegseth", ref="t2", text="Other.")), "seed")

    assert await complete_known_names(database, known) == ["Pete Hegseth"]

    assert await names_of(database, "Pete Hegseth") == {"Pete Hegseth", "Гегсет"}
    assert await names_of(database, "Hegseth") == {"Hegseth"}


def test_diplobot_db_upgrade_gives_speakers_recorded_before_their_known_names(tmp_path: Path) -> None:
    cli = sqlite_cli(tmp_path)
    cli.ok("db", "upgrade")

    async def record_as_before() -> None:
        database = Database(cli.database_url)
        try:
            await add_statement(database, validate_statement(add_values("Marco Rubio")), "seed")
        finally:
            await database.close()

    run_in_thread(record_as_before)
    cli.ok("db", "upgrade")

    async def check() -> None:
        database = Database(cli.database_url)
        try:
            assert await names_of(database, "Marco Rubio") == RUBIO_NAMES
            assert await statements_found(database, "Рубіо") == ["t-marco-rubio"]
        finally:
            await database.close()

    run_in_thread(check)


# -- the data --------------------------------------------------------------------------


def test_no_name_in_actors_json_is_two_speakers_names() -> None:
    groups: dict[str, list[str]] = json.loads(resources.files("bot").joinpath("data/actors.json").read_text("utf-8"))
    owner: dict[str, str] = {}
    for speaker, aliases in groups.items():
        for name in (speaker, *aliases):
            assert owner.setdefault(normalize_name(name), speaker) == speaker, f"{name!r}: {speaker} and {owner}"
    assert known_speakers().names_of("Хегсет")[0] == "Pete Hegseth"


@pytest.mark.parametrize("name", ["Рубио", "рубіо", "MARCO RUBIO", "Марко Рубио"])
def test_a_name_finds_its_speakers_known_names_in_any_case_or_script(name: str) -> None:
    assert known_speakers().names_of(name)[:2] == ("Marco Rubio", "Rubio")
