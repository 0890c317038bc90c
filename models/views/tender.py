"""The tender as a person reads it: each lot's ranking from its latest import, and where each lot stands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError
from models.core.inputs import printable
from models.facts.entities import Decision, DecisionPoint, Offer, OfferImport, Programme, TenderRecord
from models.facts.lookup import get_programme
from models.rules.lots import EVENTS, LotTender, _judge, definitive_day
from models.rules.offers_file import TenderRules, check_stage
from models.rules.ranking import LotRanking, award_proposal, rank_lot

LATEST = dt.date(2100, 12, 31)  # "everything recorded, whatever its date"


def latest_offers(session: Session, programme: Programme, stage: str) -> dict[str, list[Offer]]:
    """Per lot, the offers of the latest import that holds that lot."""
    out: dict[str, list[Offer]] = {}
    batches = session.scalars(select(OfferImport).where(OfferImport.programme_id == programme.id,
                                                        OfferImport.stage == stage).order_by(OfferImport.id.desc()))
    for batch in batches:
        for lot in batch.lots:
            if lot in out:
                continue
            out[lot] = list(session.scalars(select(Offer).where(Offer.import_id == batch.id, Offer.lot_key == lot)
                                            .order_by(Offer.row_number)))
    return out


def rankings(session: Session, programme: str, stage: str = "award", lot: str | None = None) -> list[LotRanking]:
    """The ranking of every lot in the tender (lots without offers too), or of one lot."""
    prog = get_programme(session, programme)
    check_stage(prog, stage)
    rules = TenderRules.of(prog)
    offers = latest_offers(session, prog, stage)
    lots = [x for x in prog.lots if x.funding_type != "private-award"]
    if lot is not None:
        lots = [x for x in lots if x.key == lot]
        if not lots:
            raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme} "
                             "(of een perceel dat onderhands wordt gegund)")
    return [rank_lot(x.key, x.name, offers.get(x.key, []), rules, stage) for x in lots]


def records_of(session: Session, programme: Programme) -> list[TenderRecord]:
    return list(session.scalars(select(TenderRecord).where(TenderRecord.programme_id == programme.id)
                                .order_by(TenderRecord.id)))


def lot_states(session: Session, programme: Programme, as_of: dt.date,
               ranks: list[LotRanking] | None = None) -> list[LotTender]:
    rules = TenderRules.of(programme) if programme.tender else None
    if ranks is None and rules is not None:
        offers = latest_offers(session, programme, "award")
        ranks = [rank_lot(x.key, x.name, offers.get(x.key, []), rules, "award")
                 for x in programme.lots if x.funding_type != "private-award"]
    by_lot = {r.lot: r for r in ranks or []}
    recs: dict[str, list[TenderRecord]] = {}
    for rec in records_of(session, programme):
        if rec.on <= as_of:
            recs.setdefault(rec.lot_key, []).append(rec)
    # an award decision replaced since (a correction, or withdrawn) no longer carries the lots it awarded
    replaced = {sup: new for new, sup in session.execute(
        select(Decision.id, Decision.supersedes_id).join(DecisionPoint, Decision.decision_point_id == DecisionPoint.id)
        .where(DecisionPoint.programme_id == programme.id, Decision.supersedes_id.is_not(None),
               Decision.decided_on <= as_of)).all()}
    out = []
    for lot in programme.lots:
        if lot.funding_type == "private-award":
            continue
        t = LotTender(lot.key, lot.name, "in aanbesteding")
        r = by_lot.get(lot.key)
        for rec in recs.get(lot.key, []):
            if t.last_on is None or rec.on >= t.last_on:
                t.last_on, t.last_event = rec.on, EVENTS[rec.event]
            if rec.event == "award":
                t.award_on, t.winners = rec.on, list(rec.detail.get("winners", []))
                t.award_decision_id = rec.decision_id
                t.withdrawn = None
                t.letters_on = t.standstill_end = t.objection = t.ruling = t.definitive_on = None
                t.definitive_recorded = False
            elif rec.event == "letters-sent":
                t.letters_on, t.standstill_end = rec.on, clock.standstill_end(rec.on)
            elif rec.event == "objection":
                t.objection, t.ruling = {"on": rec.on.isoformat(), "reference": rec.reference}, None
            elif rec.event == "ruling":
                t.ruling = {"on": rec.on.isoformat(), "outcome": rec.detail.get("outcome"), "reference": rec.reference}
            elif rec.event == "definitive":
                t.definitive_on, t.definitive_recorded = rec.on, True
            elif rec.event == "signed":
                t.signed_on = rec.on
                t.notice_due = clock.award_notice_due(rec.on, rules.award_notice_days if rules else clock.AWARD_NOTICE_DAYS)
            elif rec.event == "award-notice":
                t.notice_on = rec.on
            elif rec.event == "lot-decision":
                t.lot_decision = {"choice": rec.detail.get("choice"), "on": rec.on.isoformat(),
                                  "reference": rec.reference}
        if t.award_decision_id in replaced and not (t.definitive_on or t.signed_on):
            t.withdrawn = (f"het gunningsbesluit #{t.award_decision_id} is vervangen door besluit "
                           f"#{replaced[t.award_decision_id]}")
        if not t.withdrawn and not t.definitive_on:
            t.definitive_on = definitive_day(t, as_of)  # derived on the day it holds, not when a sweep wrote it
        _judge(t, r, as_of)
        out.append(t)
    return out


def lot_states_ranks(session: Session, prog: Programme) -> list[LotRanking]:
    rules = TenderRules.of(prog)
    offers = latest_offers(session, prog, "award")
    return [rank_lot(x.key, x.name, offers.get(x.key, []), rules, "award")
            for x in prog.lots if x.funding_type != "private-award"]


def tender_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    prog = get_programme(session, programme)
    as_of = as_of or clock.today()
    ranks = lot_states_ranks(session, prog) if prog.tender else []
    states = lot_states(session, prog, as_of, ranks) if prog.tender else []
    rank_by = {r.lot: r for r in ranks}
    return {
        "programme": prog.key,
        "as_of": as_of.isoformat(),
        "lots": [t.as_dict() | {"valid_offers": rank_by[t.lot].valid if t.lot in rank_by else 0,
                                "ranking_note": rank_by[t.lot].note if t.lot in rank_by else ""}
                 for t in states],
        "proposal": award_proposal([r for r in ranks if r.ranked or r.too_few]),
    }
