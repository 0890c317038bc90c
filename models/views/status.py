"""The programme's state on a given day, built from the register by the rules: plain data out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError
from models.core.vocabulary import KIND_LABELS, OUTCOME_LABELS, OUTCOMES_BY_KIND, Kind, Status
from models.facts.entities import Decision, DecisionPoint
from models.facts.lookup import get_point, get_programme
from models.facts.reader import Reader, read_overrides, read_revisions
from models.facts.snapshot import body_names, load_snapshot
from models.rules.decisions import Verdict, describe_bodies
from models.rules.evaluation import Evaluation, evaluate_snapshot
from models.rules.planning import PlanningError, planning_model


def evaluate(session: Session, key: str, as_of: dt.date | None = None) -> Evaluation:
    """The programme on `as_of`, from the register as it stood that day (decisions taken by then)."""
    return evaluate_snapshot(load_snapshot(session, key), as_of or clock.today(), body_names(session))


def gate_verdict(session: Session, key: str, phase: int, as_of: dt.date | None = None) -> Verdict:
    evaluation = evaluate(session, key, as_of)
    if phase not in evaluation.gates:
        raise InputError(f"fase {phase} bestaat niet in {key} (fasen 0 tot en met 5)")
    return evaluation.gates[phase]


def status_report(session: Session, key: str, as_of: dt.date | None = None, ev: Evaluation | None = None) -> dict:
    """The `regie status --json` document (from `ev` when the caller has evaluated already)."""
    from models.views.report import plain_status_report

    return plain_status_report(Reader.of(session), key, as_of, ev)


def decision_history(session: Session, key: str, point: str | None = None) -> list[dict]:
    """The register, oldest first, with what superseded or lifted each entry."""
    programme = get_programme(session, key)
    query = (
        select(Decision)
        .join(Decision.decision_point)
        .where(DecisionPoint.programme_id == programme.id)
        .order_by(Decision.id)
    )
    if point is not None:
        query = query.where(DecisionPoint.id == get_point(session, programme, point).id)
    rows = list(session.scalars(query))
    names = body_names(session)
    ended_by = {}
    for d in rows:
        if d.supersedes_id:
            ended_by[d.supersedes_id] = ("superseded", d.id)
        if d.lifts_id:
            ended_by[d.lifts_id] = ("lifted", d.id)
    out = []
    for d in rows:
        state, by = ended_by.get(d.id, ("standing", None))
        out.append(
            {
                "id": d.id,
                "point": d.decision_point.key,
                "point_title": d.decision_point.title,
                "point_kind": KIND_LABELS[Kind(d.decision_point.kind)],
                "body": d.body.slug,
                "body_name": describe_bodies([d.body.slug], names),
                "extra_meeting": bool(d.extra_meeting),
                "outcome": d.outcome,
                "outcome_nl": OUTCOME_LABELS[d.outcome],
                "decided_on": d.decided_on.isoformat(),
                "reference": d.reference,
                "reservation": d.reservation,
                "lifts": d.lifts_id,
                "supersedes": d.supersedes_id,
                "recorded_by": d.recorded_by,
                "recorded_as": d.recorded_as,
                "recorded_at": d.recorded_at.isoformat(),
                "via": d.via,
                "state": state,
                "ended_by": by,
            }
        )
    return out


@dataclass(frozen=True)
class PointState:
    key: str
    kind: str
    title: str
    phase: int
    due: dt.date
    status: str
    reason: str
    required: tuple[str, ...]
    missing: tuple[str, ...]
    missing_names: tuple[str, ...]
    who: str
    outcomes: tuple[str, ...]
    reserved_bodies: tuple[str, ...]
    passed_over: bool  # a manual transition moved past it
    reserved_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhaseSnapshot:
    """One phase on one day: what the flows act on, the notifications tell and the UI shows."""

    programme: str
    programme_name: str
    number: int
    name: str
    planned_start: dt.date
    planned_end: dt.date
    entry_open: bool
    entry_reason: str
    exit_open: bool
    exit_reason: str
    points: tuple[PointState, ...]
    next_phase: tuple[int, str, dt.date] | None

    @property
    def blocking(self) -> PointState | None:
        """The first point, in plan order, that keeps the exit shut."""
        if self.exit_open:
            return None
        settled = (Status.SATISFIED.value, Status.STOPPED.value, Status.LAPSED.value)  # nothing is owed on a point whose lots stopped
        return next((p for p in self.points if p.status not in settled and not p.passed_over), None)

    @property
    def stopped(self) -> bool:
        return self.blocking is not None and self.blocking.status == Status.REJECTED.value


def phase_snapshot(session: Session, key: str, number: int, as_of: dt.date | None = None,
                   ev: Evaluation | None = None) -> PhaseSnapshot:
    ev = ev or evaluate(session, key, as_of)
    programme = ev.snapshot
    phases = {ph.number: ph for ph in programme.phases}
    if number not in phases:
        raise InputError(f"fase {number} bestaat niet in {key} (fasen 0 tot en met 5)")
    names = ev.names
    points = tuple(
        PointState(
            key=dp.key,
            kind=dp.kind,
            title=dp.title,
            phase=dp.phase,
            due=dp.planned_date,
            status=verdict.status.value,
            reason=verdict.reason,
            required=spec.required_bodies,
            missing=verdict.missing,
            missing_names=tuple(describe_bodies([b], names) for b in verdict.missing),
            who=describe_bodies(spec.required_bodies, names),
            outcomes=tuple(o.value for o in OUTCOMES_BY_KIND[Kind(dp.kind)]),
            reserved_bodies=tuple(f.body for f in verdict.open_reservations),
            passed_over=dp.key in ev.passed_over,
            reserved_names=tuple(describe_bodies([f.body], names) for f in verdict.open_reservations),
        )
        for dp, spec, verdict in ev.points
        if dp.phase == number and dp.track == "programme"
    )
    entry = ev.gates[number - 1] if number > 0 else Verdict(True, "fase 0 heeft geen ingang")
    nxt = phases.get(number + 1)
    return PhaseSnapshot(
        programme=key,
        programme_name=programme.name,
        number=number,
        name=phases[number].name,
        planned_start=phases[number].planned_start,
        planned_end=phases[number].planned_end,
        entry_open=entry.ok,
        entry_reason=entry.reason,
        exit_open=ev.gates[number].ok,
        exit_reason=ev.gates[number].reason,
        points=points,
        next_phase=(nxt.number, nxt.name, nxt.planned_start) if nxt else None,
    )


def revision_history(session: Session, key: str) -> list[dict]:
    return read_revisions(Reader.of(session), get_programme(session, key).id)


def override_history(session: Session, programme: str, as_of: dt.date | None = None) -> list[dict]:
    return read_overrides(Reader.of(session), get_programme(session, programme).id, as_of)


def proposed_date(session: Session, programme: str, point: PointState) -> str:
    """The date a form proposes: the last meeting, on or before today and the due date, of the first body waited for."""
    prog = get_programme(session, programme)
    day = min(clock.today(), point.due) if point.kind != "milestone" else clock.today()
    bodies = point.missing or point.reserved_bodies
    if not prog.planning or not bodies or point.kind == "milestone":
        return day.isoformat()
    try:
        planning = planning_model(prog.planning)
        meetings = planning.body_meetings.get(bodies[0], planning.meetings)
        return meetings.meeting_on_or_before(day).isoformat()
    except PlanningError:
        return day.isoformat()


