"""Chat state rows: dialogues' data, the step each dialogue waits on, and the result lists
behind page buttons. Every instance reads them at the start of an update and writes them
at its end, so a dialogue begun on one instance goes on on another, and nothing is lost
when a process restarts. Nothing here knows about Telegram."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import ChatState, DialogueState, PageListing, StateScope, utcnow


async def _upsert(
    session: AsyncSession, dialect: str, table: type[SQLModel], values: dict[str, Any], keys: list[str]
) -> None:
    """Insert, or update the row with the same `keys`: one statement, so two instances
    writing the same row at once do not collide."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    await session.exec(statement.on_conflict_do_update(index_elements=keys, set_=changed))


# -- user_data / chat_data -------------------------------------------------------


USER_LANGUAGE = "language"
"""user_data: the language the user chose (/language)."""
CHAT_LANGUAGE = "language"
"""chat_data: the language of whoever last made an alert in the chat, for a chat no
subscription and no choice of its user gives one (outside updates, Telegram's language of
a user is not known)."""


async def user_language(session: AsyncSession, user_id: int) -> str | None:
    """What the user chose with /language, read outside any update of theirs (an alert, an
    idle dialogue's end); None when they never chose."""
    found = await session.get(ChatState, (StateScope.user, user_id))
    chosen = found.data.get(USER_LANGUAGE) if found is not None else None
    return chosen if isinstance(chosen, str) else None


async def alert_language(session: AsyncSession, chat_id: int) -> str | None:
    """The language the chat's latest alert was made in (`CHAT_LANGUAGE`); None if unknown."""
    found = await session.get(ChatState, (StateScope.chat, chat_id))
    kept = found.data.get(CHAT_LANGUAGE) if found is not None else None
    return kept if isinstance(kept, str) else None


async def load_data(database: Database, scope: StateScope, owner_id: int) -> dict[str, Any]:
    async with database.read() as session:
        found = await session.get(ChatState, (scope, owner_id))
        return dict(found.data) if found is not None else {}


async def save_data(database: Database, scope: StateScope, owner_id: int, data: dict[str, Any]) -> None:
    """Stores `data` as the whole of it; empty data deletes the row."""
    async with database.write() as session:
        if not data:
            await session.exec(
                delete(ChatState).where(col(ChatState.scope) == scope, col(ChatState.owner_id) == owner_id)
            )
            return
        values = {"scope": scope, "owner_id": owner_id, "data": data, "updated_at": utcnow()}
        await _upsert(session, database.dialect, ChatState, values, ["scope", "owner_id"])


async def edit_data(
    database: Database, scope: StateScope, owner_id: int, change: Callable[[dict[str, Any]], None]
) -> None:
    """Read, change and write back under a row lock (PostgreSQL; SQLite's writer holds the
    whole database), so a change made at the same time by another instance is not lost."""
    async with database.write() as session:
        query = select(ChatState).where(col(ChatState.scope) == scope, col(ChatState.owner_id) == owner_id)
        found = (await session.exec(query.with_for_update())).first()
        if found is None:
            return
        data = dict(found.data)
        change(data)
        if data:
            found.data = data
            found.updated_at = utcnow()
            session.add(found)
        else:
            await session.delete(found)


# -- the step each dialogue waits on ----------------------------------------------


@dataclass(frozen=True)
class DialogueKey:
    name: str
    chat_id: int
    user_id: int


async def dialogue_states(database: Database, chat_id: int, user_id: int) -> dict[str, str]:
    """Every dialogue the user has under way in that chat: its name and the step it waits on."""
    return (await update_state(database, chat_id, user_id)).steps


@dataclass(frozen=True)
class UpdateState:
    """What an update of a user in a chat begins from: their dialogues' steps (by name) and
    the user's and the chat's data."""

    steps: dict[str, str]
    user: dict[str, Any]
    chat: dict[str, Any]


_UPDATE_STATE = """
    SELECT 'step' AS kind, name, state AS value FROM dialogue_state WHERE chat_id = :chat AND user_id = :user
    UNION ALL
    SELECT scope, '', CAST(data AS TEXT) FROM chat_state
     WHERE (scope = 'user' AND owner_id = :user) OR (scope = 'chat' AND owner_id = :chat)
    """


