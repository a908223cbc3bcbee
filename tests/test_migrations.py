"""Alembic makes the schema on both engines, both ways, and it matches the models; the
integrity rules live in the database itself, not only in Python."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import Database
from storage.migrate import current_revision, downgrade, head_revision, schema_drift, upgrade
from storage.models import Statement
from storage.search import SearchFilters, search
from storage.statements import add_statement, retract_statement
from storage.validation import validate_statement

RECORD_TABLES = {
    "actor",
    "actor_alias",
    "alembic_version",
    "audit_entry",
    "digest_delivery",
    "statement",
    "statement_link",
    "statement_place",
    "statement_topic",
    "subscriber",
}


async def table_names(database: Database) -> set[str]:
    async with database.read_engine.connect() as connection:
        if database.is_sqlite:
            rows = await connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            )
        else:
            rows = await connection.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
            )
        return {row[0] for row in rows}


async def search_index_objects(database: Database) -> set[str]:
    """The engine's own full-text index: FTS5 table, its content view and triggers, or
    tsvector column and GIN index."""
    async with database.read_engine.connect() as connection:
        if database.is_sqlite:
            rows = await connection.execute(
                text(
                    "SELECT type || ':' || name FROM sqlite_master "
                    "WHERE name = 'statement_fts' OR type IN ('trigger', 'view')"
                )
            )
            return {row[0] for row in rows}
        columns = await connection.execute(
            text(
                "SELECT 'column:' || column_name || ':' || data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'statement' "
                "AND column_name = 'search_vector'"
            )
        )
        indexes = await connection.execute(
            text(
                "SELECT 'index:' || indexname || ':' || "
                "CASE WHEN indexdef LIKE '%USING gin%' THEN 'gin' ELSE 'other' END "
                "FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname = 'ix_statement_search_vector'"
            )
        )
        return {row[0] for row in columns} | {row[0] for row in indexes}


def expected_search_index(database: Database) -> set[str]:
    if database.is_sqlite:
        return {
            "table:statement_fts",
            "view:statement_fts_source",
            "trigger:statement_fts_insert",
            "trigger:statement_fts_delete",
            "trigger:statement_fts_update",
        }
    return {"column:search_vector:tsvector", "index:ix_statement_search_vector:gin"}


async def add_one(database: Database, ref: str, text_: str) -> Statement:
    data = validate_statement(
        {
            "ref": ref,
            "speaker": "Test Speaker",
            "side": "Testland",
            "said_on": "2025-03-01",
            "topics": ["talks"],
            "text": text_,
            "source": "Test source",
        }
    )
    return await add_statement(database, data, "tester")


async def test_upgrade_of_an_empty_database_reaches_head_without_drift(unmigrated_database: Database) -> None:
    assert await table_names(unmigrated_database) == set()
    assert await current_revision(unmigrated_database) is None

    await upgrade(unmigrated_database)

    assert head_revision() is not None
    assert await current_revision(unmigrated_database) == head_revision()
    assert await table_names(unmigrated_database) >= RECORD_TABLES
    assert await schema_drift(unmigrated_database) == []
    assert await search_index_objects(unmigrated_database) == expected_search_index(unmigrated_database)


async def test_downgrade_to_base_leaves_only_the_version_table(unmigrated_database: Database) -> None:
    await upgrade(unmigrated_database)
    await add_one(unmigrated_database, "m1", "Data that the downgrade has to drop with its tables.")

    await downgrade(unmigrated_database, "base")

    assert await table_names(unmigrated_database) == {"alembic_version"}
    assert await search_index_objects(unmigrated_database) == set()
    assert await current_revision(unmigrated_database) is None


async def test_upgrade_after_downgrade_gives_a_working_record_again(unmigrated_database: Database) -> None:
    await upgrade(unmigrated_database)
    await downgrade(unmigrated_database, "base")

    await upgrade(unmigrated_database)

    assert await current_revision(unmigrated_database) == head_revision()
    assert await schema_drift(unmigrated_database) == []
    assert await search_index_objects(unmigrated_database) == expected_search_index(unmigrated_database)
    # The full-text index works on the rebuilt schema, not merely exists.
    await add_one(unmigrated_database, "m2", "Negotiators met in Riyadh about a maritime truce.")
    page = await search(unmigrated_database, "maritime")
    assert [hit.statement.ref for hit in page.hits] == ["m2"]


async def test_upgrade_at_head_is_a_no_op(database: Database) -> None:
    await add_one(database, "m3", "Statement kept across a repeated upgrade.")

    await upgrade(database)

    assert await current_revision(database) == head_revision()
    page = await search(database, "repeated upgrade")
    assert [hit.statement.ref for hit in page.hits] == ["m3"]


# -- the retraction state in the full-text index (0003) -----------------------------

BEFORE_STATE = "0002"


async def index_shape(database: Database) -> set[tuple[str, ...]]:
    """Everything the full-text index is made of, as the engine keeps it (SQL text included)."""
    if not database.is_sqlite:
        return {(name,) for name in await search_index_objects(database)}
    async with database.read_engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name LIKE 'statement_fts%' OR type IN ('trigger', 'view')"
            )
        )
        return {tuple(row) for row in rows}


async def fts_integrity_check(database: Database) -> None:
    """FTS5's own check that the index holds what its content says (raises if not)."""
    if database.is_sqlite:
        async with database.write_engine.begin() as connection:
            await connection.execute(text("INSERT INTO statement_fts(statement_fts) VALUES ('integrity-check')"))


