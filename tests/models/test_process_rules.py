"""The rules of the real process, each guarding a wrong answer a programme office would act on.

Every test runs on a real SQLite file and on a real PostgreSQL (the `session` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest
from models.core import clock
from models.facts.entities import Decision
from models.core.errors import InputError
from models.commands.replanning import check_programme
from models.views.status import decision_history, evaluate, status_report
from sqlalchemy import select
from notifications.reminders import remind
from tests.models.test_register import count
from tests.models.test_register import decide as decide_go

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]
SEVEN = [c for c in COLLEGES if c != "montferland"]


def decide(session, point, body, outcome="approved", **kw):
    return decide_go(session, point, body, outcome, **kw)


def report(session, as_of, programme="inkoop-2026"):
    with session.begin():
        return status_report(session, programme, as_of)


def point(rep, key):
    return next(dp for dp in rep["decision_points"] if dp["key"] == key)


def through_tariffs(session):
    decide(session, "market-consultation-2", "projectteam", on="2024-09-13")
    for body in COLLEGES:
        decide(session, "tariffs", body, on="2024-10-08")


@pytest.fixture
def nov6(session):
    with clock.frozen(dt.date(2024, 11, 6)):
        through_tariffs(session)
        yield session


# --- 1. order on the register ---------------------------------------------------------------------

def test_publication_after_a_no_go_is_refused(nov6):
    for body in SEVEN:
        decide(nov6, "go-no-go", body, "go")
    decide(nov6, "go-no-go", "montferland", "no-go")
    before = count(nov6)
    with pytest.raises(InputError, match="Montferland") as err:
        decide(nov6, "publication", "projectteam", on="2024-11-06")
    assert "go/no-go" in str(err.value) and "afgewezen" in str(err.value)
    assert count(nov6) == before


def test_publication_after_a_deferral_is_refused_and_before_any_go_is_accepted_as_an_order_finding(nov6):
    decide(nov6, "go-no-go", "aalten", "deferred")
    with pytest.raises(InputError, match="aangehouden"):
        decide(nov6, "publication", "projectteam", on="2024-11-06")


def test_late_paperwork_is_accepted_and_check_reports_the_order(session):
    with clock.frozen(dt.date(2024, 11, 8)):
        through_tariffs(session)
        decide(session, "publication", "projectteam", on="2024-11-07")  # go/no-go not yet in the register
        with session.begin():
            findings = check_programme(session, "inkoop-2026")
    order = [v for v in findings if v.rule == "recorded-order"]
    assert order and order[0].points == ("go-no-go", "publication") and order[0].basis == "vastgelegd"


def test_check_tests_recorded_dates_against_the_period_rules(session):
    with clock.frozen(dt.date(2024, 11, 8)):
        through_tariffs(session)
        for body in COLLEGES:
            decide(session, "go-no-go", body, "go", on="2024-11-05")
        decide(session, "publication", "projectteam", on="2024-11-05")  # same day as the go
        with session.begin():
            findings = check_programme(session, "inkoop-2026")
    recorded = [v for v in findings if v.basis == "vastgelegd"]
    assert [v.rule for v in recorded] == ["go-before-publication"]
    assert recorded[0].dates == (dt.date(2024, 11, 5), dt.date(2024, 11, 5))
    assert "woensdag 6 november 2024" in recorded[0].message and recorded[0].source


# --- 2. status on a date ----------------------------------------------------------------------------

def test_status_as_of_counts_only_decisions_taken_by_then(nov6):
    decide(nov6, "go-no-go", "montferland", "no-go")
    early = point(report(nov6, dt.date(2024, 11, 1)), "go-no-go")
    assert early["status"] == "open" and "afgewezen" not in early["reason"]
    late = point(report(nov6, dt.date(2024, 11, 5)), "go-no-go")
    assert late["status"] == "rejected"
    assert point(report(nov6, dt.date(2024, 10, 7)), "tariffs")["status"] == "open"


# --- 3. reminders only where someone can act -----------------------------------------------------------

def test_no_reminder_about_publication_after_a_no_go_or_a_deferral(nov6):
    decide(nov6, "go-no-go", "montferland", "no-go")
    nov6.commit()
    rows = remind(nov6, "inkoop-2026", dt.date(2024, 11, 6), dry_run=True, recipients=[])
    nov6.rollback()
    publication = [r for r in rows if r.point == "publication"]
    assert publication and all(r.status == "skipped" for r in publication)
    assert "afgewezen" in publication[0].reason


def test_college_reminders_count_down_to_the_agenda_cut_off(session):
    from notifications.recipients import Recipient, Role

    secretary = Recipient(name="Secretaris Aalten", role=Role.SECRETARY, body="aalten",
                          urls=["mailto://x@example.nl"])
    with clock.frozen(dt.date(2024, 10, 22)):
        through_tariffs(session)
        rows = remind(session, "inkoop-2026", dt.date(2024, 10, 22), dry_run=True, recipients=[secretary])
        session.rollback()
    go = [r for r in rows if r.point == "go-no-go" and r.recipient == "Secretaris Aalten"]
    # meeting di 5 nov, agenda closes 10 working days before: di 22 okt; the 0-days step is today
    assert [(r.step, r.status) for r in go] == [("before-0", "would-send")]


def test_reminder_text_names_cut_off_and_meeting():
    from notifications.rendering import render

    message = render("reminder", {
        "programme": {"key": "inkoop-2026", "name": "Inkoop 2026"},
        "point": {"key": "go-no-go", "title": "Go/no-go", "due": dt.date(2024, 11, 5), "word": "Besluit"},
        "cutoff": dt.date(2024, 10, 22), "cutoff_passed": False, "meeting": dt.date(2024, 11, 5), "days_left": 0,
        "days_late": 0, "when": "vandaag", "moved_by": None, "lifts": [], "deferred_on": None,
        "next_meeting": None, "next_cutoff": None,
        "final": False, "decided": [], "missing": ["het college van Aalten"], "slips": [],
        "body": "aalten", "body_name": "het college van Aalten", "reservation": None,
    })
    assert "agendasluiting" in message.subject
    assert "dinsdag 22 oktober 2024" in message.text and "dinsdag 5 november 2024" in message.text


def test_escalation_stops_after_the_limit_with_a_final_notice():
    from models.rules.reminders import ReminderPolicy, schedule, step_on

    policy = ReminderPolicy(before=(7,), overdue_every=5, overdue_limit=20)
    due = dt.date(2024, 11, 5)
    steps = schedule(due, policy, dt.date(2025, 6, 1))
    assert steps[-1].key == "overdue-final"
    assert [s.key for s in steps if s.overdue] == ["overdue-1", "overdue-2", "overdue-3", "overdue-4", "overdue-final"]
    assert step_on(due, policy, dt.date(2025, 6, 1)).key == "overdue-final"  # caught up once, never again


def test_a_programme_long_past_its_contract_start_sends_nothing_and_says_why(session):
    with clock.frozen(dt.date(2026, 11, 26)):
        rows = remind(session, "inkoop-2026", dt.date(2026, 11, 26), dry_run=True, recipients=[])
        session.rollback()
    # long after the start only the contracts' own points (options, evaluation) count, and none is due today
    assert len(rows) == 1 and rows[0].status == "skipped"
    assert rows[0].reason == "vandaag valt geen herinneringsmoment voor een open punt"
    with clock.frozen(dt.date(2026, 11, 26)):
        rows = remind(session, "inkoop-2022", dt.date(2026, 11, 26), dry_run=True, recipients=[])
        session.rollback()
    assert len(rows) == 1 and "reminders.enabled: false" in rows[0].reason


# --- 4. who does what ---------------------------------------------------------------------------------

def test_milestones_are_the_project_teams_not_a_colleges(nov6):
    for body in COLLEGES:
        decide(nov6, "go-no-go", body, "go")
    with pytest.raises(InputError, match="projectteam"):
        decide(nov6, "publication", "doetinchem", on="2024-11-06")
    decide(nov6, "publication", "projectteam", on="2024-11-06")
    rep = report(nov6, dt.date(2024, 11, 6))
    assert point(rep, "publication")["word"] == "Mijlpaal" and point(rep, "award")["word"] == "Besluit"


def test_calendar_says_mijlpaal_and_besluit(session):
    from icalendar import Calendar

    from notifications.calendar_export import programme_ics

    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        cal = Calendar.from_ical(programme_ics(session, "inkoop-2026"))
    summaries = {str(e.get("summary")) for e in cal.walk("VEVENT")}
    assert "Mijlpaal: Publicatie aanbestedingen via Mercell" in summaries
    assert "Besluit: Besluitvorming gunning door college penvoerder" in summaries


# --- 5. reservations that name what lifts them --------------------------------------------------------

def test_the_planned_financial_decision_lifts_the_february_reservation(session):
    with clock.frozen(dt.date(2021, 3, 3)):
        for body in COLLEGES:
            decide(session, "segments-funding", body, "approved-with-reservation", on="2021-02-02",
                   programme="inkoop-2022", reservation="financiële doorrekening")
        feb = report(session, dt.date(2021, 2, 4), "inkoop-2022")
        seg = point(feb, "segments-funding")
        assert seg["status"] == "reserved" and seg["reason"].count("financiële doorrekening") == 1
        assert "8 colleges" in seg["reason"] and "op te heffen door: Financiële doorrekening" in seg["reason"]
        # not late before the lifting point's date: no overdue notice in February
        rows = remind(session, "inkoop-2022", dt.date(2021, 2, 12), dry_run=True, recipients=[])
        session.rollback()
        assert not [r for r in rows if r.step.startswith("overdue")]
        recorded = decide(session, "financial", "aalten", on="2021-03-02", programme="inkoop-2022")
        history = decision_history(session, "inkoop-2022")
    entry = next(h for h in history if h["id"] == recorded.decision_id)
    assert entry["lifts"] is not None
    lifted = next(h for h in history if h["id"] == entry["lifts"])
    assert lifted["body"] == "aalten" and lifted["state"] == "lifted" and lifted["ended_by"] == recorded.decision_id
    assert len([h for h in history if h["body"] == "aalten"]) == 2  # one entry for March, not two


def test_a_lift_dated_before_the_reservation_is_refused(session):
    with clock.frozen(dt.date(2021, 3, 3)):
        reserved = decide(session, "segments-funding", "aalten", "approved-with-reservation", on="2021-02-02",
                          programme="inkoop-2022", reservation="financiële doorrekening")
        with pytest.raises(InputError, match="ligt vóór besluit"):
            decide(session, "segments-funding", "aalten", "approved", on="2021-01-26", programme="inkoop-2022",
                   lifts=reserved.decision_id)


# --- 6. lots with their own participants and gates ------------------------------------------------------

def test_a_local_lot_needs_its_own_municipality_only(session):
    from dataclasses import replace

    from models.rules.evaluation import scope_participants
    from models.facts.snapshot import load_snapshot

    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        prog = load_snapshot(session, "inkoop-2026")
        point = prog.points[0]
        assert scope_participants(prog, replace(point, scope=("jeugd-1",))) == ["aalten"]
        assert scope_participants(prog, replace(point, scope=("wmo-begeleiding",))) == [
            c for c in COLLEGES if c != "oude-ijsselstreek"]
        states = {lot.key: lot.state for lot in evaluate(session, "inkoop-2026").lots}
        assert states["jeugd-persoonlijke-verzorging"] == "onderhands" and states["wmo-logeren"] == "onderhands"
        assert {state for key, state in states.items() if "onderhands" != state} == {"loopt"}


def test_a_no_go_on_one_lot_stops_that_lot_only(session, tmp_path):
    from models.access.loader import load_programme

    text = (tmp_path / "lots.yaml")
    text.write_text(LOTS_PROGRAMME, encoding="utf-8")
    with clock.frozen(dt.date(2025, 3, 26)):
        with session.begin():
            load_programme(session, text)
        decide(session, "wmo-go", "aalten", "no-go", on="2025-03-25", programme="lots")
        for body in ["berkelland", "doetinchem"]:
            decide(session, "wmo-go", body, "go", on="2025-03-25", programme="lots")
        for body in ["aalten", "berkelland", "doetinchem"]:
            decide(session, "all-go", body, "go", on="2025-03-25", programme="lots")
        rep = report(session, dt.date(2025, 3, 26), "lots")
        states = {lot["key"]: lot["state"] for lot in rep["lots"]}
        assert states == {"wmo-aalten": "gestopt", "wmo-berkelland": "loopt", "huishouden": "loopt"}
        assert point(rep, "wmo-go")["status"] == "satisfied"
        assert rep["phases"][2]["exit_gate"] == "open"  # the other lots go on
        assert point(rep, "award-aalten")["status"] == "stopped"
        with pytest.raises(InputError, match="gestopt"):
            decide(session, "award-aalten", "doetinchem", on="2025-03-25", programme="lots")


def test_a_point_without_scope_in_a_programme_with_lots_is_refused():
    from models.rules.programme_file import ProgrammeFileError, parse_programme_text

    broken = LOTS_PROGRAMME.replace("scope: all", "")
    with pytest.raises(ProgrammeFileError, match=r"decision_points\[1\] \(all-go\)\.scope: ontbreekt"):
        parse_programme_text(broken, "lots.yaml")


# --- 7. phases that do not vanish ---------------------------------------------------------------------

def test_implementation_is_the_current_phase_after_the_award(session):
    with clock.frozen(dt.date(2025, 6, 2)):
        through_tariffs(session)
        for body in COLLEGES:
            decide(session, "go-no-go", body, "go")
        for key, on in (("publication", "2024-11-07"), ("lumpsum-dialogue", "2024-12-13"),
                        ("qa-rounds", "2024-12-20"), ("submission", "2025-02-07")):
            decide(session, key, "projectteam", on=on)
        decide(session, "qa-1-questions", "projectteam", on="2024-11-22")
        decide(session, "qa-1", "projectteam", on="2024-11-29")
        decide(session, "qa-2-questions", "projectteam", on="2024-12-13")
        decide(session, "assessment", "projectteam", on="2025-03-07")
        decide(session, "award", "doetinchem", on="2025-03-24")
        decide(session, "award-letters", "projectteam", on="2025-03-25")
        # implementation starts at the award: the standstill runs inside it
        assert report(session, dt.date(2025, 3, 21))["current_phase"] == 3
        assert report(session, dt.date(2025, 4, 14))["current_phase"] == 4
        decide(session, "standstill", "projectteam", on="2025-04-15")
        decide(session, "contracts-signed", "projectteam", on="2025-04-25")
        decide(session, "award-notice", "projectteam", on="2025-05-23")
        june = report(session, dt.date(2025, 6, 2))
        assert june["current_phase"] == 4  # its steps are done, but the period runs to 31 December
        assert june["phases"][4]["exit_gate"] == "shut" and "loopt tot en met woensdag 31 december 2025" in \
            june["phases"][4]["reason"]
        assert report(session, dt.date(2025, 12, 31))["current_phase"] == 4
        assert report(session, dt.date(2026, 1, 1))["current_phase"] == 5


# --- 8. dates a college can decide on -----------------------------------------------------------------

@pytest.mark.parametrize("day,why", [("2024-11-02", "zaterdag"), ("2024-11-06", "woensdag is geen vergaderdag"),
                                     ("2024-12-25", "feestdag")])
def test_a_college_decision_on_a_day_it_does_not_meet_is_refused(nov6, day, why):
    with clock.frozen(dt.date(2024, 12, 27)):
        before = count(nov6)
        with pytest.raises(InputError, match=why):
            decide(nov6, "go-no-go", "aalten", "go", on=day)
        assert count(nov6) == before
        if day != "2024-12-25":
            recorded = decide(nov6, "go-no-go", "aalten", "go", on=day, extra_meeting=True)
            with nov6.begin():
                assert nov6.get(Decision, recorded.decision_id).extra_meeting is True


LOTS_PROGRAMME = """
key: lots
name: Percelen apart
procedure: Lichte regime (SAS)
penvoerder: doetinchem
municipalities: {aalten: Aalten, berkelland: Berkelland, doetinchem: Doetinchem}
phases:
  - {number: 0, name: Visie, start: 2025-01-01, end: 2025-01-31}
  - {number: 1, name: Herijken, start: 2025-02-01, end: 2025-02-28}
  - {number: 2, name: Documenten, start: 2025-03-01, end: 2025-03-31}
  - {number: 3, name: Aanbesteding, start: 2025-04-01, end: 2025-06-30}
  - {number: 4, name: Implementatie, start: 2025-07-01, end: 2025-12-31}
  - {number: 5, name: Start, start: 2026-01-01, end: 2026-01-01}
