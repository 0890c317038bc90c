"""Programmes as plain data, read from the register in a fixed number of queries for any number of them.

The rules run on these snapshots in memory: a sweep over a thousand programmes, or a replay of
five hundred days, reads the register once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.entities import (
    Decision,
    DecisionPoint,
    GoverningBody,
    Lot,
    Municipality,
    Phase,
    PhaseOverride,
    Programme,
    Segment,
    lot_municipalities,
    programme_municipalities,
    segment_municipalities,
)
from models.errors import NotFound
from models.rules import DecisionFact
from models.vocabulary import Outcome


@dataclass(frozen=True)
class PointRow:
    id: int
    key: str
    kind: str
    title: str
    phase: int
    position: int
    planned_date: dt.date
    date_note: str | None
    decided_by: str
    scope: tuple[str, ...]
    providers: bool
    via_platform: bool
    reservation_lifted_by: str | None


@dataclass(frozen=True)
class UnitRow:
    """A segment or a lot: its key, name and the municipalities taking part."""

    key: str
    name: str
    municipalities: tuple[str, ...]
    segment_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhaseRow:
    number: int
    name: str
    planned_start: dt.date
    planned_end: dt.date


@dataclass(frozen=True)
class OverrideRow:
    to_phase: int
    overridden_points: tuple[str, ...]
    recorded_on: dt.date


@dataclass(frozen=True)
class ProgrammeSnapshot:
    id: int
    key: str
    name: str
    penvoerder: str
    municipalities: tuple[str, ...]
    planning: dict | None
    reminder_policy: dict | None
    phases: tuple[PhaseRow, ...]
    segments: tuple[UnitRow, ...]
    lots: tuple[UnitRow, ...]
    points: tuple[PointRow, ...]
    facts: dict[str, list[DecisionFact]] = field(default_factory=dict)
    overrides: tuple[OverrideRow, ...] = ()


def body_names(session: Session) -> dict[str, str]:
    """Slug -> the short name a reason uses ('Aalten', 'bestuurders')."""
    from models.vocabulary import BESTUURDERS, PROJECT_TEAM

    names = {BESTUURDERS: "bestuurders", PROJECT_TEAM: "projectteam"}
    rows = session.execute(
        select(GoverningBody.slug, Municipality.name).join(Municipality, GoverningBody.municipality_id == Municipality.id)
    )
    names.update({s: n for s, n in rows})
    return names


def load_snapshots(session: Session, keys: Iterable[str] | None = None) -> dict[str, ProgrammeSnapshot]:
    """Snapshots of the programmes named (all when None), in ten queries whatever their number."""
    query = select(Programme.id, Programme.key, Programme.name, Municipality.slug, Programme.planning,
                   Programme.reminder_policy).join(Municipality, Programme.penvoerder_id == Municipality.id)
    wanted = None if keys is None else list(dict.fromkeys(keys))
    if wanted is not None:
        query = query.where(Programme.key.in_(wanted))
    heads = {row.id: row for row in session.execute(query.order_by(Programme.key))}
    if wanted is not None:
        missing = [k for k in wanted if k not in {h.key for h in heads.values()}]
        if missing:
            known = ", ".join(session.scalars(select(Programme.key).order_by(Programme.key))) or "geen"
            raise NotFound(f"onbekend programma '{missing[0]}' (bekend: {known})")
    ids = list(heads)
    slug = {m_id: s for m_id, s in session.execute(select(Municipality.id, Municipality.slug))}

    def grouped(rows) -> dict[int, list]:
        out: dict[int, list] = defaultdict(list)
        for owner, *rest in rows:
            out[owner].append(rest)
        return out

    members = grouped(session.execute(
        select(programme_municipalities.c.programme_id, programme_municipalities.c.municipality_id)
        .where(programme_municipalities.c.programme_id.in_(ids))))
    phases = grouped(session.execute(
        select(Phase.programme_id, Phase.number, Phase.name, Phase.planned_start, Phase.planned_end)
        .where(Phase.programme_id.in_(ids)).order_by(Phase.number)))
    seg_members = grouped(session.execute(
        select(segment_municipalities.c.segment_id, segment_municipalities.c.municipality_id)
        .join(Segment, Segment.id == segment_municipalities.c.segment_id).where(Segment.programme_id.in_(ids))))
    segments = grouped(session.execute(
        select(Segment.programme_id, Segment.id, Segment.key, Segment.name)
        .where(Segment.programme_id.in_(ids)).order_by(Segment.position)))
    lot_members = grouped(session.execute(
        select(lot_municipalities.c.lot_id, lot_municipalities.c.municipality_id)
        .join(Lot, Lot.id == lot_municipalities.c.lot_id).where(Lot.programme_id.in_(ids))))
    lots = grouped(session.execute(
        select(Lot.programme_id, Lot.id, Lot.key, Lot.name, Lot.segment_keys)
        .where(Lot.programme_id.in_(ids)).order_by(Lot.position)))
    points = grouped(session.execute(
        select(DecisionPoint.programme_id, DecisionPoint).where(DecisionPoint.programme_id.in_(ids))
        .order_by(DecisionPoint.position)))
    decisions = grouped(session.execute(
        select(DecisionPoint.programme_id, Decision, DecisionPoint.key, GoverningBody.slug)
        .join(DecisionPoint, Decision.decision_point_id == DecisionPoint.id)
        .join(GoverningBody, Decision.body_id == GoverningBody.id)
        .where(DecisionPoint.programme_id.in_(ids)).order_by(Decision.id)))
    overrides = grouped(session.execute(
        select(PhaseOverride.programme_id, PhaseOverride.to_phase, PhaseOverride.overridden_points,
               PhaseOverride.recorded_at).where(PhaseOverride.programme_id.in_(ids)).order_by(PhaseOverride.id)))

    def who(rows) -> tuple[str, ...]:
        return tuple(sorted(slug[m] for (m,) in rows))

    out = {}
    for pid, head in heads.items():
        facts: dict[str, list[DecisionFact]] = defaultdict(list)
        for d, point_key, body in decisions.get(pid, []):
            facts[point_key].append(decision_fact(d, body))
        out[head.key] = ProgrammeSnapshot(
            id=pid, key=head.key, name=head.name, penvoerder=head.slug,
            municipalities=who(members.get(pid, [])),
            planning=head.planning, reminder_policy=head.reminder_policy,
            phases=tuple(PhaseRow(*row) for row in phases.get(pid, [])),
            segments=tuple(UnitRow(k, n, who(seg_members.get(sid, []))) for sid, k, n in segments.get(pid, [])),
            lots=tuple(UnitRow(k, n, who(lot_members.get(lid, [])), tuple(sk or ()))
                       for lid, k, n, sk in lots.get(pid, [])),
            points=tuple(point_row(dp) for (dp,) in points.get(pid, [])),
            facts=dict(facts),
            overrides=tuple(OverrideRow(to, tuple(passed or ()), clock.local_date(at))
                            for to, passed, at in overrides.get(pid, [])),
        )
    return out


def load_snapshot(session: Session, key: str) -> ProgrammeSnapshot:
    return load_snapshots(session, [key])[key]


def point_row(dp: DecisionPoint) -> PointRow:
    return PointRow(dp.id, dp.key, dp.kind, dp.title, dp.phase, dp.position, dp.planned_date, dp.date_note,
                    dp.decided_by, tuple(dp.scope or ()), bool(dp.providers), bool(dp.via_platform),
                    dp.reservation_lifted_by)


def decision_fact(d: Decision, body: str) -> DecisionFact:
    return DecisionFact(
        id=d.id, body=body, outcome=Outcome(d.outcome), decided_on=d.decided_on, reservation=d.reservation,
        lifts_id=d.lifts_id, supersedes_id=d.supersedes_id, extra_meeting=bool(d.extra_meeting),
        reservation_lifted_by=d.reservation_lifted_by,
    )