async def test_upgrade_of_a_record_indexes_its_retracted_statements(unmigrated_database: Database) -> None:
    database = unmigrated_database
    await upgrade(database, BEFORE_STATE)
    await add_one(database, "kept", "Envoys discussed a maritime truce in Riyadh.")
    gone = await add_one(database, "gone", "Envoys rejected a maritime truce in Riyadh.")
    await retract_statement(database, gone.id, "Misattributed.", "tester")

    await upgrade(database)

    assert await schema_drift(database) == []
    await fts_integrity_check(database)
    page = await search(database, "maritime truce")
    assert ([hit.statement.ref for hit in page.hits], page.total) == (["kept"], 1)
    page = await search(database, "maritime truce", SearchFilters(include_retracted=True))
    assert ([hit.statement.ref for hit in page.hits], page.total) == (["gone", "kept"], 2)


async def test_downgrade_restores_the_index_as_it_was_and_upgrade_works_again(
    unmigrated_database: Database, make_database: Any, db_engine: str
) -> None:
    database = unmigrated_database
    before = await make_database(db_engine, migrate=False)
    await upgrade(before, BEFORE_STATE)
    await upgrade(database)
    await add_one(database, "kept", "Envoys discussed a maritime truce in Riyadh.")
    gone = await add_one(database, "gone", "Envoys rejected a maritime truce in Riyadh.")
    await retract_statement(database, gone.id, "Misattributed.", "tester")

    await downgrade(database, BEFORE_STATE)

    assert await current_revision(database) == BEFORE_STATE
    assert await index_shape(database) == await index_shape(before)
    await fts_integrity_check(database)
    # Written while the index had no state column: the upgrade must still see it.
    await add_one(database, "late", "A maritime truce, again, in Riyadh.")

    await upgrade(database)

    assert await current_revision(database) == head_revision()
    assert await schema_drift(database) == []
    assert await search_index_objects(database) == expected_search_index(database)
    await fts_integrity_check(database)
    page = await search(database, "maritime truce", limit=10)
    assert sorted(hit.statement.ref for hit in page.hits) == ["kept", "late"]
    assert page.total == 2


# -- integrity in the database ---------------------------------------------------

INSERT_STATEMENT = text(
    "INSERT INTO statement (ref, actor_id, speaker_role, side, said_on, date_precision, stance, "
    "text, is_quote, source, status, added_by, added_at, updated_at, search_text) VALUES "
    "(:ref, :actor_id, '', 'Testland', '2025-03-01', 'day', :stance, 'Raw text', FALSE, 'Raw source', "
    "'reported', 'raw', '2025-03-01 12:00:00+00:00', '2025-03-01 12:00:00+00:00', 'Raw text')"
)


async def raw_insert(database: Database, **values: object) -> None:
    async with database.write_engine.begin() as connection:
        await connection.execute(INSERT_STATEMENT, values)


async def existing_actor_id(database: Database) -> int:
    statement = await add_one(database, "existing", "An existing statement whose speaker the raw rows reuse.")
    return statement.actor_id


async def statement_refs(database: Database) -> list[str]:
    async with database.read_engine.connect() as connection:
        return sorted(row[0] for row in await connection.execute(text("SELECT ref FROM statement")))


async def test_a_well_formed_raw_row_is_accepted(database: Database) -> None:
    """The control for the refusals below: the raw insert itself is sound."""
    actor_id = await existing_actor_id(database)

    await raw_insert(database, ref="raw-ok", actor_id=actor_id, stance="claim")

    assert await statement_refs(database) == ["existing", "raw-ok"]


async def test_duplicate_ref_is_refused_by_the_database(database: Database) -> None:
    actor_id = await existing_actor_id(database)

    with pytest.raises(IntegrityError):
        await raw_insert(database, ref="existing", actor_id=actor_id, stance="claim")

    assert await statement_refs(database) == ["existing"]


async def test_unknown_stance_is_refused_by_the_database(database: Database) -> None:
    actor_id = await existing_actor_id(database)

    with pytest.raises(IntegrityError):
        await raw_insert(database, ref="raw-stance", actor_id=actor_id, stance="threat")

    assert await statement_refs(database) == ["existing"]


async def test_statement_of_a_missing_actor_is_refused_by_the_database(database: Database) -> None:
    actor_id = await existing_actor_id(database)

    with pytest.raises(IntegrityError):
        await raw_insert(database, ref="raw-actor", actor_id=actor_id + 1000, stance="claim")

    assert await statement_refs(database) == ["existing"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("status", "rumoured"), ("date_precision", "week")],
)
async def test_other_checked_columns_refuse_unknown_values(database: Database, column: str, value: str) -> None:
    await existing_actor_id(database)

    with pytest.raises(IntegrityError):
        async with database.write_engine.begin() as connection:
            await connection.execute(
                text(f"UPDATE statement SET {column} = :value WHERE ref = 'existing'"), {"value": value}
            )

    async with database.read_engine.connect() as connection:
        stored = (await connection.execute(text(f"SELECT {column} FROM statement"))).scalar_one()
    assert stored != value


async def test_unknown_topic_is_refused_by_the_database(database: Database) -> None:
    statement = await add_one(database, "topical", "A statement to attach a bad topic to.")

    with pytest.raises(IntegrityError):
        async with database.write_engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO statement_topic (statement_id, topic, position) VALUES (:id, 'weather', 1)"),
                {"id": statement.id},
            )
