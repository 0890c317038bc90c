"""Planning a programme in the register: check it, plan from a template, re-plan with cascade, what-if."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import clock
from models.entities import PlanRevision
from models.errors import InputError
from models.planning import Plan, PlanningError, PlanningIn, PointInfo, Violation
from models.programme_file import BUILTIN_DIR, ProgrammeIn, read_programme_file
from models.register import get_programme
from models.status import evaluate
from models.vocabulary import BESTUURDERS, DecidedBy, Kind


def programme_plan(session: Session, key: str) -> Plan:
    programme = get_programme(session, key)
    if not programme.planning:
        raise PlanningError(f"{key} heeft geen planning (sectie 'planning' in het programmabestand)")
    ev = evaluate(session, key, clock.today())
    points = [
        PointInfo(dp.key, dp.title, dp.kind, dp.planned_date, spec.required_bodies, dp.kind != Kind.MILESTONE.value,
                  dp.providers, decided=verdict.ok)
        for dp, spec, verdict in ev.points
    ]
    return Plan.build(PlanningIn.model_validate(programme.planning), points)


def check_programme(session: Session, key: str) -> list[Violation]:
    return programme_plan(session, key).check()


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


def _cascade(session: Session, key: str, point: str, to: dt.date, mode: str) -> tuple[Plan, tuple[Moved, ...]]:
    if to < clock.today():
        raise PlanningError(f"{clock.dutch_date(to)} ligt in het verleden; herplannen kan alleen naar vandaag of later")
    plan = programme_plan(session, key)
    moves = plan.cascade(point, to, mode)
    ordered = [k for k in plan.order() if k in moves]
    return plan, tuple(Moved(k, *moves[k]) for k in ordered)


def what_if(session: Session, key: str, point: str, to: dt.date, mode: str = "minimal") -> Replan:
    """The cascade and the rule violations of a move, without writing anything."""
    plan, moved = _cascade(session, key, point, to, mode)
    dates = {k: p.date for k, p in plan.points.items()} | {m.point: m.new for m in moved}
    return Replan(None, moved, tuple(plan.check(dates)))


def replan(
    session: Session, *, programme: str, point: str, to: dt.date, reason: str, recorded_by: str,
    mode: str = "minimal",
) -> Replan:
    """Move a date and everything that must move with it; kept as append-only plan revisions."""
    if not (reason or "").strip():
        raise InputError("reden ontbreekt (--reason): een herplanning wordt altijd met reden vastgelegd")
    if not (recorded_by or "").strip():
        raise InputError("naam ontbreekt (--by)")
    plan, moved = _cascade(session, programme, point, to, mode)
    prog = get_programme(session, programme)
    change = uuid.uuid4().hex[:12]
    rows = {dp.key: dp for dp in prog.decision_points}
    now = clock.utcnow()
    for m in moved:
        rows[m.point].planned_date = m.new
        session.add(PlanRevision(
            programme_id=prog.id, change=change, point_key=m.point, old_date=m.old, new_date=m.new, cause=point,
            mode=mode, reason=reason.strip(), recorded_by=recorded_by.strip(), recorded_at=now,
        ))
    session.flush()
    dates = {k: p.date for k, p in plan.points.items()} | {m.point: m.new for m in moved}
    return Replan(change, moved, tuple(plan.check(dates)))


# --- backward planning from a template ------------------------------------------------------------


def template_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def read_template(name: str) -> ProgrammeIn:
    if name not in template_names():
        raise InputError(f"onbekend sjabloon '{name}' (bekend: {', '.join(template_names())})")
    programme, _ = read_programme_file(BUILTIN_DIR / f"{name}.yaml")
    if programme.planning is None:
        raise PlanningError(f"sjabloon '{name}' heeft geen planning")
    return programme


def _template_plan(programme: ProgrammeIn) -> Plan:
    colleges = tuple(sorted(programme.municipalities))
    bodies = {DecidedBy.COLLEGES: colleges, DecidedBy.PENVOERDER: (programme.penvoerder,),
              DecidedBy.BESTUURDERS: (BESTUURDERS,)}
    points = [
        PointInfo(dp.key, dp.title, dp.kind.value, dp.date, bodies[dp.decided_by], dp.kind is not Kind.MILESTONE,
                  dp.providers)
        for dp in programme.decision_points
    ]
    return Plan.build(programme.planning, points)


def plan_backwards(template: str, contract_start: dt.date) -> dict:
    """The latest date of every step before `contract_start`, its slack against the template's own
    dates (moved by the same distance as the contract start), the binding rule and the critical path."""
    programme = read_template(template)
    plan = _template_plan(programme)
    anchor = plan.points[plan.planning.anchor]
    shift = contract_start - anchor.date
    latest = plan.backward(contract_start)
    rows = []
    for key in plan.order():
        point = plan.points[key]
        bound, edge = latest.get(key, (None, None))
        planned = point.date + shift
        taken = plan.meeting_date(point, planned)  # a deadline is met at the last meeting before it
        row = {
            "key": key, "title": point.title, "kind": point.kind,
            "planned": planned.isoformat(), "latest": bound.isoformat() if bound else None,
            "slack_days": (bound - taken).days if bound else None,
            "slack_working_days": clock.working_days_between(taken, bound) if bound else None,
            "binding": None, "agenda_cutoff": None,
        }
        if edge is not None:
            row["binding"] = {"to": edge.after, "rules": [
                {"key": r.key, "title": r.title, "gap": r.gap.describe(), "source": r.source, "version": r.version}
                for r in edge.rules]}
        if bound and point.body_decision and point.bodies:
            meetings = plan.meetings_of(point.bodies[0])
            row["agenda_cutoff"] = meetings.agenda_cutoff(bound).isoformat()
        rows.append(row)
    path = _critical_path(plan, latest)
    return {"template": template, "contract_start": contract_start.isoformat(), "procedure": plan.planning.procedure,
            "points": rows, "critical_path": path}


def _critical_path(plan: Plan, latest: dict) -> list[str]:
    """The chain of binding rules from the first constrained point to the anchor."""
    order = [k for k in plan.order() if latest.get(k, (None, None))[1] is not None]
    if not order:
        return [plan.planning.anchor]
    path = [order[0]]
    while (edge := latest[path[-1]][1]) is not None:
        path.append(edge.after)
    return path