async def update_state(database: Database, chat_id: int, user_id: int) -> UpdateState:
    """One statement for everything an update may need (most updates need none of it),
    below any session (`Database.fetch`): it runs before every update, so a session's
    round trips would cost more than it."""
    rows = await database.fetch(_UPDATE_STATE, {"chat": chat_id, "user": user_id})
    steps: dict[str, str] = {}
    data: dict[str, dict[str, Any]] = {}
    for kind, name, value in rows:
        if kind == "step":
            steps[name] = value
        else:
            data[kind] = json.loads(value)
    return UpdateState(steps, data.get(StateScope.user.value, {}), data.get(StateScope.chat.value, {}))


async def touch_dialogues(database: Database, chat_id: int, user_id: int) -> dict[str, str]:
    """Marks the user's dialogues in that chat as answered now, and returns those still
    under way. An update that goes on with a dialogue does this before its handlers run,
    so the idle check cannot end the dialogue while its answer is being handled; one the
    idle check ended since it was read is not returned (it is over)."""
    now = database.stored(DialogueState.__table__.c.updated_at, utcnow())  # type: ignore[attr-defined]
    rows = await database.fetch(
        "UPDATE dialogue_state SET updated_at = :now WHERE chat_id = :chat AND user_id = :user RETURNING name, state",
        {"now": now, "chat": chat_id, "user": user_id},
    )
    return {name: state for name, state in rows}


async def set_dialogue_state(
    database: Database, key: DialogueKey, state: str | None, *, continuing: str | None = None
) -> None:
    """None: the dialogue is over. `continuing`: the step the update began from; the new
    step is then written only if the dialogue is still on it, so a dialogue the idle check
    (or another instance) ended meanwhile is not brought back."""
    async with database.write() as session:
        if state is not None and continuing is not None:
            await session.exec(
                update(DialogueState)
                .where(
                    col(DialogueState.name) == key.name,
                    col(DialogueState.chat_id) == key.chat_id,
                    col(DialogueState.user_id) == key.user_id,
                    col(DialogueState.state) == continuing,
                )
                .values(state=state, updated_at=utcnow())
            )
            return
        if state is None:
            await session.exec(
                delete(DialogueState).where(
                    col(DialogueState.name) == key.name,
                    col(DialogueState.chat_id) == key.chat_id,
                    col(DialogueState.user_id) == key.user_id,
                )
            )
            return
        values = {
            "name": key.name,
            "chat_id": key.chat_id,
            "user_id": key.user_id,
            "state": state,
            "updated_at": utcnow(),
        }
        await _upsert(session, database.dialect, DialogueState, values, ["name", "chat_id", "user_id"])


async def end_idle_dialogues(database: Database, name: str, idle_since: datetime) -> list[DialogueKey]:
    """Ends the dialogues called `name` untouched since `idle_since`, and returns them. The
    rows are deleted in the same statement that finds them, so when several instances look
    at once, each expired dialogue is returned to exactly one of them."""
    async with database.write() as session:
        statement = (
            delete(DialogueState)
            .where(col(DialogueState.name) == name, col(DialogueState.updated_at) < idle_since)
            .returning(col(DialogueState.chat_id), col(DialogueState.user_id))
        )
        rows = (await session.exec(statement)).all()
    return [DialogueKey(name, chat_id, user_id) for chat_id, user_id in rows]


# -- result lists behind page buttons -----------------------------------------------


async def save_listing(database: Database, key: str, chat_id: int, kind: str, argument: str) -> None:
    """One statement below any session (`Database.fetch`): every list longer than a page
    writes one."""
    created_at = database.stored(PageListing.__table__.c.created_at, utcnow())  # type: ignore[attr-defined]
    await database.fetch(
        'INSERT INTO page_listing ("key", chat_id, kind, argument, created_at)'
        " VALUES (:key, :chat_id, :kind, :argument, :created_at)",
        {"key": key, "chat_id": chat_id, "kind": kind, "argument": argument, "created_at": created_at},
    )


async def load_listing(database: Database, key: str, chat_id: int, made_after: datetime) -> tuple[str, str] | None:
    """The listing's kind and argument; None when there is no such key, it is older than
    `made_after`, or it was made in another chat (to that chat, someone else's list does
    not exist)."""
    async with database.read() as session:
        found = await session.get(PageListing, key)
    if found is None or found.chat_id != chat_id or found.created_at < made_after:
        return None
    return found.kind, found.argument


async def forget_listings(database: Database, made_before: datetime) -> int:
    async with database.write() as session:
        result = await session.exec(delete(PageListing).where(col(PageListing.created_at) < made_before))
        return int(result.rowcount or 0)
