"""Messages the register owes are written with their cause and sent after it: none lost, no lock held."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select

from models.core import clock
from models.access.session import register_session
from models.facts.entities import Decision, OutboxMessage
from models.commands.register import record_decision
from notifications.events import deliver_owed
from cli.main import main
from models.views.status import status_report
from tests.receivers import HttpReceiver

ROOT = Path(__file__).resolve().parents[2]


def _office(tmp_path, monkeypatch, hook) -> None:
    path = tmp_path / "recipients.yaml"
    path.write_text(yaml.safe_dump({"recipients": [
        {"name": "Programmabureau", "role": "programme-office", "urls": [hook.url("office")]}]}), encoding="utf-8")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(path))


def _decide(body="aalten") -> int:
    with clock.frozen(dt.date(2024, 11, 6)), register_session() as session:
        return record_decision(session, programme="inkoop-2026", point="go-no-go", body=body, outcome="go",
                               decided_on="2024-11-05", recorded_by="Secretaris").decision_id


def test_a_decision_owes_its_message_until_it_is_delivered(env_db, tmp_path, monkeypatch, capsys):
    with HttpReceiver() as hook:
        _office(tmp_path, monkeypatch, hook)
        decision = _decide()
        with register_session() as session:
            owed = session.scalars(select(OutboxMessage)).all()
            assert [(o.event, o.ref, o.done_at) for o in owed] == [("decision_recorded", decision, None)]
        hook.down = True
        assert [o.status for o in deliver_owed()] == ["failed"]
        with register_session() as session:
            row = session.scalars(select(OutboxMessage)).one()
            assert row.done_at is None and row.attempts == 1 and row.next_try_at > clock.utcnow()
        assert deliver_owed() == []  # its next try lies ahead (backoff)
        with register_session() as session:  # and status says so
            owed = status_report(session, "inkoop-2026", dt.date(2024, 11, 6))["owed_messages"]
        assert [(m["event"], m["ref"], m["attempts"]) for m in owed] == [("decision_recorded", decision, 1)]
        assert owed[0]["last_error"]
        code = main(["status", "inkoop-2026", "--as-of", "2024-11-06"])
        out = capsys.readouterr().out
        assert code == 0
        assert "Berichten nog niet verzonden (worden opnieuw geprobeerd)" in out
        assert f"melding van besluit #{decision}: 1 keer mislukt, volgende poging " in out
        hook.down = False
        with register_session() as session:
            session.scalars(select(OutboxMessage)).one().next_try_at = clock.utcnow()
        assert [o.status for o in deliver_owed()] == ["sent"]
        assert deliver_owed() == []
        assert len(hook.messages) == 1 and "go/no-go" in hook.messages[0]["title"]
        with register_session() as session:
            assert status_report(session, "inkoop-2026", dt.date(2024, 11, 6))["owed_messages"] == []


def test_regie_decide_killed_after_its_commit_loses_no_message(env_db, tmp_path, monkeypatch):
    with HttpReceiver() as hook:
        _office(tmp_path, monkeypatch, hook)
        crash = (
            "import os, sys\n"
            "import notifications.events as events\n"
            "events.deliver_owed = lambda *a, **k: os._exit(137)\n"
            "from cli.main import main\n"
            "sys.exit(main(['decide', 'inkoop-2026', 'go-no-go', '--body', 'aalten', '--outcome', 'go',\n"
            "               '--on', '2024-11-05', '--by', 'Secretaris Aalten']))\n"
        )
        env = dict(os.environ, REGIE_TODAY="2024-11-06")
        died = subprocess.run([sys.executable, "-c", crash], cwd=ROOT, env=env, timeout=120)
        assert died.returncode == 137 and hook.messages == []
        with register_session() as session:
            assert session.scalar(select(func.count()).select_from(Decision)) == 1
        from notifications.reminders import remind_all

        rows = remind_all(dt.date(2024, 11, 6))  # the next sweep delivers what the register owes
        assert [(r.step, r.status) for r in rows if r.step == "verschuldigd"] == [("verschuldigd", "sent")]
        assert len([m for m in hook.messages if "Besluit vastgelegd" in m["title"]]) == 1
        remind_all(dt.date(2024, 11, 6))
        assert len([m for m in hook.messages if "Besluit vastgelegd" in m["title"]]) == 1  # once


def test_no_register_lock_is_held_while_a_message_is_on_its_way(env_db, tmp_path, monkeypatch):
    """A slow relay: while a message waits for it, another process records a decision at once."""
    if not env_db.startswith("sqlite"):
        return  # PostgreSQL takes row locks only; the lock that blocked everyone was SQLite's writer lock
    with HttpReceiver() as hook:
        _office(tmp_path, monkeypatch, hook)
        _decide("aalten")
        hook.hold.clear()
        sender = threading.Thread(target=deliver_owed, daemon=True)
        sender.start()
        assert hook.waiting.wait(30)  # the message is on its way, held by the relay
        impatient = create_engine(env_db, connect_args={"timeout": 1})  # gives up after 1 s if locked
        with impatient.begin() as conn:
            conn.exec_driver_sql("UPDATE outbox SET last_error = last_error WHERE 1 = 0")  # takes the write lock
        impatient.dispose()
        decided = _decide("berkelland")  # a secretary records a decision meanwhile
        hook.hold.set()
        sender.join(30)
        assert decided and len(hook.messages) >= 1
