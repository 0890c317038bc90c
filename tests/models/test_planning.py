"""Planning rules with their sources, checks, backward planning, cascades and re-planning."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.core import clock
from models.facts.entities import PlanRevision
from models.core.errors import InputError
from models.rules.planning import Plan, PlanningError, PlanningIn, PointInfo, rule_book
from models.rules.programme_file import BUILTIN_DIR, ProgrammeFileError, parse_programme_text
from models.commands.register import record_decision
from models.commands.replanning import check_programme, plan_backwards, replan, what_if
from models.views.status import status_report
from models.access.loader import load_programme
from tests.conftest import DATA

D = dt.date
BOOK = rule_book()


def two_points(rule: str, procedure: str, before: dt.date, after: dt.date, body_decision: bool = False) -> Plan:
    planning = PlanningIn.model_validate({"procedure": procedure, "anchor": "b",
                                          "dependencies": [{"from": "a", "to": "b", "rules": [rule]}]})
    return Plan.build(planning, [PointInfo("a", "A", "milestone", before, (), False),
                                 PointInfo("b", "B", "approval" if body_decision else "milestone", after,
                                           ("aalten",) if body_decision else (), body_decision)])


RULE_TABLE = [
    # rule, procedure, earlier, the last date that breaks it, the first date that keeps it
    # sent Monday 24 March 2025: day 20 is Sunday 13 April, so the term runs to Monday 14 April
    ("alcatel-standstill", "sas", D(2025, 3, 24), D(2025, 4, 13), D(2025, 4, 14)),
    ("signing-after-standstill", "sas", D(2025, 4, 14), D(2025, 4, 14), D(2025, 4, 15)),
    ("request-period", "restricted", D(2021, 4, 1), D(2021, 4, 30), D(2021, 5, 1)),
    ("tender-period", "restricted", D(2021, 5, 3), D(2021, 6, 1), D(2021, 6, 2)),
    ("tender-period-sas", "sas", D(2024, 11, 7), D(2024, 12, 11), D(2024, 12, 12)),
    ("last-nota-van-inlichtingen", "sas", D(2024, 12, 20), D(2024, 12, 29), D(2024, 12, 30)),
    ("assessment-period", "sas", D(2025, 2, 7), D(2025, 3, 8), D(2025, 3, 9)),
    ("implementation-period", "sas", D(2025, 10, 1), D(2025, 12, 31), D(2026, 1, 1)),
    ("go-before-publication", "sas", D(2024, 11, 5), D(2024, 11, 5), D(2024, 11, 6)),
    ("consultation-period", "sas", D(2024, 9, 13), D(2024, 9, 26), D(2024, 9, 27)),
    ("decision-order", "sas", D(2024, 10, 8), D(2024, 10, 7), D(2024, 10, 8)),
]


@pytest.mark.parametrize("rule, procedure, earlier, breaks, keeps", RULE_TABLE, ids=[r[0] for r in RULE_TABLE])
def test_each_rule_with_its_source(rule, procedure, earlier, breaks, keeps):
    source = BOOK.rule(rule)
    assert source.source and source.version
    violations = two_points(rule, procedure, earlier, breaks).check()
    assert [(v.rule, v.source, v.version) for v in violations] == [(rule, source.source, source.version)]
    assert two_points(rule, procedure, earlier, keeps).check() == []


def test_every_rule_of_the_book_is_in_the_table():
    assert {r[0] for r in RULE_TABLE} == {r.key for r in BOOK.rules}
    assert all(c.source and c.version for c in BOOK.checks)


def test_procedure_chooses_the_rules():
    with pytest.raises(PlanningError, match="regel 'tender-period' geldt niet voor procedure 'sas'"):
        two_points("tender-period", "sas", D(2024, 1, 1), D(2024, 3, 1))
    with pytest.raises(PlanningError, match="'tender-period-sas' geldt niet voor procedure 'restricted'"):
        two_points("tender-period-sas", "restricted", D(2024, 1, 1), D(2024, 3, 1))


def test_a_college_decision_needs_a_meeting_in_time():
    # deadline Monday 11 Nov; the last Tuesday meeting before it (5 Nov) is not a working day after 5 Nov
    violations = two_points("go-before-publication", "sas", D(2024, 11, 5), D(2024, 11, 11), body_decision=True).check()
    assert [v.rule for v in violations] == ["college-meeting"]
    assert "de laatste vergadering tot maandag 11 november 2024 is dinsdag 5 november 2024" in violations[0].message


def test_a_cycle_is_refused_naming_it():
    text = (BUILTIN_DIR / "inkoop-2026.yaml").read_text(encoding="utf-8")
    text += "    - {from: contract-start, to: tariffs, rules: [decision-order]}\n"
    with pytest.raises(ProgrammeFileError, match="planning: cyclus in de afhankelijkheden: .*tariffs.*contract-start"):
        parse_programme_text(text, "kapot.yaml")


def test_the_published_2026_plan_passes(session):
    with clock.frozen(D(2024, 11, 6)), session.begin():
        assert check_programme(session, "inkoop-2026") == []
        assert check_programme(session, "inkoop-2022") == []


def test_moving_the_2026_award_to_15_october_2025_fails_on_the_implementation_period(session):
    with clock.frozen(D(2024, 11, 6)), session.begin():
        result = what_if(session, "inkoop-2026", "award", D(2025, 10, 15))
        assert session.scalar(select(func.count()).select_from(PlanRevision)) == 0
    assert [(m.point, m.new) for m in result.moved] == [  # the tender's last steps follow; the contract start is fixed
        ("award", D(2025, 10, 15)), ("award-letters", D(2025, 10, 15)), ("standstill", D(2025, 11, 4)),
        # the standstill's last day is 4 November; a contract is signed from the day after it (day 21)
        ("contracts-signed", D(2025, 11, 5)), ("award-notice", D(2025, 11, 5))]
    assert [v.rule for v in result.violations] == ["implementation-period"]
    violation = result.violations[0]
    assert "Norm voor Opdrachtgeverschap" in violation.source
    assert violation.dates == (D(2025, 10, 15), D(2026, 1, 1))
    assert "op zijn vroegst donderdag 15 januari 2026" in violation.message


def test_backward_plan_2026_from_1_january_2026(session):
    with clock.frozen(D(2024, 7, 1)), session.begin():
        result = plan_backwards(session, "inkoop-2026", D(2026, 1, 1))
    rows = {r["key"]: r for r in result["points"]}
    for row in rows.values():  # the presentation's plan fits: every date is on or before the latest date
        assert row["slack_days"] >= 0 and not row["unreachable"], row
    assert rows["contract-start"]["latest"] == "2026-01-01" and rows["contract-start"]["slack_days"] == 0
    assert rows["award"]["latest"] == "2025-09-30"  # 3 months before, on a meeting day of Doetinchem
    assert rows["award"]["binding"]["rules"][0]["key"] == "implementation-period"
    assert rows["submission"]["latest"] == "2025-08-29"  # 30 days of assessment, moved off the weekend
    assert rows["go-no-go"]["agenda_cutoff"] == "2025-07-08"
    assert result["critical_path"][0] == "market-consultation-2" and result["critical_path"][-1] == "contract-start"


def test_backward_plan_marks_latest_dates_already_past_as_unreachable(session):
    with clock.frozen(D(2025, 8, 1)), session.begin():
        result = plan_backwards(session, "inkoop-2026", D(2026, 1, 1))
    rows = {r["key"]: r for r in result["points"]}
    assert not result["reachable"]
    assert rows["go-no-go"]["unreachable"] and rows["go-no-go"]["slack_days"] is None
    assert rows["go-no-go"]["days_short"] == (D(2025, 8, 1) - D.fromisoformat(rows["go-no-go"]["latest"])).days > 0
    # the award's own latest date (30 September) lies ahead, but what must come first cannot be made: no slack
    assert rows["award"]["unreachable"] and rows["award"]["slack_days"] is None
    assert rows["award"]["why_unreachable"].endswith("dat onhaalbaar is")


def test_backward_plan_2022_has_no_slack_between_award_and_start(session):
    with clock.frozen(D(2020, 9, 1)), session.begin():
        rows = {r["key"]: r for r in plan_backwards(session, "inkoop-2022", D(2022, 1, 1))["points"]}
    assert rows["award"]["latest"] == "2021-09-28" and rows["award"]["slack_days"] == 0


def test_plan_takes_any_loaded_programme_and_names_an_unknown_one(session):
    with clock.frozen(D(2025, 1, 2)), session.begin():
        load_programme(session, DATA / "regio-test.yaml")
        with pytest.raises(InputError, match="onbekend programma 'inkoop-2030'"):
            plan_backwards(session, "inkoop-2030", D(2030, 1, 1))
        with pytest.raises(InputError, match="geen planning"):
            plan_backwards(session, "regio-test", D(2030, 1, 1))


def dates(session, programme="inkoop-2022"):
    return {dp["key"]: clock.parse_date(dp["due"]) for dp in status_report(session, programme)["decision_points"]}


def test_shifting_the_2022_programme_a_year_keeps_calendar_days_and_snaps_to_meetings(session):
    """The bestuurders' one-year shift, replayed as `replan --mode shift`: 1 April stays 1 April,
    a college decision goes to its last meeting on or before the shifted date (never a Monday after a
    leap day), and every such adjustment is reported; the phase windows move along."""
    with clock.frozen(D(2020, 9, 25)), session.begin():
        before = dates(session)
        result = replan(session, programme="inkoop-2022", point="contract-start", to=D(2023, 1, 1), mode="shift",
                        reason="Proef: nog een jaar later", recorded_by="Projectleider")
        after = dates(session)
        phases = {ph["number"]: ph for ph in status_report(session, "inkoop-2022")["phases"]}
    assert after["publication"] == D(2022, 4, 1)  # a Friday: stays
    assert after["principles"] == D(2021, 11, 23)  # 24 Nov 2021 is a Wednesday: the Tuesday before
    adjusted = {a.point: (a.shifted, a.date) for a in result.adjustments}
    assert adjusted["principles"] == (D(2021, 11, 24), D(2021, 11, 23))
    for key, day in after.items():
        if key not in ("contract-start", "contract-start-dyslexia", "replan-2022"):
            assert day.weekday() < 5, (key, day)
    assert before["publication"] == D(2021, 4, 1)
    assert (phases[3]["planned_start"], phases[3]["planned_end"]) == ("2022-04-01", "2022-09-28")
    assert {m.point for m in result.phases} >= {"fase-5-begin", "fase-5-einde", "fase-3-begin"}


def test_whatif_never_silently_answers_another_date(session):
    with clock.frozen(D(2024, 10, 1)), session.begin():
        result = what_if(session, "inkoop-2026", "publication", D(2024, 11, 1))
    moved = {m.point: m.new for m in result.moved}
    assert moved["publication"] == D(2024, 11, 1)  # the date asked, not 6 November
    order = [v for v in result.violations if v.points == ("go-no-go", "publication")]
    assert order and "op zijn vroegst woensdag 6 november 2024" in order[0].message


def test_minimal_cascade_moves_only_what_must_move_and_reminders_follow(session):
    with clock.frozen(D(2024, 10, 1)), session.begin():
        result = replan(session, programme="inkoop-2026", point="go-no-go", to=D(2024, 11, 26),
                        reason="Oost Gelre vergadert later", recorded_by="Projectleider")
        moved = {m.point: m.new for m in result.moved}
        assert moved == {"go-no-go": D(2024, 11, 26), "publication": D(2024, 11, 27),
                         "qa-1-questions": D(2024, 11, 27)}  # questions close after the publication, no earlier
        from models.rules.reminders import PolicySet, step_on

        due = dates(session, "inkoop-2026")["go-no-go"]
        assert step_on(due, PolicySet().defaults, D(2024, 11, 12)).key == "before-14"
        assert check_programme(session, "inkoop-2026") == []


BAD_REPLANS = [
    (dict(point="go-no-go", to=D(2024, 12, 25)), r"woensdag 25 december 2024 is geen werkdag \(Eerste kerstdag\)"),
    (dict(point="go-no-go", to=D(2024, 9, 1)), "ligt in het verleden"),
    (dict(point="go-go", to=D(2024, 12, 3)), "onbekend besluitpunt 'go-go'"),
    (dict(point="go-no-go", to=D(2024, 12, 3), reason=" "), "reden ontbreekt"),
    (dict(point="go-no-go", to=D(2024, 12, 3), mode="sideways"), "onbekende manier van herplannen"),
]


@pytest.mark.parametrize("change, words", BAD_REPLANS)
def test_bad_replans_are_refused_and_nothing_is_written(session, change, words):
    args = dict(programme="inkoop-2026", reason="test", recorded_by="x") | change
    with clock.frozen(D(2024, 10, 1)):
        with pytest.raises(InputError, match=words), session.begin():
            replan(session, **args)
        with session.begin():
            assert session.scalar(select(func.count()).select_from(PlanRevision)) == 0
            assert dates(session, "inkoop-2026")["go-no-go"] == D(2024, 11, 5)


def test_a_decided_point_does_not_move(session):
    with clock.frozen(D(2024, 11, 6)), session.begin():
        record_decision(session, programme="inkoop-2026", point="award", body="doetinchem", outcome="approved",
                        decided_on="2024-11-05", recorded_by="x")
        with pytest.raises(PlanningError, match="'award' is al besloten"):
            what_if(session, "inkoop-2026", "award", D(2025, 4, 1))


def test_a_backward_plan_sends_the_letters_so_that_signing_falls_after_the_standstill(session):
    """Contract start 1 January 2026: signing no later than 31 December, which is day 21 after letters sent
    on 10 December (the standstill's last day is 30 December), as the tender and the letters count it."""
    from models.commands.replanning import plan_backwards

    with session.begin():
        result = plan_backwards(session, "inkoop-2026", D(2026, 1, 1), D(2024, 1, 2))
    latest = {row["key"]: row["latest"] for row in result["points"]}
    assert (latest["award-letters"], latest["standstill"], latest["contracts-signed"]) == (
        "2025-12-10", "2025-12-30", "2025-12-31")
    assert clock.first_signing_day(D(2025, 12, 10)) == D(2025, 12, 31)


@pytest.mark.parametrize("award_on, flagged", [("2025-03-24", False), ("2025-10-13", True)])
def test_check_flags_a_recorded_award_that_leaves_too_little_implementation_time(session, award_on, flagged):
    """An award recorded on 13 October 2025 leaves less than the three months of implementation before the
    planned contract start of 1 January 2026: `regie check` says so now, before the start is recorded."""
    day = dt.date.fromisoformat(award_on)
    with clock.frozen(day + dt.timedelta(days=1)), session.begin():
        record_decision(session, programme="inkoop-2026", point="award", body="doetinchem", outcome="approved",
                        decided_on=award_on, recorded_by="Secretaris Doetinchem")
        found = [v for v in check_programme(session, "inkoop-2026") if v.rule == "implementation-period"]
    if not flagged:
        assert found == []
        return
    assert [(v.basis, v.points, v.dates) for v in found] == [
        ("vastgelegd", ("award", "contract-start"), (day, dt.date(2026, 1, 1)))]
    assert "op zijn vroegst dinsdag 13 januari 2026" in found[0].message


def test_a_backward_plan_gives_no_slack_after_a_passed_cut_off_or_behind_an_unreachable_step(session):
    """Contract start 1 January 2028, planned on 20 July 2027: the tariffs' latest meeting (20 July) had its
    agenda cut-off on 6 July, so no slack there, and nothing after the go/no-go can keep its date either."""
    with session.begin():
        late = {r["key"]: r for r in plan_backwards(session, "inkoop-2026", D(2028, 1, 1), D(2027, 7, 20))["points"]}
        early = {r["key"]: r for r in plan_backwards(session, "inkoop-2026", D(2028, 1, 1), D(2027, 6, 1))["points"]}
    tariffs = late["tariffs"]
    assert tariffs["latest"] == "2027-07-20" and tariffs["agenda_cutoff"] == "2027-07-06"
    assert tariffs["unreachable"] and tariffs["slack_days"] is None
    assert tariffs["why_unreachable"] == "de agendasluiting (dinsdag 6 juli 2027) is voorbij"
    publication = late["publication"]
    assert publication["unreachable"] and publication["slack_days"] is None
    assert publication["why_unreachable"] == ("wacht op 'Besluitvorming door colleges: go/no-go', dat onhaalbaar is")
    assert late["contract-start"]["unreachable"]
    # six weeks earlier every step still has its slack
    assert not any(r["unreachable"] for r in early.values())
    assert early["tariffs"]["slack_days"] > 0 and early["publication"]["slack_days"] > 0
