"""Alembic environment: runs on the connection Homeroom hands it (see bot.storage.db)."""

from alembic import context

from bot.features import shared_metadata
from bot.features.faq.tables import declared_elsewhere

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=shared_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    # The FAQ's full-text objects are made by SQL per dialect, not declared on a table.
    include_name=declared_elsewhere,
)
with context.begin_transaction():
    context.run_migrations()
