"""The retraction state in SQLite's full-text index, so that searches without filters
count and rank on the index alone instead of joining every match to `statement`.

A second FTS5 column, `fts_state`, holds the word "retracted" for a retracted statement
and "live" otherwise: `... NOT (fts_state: retracted)` leaves those out inside the index.
One word in every row, not only in retracted ones: bm25() counts a row's length over all
its columns, so a word in retracted rows alone would rank them below their live equals
when they are asked for, and every retraction would nudge the average length.

The index keeps no copy of the text; its external content is a view that derives the
state from `retracted_at`, so FTS5's own 'rebuild' and 'integrity-check' keep working and
no column is added to `statement` (the models do not know the index). The update trigger
fires on `retracted_at` too. A later migration that rebuilds `statement` (batch
move-and-copy) has to drop the view and the triggers first and make them again after.

PostgreSQL keeps filtering on the table: `ts_rank_cd` reads every matching row anyway.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _state(row: str) -> str:
    """The indexed state of `row` (a table, `new` or `old`)."""
    return f"CASE WHEN {row}.retracted_at IS NULL THEN 'live' ELSE 'retracted' END"


_DROP_INDEX = [
    "DROP TRIGGER IF EXISTS statement_fts_update",
    "DROP TRIGGER IF EXISTS statement_fts_delete",
    "DROP TRIGGER IF EXISTS statement_fts_insert",
    "DROP TABLE IF EXISTS statement_fts",
]
SQLITE_UP = [
    *_DROP_INDEX,
    f"""CREATE VIEW statement_fts_source AS
        SELECT id, search_text, {_state("statement")} AS fts_state FROM statement""",
    """CREATE VIRTUAL TABLE statement_fts USING fts5(
        search_text, fts_state, content='statement_fts_source', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER statement_fts_insert AFTER INSERT ON statement BEGIN
        INSERT INTO statement_fts(rowid, search_text, fts_state)
        VALUES (new.id, new.search_text, {_state("new")});
    END""",
    f"""CREATE TRIGGER statement_fts_delete AFTER DELETE ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, search_text, fts_state)
        VALUES ('delete', old.id, old.search_text, {_state("old")});
    END""",
    f"""CREATE TRIGGER statement_fts_update AFTER UPDATE OF search_text, retracted_at ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, search_text, fts_state)
        VALUES ('delete', old.id, old.search_text, {_state("old")});
        INSERT INTO statement_fts(rowid, search_text, fts_state)
        VALUES (new.id, new.search_text, {_state("new")});
    END""",
    "INSERT INTO statement_fts(statement_fts) VALUES ('rebuild')",
]
# The index as 0001 made it, restated (migrations do not import one another).
SQLITE_DOWN = [
    *_DROP_INDEX,
    "DROP VIEW IF EXISTS statement_fts_source",
    """CREATE VIRTUAL TABLE statement_fts USING fts5(
        search_text, content='statement', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER statement_fts_insert AFTER INSERT ON statement BEGIN
        INSERT INTO statement_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER statement_fts_delete AFTER DELETE ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER statement_fts_update AFTER UPDATE OF search_text ON statement BEGIN
        INSERT INTO statement_fts(statement_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO statement_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO statement_fts(statement_fts) VALUES ('rebuild')",
]


def _run(statements_by_dialect: dict[str, list[str]]) -> None:
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN})
