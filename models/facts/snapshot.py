"""Programmes as plain data, read from the register in a fixed number of queries for any number of them.

The rules run on these snapshots in memory: a sweep over a thousand programmes, or a replay of
five hundred days, reads the register once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import json
from functools import lru_cache

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import (
    Decision,
    DecisionPoint,
    GoverningBody,
    Lot,
    Municipality,
    Offer,
    OfferImport,
    Phase,
    PhaseOverride,
    Programme,
    Segment,
    TenderRecord,
    lot_municipalities,
    programme_municipalities,
    segment_municipalities,
)
from models.core.errors import NotFound
from models.core.inputs import is_slug, shown
from models.core.vocabulary import Outcome
from models.facts.offers import OfferRow
from models.facts.rows import (  # noqa: F401 - the plain rows, read from here by many
    BodyNames,
    DecisionFact,
    OfferBatch,
    OverrideRow,
    PhaseRow,
    PointRow,
    ProgrammeSnapshot,
    Successor,
    TenderStep,
    UnitRow,
)


def body_names(session: Session) -> dict[str, str]:
    """Slug -> the short name a reason uses ('Aalten', 'bestuurders')."""
    from models.core.vocabulary import BESTUURDERS, PROJECT_TEAM

    names = BodyNames({BESTUURDERS: "bestuurders", PROJECT_TEAM: "projectteam"})
    rows = session.execute(
        select(GoverningBody.slug, Municipality.name).join(Municipality, GoverningBody.municipality_id == Municipality.id)
    )
    names.update({s: n for s, n in rows})
    return names


def load_snapshots(session: Session, keys: Iterable[str] | None = None) -> dict[str, ProgrammeSnapshot]:
    """Snapshots of the programmes named (all when None), in ten queries whatever their number."""
    query = select(Programme.id, Programme.key, Programme.name, Municipality.slug, cast(Programme.planning, Text),
                   cast(Programme.reminder_policy, Text), cast(Programme.tender, Text),
                   cast(Programme.contracts, Text)).join(Municipality, Programme.penvoerder_id == Municipality.id)
    wanted = None if keys is None else list(dict.fromkeys(keys))
    if wanted is not None:
        odd = [k for k in wanted if not is_slug(k)]
        if odd:
            known = ", ".join(session.scalars(select(Programme.key).order_by(Programme.key))) or "geen"
            raise NotFound(f"onbekend programma '{shown(odd[0])}' (bekend: {known})")
        query = query.where(Programme.key.in_(wanted))
    heads = {row.id: row for row in session.execute(query.order_by(Programme.key))}
    if wanted is not None:
        missing = [k for k in wanted if k not in {h.key for h in heads.values()}]
        if missing:
            known = ", ".join(session.scalars(select(Programme.key).order_by(Programme.key))) or "geen"
            raise NotFound(f"onbekend programma '{missing[0]}' (bekend: {known})")
    ids = list(heads)
    conn = session.connection()  # plain rows, no ORM bookkeeping: this is the sweep's hot path
    slug = dict(conn.execute(select(Municipality.id, Municipality.slug)).tuples().all())

    def grouped(query) -> dict[int, list]:
        out: dict[int, list] = defaultdict(list)
        for owner, *rest in conn.execute(query).all():  # fetched at once: no Python call per row
            out[owner].append(rest)
        return out

    def member_lists(table, owner_column, owner_table, programme_column) -> dict[int, tuple[str, ...]]:
        """Per segment or lot the slugs taking part, aggregated in the database (one row per owner)."""
        glue = _aggregate(session, table.c.municipality_id)
        rows = conn.execute(select(owner_column, glue).join(owner_table, owner_table.id == owner_column)
                            .where(programme_column.in_(ids)).group_by(owner_column)).all()
        seen: dict[str, tuple[str, ...]] = {}  # many lots share their colleges: each list is parsed once
        out = {}
        for owner, joined in rows:
            if joined not in seen:
                seen[joined] = tuple(sorted(slug[int(m)] for m in joined.split(",")))
            out[owner] = seen[joined]
        return out

    members = grouped(
        select(programme_municipalities.c.programme_id, programme_municipalities.c.municipality_id)
        .where(programme_municipalities.c.programme_id.in_(ids)))
    phases = grouped(
        select(Phase.programme_id, Phase.number, Phase.name, Phase.planned_start, Phase.planned_end)
        .where(Phase.programme_id.in_(ids)).order_by(Phase.number))
    seg_members = member_lists(segment_municipalities, segment_municipalities.c.segment_id, Segment,
                               Segment.programme_id)
    segments = grouped(
        select(Segment.programme_id, Segment.id, Segment.key, Segment.name)
        .where(Segment.programme_id.in_(ids)).order_by(Segment.position))
    lot_members = member_lists(lot_municipalities, lot_municipalities.c.lot_id, Lot, Lot.programme_id)
    lots = grouped(
        select(Lot.programme_id, Lot.id, Lot.key, Lot.name, cast(Lot.segment_keys, Text), Lot.funding_type)
        .where(Lot.programme_id.in_(ids)).order_by(Lot.position))
    dp = DecisionPoint
    points = grouped(
        select(dp.programme_id, dp.id, dp.key, dp.kind, dp.title, dp.phase, dp.position, dp.planned_date, dp.date_note,
               dp.decided_by, cast(dp.scope, Text), dp.providers, dp.via_platform, dp.reservation_lifted_by,
               dp.track, dp.owner)
        .where(dp.programme_id.in_(ids)).order_by(dp.position))
    d = Decision
    decisions = grouped(
        select(dp.programme_id, dp.key, GoverningBody.slug, d.id, d.outcome, d.decided_on, d.reservation, d.lifts_id,
               d.supersedes_id, d.extra_meeting, d.reservation_lifted_by)
        .join(dp, d.decision_point_id == dp.id).join(GoverningBody, d.body_id == GoverningBody.id)
        .where(dp.programme_id.in_(ids)).order_by(d.id))
    overrides = grouped(
        select(PhaseOverride.programme_id, PhaseOverride.to_phase, PhaseOverride.overridden_points,
               PhaseOverride.recorded_at).where(PhaseOverride.programme_id.in_(ids)).order_by(PhaseOverride.id))

    # the programme that follows each (its contract start ends these contracts' options)
    follower = select(Programme.follows, Programme.key, DecisionPoint.planned_date).outerjoin(
        DecisionPoint, (DecisionPoint.programme_id == Programme.id) & (DecisionPoint.key == "contract-start"))
    successors = {follows: Successor(key, start) for follows, key, start in conn.execute(
        follower.where(Programme.follows.in_([h.key for h in heads.values()])).order_by(Programme.key.desc()))}

    tendering = [pid for pid, head in heads.items() if parsed(head[6])]
    steps = grouped(
        select(TenderRecord.programme_id, TenderRecord.id, TenderRecord.lot_key, TenderRecord.event, TenderRecord.on,
               TenderRecord.reference, cast(TenderRecord.detail, Text), TenderRecord.decision_id)
        .where(TenderRecord.programme_id.in_(tendering)).order_by(TenderRecord.id)) if tendering else {}
    batches = grouped(
        select(OfferImport.programme_id, OfferImport.id, OfferImport.recorded_at)
        .where(OfferImport.programme_id.in_(tendering), OfferImport.stage == "award").order_by(OfferImport.id)
    ) if tendering else {}
    offers: dict[int, dict[str, list[OfferRow]]] = defaultdict(lambda: defaultdict(list))
    batch_ids = [bid for rows in batches.values() for bid, _ in rows]
    if batch_ids:
        for bid, row, lot, provider, met, reason, scores in conn.execute(
                select(Offer.import_id, Offer.row_number, Offer.lot_key, Offer.provider, Offer.requirements_met,
                       Offer.reason, cast(Offer.scores, Text))
                .where(Offer.import_id.in_(batch_ids)).order_by(Offer.import_id, Offer.row_number)).all():
            offers[bid][lot].append(OfferRow(row, lot, provider, bool(met), reason, dict(parsed(scores) or {})))

    out = {}
    for pid, head in heads.items():
        facts: dict[str, list[DecisionFact]] = defaultdict(list)
        for point_key, body, did, outcome, on, reservation, lifts, supersedes, extra, lifted_by in decisions.get(pid, []):
            facts[point_key].append(DecisionFact(did, body, Outcome(outcome), on, reservation, lifts, supersedes,
                                                 bool(extra), lifted_by))
        out[head.key] = ProgrammeSnapshot(
            id=pid, key=head.key, name=head.name, penvoerder=head.slug,
            municipalities=tuple(sorted(slug[m] for (m,) in members.get(pid, []))),
            planning=parsed(head[4]), reminder_policy=parsed(head[5]),
            phases=tuple(PhaseRow(*row) for row in phases.get(pid, [])),
            segments=tuple(UnitRow(k, n, seg_members.get(sid, ())) for sid, k, n in segments.get(pid, [])),
            lots=tuple(UnitRow(k, n, lot_members.get(lid, ()), tuple(parsed(sk) or ()), funding == "private-award")
                       for lid, k, n, sk, funding in lots.get(pid, [])),
            points=tuple(PointRow(*row[:9], tuple(parsed(row[9]) or ()), bool(row[10]), bool(row[11]), row[12],
                                  row[13] or "programme", row[14])
                         for row in points.get(pid, [])),
            facts=dict(facts),
            overrides=tuple(OverrideRow(to, tuple(_json(passed) or ()), clock.local_date(at))
                            for to, passed, at in overrides.get(pid, [])),
            tender=parsed(head[6]),
            tender_steps=tuple(TenderStep(sid, lot, event, on, ref, dict(parsed(detail) or {}), did)
                               for sid, lot, event, on, ref, detail, did in steps.get(pid, [])),
            offer_batches=tuple(OfferBatch(bid, clock.local_date(at), {k: tuple(v) for k, v in offers[bid].items()})
                                for bid, at in batches.get(pid, [])),
            contracts=parsed(head[7]),
            successor=successors.get(head.key),
        )
    return out


def _aggregate(session: Session, column):
    """The ids of a group joined with commas, in this database's words."""
    from sqlalchemy import String, func

    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(cast(column, String), ",")
    return func.group_concat(column, ",")


def _json(value):
    return parsed(value) if isinstance(value, str) else value


@lru_cache(maxsize=4096)
def parsed(text: str | None):
    """JSON from the register, parsed once per distinct text (many programmes share their policy)."""
    return None if text is None or text == "null" else json.loads(text)


def load_snapshot(session: Session, key: str) -> ProgrammeSnapshot:
    return load_snapshots(session, [key])[key]


def decision_fact(d: Decision, body: str) -> DecisionFact:
    return DecisionFact(
        id=d.id, body=body, outcome=Outcome(d.outcome), decided_on=d.decided_on, reservation=d.reservation,
        lifts_id=d.lifts_id, supersedes_id=d.supersedes_id, extra_meeting=bool(d.extra_meeting),
        reservation_lifted_by=d.reservation_lifted_by,
    )


