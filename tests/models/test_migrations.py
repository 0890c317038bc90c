"""The migrations build exactly the schema the models describe, and the code knows the head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.base import Base
from models.db import LATEST_REVISION, current_revision, head_revision


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_latest_revision_is_the_head(engine):
    assert LATEST_REVISION == head_revision() == current_revision(engine)
