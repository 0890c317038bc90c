"""Alembic environment: runs on the connection Regie hands over (see models.facts.db.migrate)."""

from alembic import context

from models.facts import entities  # noqa: F401  (registers the tables)
from models.facts.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    from models.facts.db import make_engine

    connection = make_engine().connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
