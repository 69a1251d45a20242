"""Alembic environment: runs on the connection Homeroom hands it (see bot.storage.db)."""

from alembic import context

from bot.features import shared_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=shared_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