segments:
  - {key: wmo, name: Wmo, domain: wmo}
  - {key: hbh, name: Huishouden, domain: huishouden, participants: [berkelland, doetinchem]}
lots:
  - {key: wmo-aalten, name: Ondersteuning Aalten, segments: [wmo], participants: [aalten]}
  - {key: wmo-berkelland, name: Ondersteuning Berkelland, segments: [wmo], participants: [berkelland, doetinchem]}
  - {key: huishouden, name: Huishouden, segments: [hbh]}
decision_points:
  - {key: wmo-go, kind: go-no-go, title: Go Wmo, phase: 2, date: 2025-03-25, decided_by: colleges, scope: [wmo]}
  - {key: all-go, kind: go-no-go, title: Go alles, phase: 2, date: 2025-03-25, decided_by: colleges, scope: all}
  - {key: award-aalten, kind: award, title: Gunning Aalten, phase: 3, date: 2025-06-24, decided_by: penvoerder,
     scope: [wmo-aalten]}
"""


def test_no_reminder_about_publication_after_a_deferral(nov6):
    decide(nov6, "go-no-go", "winterswijk", "deferred")
    nov6.commit()
    rows = remind(nov6, "inkoop-2026", dt.date(2024, 11, 6), dry_run=True, recipients=[])
    nov6.rollback()
    publication = [r for r in rows if r.point == "publication"]
    assert publication and all(r.status == "skipped" and "aangehouden" in r.reason for r in publication)


def test_shifting_2026_by_a_year_puts_no_milestone_on_a_weekend(session):
    from models.commands.replanning import replan

    with clock.frozen(dt.date(2024, 7, 1)), session.begin():
        result = replan(session, programme="inkoop-2026", point="contract-start", to=dt.date(2027, 1, 1),
                        mode="shift", reason="Een jaar later", recorded_by="Projectleider")
        due = {p["key"]: clock.parse_date(p["due"]) for p in status_report(session, "inkoop-2026")["decision_points"]}
    assert due["submission"] == dt.date(2026, 2, 6)  # 7 Feb 2026 is a Saturday: the Friday before
    assert ("submission", dt.date(2026, 2, 7), dt.date(2026, 2, 6)) in {
        (a.point, a.shifted, a.date) for a in result.adjustments}
    assert all(day.weekday() < 5 for key, day in due.items() if key != "contract-start")
    assert result.violations == ()


def _strict(text):
    from models.rules.programme_file import parse_programme_text, strict_check

    return strict_check(parse_programme_text(text, "kopie.yaml"))


def test_strict_check_passes_on_the_shipped_files_and_names_each_fault_on_a_broken_copy():
    from models.rules.programme_file import BUILTIN_DIR

    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        faults, _ = _strict(path.read_text(encoding="utf-8"))
        assert faults == [], (path.name, faults)
    text = (BUILTIN_DIR / "inkoop-2026.yaml").read_text(encoding="utf-8")
    broken = (text
              .replace("    date: 2024-11-05\n", "    date: 2024-11-06\n")  # go/no-go on a Wednesday
              .replace("    phase: 3\n    date: 2025-03-24", "    phase: 3\n    date: 2025-06-30")  # award after phase 3
              .replace("participants: [aalten]}", "participants: [oude-ijsselstreek]}", 1)  # not in the segment
              .replace("spend_notes:\n  - segment: wmo-begeleiding\n", "spend_notes:\n  - segment: crisis\n"))
    faults, _ = _strict(broken)
    found = {where: what for where, what in faults}
    assert "geen vergaderdag" in found["decision_points[2] (go-no-go).date"]
    assert "buiten fase 3" in found["decision_points[11] (award).date"]
    assert "Oude IJsselstreek neemt niet deel" in found["lots[0] (jeugd-1).participants"]
    assert "27,3 mln" in found["segments[3] (wmo-begeleiding).spend_2023_by_municipality"]
    no_penvoerder = LOTS_PROGRAMME.replace("penvoerder: doetinchem", "penvoerder: winterswijk").replace(
        "doetinchem: Doetinchem}", "doetinchem: Doetinchem, winterswijk: Winterswijk}")
    assert ("penvoerder", "penvoerder Winterswijk neemt aan geen enkel perceel deel") in _strict(no_penvoerder)[0]


def test_load_strict_refuses_a_broken_file_and_writes_nothing(session, tmp_path):
    from models.facts.entities import Programme
    from models.access.loader import load_programme
    from models.rules.programme_file import BUILTIN_DIR, ProgrammeFileError

    path = tmp_path / "kopie.yaml"
    path.write_text((BUILTIN_DIR / "inkoop-2026.yaml").read_text(encoding="utf-8")
                    .replace("key: inkoop-2026", "key: kopie").replace("    date: 2024-11-05\n", "    date: 2024-11-06\n"),
                    encoding="utf-8")
    with pytest.raises(ProgrammeFileError, match="geen vergaderdag"), session.begin():
        load_programme(session, path, strict=True)
    with session.begin():
        assert session.scalar(select(Programme).where(Programme.key == "kopie")) is None


# --- found by trying to break it ------------------------------------------------------------------------

def test_a_college_can_correct_the_no_go_that_stopped_its_lot(session, tmp_path):
    from models.access.loader import load_programme

    path = tmp_path / "lots.yaml"
    path.write_text(LOTS_PROGRAMME, encoding="utf-8")
    with clock.frozen(dt.date(2025, 4, 2)):
        with session.begin():
            load_programme(session, path)
        no_go = decide(session, "wmo-go", "aalten", "no-go", on="2025-03-25", programme="lots")
        assert point(report(session, dt.date(2025, 4, 2), "lots"), "award-aalten")["status"] == "stopped"
        decide(session, "wmo-go", "aalten", "go", on="2025-04-01", programme="lots", supersedes=no_go.decision_id)
        rep = report(session, dt.date(2025, 4, 2), "lots")
    assert {lot["key"]: lot["state"] for lot in rep["lots"]}["wmo-aalten"] == "loopt"
    assert point(rep, "award-aalten")["status"] == "open"


def test_a_dyslexia_rejection_stops_the_dyslexia_track_only(session):
    with clock.frozen(dt.date(2020, 12, 1)):
        decide(session, "replan-2022", "bestuurders", on="2020-09-25", programme="inkoop-2022")
        for body in COLLEGES:
            decide(session, "principles", body, on="2020-11-24", programme="inkoop-2022")
        decide(session, "dyslexia-start", "aalten", "rejected", on="2020-11-24", programme="inkoop-2022")
        rep = report(session, dt.date(2020, 12, 1), "inkoop-2022")
    states = {lot["key"]: lot["state"] for lot in rep["lots"]}
    assert states["dyslexie"] == "gestopt" and states["jeugdhulp"] == "loopt"
    assert point(rep, "contract-start-dyslexia")["status"] == "stopped"


def test_a_decision_dated_before_the_programme_began_is_refused(nov6):
    with pytest.raises(InputError, match="vóór het begin van het programma"):
        decide(nov6, "go-no-go", "aalten", "go", on="2014-11-04")


def test_lifted_by_must_name_a_later_point_the_same_college_decides(nov6):
    kwargs = dict(outcome="approved-with-reservation", reservation="r", on="2024-11-05")
    before = count(nov6)
    with pytest.raises(InputError, match="besluit niet over 'Besluitvorming gunning"):
        decide(nov6, "tariffs", "aalten", lifted_by="award", supersedes=None, **kwargs)  # the penvoerder's only
    with pytest.raises(InputError, match="ligt niet na"):
        decide(nov6, "go-no-go", "aalten", lifted_by="tariffs", **{**kwargs, "outcome": "go", "reservation": None})
    assert count(nov6) == before


def test_a_reservation_lifted_by_a_decision_of_a_later_phase_does_not_hold_its_own_phase(session):
    """The principles of November 2020 (phase 1) approved with a reservation that the financial decision of
    March 2021 (phase 2) lifts: phase 1 ends, the reservation is expected and nobody is told it is late;
    the financial decision holds phase 2 and lifts it."""
    from models.facts.entities import Programme
    from tests.models.test_replay import PEOPLE

    reserving = ("aalten", "berkelland")
    with session.begin():  # the historic programme has its reminders off: give it those of 2026
        progs = {p.key: p for p in session.scalars(select(Programme))}
        progs["inkoop-2022"].reminder_policy = progs["inkoop-2026"].reminder_policy
    with clock.frozen(dt.date(2021, 3, 10)):
        decide(session, "replan-2022", "bestuurders", on="2020-09-25", programme="inkoop-2022")
        for body in COLLEGES:
            decide(session, "principles", body, "approved-with-reservation" if body in reserving else "approved",
                   on="2020-11-24", programme="inkoop-2022",
                   **({"reservation": "financiële doorrekening volgt", "lifted_by": "financial"}
                      if body in reserving else {}))
            decide(session, "dyslexia-start", body, on="2020-11-24", programme="inkoop-2022")
            decide(session, "inkoop-2021", body, on="2020-12-15", programme="inkoop-2022")
    december = report(session, dt.date(2020, 12, 16), "inkoop-2022")
    principles = point(december, "principles")
    assert principles["status"] == "reserved" and "op te heffen door: Financiële doorrekening" in principles["reason"]
    assert december["phases"][1]["exit_gate"] == "open" and december["current_phase"] == 2
    for day in (dt.date(2020, 11, 25), dt.date(2020, 12, 16), dt.date(2021, 2, 10)):
        with session.begin():
            rows = remind(session, "inkoop-2022", day, dry_run=True, recipients=PEOPLE)
            session.rollback()
        assert not [r for r in rows if r.point == "principles" and r.status == "would-send"], day
    with clock.frozen(dt.date(2021, 3, 10)):
        for body in COLLEGES:
            if body != "aalten":
                decide(session, "financial", body, on="2021-03-02", programme="inkoop-2022")
    march = report(session, dt.date(2021, 3, 10), "inkoop-2022")
    principles = point(march, "principles")
    assert principles["status"] == "reserved" and "Aalten" in principles["reason"] \
        and "Berkelland" not in principles["reason"]  # Berkelland's approval of March lifted its reservation
    assert point(march, "financial")["status"] == "overdue" and point(march, "financial")["missing_bodies"] == ["aalten"]
    assert march["phases"][1]["exit_gate"] == "open"
    with session.begin():
        rows = remind(session, "inkoop-2022", dt.date(2021, 3, 10), dry_run=True, recipients=PEOPLE)
        session.rollback()
    late = {(r.point, r.recipient) for r in rows if r.status == "would-send"}
    assert ("financial", "Secretaris aalten") in late and not [p for p, _ in late if p == "principles"]
    with clock.frozen(dt.date(2021, 3, 10)):
        decide(session, "financial", "aalten", on="2021-03-09", programme="inkoop-2022")
    assert point(report(session, dt.date(2021, 3, 10), "inkoop-2022"), "principles")["status"] == "satisfied"


def test_a_late_reservation_is_lifted_by_the_approval_already_recorded_and_unlifted_when_that_is_replaced(session):
    with clock.frozen(dt.date(2021, 3, 10)):
        decide(session, "replan-2022", "bestuurders", on="2020-09-25", programme="inkoop-2022")
        for body in COLLEGES:
            decide(session, "principles", body, on="2020-11-24", programme="inkoop-2022")
        financial = {body: decide(session, "financial", body, on="2021-03-02", programme="inkoop-2022")
                     for body in COLLEGES}
        for body in COLLEGES:  # late paperwork: the February reservations, entered after March
            decide(session, "segments-funding", body, "approved-with-reservation", on="2021-02-02",
                   programme="inkoop-2022", reservation="financiële doorrekening")
        assert point(report(session, dt.date(2021, 3, 10), "inkoop-2022"), "segments-funding")["status"] == "satisfied"
        decide(session, "financial", "aalten", "rejected", on="2021-03-09", programme="inkoop-2022",
               supersedes=financial["aalten"].decision_id)
        seg = point(report(session, dt.date(2021, 3, 10), "inkoop-2022"), "segments-funding")
    assert seg["status"] == "reserved" and "het college van Aalten" in seg["reason"]
    with clock.frozen(dt.date(2021, 3, 10)), session.begin():
        findings = check_programme(session, "inkoop-2022")
    assert not [v for v in findings if v.rule == "recorded-order" and v.points[0] == "segments-funding"]


def test_a_reservation_lifted_once_cannot_be_lifted_again(session):
    with clock.frozen(dt.date(2021, 3, 10)):
        decide(session, "replan-2022", "bestuurders", on="2020-09-25", programme="inkoop-2022")
        for body in COLLEGES:
            decide(session, "principles", body, on="2020-11-24", programme="inkoop-2022")
        reserved = decide(session, "segments-funding", "aalten", "approved-with-reservation", on="2021-02-02",
                          programme="inkoop-2022", reservation="financiële doorrekening")
        lift = decide(session, "financial", "aalten", on="2021-03-02", programme="inkoop-2022")
        before = count(session)
        with pytest.raises(InputError, match=f"al opgeheven door besluit #{lift.decision_id}"):
            decide(session, "segments-funding", "aalten", on="2021-03-09", programme="inkoop-2022",
                   lifts=reserved.decision_id)
        assert count(session) == before


def test_phase_windows_move_with_their_points_and_keep_the_contract_start_inside_its_phase(session):
    from models.commands.replanning import what_if

    with clock.frozen(dt.date(2024, 10, 1)), session.begin():
        result = what_if(session, "inkoop-2026", "publication", dt.date(2024, 11, 6), mode="shift")
    phases = {m.point: m.new for m in result.phases}
    assert phases["fase-3-begin"] == dt.date(2024, 11, 6) and phases["fase-3-einde"] == dt.date(2025, 3, 23)
    assert phases["fase-4-begin"] == dt.date(2025, 3, 24)  # implementation starts at the award
    assert "fase-4-einde" not in phases  # ... and fills the time up to the start, which did not move
    assert not [k for k in phases if k.startswith("fase-5")]  # the contract start did not move, nor its phase
