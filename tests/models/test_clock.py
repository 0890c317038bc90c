"""One home for time: working days and the statutory terms (Algemene termijnenwet) in models/clock.py,
read alike by planning, the tender and the letters."""

from __future__ import annotations

import datetime as dt

import pytest

from models.core import clock

D = dt.date


def test_the_statutory_holidays_are_the_working_day_calendar_without_good_friday_and_with_5_may():
    # Good Friday is no working day for a college, but the Algemene termijnenwet does not list it
    assert not clock.is_working_day(D(2025, 4, 18))
    assert D(2025, 4, 18) not in clock.statutory_holidays(2025)
    assert clock.next_day_of_business(D(2025, 4, 18)) == D(2025, 4, 18)
    # 5 May counts every year for a statutory term (art. 3), also in years it is a working day
    assert clock.is_working_day(D(2026, 5, 5))
    assert clock.statutory_holidays(2026)[D(2026, 5, 5)] == "Bevrijdingsdag"
    assert clock.next_day_of_business(D(2026, 5, 5)) == D(2026, 5, 6)
    # the rest is the same calendar: Easter Monday, Ascension, Whit Monday, King's Day (moved off a Sunday)
    for year in range(2020, 2036):
        shared = {d for d, name in clock._holidays(year).items() if name.lower() != "goede vrijdag"}
        assert shared <= set(clock.statutory_holidays(year)), year
    assert clock.statutory_holidays(2025)[D(2025, 4, 26)] == "Koningsdag"


@pytest.mark.parametrize("sent, last, first_signing", [
    (D(2025, 3, 31), D(2025, 4, 22), D(2025, 4, 23)),  # day 20 Sunday 20 April, Monday Easter Monday
    (D(2025, 3, 25), D(2025, 4, 14), D(2025, 4, 15)),  # day 20 a Monday: as it is
    (D(2024, 12, 5), D(2024, 12, 27), D(2024, 12, 28)),  # 25 December a Wednesday, 26 December too
    (D(2025, 10, 15), D(2025, 11, 4), D(2025, 11, 5)),
    (D(2025, 12, 10), D(2025, 12, 30), D(2025, 12, 31)),
])
def test_the_standstill_and_the_first_day_to_sign(sent, last, first_signing):
    assert clock.standstill_end(sent) == last
    assert clock.first_signing_day(sent) == first_signing
    latest = clock.latest_sending_for_signing(first_signing)  # later when the term ran on past a holiday
    assert latest >= sent and clock.first_signing_day(latest) == first_signing


def test_the_latest_sending_for_a_signing_day_is_exact_on_every_day_of_two_years():
    day = D(2024, 1, 1)
    while day < D(2026, 1, 1):
        sent = clock.latest_sending_for_signing(day)
        assert clock.first_signing_day(sent) <= day < clock.first_signing_day(sent + dt.timedelta(days=1)), day
        day += dt.timedelta(days=1)


def test_the_award_notice_is_due_30_days_after_signing_off_weekends_and_holidays():
    assert clock.award_notice_due(D(2025, 4, 22)) == D(2025, 5, 22)  # a Thursday: as it is
    assert clock.award_notice_due(D(2025, 4, 5)) == D(2025, 5, 6)  # 5 May: the next day


def test_planning_and_the_tender_read_the_same_standstill():
    """The plan's standstill point is the term's last day and signing comes the day after it, as in the
    tender and the letters ("niet sluiten vóór dag 21")."""
    from models.rules.planning import PlanningIn, Plan, PointInfo

    planning = PlanningIn.model_validate({"procedure": "sas", "anchor": "signed", "dependencies": [
        {"from": "letters", "to": "standstill", "rules": ["alcatel-standstill"]},
        {"from": "standstill", "to": "signed", "rules": ["signing-after-standstill"]}]})
    points = [PointInfo(k, k, "milestone", D(2025, 12, 31), (), False) for k in ("letters", "standstill", "signed")]
    plan = Plan.build(planning, points)
    by_edge = {(e.before, e.after): e for e in plan.edges}
    letters = D(2025, 10, 15)
    standstill = by_edge[("letters", "standstill")].gap_after(letters)
    assert standstill == clock.standstill_end(letters) == D(2025, 11, 4)
    assert by_edge[("standstill", "signed")].gap_after(standstill) == clock.first_signing_day(letters)
    # backwards from a signing on 31 December 2025: letters no later than 10 December
    latest = by_edge[("letters", "standstill")].gap_before(by_edge[("standstill", "signed")].gap_before(D(2025, 12, 31)))
    assert latest == clock.latest_sending_for_signing(D(2025, 12, 31)) == D(2025, 12, 10)


def test_the_holiday_cache_gives_the_packages_days_and_a_damaged_cache_is_ignored(tmp_path, monkeypatch):
    from models.core import clock as c

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    c._holiday_table.cache_clear()
    c._holidays.cache_clear()
    try:
        for year in (2021, 2024, 2025, 2026):
            assert c._holidays(year) == c._package_holidays([year]), year
        cached = tmp_path / "regie" / "holidays-nl.json"
        assert cached.exists() and "2025-04-21" in cached.read_text(encoding="utf-8")  # Tweede paasdag
        cached.write_text("{niet: json", encoding="utf-8")
        c._holiday_table.cache_clear()
        c._holidays.cache_clear()
        assert c.holiday_name(dt.date(2025, 12, 25)) == c._package_holidays([2025])[dt.date(2025, 12, 25)]
        assert c._holidays(2150) == c._package_holidays([2150])  # outside the cached years: the package answers
    finally:
        c._holiday_table.cache_clear()
        c._holidays.cache_clear()
