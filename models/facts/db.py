"""Where the register lives: the database URL, the engine, sessions and the schema's migrations."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from models.facts.paths import LATEST_REVISION, SANDBOX_ONLY, busy_timeout, data_dir, database_url, private_data_dir

__all__ = ["LATEST_REVISION", "busy_timeout", "data_dir", "database_url", "private_data_dir"]

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout() * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout()})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN really begins (for locking). A writer
        # takes the write lock at once (BEGIN IMMEDIATE); a reader takes a snapshot and waits for nobody.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _bounded_waits(dbapi_connection, _record):
        # A lock held by someone else (a role keeping the chain's advisory lock, a long transaction) makes a
        # writer wait at most REGIE_BUSY_TIMEOUT, then fail (exit 5), as SQLite's busy timeout does.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute(f"SET lock_timeout = {int(busy_timeout() * 1000)}")
        finally:
            dbapi_connection.autocommit = autocommit

    return engine


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    from alembic import command

    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, one writer at a time
        if conn.dialect.name == "postgresql":  # many processes on an empty register: one migrates, the rest wait
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        new = not inspect(conn).has_table("alembic_version")
        if not new and conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == LATEST_REVISION:
            return  # another process migrated while this one waited: hold the lock no longer than a look
        command.upgrade(_alembic_config(conn), "head")
        if new and os.environ.get("REGIE_SANDBOX") == "1":  # made as a sandbox: demo, replay, tests
            conn.execute(text("INSERT INTO register_settings (key, value) VALUES ('sandbox', 'ja')"))


MIGRATION_LOCK = 0x5245_4749  # "REGI": the advisory lock every first use takes on PostgreSQL

_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """An engine whose schema is migrated to the newest revision (one per URL and process)."""
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        engine = make_engine(url)
        if current_revision(engine) != LATEST_REVISION:
            migrate(engine)
        check_clock(engine)
        _engines[url] = engine
    return engine


def check_clock(engine: Engine) -> None:
    """REGIE_TODAY moves 'today' and the moment a decision is recorded: only a sandbox may do that."""
    if not os.environ.get("REGIE_TODAY") and not os.environ.get("REGIE_TODAY_FILE"):
        return
    from models.core.errors import InputError

    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        marked = conn.execute(text("SELECT value FROM register_settings WHERE key = 'sandbox'")).scalar()
    if marked is None:
        engine.dispose()
        raise InputError(SANDBOX_ONLY)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)




def open_session(url: str | None = None) -> Session:
    """A session on the migrated register; the caller owns the transaction (`with s.begin():`)."""
    return session_factory(get_engine(url))()


def dispose_engines() -> None:
    """Close every cached engine's connections (tests, and processes that switch databases)."""
    for engine in list(_engines.values()):
        engine.dispose()
    _engines.clear()


READ_ONLY = "regie_read_only"


def _begin_read(session: Session) -> None:
    """Make the session's transaction a reader's: no write lock on SQLite, READ ONLY on PostgreSQL."""
    connection = session.connection(execution_options={READ_ONLY: True})
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")


