"""Chat state in the record: dialogues' data (`chat_state`), the step each dialogue waits
on (`dialogue_state`) and the result lists behind page buttons (`page_listing`), so that
they survive a restart and are shared by every instance.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_state",
        sa.Column(
            "scope",
            sa.Enum("user", "chat", name="state_scope", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("owner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "owner_id"),
    )
    op.create_table(
        "dialogue_state",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "chat_id", "user_id"),
    )
    with op.batch_alter_table("dialogue_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_state_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "page_listing",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("argument", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("page_listing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_listing_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_listing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_listing_created_at"))
    op.drop_table("page_listing")
    with op.batch_alter_table("dialogue_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_state_updated_at"))
    op.drop_table("dialogue_state")
    op.drop_table("chat_state")
