"""Where one lot stands in the tender on a day, judged from its recorded steps (letters, the standstill, an
objection and its ruling, the definitive award, signing, the award notice): no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from models.core import clock
from models.facts.offers import OfferRow
from models.facts.rows import ProgrammeSnapshot
from models.rules.offers_file import TenderRules
from models.rules.ranking import LotRanking, rank_lot, settle_by_lottery


STANDSTILL_SOURCE = ("Aanbestedingswet 2012, art. 2.127 (opschortende termijn, 20 kalenderdagen), met de Algemene "
                     "termijnenwet")


AWARD_NOTICE_SOURCE = ("Aanbestedingswet 2012, art. 2.134 (aankondiging van de gegunde opdracht binnen 30 dagen na "
                       "het sluiten van de overeenkomst)")


EVENTS = {
    "award": "gegund (gunningsbeslissing)",
    "letters-sent": "gunningsbeslissing verzonden",
    "objection": "bezwaar / kort geding aangespannen",
    "ruling": "uitspraak in het kort geding",
    "definitive": "definitief gegund",
    "signed": "overeenkomsten getekend",
    "award-notice": "aankondiging van de gegunde opdracht gepubliceerd",
    "lot-decision": "besluit over een perceel met te weinig geldige inschrijvingen",
    "lottery": "loting na een gelijke stand",
    "participation": "deelname aan het perceel gewijzigd",
}


def with_participation(programme: ProgrammeSnapshot, as_of: dt.date) -> ProgrammeSnapshot:
    """The programme with each lot's colleges as they take part on `as_of`: a recorded change of participation
    (the region goes on without a college that said no to a joint lot) takes that college out of the lot from
    its day on, so its no-go no longer stops the lot and the lot's later decisions no longer wait on it."""
    leaving: dict[str, set[str]] = {}
    for step in programme.tender_steps:
        if step.event == "participation" and step.on <= as_of:
            leaving.setdefault(step.lot, set()).update(step.detail.get("without") or ())
    if not leaving:
        return programme
    lots = tuple(replace(lot, municipalities=tuple(m for m in lot.municipalities if m not in leaving[lot.key]))
                 if lot.key in leaving else lot for lot in programme.lots)
    return replace(programme, lots=lots)


LOT_CHOICES = {"re-tender": "opnieuw aanbesteden", "private-award": "onderhands gunnen",
               "leave-open": "perceel openlaten"}


RULINGS = {"dismissed": "afgewezen (de gunning blijft)", "upheld": "toegewezen (opnieuw beoordelen)"}


@dataclass
class LotTender:
    """Where one lot stands in the tender on a day."""

    lot: str
    name: str
    state: str
    winners: list[str] = field(default_factory=list)
    award_on: dt.date | None = None
    letters_on: dt.date | None = None
    standstill_end: dt.date | None = None
    objection: dict | None = None
    ruling: dict | None = None
    definitive_on: dt.date | None = None  # recorded, or derived on the day the standstill ran out unopposed
    definitive_recorded: bool = False  # the register holds the definitive award (a sweep or a writer noticed it)
    signed_on: dt.date | None = None
    notice_due: dt.date | None = None
    notice_on: dt.date | None = None
    lot_decision: dict | None = None
    owed: str | None = None  # what someone must do next for this lot
    award_decision_id: int | None = None  # the register's award decision the award rests on
    withdrawn: str | None = None  # that decision was replaced since: why the award no longer stands
    last_on: dt.date | None = None  # the date of the lot's last step, and which step it was
    last_event: str | None = None
    needs_decision: bool = False  # the assessment found too few valid offers: the college decides what happens

    @property
    def upheld(self) -> bool:
        return bool(self.ruling and self.ruling["outcome"] == "upheld")

    def as_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = v.isoformat() if isinstance(v, dt.date) else v
        return out


def definitive_day(t: LotTender, as_of: dt.date) -> dt.date | None:
    """The day a lot's award became definitive by itself, if it did by `as_of`: the day after the standstill's
    last day (or after a dismissed court case), with no case pending and none upheld."""
    if not t.letters_on or (t.objection and not t.ruling) or t.upheld:
        return None
    day = t.standstill_end + dt.timedelta(days=1)
    if t.ruling:
        day = max(day, dt.date.fromisoformat(t.ruling["on"]))
    return day if day <= as_of else None


