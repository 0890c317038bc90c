"""The decision register: look things up, and record a decision through the one path with all checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.entities import Decision, DecisionPoint, GoverningBody, Lot, Programme, Segment
from models.errors import InputError, NotFound
from models.rules import DecisionFact, DecisionRefused, PointSpec, check_decision, required_bodies
from models.vocabulary import BESTUURDERS, DecidedBy, Kind, Outcome


def get_programme(session: Session, key: str) -> Programme:
    programme = session.scalar(select(Programme).where(Programme.key == key))
    if programme is None:
        known = ", ".join(session.scalars(select(Programme.key).order_by(Programme.key))) or "geen"
        raise NotFound(f"onbekend programma '{key}' (bekend: {known})")
    return programme


def get_point(session: Session, programme: Programme, key: str, *, lock: bool = False) -> DecisionPoint:
    query = select(DecisionPoint).where(DecisionPoint.programme_id == programme.id, DecisionPoint.key == key)
    if lock:
        query = query.with_for_update()
    point = session.scalar(query)
    if point is None:
        known = ", ".join(dp.key for dp in programme.decision_points)
        raise NotFound(f"onbekend besluitpunt '{key}' in {programme.key} (bekend: {known})")
    return point


def get_body(session: Session, slug: str) -> GoverningBody:
    body = session.scalar(select(GoverningBody).where(GoverningBody.slug == slug))
    if body is None:
        known = ", ".join(session.scalars(select(GoverningBody.slug).order_by(GoverningBody.slug)))
        raise NotFound(f"onbekend bestuursorgaan '{slug}' (bekend: {known})")
    return body


def body_names(session: Session) -> dict[str, str]:
    """Slug -> the short name a reason uses ('Aalten', 'bestuurders')."""
    names = {BESTUURDERS: "bestuurders"}
    for body in session.scalars(select(GoverningBody)):
        if body.municipality is not None:
            names[body.slug] = body.municipality.name
    return names


def scope_participants(programme: Programme, point: DecisionPoint) -> list[str]:
    """The municipalities taking part in the point's scope (its lots or segments, else the programme)."""
    if not point.scope:
        return [m.slug for m in programme.municipalities]
    units: dict[str, Lot | Segment] = {s.key: s for s in programme.segments}
    units.update({lot.key: lot for lot in programme.lots})
    return sorted({m.slug for key in point.scope for m in units[key].municipalities})


def point_spec(programme: Programme, point: DecisionPoint, names: dict[str, str]) -> PointSpec:
    bodies = required_bodies(
        DecidedBy(point.decided_by),
        participants=scope_participants(programme, point),
        penvoerder=programme.penvoerder.slug,
    )
    return PointSpec(
        key=point.key,
        kind=Kind(point.kind),
        title=point.title,
        phase=point.phase,
        due=point.planned_date,
        required_bodies=bodies,
        body_names=names,
    )


def decisions_of(session: Session, point: DecisionPoint) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.decision_point_id == point.id).order_by(Decision.id))
    )


def fact(decision: Decision) -> DecisionFact:
    return DecisionFact(
        id=decision.id,
        body=decision.body.slug,
        outcome=Outcome(decision.outcome),
        decided_on=decision.decided_on,
        reservation=decision.reservation,
        lifts_id=decision.lifts_id,
        supersedes_id=decision.supersedes_id,
    )


@dataclass(frozen=True)
class Recorded:
    """What `record_decision` did: the decision's id, and whether this call wrote it."""

    decision_id: int
    created: bool
    programme: str
    point: str
    body: str
    outcome: str


def _parse_outcome(value: str | Outcome) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise InputError(
            f"onbekende uitkomst '{value}' (kies uit: {', '.join(o.value for o in Outcome)})"
        ) from None


def _fingerprint(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def record_decision(
    session: Session,
    *,
    programme: str,
    point: str,
    body: str,
    outcome: str | Outcome,
    decided_on: str | dt.date,
    recorded_by: str,
    reference: str | None = None,
    reservation: str | None = None,
    lifts: int | None = None,
    supersedes: int | None = None,
    via: str = "cli",
) -> Recorded:
    """Append one decision, or raise InputError and write nothing.

    The same submission twice (a double click, a retried task) returns the first row instead of
    adding a second. The point's row is locked so two different submissions cannot both pass the
    'still missing' check.
    """
    if not (recorded_by or "").strip():
        raise InputError("vastgelegd door: naam ontbreekt (--by)")
    reference = (reference or "").strip() or None
    reservation = (reservation or "").strip() or None
    prog = get_programme(session, programme)
    dp = get_point(session, prog, point, lock=True)
    gb = get_body(session, body)
    result = _parse_outcome(outcome)
    try:
        day = clock.parse_date(decided_on, field="besluitdatum")
    except clock.DateError as exc:
        raise InputError(str(exc)) from None

    fingerprint = _fingerprint(
        programme=prog.key, point=dp.key, body=gb.slug, outcome=result.value, decided_on=day,
        reference=reference, reservation=reservation, lifts=lifts, supersedes=supersedes,
    )
    existing = session.scalar(select(Decision).where(Decision.fingerprint == fingerprint))
    if existing is not None:
        return Recorded(existing.id, False, prog.key, dp.key, gb.slug, existing.outcome)

    earlier = decisions_of(session, dp)
    own = {d.id for d in earlier}
    for flag, ref in (("--lifts", lifts), ("--supersedes", supersedes)):
        other = session.get(Decision, ref) if ref is not None and ref not in own else None
        if other is not None:
            where = other.decision_point
            raise InputError(
                f"{flag} {ref}: dat besluit hoort bij besluitpunt '{where.key}' "
                f"van {where.programme.key}, niet bij '{dp.key}'"
            )
    try:
        check_decision(
            point_spec(prog, dp, body_names(session)),
            [fact(d) for d in earlier],
            body=gb.slug,
            outcome=result,
            decided_on=day,
            today=clock.today(),
            reservation=reservation,
            lifts=lifts,
            supersedes=supersedes,
        )
    except DecisionRefused as exc:
        raise InputError(f"{prog.key}/{dp.key}: {exc}") from None

    decision = Decision(
        decision_point_id=dp.id,
        body_id=gb.id,
        outcome=result.value,
        decided_on=day,
        reference=reference,
        reservation=reservation,
        lifts_id=lifts,
        supersedes_id=supersedes,
        recorded_by=recorded_by.strip(),
        recorded_at=clock.utcnow(),
        via=via,
        fingerprint=fingerprint,
    )
    session.add(decision)
    session.flush()
    return Recorded(decision.id, True, prog.key, dp.key, gb.slug, result.value)
