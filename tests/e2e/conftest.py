"""End-to-end fixtures: the databases a real server and the register run on."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL


@pytest.fixture
def databases(request, tmp_path, postgres_state):
    """(register URL, Prefect server URL or None) on the backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'regie.db'}", None
        return
    if postgres_state is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {postgres_state}")
        pytest.skip(postgres_state)
    suffix = uuid.uuid4().hex[:8]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    names = [f"regie_e2e_{suffix}", f"prefect_e2e_{suffix}"]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}".replace("+psycopg", "+asyncpg")
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
