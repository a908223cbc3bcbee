"""Speakers and their names: "putin", "PUTIN", "Путин" and "Путін" reach one person."""

from __future__ import annotations

import pytest

from storage.actors import add_aliases, find_actors, get_or_create_actor, normalize_name, resolve_actor
from storage.engine import Database
from storage.errors import InvalidInput
from storage.models import Actor, ActorAlias


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Vladimir Putin", "vladimir putin"),
        ("  PUTIN ", "putin"),
        ("Путин", "putin"),
        ("Путін", "putin"),
        ("Зеленский", "zelensky"),
        ("Зеленський", "zelensky"),
        ("Emmanuel Macrón", "emmanuel macron"),
        ("Ｐｕｔｉｎ", "putin"),
        ("von der Leyen!", "von der leyen"),
        ("…", ""),
    ],
)
def test_normalize_name_folds_case_accents_script_and_punctuation(name: str, key: str) -> None:
    assert normalize_name(name) == key


@pytest.mark.parametrize(
    "name", ["putin", "PUTIN", "Путин", "Путін", "Putin", "Vladimir Putin", "vladimir  putin", "President Putin"]
)
async def test_every_spelling_of_putin_resolves_to_him(shared_sample_database: Database, name: str) -> None:
    async with shared_sample_database.read() as session:
        actor = await resolve_actor(session, name)
    assert actor.name == "Vladimir Putin"


@pytest.mark.parametrize("name", ["zelensky", "Zelenskyy", "ZELENSKIY", "Зеленский", "Зеленський"])
async def test_zelensky_resolves_to_volodymyr_zelensky(shared_sample_database: Database, name: str) -> None:
    async with shared_sample_database.read() as session:
        actor = await resolve_actor(session, name)
    assert actor.name == "Volodymyr Zelensky"


@pytest.mark.parametrize(
    ("name", "expected"), [("peskov", "Kremlin"), ("Кремль", "Kremlin"), ("Трамп", "Donald Trump")]
)
async def test_aliases_reach_their_actor(shared_sample_database: Database, name: str, expected: str) -> None:
    async with shared_sample_database.read() as session:
        assert (await resolve_actor(session, name)).name == expected


@pytest.mark.parametrize("name", ["Napoleon", "Путинн", "Zelenskyi"])
async def test_an_unknown_name_is_invalid_input_naming_it(shared_sample_database: Database, name: str) -> None:
    async with shared_sample_database.read() as session:
        with pytest.raises(InvalidInput) as raised:
            await resolve_actor(session, name)
    assert raised.value.field == "speaker"
    assert repr(name) in str(raised.value)
    assert "no speaker" in str(raised.value)


@pytest.mark.parametrize("name", ["", "   ", "!!!"])
async def test_an_empty_name_finds_nobody(shared_sample_database: Database, name: str) -> None:
    async with shared_sample_database.read() as session:
        assert await find_actors(session, name) == []
        with pytest.raises(InvalidInput):
            await resolve_actor(session, name)


async def test_an_ambiguous_name_is_invalid_input_naming_the_candidates(shared_sample_database: Database) -> None:
    async with shared_sample_database.read() as session:
        with pytest.raises(InvalidInput) as raised:
            await resolve_actor(session, "Vladimir")
    message = str(raised.value)
    assert raised.value.field == "speaker"
    assert "could mean several speakers" in message
    assert "Vladimir Putin" in message
    assert "Vladimir Medinsky" in message


async def test_a_whole_word_of_one_name_resolves_to_its_actor(shared_sample_database: Database) -> None:
    async with shared_sample_database.read() as session:
        actor = await resolve_actor(session, "Donald")
    assert actor.name == "Donald Trump"


async def test_get_or_create_reuses_an_actor_by_any_spelling_of_an_alias(sample_database: Database, count_rows) -> None:
    actors_before = await count_rows(sample_database, Actor)

    async with sample_database.write() as session:
        by_cyrillic = await get_or_create_actor(session, "Путин")
        by_accent = await get_or_create_actor(session, "Emmanuel Macrón")

    assert by_cyrillic.name == "Vladimir Putin"
    assert by_accent.name == "Emmanuel Macron"
    assert await count_rows(sample_database, Actor) == actors_before


async def test_get_or_create_never_takes_a_partial_match(sample_database: Database, count_rows) -> None:
    actors_before = await count_rows(sample_database, Actor)

    async with sample_database.write() as session:
        actor = await get_or_create_actor(session, "Donald Trump Jr.")

    assert actor.name == "Donald Trump Jr."
    assert await count_rows(sample_database, Actor) == actors_before + 1
    async with sample_database.read() as session:
        assert (await resolve_actor(session, "Trump")).name == "Donald Trump"


@pytest.mark.parametrize("name", ["", "   ", "?!", "x" * 201])
async def test_get_or_create_refuses_a_bad_name_and_writes_nothing(
    sample_database: Database, count_rows, name: str
) -> None:
    actors_before = await count_rows(sample_database, Actor)

    with pytest.raises(InvalidInput) as raised:
        async with sample_database.write() as session:
            await get_or_create_actor(session, name)

    assert raised.value.field == "speaker"
    assert await count_rows(sample_database, Actor) == actors_before


async def test_an_alias_held_by_another_actor_is_not_added(sample_database: Database, count_rows) -> None:
    aliases_before = await count_rows(sample_database, ActorAlias)

    async with sample_database.write() as session:
        starmer = await get_or_create_actor(session, "Keir Starmer")
        taken = await add_aliases(session, starmer, ["Putin", "UK Prime Minister", "Starmer"])

    assert taken == ["Putin"]
    assert await count_rows(sample_database, ActorAlias) == aliases_before + 1
    async with sample_database.read() as session:
        assert (await resolve_actor(session, "uk prime minister")).name == "Keir Starmer"
        assert (await resolve_actor(session, "Putin")).name == "Vladimir Putin"
