"""Reminder policy as data and the rule that says which reminder is due on a day."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.core import clock
from models.core.vocabulary import Kind


class ReminderPolicy(BaseModel):
    """When to remind before a due date, and how often to repeat once it has passed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    before: tuple[int, ...] = Field(default=(28, 14, 7, 2, 0), max_length=20, description="days before the due date")
    working_days: bool = Field(default=False, description="count `before` in working days")
    overdue_every: int = Field(default=5, ge=1, le=260, description="working days between overdue notices")
    overdue_limit: int = Field(default=60, ge=1, le=520,
                               description="working days after the due date: then a final notice, and silence")

    @field_validator("before")
    @classmethod
    def _sorted(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(v < 0 for v in value):
            raise ValueError("dagen voor de deadline kunnen niet negatief zijn")
        if any(v > 366 for v in value):
            raise ValueError("ten hoogste 366 dagen voor de deadline")
        if len(set(value)) != len(value):
            raise ValueError("elke dag mag maar één keer voorkomen")
        return tuple(sorted(value, reverse=True))


class PolicySet(BaseModel):
    """A programme's policies: one default, and one per kind of decision where it differs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True  # a finished, historic programme sends no reminders
    # false: the programme explicitly has nobody to tell of a recorded decision, so its announcements are not
    # owed (otherwise one stays owed until a process with a recipient for it sends it)
    announcements: bool = True
    # the schedule risk: below this chance of starting the contracts on time (0 to 1) the procurement lead and the
    # programme office are warned, once a week while it stays below; none: no warning
    risk_warning_below: float | None = Field(default=None, ge=0, le=1)
    defaults: ReminderPolicy = ReminderPolicy()
    kinds: dict[Kind, ReminderPolicy] = {Kind.MILESTONE: ReminderPolicy(before=(14, 7, 0))}

    def for_kind(self, kind: Kind) -> ReminderPolicy:
        return self.kinds.get(kind, self.defaults)


_LAST_POLICY: list = [None, None]  # (the raw dict, its policy): the reader shares one dict per distinct text


def policy_set(raw: dict | None) -> PolicySet:
    """A programme's reminder policy, validated once per distinct content (and the same dict, as the programmes
    of one read share it, not even serialised again: this keeps a reference, so its id is not reused)."""
    if raw is not None and _LAST_POLICY[0] is raw:
        return _LAST_POLICY[1]
    policy = _policy_from_json(json.dumps(raw or {}, sort_keys=True))
    if raw is not None:
        _LAST_POLICY[:] = [raw, policy]
    return policy


@lru_cache(maxsize=1024)
def _policy_from_json(text: str) -> PolicySet:
    return PolicySet.model_validate_json(text)


@dataclass(frozen=True)
class Step:
    key: str  # "before-14", "overdue-2"
    overdue: bool
    send_on: dt.date  # a working day
    nominal: dt.date  # before moving off a weekend or holiday


@lru_cache(maxsize=16384)
def before_steps(due: dt.date, policy: ReminderPolicy) -> tuple[Step, ...]:
    steps = []
    for days in policy.before:
        nominal = clock.add_working_days(due, -days) if policy.working_days else due - dt.timedelta(days=days)
        # a countdown step on a weekend or holiday goes out the working day before: early, never late
        steps.append(Step(f"before-{days}", False, clock.previous_working_day(nominal), nominal))
    return tuple(steps)


def overdue_step(due: dt.date, policy: ReminderPolicy, number: int) -> Step:
    first = clock.next_working_day(clock.met_by(due) + dt.timedelta(days=1))
    send_on = clock.add_working_days(first, (number - 1) * policy.overdue_every)
    return Step(f"overdue-{number}", True, send_on, send_on)


def final_step(due: dt.date, policy: ReminderPolicy) -> Step:
    """The last notice, `overdue_limit` working days after the due date; after it, silence."""
    first = clock.next_working_day(clock.met_by(due) + dt.timedelta(days=1))
    send_on = clock.add_working_days(first, policy.overdue_limit - 1)
    return Step("overdue-final", True, send_on, send_on)


@lru_cache(maxsize=65536)
def step_on(due: dt.date, policy: ReminderPolicy, as_of: dt.date, countdown_to: dt.date | None = None) -> Step | None:
    """The latest reminder step whose day has come by `as_of` (a missed day is caught up once).

    `countdown_to`: the day the before-steps count down to (a college's agenda cut-off), if not the due date.
    Kept per distinct question (all of it immutable: dates, a frozen policy, the fixed calendar): a sweep asks
    the same few for every programme that shares its plan.
    """
    target = countdown_to or due
    # a before-step pushed past the due date by a weekend is covered by the first overdue notice
    candidates = [s for s in before_steps(target, policy) if s.send_on <= min(as_of, due)]
    first_overdue = overdue_step(due, policy, 1)
    final = final_step(due, policy)
    if as_of >= final.send_on:
        candidates.append(final)
    elif as_of >= first_overdue.send_on:
        passed = clock.working_days_between(first_overdue.send_on, as_of)
        candidates.append(overdue_step(due, policy, 1 + passed // policy.overdue_every))
    if not candidates:
        return None
    return max(candidates, key=lambda s: (s.send_on, s.overdue))


def schedule(due: dt.date, policy: ReminderPolicy, until: dt.date) -> list[Step]:
    """Every step up to `until`, for planning views and tests."""
    steps = [s for s in before_steps(due, policy) if s.send_on <= until]
    final = final_step(due, policy)
    number = 1
    while (step := overdue_step(due, policy, number)).send_on <= until and step.send_on < final.send_on:
        steps.append(step)
        number += 1
    if final.send_on <= until:
        steps.append(final)
    return sorted(steps, key=lambda s: (s.send_on, s.overdue))


def step_words(key: str) -> str:
    """A reminder step as a person reads it: 'before-14' is '14 dagen vooraf', 'overdue-5' '5 werkdagen te laat'."""
    kind, _, number = key.partition("-")
    if kind.isdigit() and number.startswith("W"):  # the weekly risk warning: '2024-W40' is 'week 40 van 2024'
        return f"week {int(number[1:])} van {kind}"
    if kind == "before":
        return "op de dag zelf" if number == "0" else f"{number} {'dag' if number == '1' else 'dagen'} vooraf"
    if kind == "overdue":
        if number == "final":
            return "laatste melding"
        return f"{number} {'werkdag' if number == '1' else 'werkdagen'} te laat"
    return key
