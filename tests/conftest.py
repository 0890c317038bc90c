"""Shared fixtures: every register test runs on a real SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.facts.db import dispose_engines, make_engine, migrate, session_factory
from models.access.loader import load_builtin_if_empty

os.environ["REGIE_SANDBOX"] = "1"  # every register the tests make is a sandbox: their clocks may be set

POSTGRES_URL = os.environ.get("REGIE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).parent / "data"


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: no server here
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_state() -> str | None:
    return _postgres_available()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, postgres_state):
    """A fresh, empty, migrated register per test, as a URL the CLI can use too."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'regie.db'}"
        migrate(make_engine(url))
        yield url
        return
    if postgres_state is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and did not answer: {postgres_state}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {postgres_state}")
    with fresh_postgres() as url:
        yield url


@contextlib.contextmanager
def fresh_postgres():
    """A fresh, migrated register in a schema of its own on the test PostgreSQL, dropped afterwards."""
    schema = f"regie_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    """A session on a register that holds the built-in programmes."""
    s = session_factory(engine)()
    with s.begin():
        load_builtin_if_empty(s)
    yield s
    s.close()


@pytest.fixture
def env_db(db_url, monkeypatch, tmp_path):
    """Point REGIE_DATABASE_URL (and the data folder) at the test register."""
    monkeypatch.setenv("REGIE_DATABASE_URL", db_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield db_url
    dispose_engines()


def register_groups(schema: str, url: str | None = None) -> list[str]:
    """The group roles a register in this schema of the test database makes (to drop them afterwards)."""
    from sqlalchemy.engine import make_url

    from models.commands.identity import group_names

    return list(group_names(make_url(url or POSTGRES_URL).database, schema).values())
