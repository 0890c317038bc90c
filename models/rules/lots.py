"""Where one lot stands in the tender on a day, judged from its recorded steps (letters, the standstill, an
objection and its ruling, the definitive award, signing, the award notice): no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.core import clock
from models.rules.ranking import LotRanking


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
}


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


def _judge(t: LotTender, r: LotRanking | None, as_of: dt.date) -> None:
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
    elif r is not None and r.too_few and r.valid + len([x for x in r.ranked if not x.valid]) > 0:
        t.state = f"te weinig geldige inschrijvingen ({r.valid})"
        t.owed = "besluit: opnieuw aanbesteden, onderhands gunnen of het perceel openlaten"
    elif r is not None and r.ranked:
        t.state = "beoordeeld" + ("; loting nodig" if r.open_tie else "")
    elif r is not None and (r.too_few and not r.ranked):
        t.state = "geen inschrijvingen"


STANDSTILL_POINT = "standstill"
