"""The programme's state on a given day, built from the register by the rules: plain data out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.entities import Decision, DecisionPoint
from models.errors import InputError
from models.register import body_names, decisions_of, fact, get_point, get_programme, point_spec
from models.rules import PointVerdict, Verdict, current_phase, exit_gate, point_status
from models.vocabulary import KIND_LABELS, OUTCOME_LABELS, STATUS_LABELS, Kind


@dataclass(frozen=True)
class Evaluation:
    """Everything the rules say about one programme on one day."""

    programme: str
    name: str
    as_of: dt.date
    points: list[tuple[DecisionPoint, PointVerdict, tuple[str, ...]]]
    gates: dict[int, Verdict]


def evaluate(session: Session, key: str, as_of: dt.date | None = None) -> Evaluation:
    as_of = as_of or clock.today()
    programme = get_programme(session, key)
    names = body_names(session)
    points = []
    for dp in programme.decision_points:
        spec = point_spec(programme, dp, names)
        facts = [fact(d) for d in decisions_of(session, dp)]
        points.append((dp, point_status(spec, facts, as_of), spec.required_bodies))
    gates = {
        ph.number: exit_gate(ph.number, [v for dp, v, _ in points if dp.phase == ph.number])
        for ph in programme.phases
    }
    return Evaluation(programme.key, programme.name, as_of, points, gates)


def gate_verdict(session: Session, key: str, phase: int, as_of: dt.date | None = None) -> Verdict:
    evaluation = evaluate(session, key, as_of)
    if phase not in evaluation.gates:
        raise InputError(f"fase {phase} bestaat niet in {key} (fasen 0 tot en met 5)")
    return evaluation.gates[phase]


def status_report(session: Session, key: str, as_of: dt.date | None = None) -> dict:
    """The `regie status --json` document."""
    ev = evaluate(session, key, as_of)
    programme = get_programme(session, key)
    return {
        "programme": ev.programme,
        "name": ev.name,
        "as_of": ev.as_of.isoformat(),
        "current_phase": current_phase(ev.gates),
        "phases": [
            {
                "number": ph.number,
                "name": ph.name,
                "planned_start": ph.planned_start.isoformat(),
                "planned_end": ph.planned_end.isoformat(),
                "exit_gate": "open" if ev.gates[ph.number].ok else "shut",
                "reason": ev.gates[ph.number].reason,
            }
            for ph in programme.phases
        ],
        "decision_points": [
            {
                "key": dp.key,
                "kind": dp.kind,
                "title": dp.title,
                "phase": dp.phase,
                "due": dp.planned_date.isoformat(),
                "due_nl": clock.dutch_date(dp.planned_date),
                "status": verdict.status.value,
                "status_nl": STATUS_LABELS[verdict.status],
                "required_bodies": list(required),
                "missing_bodies": list(verdict.missing),
                "reason": verdict.reason,
            }
            for dp, verdict, required in ev.points
        ],
    }


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
                "point_kind": KIND_LABELS[Kind(d.decision_point.kind)],
                "body": d.body.slug,
                "outcome": d.outcome,
                "outcome_nl": OUTCOME_LABELS[d.outcome],
                "decided_on": d.decided_on.isoformat(),
                "reference": d.reference,
                "reservation": d.reservation,
                "lifts": d.lifts_id,
                "supersedes": d.supersedes_id,
                "recorded_by": d.recorded_by,
                "recorded_at": d.recorded_at.isoformat(),
                "via": d.via,
                "state": state,
                "ended_by": by,
            }
        )
    return out
