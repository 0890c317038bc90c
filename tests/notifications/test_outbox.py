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


def test_every_address_of_a_recipient_gets_its_own_message_once(env_db, tmp_path, monkeypatch, capsys):
    """Two e-mail addresses and two webhooks that differ only in their secret token: once, only the first of
    each kind received the announcement (the ledger key hashed the masked URL, the same for both)."""
    import json

    from tests.receivers import SmtpReceiver

    monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(tmp_path / "geen.yaml"))
    with HttpReceiver() as hook, SmtpReceiver() as smtp:
        urls = [smtp.url("office1@sda.test"), smtp.url("office2@sda.test"),
                hook.url("hooks/AlphaToken12345"), hook.url("hooks/BravoToken67890")]
        monkeypatch.setenv("REGIE_NOTIFY_URLS", ",".join(urls))
        code = main(["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on",
                     "2024-11-05", "--by", "Secretaris Aalten", "--json"])
        assert code == 0
        assert json.loads(capsys.readouterr().out)["notifications"] == ["sent", "sent", "sent", "sent"]
        assert sorted(to for m in smtp.messages for to in m["to"]) == ["office1@sda.test", "office2@sda.test"]
        assert sorted(m["path"] for m in hook.messages) == ["/hooks/AlphaToken12345", "/hooks/BravoToken67890"]
        assert main(["remind", "--as-of", "2024-11-06"]) in (0, 3)  # a sweep after it sends none of them again
        assert len([m for m in smtp.messages if "Besluit vastgelegd" in m["subject"]]) == 2
        assert len([m for m in hook.messages if "Besluit vastgelegd" in m["title"]]) == 2
    with register_session() as session:
        from models.facts.entities import Notification

        keys = [n.ledger_key for n in session.scalars(select(Notification).where(
            Notification.event == "decision_recorded"))]
    assert len(keys) == len(set(keys)) == 4
    assert not [k for k in keys if "Token" in k or "office" in k or "127.0.0.1" in k]  # no address in the clear


def test_a_message_sent_before_the_keyed_ledger_is_not_sent_again(env_db, tmp_path, monkeypatch):
    """Rows written before the keyed hash carry the older key: a register upgraded with such rows reads them
    too, so the upgrade sends nothing twice."""
    from alembic import command
    from sqlalchemy import text

    from models.facts.db import _alembic_config, get_engine
    from notifications import ledger
    from notifications.dispatch import legacy_channel_id, mask

    with HttpReceiver() as hook:
        _office(tmp_path, monkeypatch, hook)
        decision = _decide()
        engine = get_engine()
        with engine.begin() as conn:  # the register as an earlier Regie kept it, which had sent the message
            command.downgrade(_alembic_config(conn), "0011")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO notifications (ledger_key, programme_key, event, subject, recipient, channel, status, "
                "attempts, first_tried_at, sent_at) VALUES (:k, 'inkoop-2026', 'decision_recorded', 'Besluit "
                "vastgelegd', 'Programmabureau', :c, 'sent', 1, :at, :at)"),
                {"k": f"inkoop-2026|decision_recorded|decision-{decision}|Programmabureau|"
                      f"{legacy_channel_id(hook.url('office'))}", "c": mask(hook.url("office")),
                 "at": clock.utcnow()})
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
        ledger.forget_ledger_secrets()  # the upgrade made the register a new key
        assert [o.status for o in deliver_owed()] == ["skipped"]
        assert hook.messages == []


def test_a_decision_recorded_where_nobody_is_set_up_stays_owed_until_the_service_sends_it(
        env_db, tmp_path, monkeypatch, capsys):
    """A secretary's machine has no recipients file: her decision's announcement once was marked done there
    and never arrived. It stays owed, status says so, and the service's sweep (with recipients) sends it."""
    import json

    monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(tmp_path / "geen.yaml"))
    monkeypatch.delenv("REGIE_NOTIFY_URLS", raising=False)
    assert main(["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05",
                 "--by", "Secretaris Aalten", "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["notifications"] == []
    with register_session() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.ref, row.done_at, row.attempts) == (decision["decision_id"], None, 0)
    assert main(["status", "inkoop-2026"]) == 0
    out = capsys.readouterr().out
    assert f"melding van besluit #{decision['decision_id']}: nog niet verzonden: wacht op een ontvanger" in out
    with HttpReceiver() as hook:  # the service, with the programme office set up
        _office(tmp_path, monkeypatch, hook)
        from notifications.reminders import remind_all

        rows = remind_all(dt.date(2024, 11, 6))
        assert [(r.step, r.status) for r in rows if r.step == "verschuldigd"] == [("verschuldigd", "sent")]
        assert len([m for m in hook.messages if "Besluit vastgelegd" in m["title"]]) == 1
        remind_all(dt.date(2024, 11, 6))
        assert len([m for m in hook.messages if "Besluit vastgelegd" in m["title"]]) == 1
    with register_session() as session:
        assert session.scalars(select(OutboxMessage)).one().done_at is not None


def test_a_programme_that_has_nobody_to_tell_owes_no_announcement(env_db, tmp_path, monkeypatch):
    """`reminders: {announcements: false}` in the programme file: nobody is set up, by choice; nothing stays owed."""
    from models.facts.entities import Programme

    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(tmp_path / "geen.yaml"))
    monkeypatch.delenv("REGIE_NOTIFY_URLS", raising=False)
    with register_session() as session:
        prog = session.scalars(select(Programme).where(Programme.key == "inkoop-2026")).one()
        prog.reminder_policy = {**(prog.reminder_policy or {}), "announcements": False}
    _decide()
    assert deliver_owed() == []
    with register_session() as session:
        assert session.scalars(select(OutboxMessage)).one().done_at is not None
        assert status_report(session, "inkoop-2026", dt.date(2024, 11, 6))["owed_messages"] == []
