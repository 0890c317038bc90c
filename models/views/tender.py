"""The tender as a person reads it: each lot's ranking and where each lot stands, both the evaluation's (a
pre-selection's ranking is read from its own import)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError
from models.core.inputs import printable
from models.facts.entities import Offer, OfferImport, Programme
from models.facts.lookup import get_programme
from models.rules.lots import LotTender
from models.rules.offers_file import TenderRules, check_stage
from models.rules.ranking import LotRanking, award_proposal, rank_lot
from models.views.status import evaluate

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


def rankings(session: Session, programme: str, stage: str = "award", lot: str | None = None,
             as_of: dt.date | None = None) -> list[LotRanking]:
    """The ranking of every lot in the tender (lots without offers too), or of one lot. The award stage's is
    the evaluation's (the assessment as it stands on `as_of`, today by default)."""
    prog = get_programme(session, programme)
    check_stage(prog, stage)
    rules = TenderRules.of(prog)
    lots = [x for x in prog.lots if x.funding_type != "private-award"]
    if lot is not None:
        lots = [x for x in lots if x.key == lot]
        if not lots:
            raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme} "
                             "(of een perceel dat onderhands wordt gegund)")
    if stage == "award":
        wanted = {x.key for x in lots}
        return [r for r in evaluate(session, prog.key, as_of or clock.today()).ranks if r.lot in wanted]
    offers = latest_offers(session, prog, stage)
    return [rank_lot(x.key, x.name, offers.get(x.key, []), rules, stage) for x in lots]


def lot_states(session: Session, programme: Programme, as_of: dt.date) -> list[LotTender]:
    """Where each tendered lot stands on `as_of`: the evaluation's answer."""
    return list(evaluate(session, programme.key, as_of).tender)


def lot_states_ranks(session: Session, prog: Programme, as_of: dt.date = LATEST) -> list[LotRanking]:
    """Each tendered lot's ranking from the assessment as it stood on `as_of` (by default: the latest)."""
    return list(evaluate(session, prog.key, as_of).ranks)


def tender_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    prog = get_programme(session, programme)
    ev = evaluate(session, prog.key, as_of or clock.today())
    rank_by = {r.lot: r for r in ev.ranks}
    waiting = {t.lot for t in ev.tender if (not t.award_on or t.withdrawn) and not t.lot_decision}
    return {
        "programme": prog.key,
        "as_of": ev.as_of.isoformat(),
        "lots": [t.as_dict() | {"valid_offers": rank_by[t.lot].valid if t.lot in rank_by else 0,
                                "ranking_note": rank_by[t.lot].note if t.lot in rank_by else ""}
                 for t in ev.tender],
        # what the award decision is asked to decide: the lots not awarded yet (after the award it is history)
        "proposal": award_proposal([r for r in ev.ranks if r.lot in waiting and (r.ranked or (r.too_few and any(
            t.lot == r.lot and t.needs_decision for t in ev.tender)))]),
    }
