"""Statements are embedded with multilingual-e5-small (whole record) instead of
all-MiniLM-L6-v2 (text alone): the stored vectors of the old model are cleared, and the
start-up backfill embeds every statement again with the new one.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE statement SET embedding = NULL WHERE embedding IS NOT NULL")


def downgrade() -> None:
    # Vectors of the other model cannot be recomputed here; the backfill of that version
    # of the bot fills them in again.
    op.execute("UPDATE statement SET embedding = NULL WHERE embedding IS NOT NULL")
