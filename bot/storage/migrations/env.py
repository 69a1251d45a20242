"""Alembic environment: runs on the connection Homeroom hands it (see bot.storage.db)."""

from alembic import context

import bot.features.polls.tables  # noqa: F401  (features' tables on the shared metadata)
from bot.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
