"""Runs on the connection `storage.migrate` hands over, never on a URL of its own."""

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401
from storage.migrate import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `diplobot db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
