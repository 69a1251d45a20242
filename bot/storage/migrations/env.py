"""Alembic environment: runs on the connection Homeroom hands it (see bot.storage.db)."""

from alembic import context

import bot.features.office_hours.store
import bot.features.questions.tables  # noqa: F401  (its tables are on the shared metadata)

# Features' tables live on the shared metadata in their own packages: import them so the
# metadata is complete (autogenerate compares against it).
from bot.features.faq.tables import declared_elsewhere
from bot.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # The FAQ's full-text objects are made by SQL per dialect, not declared on a table.
    include_name=declared_elsewhere,
)
with context.begin_transaction():
    context.run_migrations()
