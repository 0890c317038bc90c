"""First use of an empty register by many processes at once: one migrates, the others wait, none fails."""

from __future__ import annotations

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
