"""Alembic environment: migrations always run on a connection the station opened itself."""

from alembic import context

from station.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("station migrations run only through station.db.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
