"""Alembic is the only way the schema is made; these functions run it on our own async
engine so `run`, `console`, the CLI and the tests share one path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import Database
from storage.errors import InvalidInput

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Each engine's own full-text index lives beside the tables, outside SQLModel's metadata.
FTS_TABLE_PREFIX = "statement_fts"
PG_SEARCH_COLUMN = "search_vector"
PG_SEARCH_INDEX = "ix_statement_search_vector"
#: SQLite's covering index of the facts filtered searches look up (migration 0007).
SQLITE_FILTER_INDEX = "ix_statement_filters"
#: The revision whose downgrade drops every table of the record.
FIRST = "0001"
#: What undoing a revision drops with its tables, by what an operator calls their rows
#: (storage/stats.py): readers' alerts and chats' settings are lost as surely as statements.
DROPPED_ROWS: dict[str, tuple[str, ...]] = {
    FIRST: ("statements", "speakers", "links", "subscriptions", "digest deliveries", "audit entries"),
    "0005": ("alerts", "alert deliveries"),
    "0006": ("chat states",),
}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Keeps the engine-specific search index (FTS5 and its shadow tables, the tsvector
    column and its GIN index, SQLite's index of filtered facts) out of autogenerate's
    comparison."""
    if type_ == "table" and name and name.startswith(FTS_TABLE_PREFIX):
        return False
    if type_ == "column" and name == PG_SEARCH_COLUMN:
        return False
    if type_ == "index" and name in (PG_SEARCH_INDEX, SQLITE_FILTER_INDEX):
        return False
    return True


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class NewerSchema(Exception):
    """The database was migrated by a newer diplobot than this one (a rolled-back
    deployment): this one has no migration of that name, so it can neither use nor
    upgrade it. Said in one line, with what to do."""

    def __init__(self, revision: str) -> None:
        head = head_revision()
        super().__init__(
            f"the database is at schema {revision}, newer than this diplobot knows (it knows up to {head}): "
            f"run the diplobot that upgraded it, or with that one `diplobot db downgrade {head}`"
        )


def is_known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


async def upgrade(database: Database, revision: str = "head") -> None:
    current = await current_revision(database)
    if current is not None and not is_known_revision(current):
        raise NewerSchema(current)
    async with database.write_engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def downgrade(database: Database, revision: str = "base") -> None:
    async with database.write_engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def revisions_undone(database: Database, target: str) -> list[str]:
    """The revisions a downgrade to `target` would undo, newest first, reckoned as Alembic
    itself does (relative targets such as `-1` included); a target it cannot reach is
    named in an `InvalidInput`."""
    current = await current_revision(database)
    script = ScriptDirectory.from_config(alembic_config())
    try:
        steps = script._downgrade_revs(target, current)  # what `command.downgrade` runs
    except CommandError as error:
        raise InvalidInput("revision", str(error)) from None
    return [step.revision.revision for step in steps]


async def current_revision(database: Database) -> str | None:
    async with database.read_engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def schema_drift(database: Database) -> list[Any]:
    """What autogenerate would change: empty when the migrations match the models."""
    async with database.read_engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": include_object, "compare_type": True}),
                SQLModel.metadata,
            )
        )
