"""Reminders against real receivers: a day-by-day replay, a crash between send and ledger, a receiver down."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from models.core import clock
from models.facts.db import dispose_engines
from models.access.session import register_session
from models.facts.entities import Notification
from models.commands.register import record_decision
from notifications.reminders import remind_all
from tests.conftest import DATA
from tests.receivers import HttpReceiver, SmtpReceiver

ROOT = Path(__file__).resolve().parents[2]
COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]
D = dt.date


@pytest.fixture
def receivers(tmp_path, monkeypatch):
    """Secretaries on a real SMTP server, the procurement lead and office on a real HTTP receiver."""
    with SmtpReceiver() as smtp, HttpReceiver() as hook:
        monkeypatch.setenv("REGIE_DATABASE_URL", f"sqlite:///{tmp_path / 'regie.db'}")
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        people = [{"name": f"Secretaris {slug}", "role": "secretary", "body": slug,
                   "urls": [smtp.url(f"{slug}@sda.test")]} for slug in COLLEGES]
        people += [
            {"name": "Projectleider inkoop", "role": "procurement-lead", "urls": [hook.url("lead")]},
            {"name": "Zorgaanbieder", "role": "provider", "urls": [hook.url("provider")]},
        ]
        path = tmp_path / "recipients.yaml"
        path.write_text(yaml.safe_dump({"recipients": people}), encoding="utf-8")
        monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(path))
        yield smtp, hook
        dispose_engines()


def decide(point, bodies, on, outcome="approved"):
    with clock.frozen(on), register_session() as session:
        for body in bodies:
            record_decision(session, programme="inkoop-2026", point=point, body=body, outcome=outcome,
                            decided_on=on, recorded_by=f"Secretaris {body}")


def test_replay_2026_from_1_october_to_10_november(receivers):
    smtp, hook = receivers
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    plan = {  # decisions taken during the day, after the 08:00 sweep
        D(2024, 10, 8): [("tariffs", COLLEGES, "approved")],
        D(2024, 10, 22): [("go-no-go", ["aalten"], "go")],
        D(2024, 11, 5): [("go-no-go", [c for c in COLLEGES if c not in ("aalten", "winterswijk")], "go")],
        D(2024, 11, 7): [("publication", ["projectteam"], "approved")],
    }
    arrivals: list[tuple[dt.date, str, str]] = []  # (day, to, subject)
    day = D(2024, 10, 1)
    while day <= D(2024, 11, 10):
        for run in (1, 2):
            before_mail, before_hook = len(smtp.messages), len(hook.messages)
            with clock.frozen(day):
                remind_all(day, programmes=["inkoop-2026"])
            new_mail, new_hook = smtp.messages[before_mail:], hook.messages[before_hook:]
            if run == 2:
                assert new_mail == [] and new_hook == [], f"second run on {day} sent again"
            arrivals += [(day, m["to"][0].split("@")[0], m["subject"]) for m in new_mail]
            arrivals += [(day, h["path"].strip("/"), h["title"]) for h in new_hook]
        for point, bodies, outcome in plan.get(day, []):
            decide(point, bodies, day, outcome)
        day += dt.timedelta(days=1)

    def days(subject_part, to):
        return [d for d, who, subject in arrivals if who == to and subject_part in subject]

    go = "go/no-go"
    # the countdown runs to the agenda cut-off (di 22 okt) of the meeting of di 5 nov: 28 days before it
    # (24 Sep) is caught up on 1 Oct, then 14, 7, 2 (a Sunday: the Friday before) and 0 days before
    countdown = [D(2024, 10, 1), D(2024, 10, 8), D(2024, 10, 15), D(2024, 10, 18), D(2024, 10, 22)]
    assert days(go, "berkelland") == countdown
    assert days(go, "aalten") == countdown  # decided on 22 October, after the sweep: no more reminders
    assert days(go, "winterswijk") == countdown + [D(2024, 11, 6)]
    overdue = [s for d, who, s in arrivals if who == "winterswijk" and s.startswith("[inkoop-2026] Te laat")]
    assert overdue == ["[inkoop-2026] Te laat: Besluitvorming door colleges: go/no-go moest uiterlijk dinsdag 5 november 2024 besloten zijn"]
    lead = [(d, s) for d, who, s in arrivals if who == "lead"]
    assert [d for d, s in lead if "Escalatie" in s] == [D(2024, 11, 6)]
    # the publication is the project team's milestone: its reminders go to the procurement lead, not a college
    assert [d for d, s in lead if "Publicatie" in s] == [D(2024, 10, 24), D(2024, 10, 31), D(2024, 11, 7)]
    assert not [a for a in arrivals if "Publicatie" in a[2] and a[1] != "lead"]
    # tariffs: cut-off 24 September, caught up once on 1 October; decided on 8 October
    assert days("Tarieven", "oude-ijsselstreek") == [D(2024, 10, 1)]
    # no reminder on a weekend, nothing twice, and providers never hear anything here
    assert all(clock.is_working_day(d) for d, _, _ in arrivals)
    assert len(arrivals) == len(set(arrivals))
    assert not [a for a in arrivals if a[1] == "provider"]
    mail = next(m for m in smtp.messages if m["to"] == ["winterswijk@sda.test"] and "Te laat" in m["subject"])
    assert "dinsdag 5 november 2024" in mail["body"] and "het college van Winterswijk" in mail["body"]
    reminder = [m for m in smtp.messages if m["to"] == ["berkelland@sda.test"] and "go/no-go" in m["subject"]][-1]
    assert "agendasluiting dinsdag 22 oktober 2024" in reminder["subject"]
    assert "vergadering van dinsdag 5 november 2024" in reminder["body"]
    assert "Publicatie aanbestedingen via Mercell (donderdag 7 november 2024)" in reminder["body"]  # what slips


def test_providers_only_before_publication(receivers, tmp_path):
    smtp, hook = receivers
    with register_session() as session:
        from models.access.loader import load_programme

        load_programme(session, DATA / "regio-test.yaml")
    remind_all(D(2024, 9, 6), programmes=["inkoop-2026"])  # 7 days before the market consultation
    assert [h["title"] for h in hook.messages if h["path"] == "/provider"] == [
        "[inkoop-2026] Tweede marktconsultatie gehouden: vrijdag 13 september 2024"]
    rows = remind_all(D(2025, 6, 17), programmes=["regio-test"])  # its provider point falls after publication
    assert [h for h in hook.messages if h["path"] == "/provider"][1:] == []
    assert any("na publicatie geen berichten" in r.reason for r in rows)


def test_dry_run_sends_nothing_and_writes_nothing(receivers):
    smtp, hook = receivers
    rows = remind_all(D(2024, 11, 6), dry_run=True, programmes=["inkoop-2026"])
    assert rows and all(r.status == "would-send" for r in rows if r.channel != "-")
    assert smtp.messages == [] and hook.messages == []
    with register_session() as session:
        assert session.scalar(select(Notification)) is None
    assert all("geheim" not in r.channel for r in rows)


CRASH = """
import os, sys
import notifications.ledger as ledger
real_send = ledger.send
def send_then_die(url, message):
    delivery = real_send(url, message)
    os._exit(137)  # the process dies after the send, before the ledger row is committed
