"""Actors and their aliases: "putin", "Путин" and "Путін" reach the same person."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import N_, InvalidInput
from storage.models import Actor, ActorAlias, Statement, Status

# Ukrainian and Russian letters to the Latin letters English-language reporting uses, so
# that a name typed in either script folds to the same key.
_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ye",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "yi",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "'": "",
    "’": "",
}
# Name endings transliterated differently in the two scripts (Зеленський / Зеленский ->
# Zelensky): folded to one spelling before the letter-by-letter mapping.
_CYRILLIC_ENDINGS = re.compile(r"(ський|ский|цький|цкий|ий|ій|ый)\b")
_ENDING_MAP = {"ський": "sky", "ский": "sky", "цький": "tsky", "цкий": "tsky", "ий": "y", "ій": "y", "ый": "y"}
_NOT_WORD = re.compile(r"[^\w]+")


def normalize_name(name: str) -> str:
    """A case-, accent- and script-insensitive key for a name."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = _CYRILLIC_ENDINGS.sub(lambda match: _ENDING_MAP[match.group(1)], folded)
    folded = "".join(_CYRILLIC.get(char, char) for char in folded)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", stripped).split())


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or not normalize_name(cleaned):
        raise InvalidInput(N_("speaker"), N_("the speaker's name is empty"))
    if len(cleaned) > 200:
        raise InvalidInput(N_("speaker"), N_("the speaker's name is longer than 200 characters"))
    return cleaned


async def find_actors(session: AsyncSession, name: str) -> list[Actor]:
    """Actors a reader may mean by `name`: an exact alias first; otherwise every actor one
    of whose aliases contains it as whole words ("zelensky" -> Volodymyr Zelensky)."""
    key = normalize_name(name)
    if not key:
        return []
    exact = await session.exec(select(Actor).join(ActorAlias).where(ActorAlias.normalized == key))
    found = list(exact.unique().all())
    if found:
        return found
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    partial = await session.exec(
        select(Actor)
        .join(ActorAlias)
        .where(
            or_(
                col(ActorAlias.normalized).like(f"{escaped} %", escape="\\"),
                col(ActorAlias.normalized).like(f"% {escaped}", escape="\\"),
                col(ActorAlias.normalized).like(f"% {escaped} %", escape="\\"),
            )
        )
        .order_by(Actor.name)
    )
    by_id = {actor.id: actor for actor in partial.unique().all()}
    return list(by_id.values())


async def alias_keys(session: AsyncSession) -> list[tuple[str, str]]:
    """Every alias's folded form (`normalize_name`) with its actor's name: what a name
    that finds no speaker is compared with for a near miss."""
    rows = await session.exec(
        select(ActorAlias.normalized, Actor.name).join(Actor, col(Actor.id) == col(ActorAlias.actor_id))
    )
    return [(key, name) for key, name in rows.all()]


async def resolve_actor(session: AsyncSession, name: str) -> Actor:
    """The one actor `name` means, or a message saying why there is none."""
    return only_actor(name, await find_actors(session, name))


def only_actor(name: str, actors: list[Actor]) -> Actor:
    """The one of the `actors` found for `name`, or a message saying why there is none."""
    if not actors:
        raise InvalidInput(N_("speaker"), N_("no speaker called {name} in the record"), name=repr(name))
    if len(actors) > 1:
        names = ", ".join(actor.name for actor in actors[:5])
        raise InvalidInput(
            N_("speaker"), N_("{name} could mean several speakers: {names}"), name=repr(name), names=names
        )
    return actors[0]


