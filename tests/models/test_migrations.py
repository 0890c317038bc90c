"""The migrations build exactly the schema the models describe, and the code knows the head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.facts.base import Base
from models.facts.db import LATEST_REVISION, current_revision, head_revision


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_latest_revision_is_the_head(engine):
    assert LATEST_REVISION == head_revision() == current_revision(engine)


def test_downgrade_to_nothing_and_back(engine):
    """Every migration can be undone and redone: the schema round-trips."""
    from alembic import command
    from sqlalchemy import inspect

    from models.facts.db import _alembic_config, migrate

    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "base")
    with engine.connect() as conn:
        assert [t for t in inspect(conn).get_table_names() if t != "alembic_version"] == []
    migrate(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