ledger.send = send_then_die
from cli.main import main
sys.exit(main(["remind", "--as-of", "2024-11-06", "--programme", "inkoop-2026"]))
"""


def test_a_crash_between_send_and_ledger_write(receivers):
    smtp, hook = receivers
    decide("go-no-go", [c for c in COLLEGES if c != "winterswijk"], D(2024, 11, 5), "go")
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    decide("tariffs", COLLEGES, D(2024, 10, 8))
    crashed = subprocess.run([sys.executable, "-c", CRASH], cwd=ROOT, env=os.environ.copy(), timeout=120)
    assert crashed.returncode == 137
    assert len(smtp.messages) == 1  # the overdue notice to Winterswijk went out
    with register_session() as session:  # ... but the ledger still says "being sent", by a process now dead
        claims = session.scalars(select(Notification)).all()  # the sweep's claims went in as one batch
        assert {(n.status, n.sent_at) for n in claims} == {("sending", None)} and len(claims) == 3
        assert len({n.claimed_by for n in claims}) == 1
    rows = remind_all(D(2024, 11, 6), programmes=["inkoop-2026"])
    assert [(r.point, r.recipient, r.status) for r in rows] == [
        ("go-no-go", "Secretaris winterswijk", "sent"),  # the one in flight goes again
        ("go-no-go", "Projectleider inkoop", "sent"),
        ("publication", "Projectleider inkoop", "sent"),
    ]
    # At-least-once: that e-mail came twice (SMTP has no idempotency key), the rest once ...
    assert [m["to"][0] for m in smtp.messages] == ["winterswijk@sda.test", "winterswijk@sda.test"]
    assert smtp.messages[0]["subject"] == smtp.messages[1]["subject"]
    # ... and a third run sends nothing.
    remind_all(D(2024, 11, 6), programmes=["inkoop-2026"])
    assert len(smtp.messages) == 2 and len(hook.messages) == 2


def test_webhooks_carry_an_idempotency_key_so_a_repeat_can_be_dropped(receivers):
    smtp, hook = receivers
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    decide("tariffs", COLLEGES, D(2024, 10, 8))
    remind_all(D(2024, 11, 6), programmes=["inkoop-2026"])
    escalation = next(h for h in hook.messages if h["path"] == "/lead")
    key = escalation["headers"].get("Idempotency-Key")
    assert key and len(key) == 32
    assert "127.0.0.1" not in key


def test_a_receiver_that_is_down_fails_visibly_and_the_next_run_delivers(receivers, tmp_path):
    smtp, hook = receivers
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    decide("tariffs", COLLEGES, D(2024, 10, 8))
    hook.down = True
    smtp.down = True
    rows = remind_all(D(2024, 11, 6), programmes=["inkoop-2026"])
    failed = [r for r in rows if r.status == "failed"]
    assert [(r.point, r.recipient) for r in failed] == [
        ("go-no-go", f"Secretaris {c}") for c in COLLEGES] + [
        ("go-no-go", "Projectleider inkoop"), ("publication", "Projectleider inkoop")]
    assert all("mislukt" in r.reason and "geheim" not in r.reason + r.channel for r in failed)
    smtp.down = False
    hook.down = False
    rows = remind_all(D(2024, 11, 6), programmes=["inkoop-2026"])
    assert sorted({r.status for r in rows}) == ["sent"]
    assert len(smtp.messages) == 8 and len(hook.messages) == 2
    with register_session() as session:
        attempts = {n.attempts for n in session.scalars(select(Notification))}
    assert attempts == {2}


def test_nothing_goes_out_on_a_holiday_and_the_next_working_day_catches_up(receivers):
    smtp, hook = receivers
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    rows = remind_all(D(2024, 12, 25), programmes=["inkoop-2026"])  # Christmas: nothing, and it says why
    assert [(r.status, r.reason) for r in rows] == [
        ("skipped", "geen werkdag (Eerste kerstdag); de volgende werkdag haalt in")]
    assert smtp.messages == []
    rows = remind_all(D(2024, 12, 27), programmes=["inkoop-2026"])
    assert {r.status for r in rows if r.channel != "-"} == {"sent"}


def test_one_broken_programme_does_not_silence_the_others(receivers, monkeypatch):
    """A programme whose evaluation fails is reported; the other programmes still get their reminders."""
    import notifications.reminders as sweep

    smtp, hook = receivers
    decide("market-consultation-2", ["projectteam"], D(2024, 9, 13))
    real = sweep.evaluate_snapshot

    def broken(snapshot, *args, **kwargs):
        if snapshot.key == "inkoop-2022":
            raise OverflowError("date value out of range")
        return real(snapshot, *args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate_snapshot", broken)
    with register_session() as session:
        from sqlalchemy import update

        from models.facts.entities import Programme

        session.execute(update(Programme).where(Programme.key == "inkoop-2022").values(
            reminder_policy={"enabled": True}))
    rows = remind_all(D(2024, 10, 22))
    failed = [r for r in rows if r.programme == "inkoop-2022"]
    assert len(failed) == 1 and failed[0].status == "failed" and "OverflowError" in failed[0].reason
    assert [r for r in rows if r.programme == "inkoop-2026" and r.status == "sent"]
    assert smtp.messages  # the secretaries of 2026 heard


def test_the_award_notice_is_reminded_against_the_deadline_the_law_and_the_tender_give(receivers):
    """Contracts signed Tuesday 22 April 2025: the award notice is due 30 days later, Thursday 22 May (as
    `regie tender status` says), not on the plan's Friday 23 May."""
    from models.views.status import status_report
    from tests.flows.helpers import POSITIVE

    signed = {"standstill": D(2025, 4, 15), "contracts-signed": D(2025, 4, 22)}
    with clock.frozen(D(2025, 4, 22)), register_session() as session:
        for dp in status_report(session, "inkoop-2026")["decision_points"]:
            if dp["key"] in ("award-notice", "contract-start") or dp["track"] == "contract":
                continue
            for body in dp["required_bodies"]:
                record_decision(session, programme="inkoop-2026", point=dp["key"], body=body,
                                outcome=POSITIVE[dp["kind"]], decided_on=signed.get(dp["key"], dp["due"]),
                                recorded_by="Inkoper")
    steps = {}
    for day in (D(2025, 5, 21), D(2025, 5, 22), D(2025, 5, 23)):  # the policy reminds 7 days ahead, then on the day
        with clock.frozen(day):
            steps[day] = {r.step for r in remind_all(day, dry_run=True, programmes=["inkoop-2026"])
                          if r.point == "award-notice"}
    assert steps == {D(2025, 5, 21): {"before-7"}, D(2025, 5, 22): {"before-0"}, D(2025, 5, 23): {"overdue-1"}}
    assert clock.award_notice_due(D(2025, 4, 22)) == D(2025, 5, 22)