def _judge(t: LotTender, r: LotRanking | None, as_of: dt.date, assessed: bool, awarded: bool) -> None:
    d = clock.dutch_date
    if t.withdrawn:
        t.state = "gunning vervallen: " + t.withdrawn
        t.owed = "opnieuw gunnen op het nieuwe besluit (of het perceel laten)"
        return
    if t.lot_decision and not t.award_on:
        t.state = f"besloten: {LOT_CHOICES.get(t.lot_decision['choice'], t.lot_decision['choice'])}"
        return
    if t.notice_on:
        t.state = "afgerond: aankondiging gegunde opdracht gepubliceerd"
    elif t.signed_on:
        t.state = "getekend"
        t.owed = f"aankondiging van de gegunde opdracht publiceren, uiterlijk {d(t.notice_due)}"
    elif t.definitive_on:
        t.state = "definitief gegund"
        t.owed = "overeenkomsten tekenen"
    elif t.objection and not t.ruling:
        t.state = "aangehouden: kort geding aanhangig"
        t.owed = f"uitspraak in het kort geding afwachten (aangespannen {d(dt.date.fromisoformat(t.objection['on']))})"
    elif t.ruling and t.ruling["outcome"] == "upheld":
        t.state = "opnieuw beoordelen: kort geding toegewezen"
        t.owed = "opnieuw beoordelen, een nieuwe beoordeling importeren en opnieuw gunnen"
    elif t.letters_on:
        if as_of <= t.standstill_end:
            t.state = f"opschortende termijn loopt tot en met {d(t.standstill_end)}"
        else:
            t.state = "opschortende termijn verstreken"
            t.owed = "definitief gunnen (Regie legt dit vast bij de volgende ronde)"
    elif t.award_on:
        t.state = "gegund, gunningsbeslissing nog niet verzonden"
        t.owed = "gunnings- en afwijzingsbrieven verzenden (regie letters)"
    elif r is not None and r.too_few and assessed:  # none at all is too few as well
        t.state = f"te weinig geldige inschrijvingen ({r.valid})"
        t.owed = "besluit: opnieuw aanbesteden, onderhands gunnen of het perceel openlaten"
        t.needs_decision = True
    elif awarded:
        t.state = "gunningsbesluit genomen"
        if r is not None and r.ranked:
            t.owed = "de gunning per perceel vastleggen (regie tender record ... award)"
    elif r is not None and r.ranked:
        t.state = "beoordeeld" + ("; loting nodig" if r.open_tie else f"; {r.lottery['said']}" if r.lottery else "")
        if r.open_tie:
            t.owed = "loten onder toezicht van een notaris en de uitslag vastleggen (stap lottery)"
    else:
        t.state = "in aanbesteding, nog niet beoordeeld"


STANDSTILL_POINT = "standstill"



def award_offers(programme: ProgrammeSnapshot, as_of: dt.date) -> dict[str, tuple[int, tuple[OfferRow, ...]]]:
    """Per lot, the offers of the latest assessment recorded by `as_of` that holds the lot (with its import)."""
    out: dict[str, tuple[int, tuple[OfferRow, ...]]] = {}
    for batch in reversed(programme.offer_batches):
        if batch.recorded_on <= as_of:
            for lot, rows in batch.offers.items():
                out.setdefault(lot, (batch.id, rows))
    return out


