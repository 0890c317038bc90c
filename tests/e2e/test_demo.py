"""`regie demo` replays a short scenario to its end against its own stack, on SQLite and PostgreSQL."""

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
from tests.receivers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_short_demo_runs_to_its_end(database, tmp_path, postgres_state):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "REGIE_TODAY"}
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"))
    schema = None
    if database == "postgresql":
        if postgres_state is not None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI: {postgres_state}")
            pytest.skip(postgres_state)
        schema = f"regie_demo_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["REGIE_DATABASE_URL"] = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        done = subprocess.run([sys.executable, "-m", "cli.main", "demo", "--scenario", "tests/data/demo-kort.yaml",
                               "--seconds-per-day", "0", "--port", str(free_port()), "--stop"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=2400)  # a ceiling only
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    # the decisions landed on their days, two of them through the colleges' inbox forms
    go = "'Besluitvorming door colleges: go/no-go'"
    assert (f"dinsdag 29 oktober 2024: het college van Aalten: {go} Go (via het formulier); "
            f"het college van Berkelland: {go} Go") in out
    assert f"het college van Winterswijk: {go} Aangehouden (via het formulier)" in out
    assert f"dinsdag 12 november 2024: het college van Winterswijk: {go} Go" in out
    assert "go-no-go" not in out and "deferred" not in out  # titles and Dutch words, no keys
    assert "geweigerd" not in out
    # a form decision from before the run started cannot go through an inbox: the demo says so, plainly;
    # every other one went through its inbox (none fell back silently, none fell back at all)
    assert ("Vóór de start: het projectteam (inkoopprojectleider): 'Tweede marktconsultatie gehouden' bevestigd (met "
            "regie decide in plaats van het formulier: de programmarun is nog niet gestart)") in out
    assert out.count("in plaats van het formulier") == 1, out
    assert "Demo klaar op woensdag 13 november 2024" in out
    assert "Programmarun gestart: inkoop-2026\n" in out  # named at once, not a random name until it starts
    # the programme moved past the go/no-go and now waits for the publication
    assert "Programmarun 'inkoop-2026 · wacht op Publicatie aanbestedingen via Mercell" in out
    assert out.rstrip().endswith("wacht (opgeschort tot het volgende besluit)")
    # reminders went to the local sink, dated by the demo's clock
    lines = [json.loads(line) for line in
             (tmp_path / "xdg" / "regie" / "demo" / "berichten.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines and all("2024-10-28" <= line["dag"] <= "2024-11-13" for line in lines)
    assert any(line["aan"] == "winterswijk" and "go/no-go" in line["titel"] for line in lines)
