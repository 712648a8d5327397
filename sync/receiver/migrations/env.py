"""Alembic environment: migrations run only through ``sync.receiver.migrations.upgrade``."""

from alembic import context

from sync.receiver.migrations import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("receiver migrations run only through sync.receiver.migrations.upgrade()")

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
