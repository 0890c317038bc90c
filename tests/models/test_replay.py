"""Both documents' programmes replayed day by day: each decision on its date, and on chosen days the
answers a programme office would check (current phase, gates, who is reminded and who is not)."""

from __future__ import annotations

import datetime as dt

from models.core import clock
from models.commands.register import record_decision
from models.views.status import status_report
from notifications.recipients import Recipient, Role
from notifications.reminders import remind

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]
D = dt.date

DECISIONS_2026 = {
    D(2024, 9, 13): [("market-consultation-2", ["projectteam"], "approved")],
    D(2024, 10, 8): [("tariffs", COLLEGES, "approved")],
    D(2024, 11, 5): [("go-no-go", COLLEGES, "go")],
    D(2024, 11, 7): [("publication", ["projectteam"], "approved")],
    D(2024, 11, 22): [("qa-1-questions", ["projectteam"], "approved")],
    D(2024, 11, 29): [("qa-1", ["projectteam"], "approved")],
    D(2024, 12, 13): [("lumpsum-dialogue", ["projectteam"], "approved"), ("qa-2-questions", ["projectteam"], "approved")],
    D(2024, 12, 20): [("qa-rounds", ["projectteam"], "approved")],
    D(2025, 2, 7): [("submission", ["projectteam"], "approved")],
    D(2025, 3, 7): [("assessment", ["projectteam"], "approved")],
    D(2025, 3, 24): [("award", ["doetinchem"], "approved")],
    D(2025, 3, 25): [("award-letters", ["projectteam"], "approved")],
    D(2025, 4, 15): [("standstill", ["projectteam"], "approved")],
    D(2025, 4, 25): [("contracts-signed", ["projectteam"], "approved")],
    D(2025, 5, 23): [("award-notice", ["projectteam"], "approved")],
    D(2026, 1, 1): [("contract-start", ["projectteam"], "approved")],
}

DECISIONS_2022 = {
    D(2020, 9, 25): [("replan-2022", ["bestuurders"], "approved")],
    D(2020, 11, 24): [("principles", COLLEGES, "approved"), ("dyslexia-start", COLLEGES, "approved")],
    D(2020, 12, 15): [("inkoop-2021", COLLEGES, "approved")],
    D(2021, 2, 2): [("segments-funding", COLLEGES, "approved-with-reservation")],
    D(2021, 3, 2): [("financial", COLLEGES, "approved")],
    D(2021, 3, 30): [("tender-documents", COLLEGES, "approved")],
    D(2021, 4, 1): [("publication", ["projectteam"], "approved")],
    D(2021, 4, 20): [("award-dyslexia", COLLEGES, "approved")],
    D(2021, 5, 3): [("requests", ["projectteam"], "approved")],
    D(2021, 5, 25): [("selection", ["projectteam"], "approved")],
    D(2021, 5, 27): [("invitation", ["projectteam"], "approved")],
    D(2021, 7, 1): [("submission", ["projectteam"], "approved")],
    D(2021, 8, 1): [("contract-start-dyslexia", ["projectteam"], "approved")],
    D(2021, 8, 31): [("assessment", ["projectteam"], "approved")],
    D(2021, 9, 28): [("award", COLLEGES, "approved")],
    D(2021, 9, 30): [("award-letters", ["projectteam"], "approved")],
    D(2021, 10, 21): [("standstill", ["projectteam"], "approved")],
    D(2021, 10, 29): [("contracts-signed", ["projectteam"], "approved")],
    D(2021, 11, 26): [("award-notice", ["projectteam"], "approved")],
    D(2022, 1, 1): [("contract-start", ["projectteam"], "approved")],
}

PEOPLE = [Recipient(name=f"Secretaris {c}", role=Role.SECRETARY, body=c, urls=["json://127.0.0.1:9/x"])
          for c in COLLEGES] + [
    Recipient(name="Projectleider", role=Role.PROCUREMENT_LEAD, urls=["json://127.0.0.1:9/lead"])]


