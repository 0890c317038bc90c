"""The contracts after the start: terms, options and their decisions, the interim evaluation, the end,
and the programme that follows. Plain data out of the register."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import Programme
from models.core.errors import InputError
from models.rules.programme_file import contract_terms
from models.rules.decisions import as_of_facts, current_decisions
from models.core.vocabulary import NEGATIVE, OUTCOME_LABELS, POSITIVE


def contracts_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    from models.facts.lookup import get_programme
    from models.rules.decisions import describe_bodies
    from models.views.status import evaluate
    from models.views.tender import lot_states

    prog = get_programme(session, programme)
    c = prog.contracts
    if not c:
        raise InputError(f"programma {programme} heeft geen contractgegevens (contracts: in het programmabestand)")
    as_of = as_of or clock.today()
    ev = evaluate(session, programme, as_of)
    planned = {dp.key: dp.planned_date for dp, _, _ in ev.points}
    start = dt.date.fromisoformat(c["start"]) if c.get("start") else planned["contract-start"]
    terms = contract_terms(start, c["initial_years"], c["options_years"])
    successor = session.scalar(select(Programme).where(Programme.follows == prog.key))
    successor_start = None
    if successor is not None:
        successor_start = next((dp.planned_date for dp in successor.decision_points if dp.key == "contract-start"), None)
    verdicts = {dp.key: (dp, spec, v) for dp, spec, v in ev.points}
    names = lambda bodies: describe_bodies(sorted(bodies), ev.names)  # noqa: E731
    # Each college decides for itself: `ends` is each college's last day as far as decided, `going` the
    # colleges still extending, `open_` those whose end waits on an undecided option.
    first = verdicts["contract-option-1"][1] if "contract-option-1" in verdicts else None
    colleges = set(first.required_bodies) if first is not None else set()
    ends = {b: terms[0][1] for b in colleges}
    going, open_, lapsed, options, due = set(colleges), set(), None, [], []
    for number, years in enumerate(c["options_years"], start=1):
        key = f"contract-option-{number}"
        dp, spec, verdict = verdicts[key]
        begin, last = terms[number]
        standing = {b: f for b, f in current_decisions(as_of_facts(ev.facts.get(key, []), as_of)).items()}
        row = {
            "number": number, "key": key, "years": years, "term": [begin.isoformat(), last.isoformat()],
            "due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
            "decisions": {describe_bodies([b], ev.names): OUTCOME_LABELS[f.outcome] for b, f in sorted(standing.items())},
            "missing": [],
        }
        if successor_start is not None and begin >= successor_start:
            row["state"] = lapsed = (f"vervalt: {successor.key} start nieuwe contracten op "
                                     f"{clock.dutch_date(successor_start)}")
        elif lapsed or not going:
            row["state"] = lapsed or "vervalt: geen college verlengde de vorige termijn"
        else:
            yes = {b for b in going if b in standing and standing[b].outcome in POSITIVE}
            no = {b for b in going if b in standing and standing[b].outcome in NEGATIVE}
            waiting = going - yes - no
            for b in yes - open_:
                ends[b] = last
            parts = [f"verlengd door {names(yes)}" if yes else "", f"niet verlengd door {names(no)}" if no else "",
                     (f"{'te laat' if as_of > clock.met_by(dp.planned_date) else 'nog open'}: {names(waiting)}") if waiting else ""]
            row["state"] = "; ".join(p for p in parts if p)
            row["missing"] = [describe_bodies([b], ev.names) for b in sorted(waiting)]
            if waiting and not open_:
                due.append({"what": dp.title, "due": dp.planned_date.isoformat(),
                            "due_nl": clock.dutch_date(dp.planned_date), "days": (dp.planned_date - as_of).days,
                            "who": row["missing"]})
            open_ |= waiting
            going = yes | waiting  # who did not decide yet may still extend; who said no has ended
            if successor_start is not None and begin < successor_start <= last:
                row["state"] += (f" (ten hoogste tot {clock.dutch_date(successor_start - dt.timedelta(days=1))}: "
                                 f"dan begint {successor.key})")
        options.append(row)
    settled = not open_  # every college's every option before its end is decided
    end = max(ends.values(), default=terms[0][1])
    if successor_start is not None and successor_start <= end + dt.timedelta(days=1):
        end = min(end, successor_start - dt.timedelta(days=1))
        ends = {b: min(e, end) for b, e in ends.items()}
    evaluation = None
    if "interim-evaluation" in verdicts:
        dp, _, verdict = verdicts["interim-evaluation"]
        evaluation = {"due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
                      "state": "afgerond" if verdict.ok else ("te laat" if as_of > clock.met_by(dp.planned_date) else "open"),
                      "note": dp.date_note}
        if not verdict.ok:
            due.append({"what": dp.title, "due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
                        "days": (dp.planned_date - as_of).days, "who": ["het projectteam"]})
    awarded = []
    if prog.tender:
        for t in lot_states(session, prog, as_of):
            if t.winners and (t.definitive_on or t.signed_on):
                awarded.append({"lot": t.lot, "name": t.name, "providers": t.winners,
                                "signed_on": t.signed_on.isoformat() if t.signed_on else None})
    predecessor = session.scalar(select(Programme).where(Programme.key == prog.follows)) if prog.follows else None
    return {
        "programme": prog.key, "as_of": as_of.isoformat(),
        "start": start.isoformat(), "initial_years": c["initial_years"], "options_years": c["options_years"],
        "initial_term": [terms[0][0].isoformat(), terms[0][1].isoformat()],
        "longest_end": terms[-1][1].isoformat(),
        "end": end.isoformat(), "end_settled": settled,
        "ends": {describe_bodies([b], ev.names): e.isoformat() for b, e in sorted(ends.items())},
        "gap": (f"tussen het einde van de contracten ({clock.dutch_date(end)}) en de start van {successor.key} "
                f"({clock.dutch_date(successor_start)}) is geen contract, als er niet verlengd wordt"
                if successor_start is not None and end + dt.timedelta(days=1) < successor_start else None),
        "options": options, "interim_evaluation": evaluation,
        "due": sorted(due, key=lambda d: d["due"]),
        "contracts": awarded,
        "follows": predecessor.key if predecessor else prog.follows,
        "followed_by": ({"programme": successor.key, "contract_start": successor_start.isoformat()
                         if successor_start else None} if successor else None),
    }
