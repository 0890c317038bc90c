"""The contracts after the start as a person reads them: terms, options and their decisions, the interim
evaluation, the end, and the programme that follows, all from the one evaluation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError


def contracts_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    """`regie contracts`: the evaluation's judgement of the contracts, as plain data."""
    from models.facts.lookup import get_programme
    from models.rules.decisions import describe_bodies
    from models.views.status import evaluate

    prog = get_programme(session, programme)
    if not prog.contracts:
        raise InputError(f"programma {programme} heeft geen contractgegevens (contracts: in het programmabestand)")
    ev = evaluate(session, programme, as_of or clock.today())
    c = ev.contracts
    if c is None:
        raise InputError(f"programma {programme} heeft geen startdatum van de contracten (contract-start)")
    awarded = [{"lot": t.lot, "name": t.name, "providers": t.winners,
                "signed_on": t.signed_on.isoformat() if t.signed_on else None}
               for t in ev.tender if t.winners and (t.definitive_on or t.signed_on)]
    successor = c.successor
    return {
        "programme": prog.key, "as_of": ev.as_of.isoformat(),
        "start": c.start.isoformat(), "initial_years": prog.contracts["initial_years"],
        "options_years": prog.contracts["options_years"],
        "initial_term": [c.terms[0][0].isoformat(), c.terms[0][1].isoformat()],
        "longest_end": c.terms[-1][1].isoformat(),
        "end": c.end.isoformat(), "end_settled": c.settled,
        "ends": {describe_bodies([b], ev.names): e.isoformat() for b, e in sorted(c.ends.items())},
        "gap": c.gap,
        "options": [{"number": o.number, "key": o.key, "years": o.years,
                     "term": [o.term[0].isoformat(), o.term[1].isoformat()],
                     "due": o.due.isoformat(), "due_nl": clock.dutch_date(o.due),
                     "decisions": o.decisions, "missing": list(o.missing), "state": o.state}
                    for o in c.options],
        "interim_evaluation": c.interim,
        "due": list(c.due),
        "contracts": awarded,
        "follows": prog.follows,
        "followed_by": ({"programme": successor.key, "contract_start": successor.contract_start.isoformat()
                         if successor.contract_start else None} if successor else None),
    }
