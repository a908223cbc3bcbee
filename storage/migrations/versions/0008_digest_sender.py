"""The digest sender that has a subscriber's digest in hand (`subscriber.digest_sender`).

A sender used to hold the subscriber's row lock (PostgreSQL) from its claim until the
digest was done, waiting Telegram's second between the parts of a multi-part digest with
a pooled connection held: a handful of subscribers in progress per process, whatever the
rate. Now a claim marks the subscriber with the sender's id in a short transaction, and
another sender passes it over while that sender lives (bot/digests/tick.py).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_sender", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("digest_sender")
