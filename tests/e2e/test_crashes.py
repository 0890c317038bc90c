"""`regie decide` and `regie remind` killed at random moments: no decision lost or doubled, every owed
message sent at least once, and a repeat only with the same Idempotency-Key (so a receiver drops it).
REGIE_CRASH_KILLS sets the kills per command and database (CI: 50)."""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from models.access.session import register_session
from models.facts.entities import Decision
from tests.receivers import HttpReceiver

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("REGIE_CRASH_KILLS", "50"))
COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]


def _run_and_kill(argv: list[str], env: dict, rng: random.Random) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.2, 1.4))  # imports take part of it: the kill falls anywhere in the work
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(30)


@pytest.mark.slow
def test_killed_commands_lose_and_double_nothing(env_db, tmp_path):
    rng = random.Random(20241105)
    with HttpReceiver() as hook:
        path = tmp_path / "recipients.yaml"
        path.write_text(yaml.safe_dump({"recipients": [
            {"name": "Programmabureau", "role": "programme-office", "urls": [hook.url("office")]},
            {"name": "Projectleider", "role": "procurement-lead", "urls": [hook.url("lead")]},
        ] + [{"name": f"Secretaris {c}", "role": "secretary", "body": c, "urls": [hook.url(c)]} for c in COLLEGES]}),
            encoding="utf-8")
        env = dict(os.environ, REGIE_RECIPIENTS_FILE=str(path), REGIE_TODAY="2024-11-06")
        env.pop("PREFECT_API_URL", None)
        decide = ["decide", "inkoop-2026", "go-no-go", "--outcome", "go", "--on", "2024-11-05", "--by", "Secretaris"]
        for i in range(KILLS):  # the same decisions of the colleges, over and over, each run killed somewhere
            _run_and_kill(decide + ["--body", COLLEGES[i % len(COLLEGES)]], env, rng)
        for i in range(KILLS):
            _run_and_kill(["remind", "--as-of", "2024-10-22"], env, rng)
        for college in COLLEGES:  # then once more each, to the end: the register settles
            subprocess.run([sys.executable, "-m", "cli.main", *decide, "--body", college], cwd=ROOT, env=env,
                           check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "cli.main", "remind", "--as-of", "2024-10-22"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        messages = list(hook.messages)  # the receiver keeps a message before it answers: all are in
    with register_session() as session:
        per_college = dict(session.execute(
            select(Decision.body_id, func.count()).group_by(Decision.body_id)).tuples().all())
    assert sorted(per_college.values()) == [1] * 8  # each college's decision once: none lost, none doubled
    decided = [m for m in messages if "Besluit vastgelegd" in m["title"]]
    assert len({m["title"] for m in decided}) == 8  # every announcement arrived at least once
    reminders = {m["path"] for m in messages if "Herinnering" in m["title"]}
    assert reminders >= {f"/{c}" for c in COLLEGES}  # every secretary got the day's reminder
    repeats = collections.Counter((m["path"], m["title"]) for m in messages)
    for (where, title), count in repeats.items():
        if count > 1:  # a repeat is the message in flight at a kill: it carries the same key
            keys = {m["headers"].get("Idempotency-Key") for m in messages if (m["path"], m["title"]) == (where, title)}
            assert len(keys) == 1 and None not in keys, (where, title, keys)