def lot_rankings(programme: ProgrammeSnapshot, as_of: dt.date) -> tuple[LotRanking, ...]:
    """Every tendered lot's ranking from the assessment as it stood on `as_of` (no offers yet: an empty one)."""
    if not programme.tender:
        return ()
    rules = programme.memo.get("rules") or programme.memo.setdefault("rules", TenderRules.of(programme))
    offers = award_offers(programme, as_of)
    assessed = any(b.recorded_on <= as_of for b in programme.offer_batches)
    out = []
    drawn: dict[str, object] = {}  # per lot, its latest lottery by `as_of`
    for st in programme.tender_steps:
        if st.event == "lottery" and st.on <= as_of:
            drawn[st.lot] = st
    for lot in programme.lots:
        if lot.private:
            continue
        batch, rows = offers.get(lot.key, (None, ()))
        if not assessed:  # before the assessment no lot lacks offers: there are none yet
            key = ("unassessed", lot.key)
            if key not in programme.memo:
                programme.memo[key] = LotRanking(  # as rank_lot gives it for no offers, with its own note
                    lot.key, lot.name, rules.places("award", lot.key), (), 0, rules.min_valid_offers > 0, None,
                    "nog geen beoordeling geïmporteerd (regie offers import)")
            out.append(programme.memo[key])
            continue
        key = ("ranking", lot.key, batch)  # a lot's ranking depends on its import alone: computed once
        if key not in programme.memo:
            programme.memo[key] = rank_lot(lot.key, lot.name, list(rows), rules, "award")
        ranking = programme.memo[key]
        last = drawn.get(lot.key)
        if last is not None and ranking.open_tie:  # the latest lottery of this tie settles it; the scores stay
            ranking = settle_by_lottery(ranking, list(last.detail.get("order") or ()), last.on.isoformat(),
                                        last.reference)
        out.append(ranking)
    return tuple(out)


def judge_lots(programme: ProgrammeSnapshot, ranks: tuple[LotRanking, ...], as_of: dt.date,
               awarded: set[str], stopped: dict[str, str] | None = None,
               choices: dict[str, str] | None = None) -> tuple[LotTender, ...]:
    """Where every tendered lot stands on `as_of`, from the steps recorded for it by then, the award decisions
    replaced since, and its ranking. `awarded`: the lots whose award decision the register holds; `stopped`:
    the lots a college's no-go or rejection stopped, with why."""
    stopped = stopped or {}
    if not programme.tender:
        return ()
    rules = programme.memo.get("rules") or programme.memo.setdefault("rules", TenderRules.of(programme))
    by_lot = {r.lot: r for r in ranks}
    assessed = any(b.recorded_on <= as_of for b in programme.offer_batches)
    steps: dict[str, list] = {}
    for step in programme.tender_steps:
        if step.on <= as_of:
            steps.setdefault(step.lot, []).append(step)
    # an award decision replaced since (a correction, or withdrawn) no longer carries the lots it awarded
    replaced = {f.supersedes_id: (f.id, f.decided_on) for facts in programme.facts.values() for f in facts
                if f.supersedes_id is not None and f.decided_on <= as_of}
    out = []
    upheld_on: dict[int, dt.date] = {}  # award decision -> the first upheld court case against it
    lots = [lot for lot in programme.lots if not lot.private]
    for lot in lots:
        t = LotTender(lot.key, lot.name, "in aanbesteding")
        for rec in steps.get(lot.key, []):
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
                if t.upheld and t.award_decision_id is not None:
                    upheld_on.setdefault(t.award_decision_id, rec.on)
            elif rec.event == "definitive":
                t.definitive_on, t.definitive_recorded = rec.on, True
            elif rec.event == "signed":
                t.signed_on = rec.on
                t.notice_due = clock.award_notice_due(rec.on, rules.award_notice_days)
            elif rec.event == "award-notice":
                t.notice_on = rec.on
            elif rec.event == "lot-decision":
                t.lot_decision = {"choice": rec.detail.get("choice"), "on": rec.on.isoformat(),
                                  "reference": rec.reference}
        out.append(t)
    # A decision that replaces the award decision withdraws the awards resting on it, except where it is the new
    # award after an upheld court case: then it concerns the lots whose case was upheld, and every other lot's
    # award (and its own pending case) stays as it is.
    for lot, t in zip(lots, out):
        if t.award_decision_id in replaced and not (t.definitive_on or t.signed_on):
            new_id, new_on = replaced[t.award_decision_id]
            re_award = t.award_decision_id in upheld_on and upheld_on[t.award_decision_id] <= new_on
            if t.upheld or not re_award:
                t.withdrawn = f"het gunningsbesluit #{t.award_decision_id} is vervangen door besluit #{new_id}"
        if not t.withdrawn and not t.definitive_on:
            t.definitive_on = definitive_day(t, as_of)  # derived on the day it holds, not when a sweep wrote it
        if lot.key in stopped and not t.award_on:
            t.state = f"gestopt: {stopped[lot.key]}"
            t.owed = (choices or {}).get(lot.key)
        else:
            _judge(t, by_lot.get(lot.key), as_of, assessed, lot.key in awarded)
    return tuple(out)
