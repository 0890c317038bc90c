"""Finding a programme, a decision point or a governing body by the key a person typed: one row, or a clear
error naming what is known."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.core.errors import NotFound
from models.core.inputs import is_slug, shown
from models.facts.entities import Decision, DecisionPoint, GoverningBody, Programme
from models.facts.snapshot import DecisionFact, decision_fact


def get_programme(session: Session, key: str) -> Programme:
    programme = session.scalar(select(Programme).where(Programme.key == key)) if is_slug(key) else None
    if programme is None:
        known = ", ".join(session.scalars(select(Programme.key).order_by(Programme.key))) or "geen"
        raise NotFound(f"onbekend programma '{shown(key)}' (bekend: {known})")
    return programme


def get_point(session: Session, programme: Programme, key: str, *, lock: bool = False) -> DecisionPoint:
    query = select(DecisionPoint).where(DecisionPoint.programme_id == programme.id, DecisionPoint.key == key)
    point = session.scalar(query) if is_slug(key) else None
    if point is None:
        known = ", ".join(dp.key for dp in programme.decision_points)
        raise NotFound(f"onbekend besluitpunt '{shown(key)}' in {programme.key} (bekend: {known})")
    if lock and session.get_bind().dialect.name == "postgresql":
        # one writer per point at a time (a lock that needs no UPDATE right, which a secretary lacks);
        # SQLite writers hold the whole register already (BEGIN IMMEDIATE)
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :point)"), {"space": POINT_LOCK, "point": point.id})
    return point


POINT_LOCK = 0x5245  # the first key of the per-point advisory locks


def body_key(text) -> str:
    """The key of a governing body from what a person types: 'Oost Gelre', 'het college van Oude IJsselstreek',
    'gemeente Aalten' and 'oost-gelre' all name their college."""
    if not isinstance(text, str):
        return ""
    key = " ".join(text.split()).casefold()
    for prefix in ("het college van ", "college van ", "gemeente ", "de "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return "-".join(key.replace("_", " ").split())


def get_body(session: Session, slug: str) -> GoverningBody:
    key = body_key(slug)
    body = session.scalar(select(GoverningBody).where(GoverningBody.slug == key)) if is_slug(key) else None
    if body is None:
        known = ", ".join(session.scalars(select(GoverningBody.slug).order_by(GoverningBody.slug)))
        raise NotFound(f"onbekend bestuursorgaan '{shown(slug)}' (bekend: {known})")
    return body


def decisions_of(session: Session, point: DecisionPoint) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.decision_point_id == point.id).order_by(Decision.id))
    )


def fact(decision: Decision) -> DecisionFact:
    return decision_fact(decision, decision.body.slug)
