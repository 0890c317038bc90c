"""First use of an empty register by many processes at once: one migrates, the others wait, none fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_twenty_processes_on_an_empty_register(database, tmp_path, postgres_state):
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'regie.db'}"
    else:
        if postgres_state is not None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI: {postgres_state}")
            pytest.skip(postgres_state)
        schema = f"regie_first_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    env = dict(os.environ, REGIE_DATABASE_URL=url, XDG_DATA_HOME=str(tmp_path / "xdg"), REGIE_TODAY="2024-11-06")
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "cli.main", "status", "inkoop-2026", "--json"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(20)]
        results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
        assert [code for code, _ in results] == [0] * 20, [err for _, err in results if err][:2]
    finally:
        if database == "postgresql":
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _regie(env, *argv):
    return subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_readers_do_not_wait_for_a_writer_and_a_writer_held_up_gets_a_clear_error(tmp_path):
    import sqlite3

    database = tmp_path / "regie.db"
    env = dict(os.environ, REGIE_DATABASE_URL=f"sqlite:///{database}", XDG_DATA_HOME=str(tmp_path / "xdg"),
               REGIE_TODAY="2024-11-06", REGIE_BUSY_TIMEOUT="1")
    assert _regie(env, "status", "inkoop-2026").returncode == 0  # first use: migrated, built-ins loaded
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the register
    try:
        status = _regie(env, "status", "inkoop-2026", "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["programme"] == "inkoop-2026"
        decide = _regie(env, "decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go",
                        "--on", "2024-11-05", "--by", "Secretaris Aalten")
        assert decide.returncode == 5, decide.stderr
        assert "Traceback" not in decide.stderr
        assert decide.stderr.startswith("regie: fout: het register is bezet door een ander proces (langer dan 1 seconden)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (0,)
    decide = _regie(env, "decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go",
                    "--on", "2024-11-05", "--by", "Secretaris Aalten")
    assert decide.returncode == 0, decide.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (1,)


def test_a_bad_busy_timeout_is_named(tmp_path):
    env = dict(os.environ, REGIE_DATABASE_URL=f"sqlite:///{tmp_path / 'regie.db'}", REGIE_BUSY_TIMEOUT="soms")
    result = _regie(env, "status", "inkoop-2026")
    assert result.returncode == 2
    assert result.stderr == "regie: fout: REGIE_BUSY_TIMEOUT moet een aantal seconden zijn tussen 0 en 3600, niet 'soms'\n"


def test_a_reader_session_cannot_write(db_url):
    from models.access.session import register_session
    from sqlalchemy.exc import DBAPIError

    with register_session(db_url, read_only=True) as session:
        assert session.scalar(text("SELECT count(*) FROM programmes")) == 2
    if db_url.startswith("postgresql"):  # READ ONLY: a read path that tried to write fails loudly
        with pytest.raises(DBAPIError, match="read-only transaction"):
            with register_session(db_url, read_only=True) as session:
                session.execute(text("UPDATE register_settings SET value = value"))