def replay(session, programme, decisions, start, end, check):
    """Walk from start to end; in the morning check the day, during the day record its decisions."""
    phases = []
    day = start
    while day <= end:
        with clock.frozen(day):
            with session.begin():
                rep = status_report(session, programme, day)
            phases.append(rep["current_phase"])
            check(day, rep)
            for point, bodies, outcome in decisions.get(day, []):
                with session.begin():
                    for body in bodies:
                        extra = {"reservation": "financiële doorrekening"} if outcome.endswith("reservation") else {}
                        record_decision(session, programme=programme, point=point, body=body, outcome=outcome,
                                        decided_on=day, recorded_by="Replay", **extra)
        day += dt.timedelta(days=1)
    assert phases == sorted(phases), "the current phase never goes back"
    return phases


def reminded(session, programme, day):
    rows = remind(session, programme, day, dry_run=True, recipients=PEOPLE)
    session.rollback()
    return {(r.point, r.recipient) for r in rows if r.status == "would-send"}


def test_replay_2026_day_by_day(session):
    seen = {}

    def check(day, rep):
        points = {p["key"]: p for p in rep["decision_points"]}
        if day == D(2024, 7, 1):
            assert rep["current_phase"] == 1
        if day == D(2024, 10, 1):
            assert rep["current_phase"] == 2  # the consultation is held; phase 1 is done
            sent = reminded(session, "inkoop-2026", day)
            assert {r for p, r in sent if p == "tariffs"} == {f"Secretaris {c}" for c in COLLEGES}
            assert ("market-consultation-2", "Projectleider") not in sent
        if day == D(2024, 10, 24):
            sent = reminded(session, "inkoop-2026", day)
            assert ("publication", "Projectleider") in sent  # 14 days before, to the project team
            assert not [p for p, r in sent if p == "publication" and r.startswith("Secretaris")]
        if day == D(2024, 11, 6):
            assert rep["current_phase"] == 3 and points["go-no-go"]["status"] == "satisfied"
            assert not [p for p, _ in reminded(session, "inkoop-2026", day) if p == "go-no-go"]
        if day == D(2025, 6, 2):
            assert rep["current_phase"] == 4  # implementation: current during its window
            assert rep["phases"][4]["exit_gate"] == "shut" and "loopt tot en met" in rep["phases"][4]["reason"]
            assert reminded(session, "inkoop-2026", day) == set()
            assert {lot["state"] for lot in rep["lots"]} == {"gegund", "onderhands"}  # private awards stay outside
        if day == D(2026, 1, 2):
            assert rep["current_phase"] == 5 and all(ph["exit_gate"] == "open" for ph in rep["phases"])
        seen[day] = rep["current_phase"]

    replay(session, "inkoop-2026", DECISIONS_2026, D(2024, 7, 1), D(2026, 1, 2), check)
    # implementation starts at the award ("Implementatieperiode maart t/m december 2025"): the standstill,
    # the signing and the award notice run inside it, and it lasts to its end (mornings, before the day's decisions)
    assert seen[D(2024, 11, 4)] == 2 and seen[D(2025, 3, 24)] == 3 and seen[D(2025, 3, 25)] == 4
    assert seen[D(2025, 4, 16)] == 4 and seen[D(2025, 5, 23)] == 4 and seen[D(2025, 12, 31)] == 4


def test_replay_2022_day_by_day(session):
    def check(day, rep):
        points = {p["key"]: p for p in rep["decision_points"]}
        if day == D(2020, 10, 1):
            assert rep["current_phase"] == 1
        if day == D(2021, 2, 10):
            assert rep["current_phase"] == 2
            seg = points["segments-funding"]
            assert seg["status"] == "reserved" and "op te heffen door" in seg["reason"]  # expected, not late
        if day == D(2021, 3, 3):
            assert points["segments-funding"]["status"] == "satisfied"  # lifted by the March decision
            assert points["financial"]["status"] == "satisfied"
        if day == D(2021, 6, 1):
            assert rep["current_phase"] == 3
        if day == D(2021, 10, 15):
            assert rep["current_phase"] == 4  # implementation began at the award; the standstill runs in it
        if day == D(2021, 12, 1):
            assert rep["current_phase"] == 4
        if day == D(2022, 1, 2):
            assert rep["current_phase"] == 5
        if day == D(2021, 2, 10):
            assert remind(session, "inkoop-2022", day, dry_run=True, recipients=PEOPLE)[0].reason.startswith(
                "herinneringen staan uit")
            session.rollback()

    replay(session, "inkoop-2022", DECISIONS_2022, D(2020, 9, 25), D(2022, 1, 2), check)
