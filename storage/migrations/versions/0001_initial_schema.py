"""Initial schema, with each engine's own full-text index.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# SQLite: an FTS5 index over statement.search_text with external content (no second copy
# of the text), kept in sync by triggers so every writer, migrations included, updates it.
SQLITE_SEARCH_UP = [
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
SQLITE_SEARCH_DOWN = [
    "DROP TRIGGER IF EXISTS statement_fts_update",
    "DROP TRIGGER IF EXISTS statement_fts_delete",
    "DROP TRIGGER IF EXISTS statement_fts_insert",
    "DROP TABLE IF EXISTS statement_fts",
]
# PostgreSQL: a generated tsvector column (always in sync, no trigger) and its GIN index.
PG_SEARCH_UP = [
    """ALTER TABLE statement ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED""",
    "CREATE INDEX ix_statement_search_vector ON statement USING GIN (search_vector)",
]
PG_SEARCH_DOWN = [
    "DROP INDEX IF EXISTS ix_statement_search_vector",
    "ALTER TABLE statement DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_dialect: dict[str, list[str]]) -> None:
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, []):
        op.execute(statement)


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "chat_type",
            sa.Enum(
                "private", "group", "supergroup", "channel", name="chat_type", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("notify_empty", sa.Boolean(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("deactivated_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
    )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.create_index("ix_subscriber_due", ["active", "paused", "next_due_at"], unique=False)

    op.create_table(
        "actor_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("alias", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("normalized", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("normalized"),
    )
    with op.batch_alter_table("actor_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_alias_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "claimed", "sent", "empty", "failed", name="delivery_state", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("cursor_from", sa.Integer(), nullable=False),
        sa.Column("cursor_to", sa.Integer(), nullable=False),
        sa.Column("messages_sent", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscriber_id", "local_date", name="uq_delivery_per_day"),
    )
    with op.batch_alter_table("digest_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_delivery_subscriber_id"), ["subscriber_id"], unique=False)

    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("speaker_role", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("said_on", sa.Date(), nullable=False),
        sa.Column(
            "date_precision",
            sa.Enum("day", "month", "year", name="date_precision", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "stance",
            sa.Enum(
                "demand",
                "condition",
                "proposal",
                "offer",
                "commitment",
                "acceptance",
                "rejection",
                "assessment",
                "warning",
                "appeal",
                "claim",
                "denial",
                name="stance",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_quote", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "confirmed",
                "contested",
                "denied",
                "retracted",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retracted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("length(text) > 0", name="ck_statement_text_not_empty"),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_statement_said_on", ["said_on"], unique=False)
        batch_op.create_index("ix_statement_side", ["side"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("who", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "add",
                "edit",
                "retract",
                "link",
                "import_add",
                "import_update",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["statement_id"], ["statement.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_statement_id"), ["statement_id"], unique=False)

    op.create_table(
        "statement_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("responds_to", "contradicts", name="link_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("from_id <> to_id", name="ck_statement_link_not_self"),
        sa.ForeignKeyConstraint(["from_id"], ["statement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], ["statement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("from_id", "to_id", "kind", name="uq_statement_link"),
    )
    with op.batch_alter_table("statement_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_link_from_id"), ["from_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_statement_link_to_id"), ["to_id"], unique=False)

    op.create_table(
        "statement_place",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["statement_id"], ["statement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("statement_id", "place"),
    )
    op.create_table(
        "statement_topic",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(
                "peace_terms",
                "security_guarantees",
                "ceasefire",
                "territory",
                "nato",
                "foreign_troops",
                "sanctions",
                "prisoners",
                "talks",
                "battlefield",
                name="topic",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["statement_id"], ["statement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("statement_id", "topic"),
    )

    _run({"sqlite": SQLITE_SEARCH_UP, "postgresql": PG_SEARCH_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_SEARCH_DOWN, "postgresql": PG_SEARCH_DOWN})
    op.drop_table("statement_topic")
    op.drop_table("statement_place")
    with op.batch_alter_table("statement_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_link_to_id"))
        batch_op.drop_index(batch_op.f("ix_statement_link_from_id"))

    op.drop_table("statement_link")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_statement_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_side")
        batch_op.drop_index("ix_statement_said_on")
        batch_op.drop_index(batch_op.f("ix_statement_actor_id"))

    op.drop_table("statement")
    with op.batch_alter_table("digest_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_delivery_subscriber_id"))

    op.drop_table("digest_delivery")
    with op.batch_alter_table("actor_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_alias_actor_id"))

    op.drop_table("actor_alias")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriber_due")

    op.drop_table("subscriber")
    op.drop_table("actor")
