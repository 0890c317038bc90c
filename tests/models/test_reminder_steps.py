"""The reminder rule on plain dates: which step is due on a day, weekends and holidays moved on."""

from __future__ import annotations

import datetime as dt

import pytest

from models.core import clock
from models.rules.reminders import PolicySet, ReminderPolicy, schedule, step_on
from models.core.vocabulary import Kind

D = dt.date
POLICY = ReminderPolicy()  # 28, 14, 7, 2, 0 calendar days; overdue every 5 working days
GO_NO_GO = D(2024, 11, 5)  # a Tuesday


@pytest.mark.parametrize(
    "as_of, step",
    [
        (D(2024, 10, 7), None),
        (D(2024, 10, 8), "before-28"),
        (D(2024, 10, 21), "before-28"),  # nothing new: the ledger skips what was sent
        (D(2024, 10, 22), "before-14"),
        (D(2024, 11, 1), "before-2"),  # the 2-day step falls on Sunday 3 November: it goes out the Friday before
        (D(2024, 11, 4), "before-2"),
        (D(2024, 11, 5), "before-0"),
        (D(2024, 11, 6), "overdue-1"),
        (D(2024, 11, 12), "overdue-1"),
        (D(2024, 11, 13), "overdue-2"),  # 5 working days later
        (D(2024, 11, 20), "overdue-3"),
    ],
)
def test_step_on(as_of, step):
    found = step_on(GO_NO_GO, POLICY, as_of)
    assert (found.key if found else None) == step


def test_a_countdown_step_on_a_holiday_goes_out_the_working_day_before():
    due = D(2024, 12, 27)  # Friday after Christmas
    days = {s.key: s.send_on for s in schedule(due, ReminderPolicy(before=(2, 0)), D(2025, 1, 10))}
    assert days["before-2"] == D(2024, 12, 24)  # 25 December (Christmas) -> the 24th: early, never late
    assert days["before-0"] == D(2024, 12, 27)
    assert days["overdue-1"] == D(2024, 12, 30)
    assert days["overdue-2"] == D(2025, 1, 7)  # 1 January is a holiday


def test_working_day_policy_counts_working_days():
    days = {s.key: s.send_on for s in schedule(GO_NO_GO, ReminderPolicy(before=(10,), working_days=True), GO_NO_GO)}
    assert days["before-10"] == D(2024, 10, 22)
    assert clock.working_days_between(D(2024, 10, 22), GO_NO_GO) == 10


@pytest.mark.parametrize(
    "day, working",
    [(D(2024, 11, 2), False), (D(2024, 11, 4), True), (D(2024, 12, 25), False), (D(2025, 4, 21), False),
     (D(2025, 4, 26), False), (D(2025, 5, 29), False), (D(2025, 6, 9), False), (D(2025, 6, 10), True)],
)
def test_working_days(day, working):
    assert clock.is_working_day(day) is working


def test_policy_per_kind_and_validation():
    policies = PolicySet()
    assert policies.for_kind(Kind.MILESTONE).before == (14, 7, 0)
    assert policies.for_kind(Kind.GO_NO_GO).before == (28, 14, 7, 2, 0)
    with pytest.raises(ValueError, match="negatief"):
        ReminderPolicy(before=(-1,))


def test_a_date_due_on_new_year_s_day_is_met_on_the_2nd_and_late_from_the_next_working_day(session):
    """The contract start of 1 January 2026 (a public holiday) confirmed on Friday the 2nd is on time: the
    status and the reminders agree; from Monday the 5th it is late."""
    from models.core.vocabulary import Status
    from models.views.status import evaluate

    assert clock.met_by(dt.date(2026, 1, 1)) == dt.date(2026, 1, 2)
    assert clock.met_by(dt.date(2026, 1, 3)) == dt.date(2026, 1, 5)  # a Saturday
    assert clock.met_by(dt.date(2026, 1, 6)) == dt.date(2026, 1, 6)
    with session.begin():
        on_the_2nd = evaluate(session, "inkoop-2026", dt.date(2026, 1, 2))
        on_the_5th = evaluate(session, "inkoop-2026", dt.date(2026, 1, 5))
    assert on_the_2nd.verdict("contract-start").status is Status.OPEN
    assert on_the_5th.verdict("contract-start").status is Status.OVERDUE
    policy = PolicySet().for_kind(Kind.MILESTONE)
    on_time = step_on(dt.date(2026, 1, 1), policy, dt.date(2026, 1, 2))
    assert on_time is None or not on_time.overdue
    first_late = step_on(dt.date(2026, 1, 1), policy, dt.date(2026, 1, 5))
    assert first_late.overdue and first_late.send_on == dt.date(2026, 1, 5)
