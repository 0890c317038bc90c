"""The statutory order a write must keep, checked before a decision or a tender step is recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError
from models.core.vocabulary import POSITIVE
from models.facts.entities import Programme
from models.rules.lots import STANDSTILL_POINT, STANDSTILL_SOURCE
from models.views.tender import lot_states


def check_statutory_order(session: Session, prog: Programme, ev, point: str, day: dt.date,
                          positive: bool = True, body: str | None = None) -> None:
    """The standstill is the law, not a plan: the point `standstill` cannot be confirmed before it has run
    out, and contracts cannot be signed (nor their award announced) before the standstill is over. A
    contract's option is decided after the option before it was taken."""
    verdicts = {dp.key: v for dp, _, v in ev.points}
    facts = ev.facts
    if point.startswith("contract-option-") and point[16:].isdigit() and int(point[16:]) > 1:
        from models.rules.decisions import as_of_facts, current_decisions

        before = f"contract-option-{int(point[16:]) - 1}"
        mine = current_decisions(as_of_facts(facts.get(before, []), day)).get(body)
        if before in verdicts and (mine is None or mine.outcome not in POSITIVE):
            said = ("heeft optie " + str(int(point[16:]) - 1) + " niet genomen; de contracten van dit college "
                    "eindigen dan" if mine is not None else "besluit eerst over optie " + str(int(point[16:]) - 1))
            raise InputError(f"{prog.key}: over optie {point[16:]} besluit een college nadat het optie "
                             f"{int(point[16:]) - 1} nam; {ev.names.get(body, body)}: {said}")
        return
    if not positive:
        return
    if point == STANDSTILL_POINT:
        sent = [f for f in facts.get("award-letters", []) if f.outcome in POSITIVE and f.decided_on <= day]
        if sent:
            end = clock.standstill_end(max(f.decided_on for f in sent))
            if day <= end:
                raise InputError(f"{prog.key}: de opschortende termijn loopt tot en met {clock.dutch_date(end)} "
                                 f"({STANDSTILL_SOURCE}); bevestigen kan vanaf {clock.dutch_date(end + dt.timedelta(days=1))}")
        elif "award-letters" in verdicts:
            raise InputError(f"{prog.key}: de gunningsbeslissing is nog niet verzonden (mijlpaal "
                             f"'{next(dp.title for dp, _, _ in ev.points if dp.key == 'award-letters')}'); "
                             "de opschortende termijn is dus nog niet begonnen")
        if prog.tender:
            states = [t for t in lot_states(session, prog, day) if t.award_on and not t.withdrawn]
            unsent = [t for t in states if not t.letters_on]
            if unsent:
                raise InputError(f"{prog.key}: de gunningsbeslissing van {len(unsent)} gegunde perce(e)l(en) is nog "
                                 f"niet verzonden (o.a. {unsent[0].name}); hun opschortende termijn is niet begonnen")
            running = [t for t in states if day <= t.standstill_end]
            if running:
                raise InputError(f"{prog.key}: de opschortende termijn van {running[0].name} loopt tot en met "
                                 f"{clock.dutch_date(running[0].standstill_end)}")
            held = [t for t in states if not t.definitive_on or t.definitive_on > day]
            if held:
                raise InputError(f"{prog.key}: {held[0].name} is nog niet definitief gegund ({held[0].state})")
    elif point in ("contracts-signed", "award-notice") and STANDSTILL_POINT in verdicts:
        done = [f for f in facts.get(STANDSTILL_POINT, []) if f.outcome in POSITIVE and f.decided_on <= day]
        if not done:
            raise InputError(f"{prog.key}: de opschortende termijn is op {clock.dutch_date(day)} nog niet verstreken "
                             f"(standstill); een overeenkomst wordt pas daarna gesloten ({STANDSTILL_SOURCE})")
