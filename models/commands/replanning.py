"""Planning a programme in the register: check it, plan from a template, re-plan with cascade, what-if."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from models.core import clock
from models.commands.identity import authorize, stamp
from models.facts.entities import PlanRevision
from models.facts.chain import seal
from models.core.inputs import clean_text
from models.rules.planning import (
    Adjustment,
    Plan,
    PlanningError,
    Violation,
    shift_between,
    shift_date,
)
from models.facts.lookup import get_programme
from models.rules.evaluation import Evaluation, evaluation_plan, plan_points, recorded_dates  # noqa: F401 - read from here by many
from models.views.status import evaluate
from models.core.vocabulary import PERIOD_PHASES


def programme_plan(session: Session, key: str, as_of: dt.date | None = None, ev: Evaluation | None = None) -> Plan:
    return evaluation_plan(ev or evaluate(session, key, as_of or clock.today()))


def check_programme(session: Session, key: str, as_of: dt.date | None = None) -> list[Violation]:
    """The plan's dates and the register's recorded dates against the period rules."""
    ev = evaluate(session, key, as_of or clock.today())
    plan = programme_plan(session, key, ev=ev)
    return plan.check() + plan.check_recorded(recorded_dates(ev))


@dataclass(frozen=True)
class Moved:
    point: str
    old: dt.date
    new: dt.date


@dataclass(frozen=True)
class Replan:
    change: str | None  # None for a what-if
    moved: tuple[Moved, ...]
    violations: tuple[Violation, ...]
    adjustments: tuple[Adjustment, ...] = ()
    phases: tuple[Moved, ...] = ()  # phase windows that moved ("fase-3-begin", "fase-3-einde")


def _cascade(session: Session, key: str, point: str, to: dt.date, mode: str,
             as_of: dt.date | None = None) -> tuple[Plan, tuple[Moved, ...]]:
    today = as_of or clock.today()
    clock.parse_date(to, field="--to")  # within the years a plan can have
    if to < today:
        raise PlanningError(f"{clock.dutch_date(to)} ligt in het verleden (vandaag is {clock.dutch_date(today)}); "
                            "herplannen kan alleen naar vandaag of later")
    plan = programme_plan(session, key, today)
    moves = plan.cascade(point, to, mode)
    ordered = [k for k in plan.order() if k in moves]
    return plan, tuple(Moved(k, *moves[k]) for k in ordered)


def _phase_moves(session: Session, key: str, plan: Plan, point: str, moved: tuple[Moved, ...],
                 mode: str) -> tuple[Moved, ...]:
    """Phase windows that move with their points.

    shift: a phase all of whose points moved shifts along by the same months or days. Then every
    phase stretches to hold its points, a phase without points (implementation) fills the time
    between its neighbours, and where two phases would overlap the earlier one ends the day before
    the later one begins. A phase keeps any point that did not move (the contract start).
    """
    prog = get_programme(session, key)
    phase_of = {dp.key: dp.phase for dp in prog.decision_points if dp.track == "programme"}  # not the contracts
    windows = {ph.number: [ph.planned_start, ph.planned_end] for ph in prog.phases}
    old = {n: tuple(w) for n, w in windows.items()}
    new_date = {dp.key: dp.planned_date for dp in prog.decision_points} | {m.point: m.new for m in moved}
    moved_keys = {m.point for m in moved}
    members = {n: [k for k, ph in phase_of.items() if ph == n] for n in windows}
    asked = next((m for m in moved if m.point == point), None)
    if mode == "shift" and asked is not None:
        months, days = shift_between(asked.old, asked.new)
        for n, w in windows.items():
            if members[n] and all(k in moved_keys for k in members[n]):
                w[0], w[1] = shift_date(w[0], months, days), shift_date(w[1], months, days)
    for n, keys in members.items():
        for k in keys:
            windows[n][0] = min(windows[n][0], new_date[k])
            windows[n][1] = max(windows[n][1], new_date[k])
    numbers = sorted(windows)
    for before, n, after in zip(numbers, numbers[1:], numbers[2:]):
        if not members[n] or n in PERIOD_PHASES:  # a period (implementation): from the one phase to the next
            windows[n][0] = min([windows[before][1] + dt.timedelta(days=1)] + [new_date[k] for k in members[n]])
            windows[n][1] = max([windows[n][0], windows[after][0] - dt.timedelta(days=1)]
                                + [new_date[k] for k in members[n]])
    for prev, nxt in zip(numbers, numbers[1:]):
        if windows[nxt][0] <= windows[prev][1]:
            last_point = max((new_date[k] for k in members[prev]), default=windows[prev][0])
            windows[prev][1] = max(last_point, windows[nxt][0] - dt.timedelta(days=1))
            if windows[nxt][0] <= windows[prev][1]:
                windows[nxt][0] = windows[prev][1] + dt.timedelta(days=1)
    out = []
    for n in numbers:
        for i, word in enumerate(("begin", "einde")):
            if windows[n][i] != old[n][i]:
                out.append(Moved(f"fase-{n}-{word}", old[n][i], windows[n][i]))
    return tuple(out)


def what_if(session: Session, key: str, point: str, to: dt.date, mode: str = "minimal",
            as_of: dt.date | None = None) -> Replan:
    """The cascade and the rule violations of a move, without writing anything."""
    plan, moved = _cascade(session, key, point, to, mode, as_of)
    dates = {k: p.date for k, p in plan.points.items()} | {m.point: m.new for m in moved}
    return Replan(None, moved, tuple(plan.check(dates)), tuple(plan.adjustments),
                  _phase_moves(session, key, plan, point, moved, mode))


def replan(
    session: Session, *, programme: str, point: str, to: dt.date, reason: str, recorded_by: str,
    mode: str = "minimal",
) -> Replan:
    """Move a date and everything that must move with it; kept as append-only plan revisions."""
    reason = clean_text(reason, "reden (--reason)", 2000, required=(
        "reden ontbreekt (--reason): een herplanning wordt altijd met reden vastgelegd"))
    clean_text(recorded_by, "naam (--by)", 200)
    get_programme(session, programme)  # an unknown programme is named before anything else
    _, recorded_by = authorize(session, "replan", typed_name=recorded_by)
    recorded_as, now = stamp(session)
    plan, moved = _cascade(session, programme, point, to, mode)
    phases = _phase_moves(session, programme, plan, point, moved, mode)
    prog = get_programme(session, programme)
    change = uuid.uuid4().hex[:12]
    rows = {dp.key: dp for dp in prog.decision_points}
    windows = {ph.number: ph for ph in prog.phases}
    for m in phases:
        _, number, word = m.point.split("-")
        setattr(windows[int(number)], "planned_start" if word == "begin" else "planned_end", m.new)
    for m in moved + phases:
        if m.point in rows:
            rows[m.point].planned_date = m.new
        revision = PlanRevision(
            programme_id=prog.id, change=change, point_key=m.point, old_date=m.old, new_date=m.new, cause=point,
            mode=mode, reason=reason, recorded_by=recorded_by, recorded_as=recorded_as, recorded_at=now,
        )
        seal(session, revision)
        session.add(revision)
        session.flush()  # the next revision chains to this one
    session.flush()
    dates = {k: p.date for k, p in plan.points.items()} | {m.point: m.new for m in moved}
    return Replan(change, moved, tuple(plan.check(dates)), tuple(plan.adjustments), phases)


# --- backward planning from a template ------------------------------------------------------------


def plan_backwards(session: Session, template: str, contract_start: dt.date, as_of: dt.date | None = None) -> dict:
    """The latest date of every step before `contract_start`, its slack against the template's own
    dates (moved by the same distance as the contract start), the binding rule and the critical path.

    `template` is any loaded programme. A latest date before `as_of` (today) cannot be reached
    any more: it is marked unreachable with the days short, never given slack.
    """
    today = as_of or clock.today()
    clock.parse_date(contract_start, field="--contract-start")
    get_programme(session, template)  # a clear error for an unknown programme
    ev = evaluate(session, template, today)
    plan = programme_plan(session, template, ev=ev)
    plan.points = {k: replace(p, decided=False) for k, p in plan.points.items()}  # a template: every step anew
    anchor = plan.points[plan.planning.anchor]
    shift = contract_start - anchor.date
    latest = plan.backward(contract_start)
    rows = []
    after_start = {dp.key for dp, _, _ in ev.points if dp.track == "contract"}  # the contracts' own points
    before: dict[str, list[str]] = {}
    for e in plan.edges:
        before.setdefault(e.after, []).append(e.before)
    lost: dict[str, str] = {}  # point -> why its latest date cannot be made any more
    for key in plan.order():
        if key in after_start:
            continue
        point = plan.points[key]
        bound, edge = latest.get(key, (None, None))
        planned = point.date + shift
        taken = plan.meeting_date(point, planned)  # a deadline is met at the last meeting before it
        cutoff = None
        if bound and point.body_decision and point.bodies:
            cutoff = plan.meetings_of(point.bodies[0]).agenda_cutoff(bound)
        short = (today - bound).days if bound is not None and bound < today else 0
        if short:
            lost[key] = f"{short} dagen te kort"
        elif cutoff is not None and cutoff < today:
            short = (today - cutoff).days
            lost[key] = f"de agendasluiting ({clock.dutch_date(cutoff)}) is voorbij"
        elif bound is not None:
            gone = next((b for b in before.get(key, []) if b in lost), None)
            if gone is not None:  # what comes first cannot make its date: this one cannot make its own
                lost[key] = f"wacht op '{plan.points[gone].title}', dat onhaalbaar is"
        unreachable = key in lost
        row = {
            "key": key, "title": point.title, "kind": point.kind,
            "planned": planned.isoformat(), "latest": bound.isoformat() if bound else None,
            "slack_days": (bound - taken).days if bound and not unreachable else None,
            "slack_working_days": clock.working_days_between(taken, bound) if bound and not unreachable else None,
            "unreachable": unreachable, "why_unreachable": lost.get(key),
            "days_short": short,
            "binding": None, "agenda_cutoff": None,
        }
        if edge is not None:
            row["binding"] = {"to": edge.after, "rules": [
                {"key": r.key, "title": r.title, "gap": r.gap.describe(), "source": r.source, "version": r.version}
                for r in edge.rules]}
        if cutoff is not None:
            row["agenda_cutoff"] = cutoff.isoformat()
        rows.append(row)
    path = _critical_path(plan, latest)
    return {"template": template, "contract_start": contract_start.isoformat(), "procedure": plan.planning.procedure,
            "as_of": today.isoformat(), "points": rows, "critical_path": path,
            "reachable": not any(r["unreachable"] for r in rows)}


def _critical_path(plan: Plan, latest: dict) -> list[str]:
    """The chain of binding rules from the first constrained point to the anchor."""
    order = [k for k in plan.order() if latest.get(k, (None, None))[1] is not None]
    if not order:
        return [plan.planning.anchor]
    path = [order[0]]
    while (edge := latest[path[-1]][1]) is not None:
        path.append(edge.after)
    return path
