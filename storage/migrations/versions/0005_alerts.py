"""Alerts: each chat's standing searches (`alert`), the messages that tell of what they
matched, claimed before they are sent (`alert_delivery`), and which statement each alert
has told of (`alert_match`, once per alert and statement).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "number", name="uq_alert_number"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "claimed", "sent", "empty", "failed", name="delivery_state", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("cursor_to", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("messages_sent", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_delivery_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index("ix_alert_delivery_open", ["state"], unique=False)

    op.create_table(
        "alert_match",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delivery_id"], ["alert_delivery.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["statement_id"], ["statement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "statement_id"),
    )
    with op.batch_alter_table("alert_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_match_delivery_id"), ["delivery_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_match_statement_id"), ["statement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_match_statement_id"))
        batch_op.drop_index(batch_op.f("ix_alert_match_delivery_id"))

    op.drop_table("alert_match")
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_delivery_open")
        batch_op.drop_index(batch_op.f("ix_alert_delivery_chat_id"))

    op.drop_table("alert_delivery")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_chat_id"))

    op.drop_table("alert")