class KnownNames:
    """The names a deployment knows for speakers before the record holds them ("Pete
    Hegseth" is also "Hegseth", "Піт Гегсет", "Пит Хегсет"): groups of names, each a
    canonical name and its aliases, matched as `normalize_name` folds them. Storage reads
    no data file; the bot gives these (bot/known_speakers.py, from bot/data/actors.json),
    so that an actor created by any write (add, edit, import, the sample) is found, and
    its statements indexed, under every name readers use for them."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self._groups: list[tuple[str, ...]] = []
        self._by_key: dict[str, int] = {}
        for name, aliases in groups.items():
            names = tuple(dict.fromkeys(" ".join(each.split()) for each in (name, *aliases)))
            for each in names:
                # A name two groups give belongs to the first (tests/test_known_speakers.py
                # keeps bot/data/actors.json free of such names).
                self._by_key.setdefault(normalize_name(each), len(self._groups))
            self._groups.append(names)

    def names_of(self, *names: str) -> tuple[str, ...]:
        """Every known name of the speaker the first of `names` known here belongs to
        (canonical name first); () when none is known."""
        for name in names:
            group = self._by_key.get(normalize_name(name))
            if group is not None:
                return self._groups[group]
        return ()

    def missing(self, actor: Actor) -> list[str]:
        """The known names of `actor` (found by its name, else by its aliases) it does not
        hold yet."""
        held = {alias.normalized for alias in actor.aliases}
        names = self.names_of(actor.name, *(alias.alias for alias in actor.aliases))
        return [name for name in names if normalize_name(name) not in held]


async def get_or_create_actor(session: AsyncSession, name: str, known: KnownNames | None = None) -> Actor:
    """The actor with exactly this name or alias; a new one otherwise, holding besides its
    name the other names `known` gives it that no actor holds yet. Never a partial match:
    "Trump" must not silently become "Donald Trump Jr."."""
    cleaned = clean_name(name)
    key = normalize_name(cleaned)
    existing = await session.exec(select(Actor).join(ActorAlias).where(ActorAlias.normalized == key))
    actor = existing.first()
    if actor is not None:
        return actor
    aliases = {key: cleaned}
    for other in known.names_of(cleaned) if known else ():
        if normalize_name(other):
            aliases.setdefault(normalize_name(other), other)
    held = await session.exec(select(ActorAlias.normalized).where(col(ActorAlias.normalized).in_(list(aliases))))
    for taken in held.all():
        aliases.pop(taken, None)
    try:
        # A savepoint, so that losing a race with another writer creating the same actor
        # (PostgreSQL: the unique index makes us wait, then refuses) costs only this insert.
        # That writer may have made it under another of its known names, which then holds
        # this one as an alias: the look-up below finds it either way.
        async with session.begin_nested():
            actor = Actor(
                name=cleaned, aliases=[ActorAlias(alias=alias, normalized=each) for each, alias in aliases.items()]
            )
            session.add(actor)
            await session.flush()
    except IntegrityError:
        existing = await session.exec(select(Actor).join(ActorAlias).where(ActorAlias.normalized == key))
        found = existing.first()
        # None: what another writer took meanwhile was only one of the other known names.
        return found if found is not None else await get_or_create_actor(session, cleaned)
    return actor


async def add_aliases(session: AsyncSession, actor: Actor, aliases: Iterable[str]) -> list[str]:
    """Adds the aliases no other actor holds; returns those that were taken elsewhere."""
    taken: list[str] = []
    known = {alias.normalized for alias in actor.aliases}
    for alias in aliases:
        key = normalize_name(alias)
        if not key or key in known:
            continue
        holder = await session.exec(select(ActorAlias).where(ActorAlias.normalized == key))
        if holder.first() is not None:
            taken.append(alias)
            continue
        actor.aliases.append(ActorAlias(alias=" ".join(alias.split()), normalized=key))
        known.add(key)
    await session.flush()
    return taken


class ActorResolver:
    """`get_or_create_actor` with a memory, for writes of many statements in one session
    (an import of thousands of lines names a few dozen speakers)."""

    def __init__(self, session: AsyncSession, known: KnownNames | None = None) -> None:
        self._session = session
        self._known = known
        self._by_key: dict[str, Actor] = {}

    async def get_or_create(self, name: str) -> Actor:
        key = normalize_name(name)
        actor = self._by_key.get(key)
        if actor is None:
            actor = await get_or_create_actor(self._session, name, self._known)
            self._by_key[key] = actor
        return actor


#: The side of a statement whose speaker is new to the record and came without one: the
#: statement is recorded all the same, and an admin sets the side later (`/edit ID side …`).
UNKNOWN_SIDE = "unknown"


async def usual_side(session: AsyncSession, actor_id: int | None) -> str | None:
    """The side most of the speaker's statements were recorded for (of equals, the one
    recorded first), so admins need not type it: one statement filed under another side,
    by design or by slip, does not move every later one there."""
    result = await session.exec(
        select(Statement.side)
        .where(Statement.actor_id == actor_id, Statement.side != UNKNOWN_SIDE)
        .group_by(Statement.side)
        .order_by(func.count().desc(), func.min(Statement.id))
        .limit(1)
    )
    return result.first()


async def role_on(session: AsyncSession, actor_id: int, said_on: date) -> str:
    """The role the speaker's latest live statement on or before `said_on` gives them ("" for
    none): what a new statement of theirs most likely holds when no role is typed. A later
    role is not taken back in time (a minister then may not have been one before)."""
    result = await session.exec(
        select(Statement.speaker_role)
        .where(
            Statement.actor_id == actor_id,
            Statement.speaker_role != "",
            Statement.status != Status.retracted,
            Statement.said_on <= said_on,
        )
        .order_by(col(Statement.said_on).desc(), col(Statement.id).desc())
        .limit(1)
    )
    return result.first() or ""


async def known_speaker(session: AsyncSession, name: str) -> tuple[Actor, str | None] | None:
    """The actor adding a statement would file `name` under (exactly that name or alias),
    with their usual side; None for someone new."""
    key = normalize_name(name)
    actor = (await session.exec(select(Actor).join(ActorAlias).where(ActorAlias.normalized == key))).first()
    if actor is None:
        return None
    return actor, await usual_side(session, actor.id)
