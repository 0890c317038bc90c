"""The contracts after the start: terms, options and their decisions, the interim evaluation, the end,
and the programme that follows. Plain data out of the register."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.entities import Programme
from models.errors import InputError
from models.programme_file import contract_terms
from models.vocabulary import OUTCOME_LABELS, Status


def contracts_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    from models.register import get_programme
    from models.rules import describe_bodies
    from models.status import evaluate
    from models.tender import lot_states

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
    # `end`: the last day as far as decided; `ended`: why later options lapse; `undecided`: an option is open
    end, ended, undecided, options, due = terms[0][1], None, False, [], []
    for number, years in enumerate(c["options_years"], start=1):
        key = f"contract-option-{number}"
        dp, spec, verdict = verdicts[key]
        begin, last = terms[number]
        standing = {f.body: f for f in ev.facts.get(key, []) if f.decided_on <= as_of}
        row = {
            "number": number, "key": key, "years": years, "term": [begin.isoformat(), last.isoformat()],
            "due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
            "decisions": {describe_bodies([b], ev.names): OUTCOME_LABELS[f.outcome] for b, f in sorted(standing.items())},
            "missing": [describe_bodies([b], ev.names) for b in verdict.missing],
        }
        if successor_start is not None and begin >= successor_start:
            row["state"] = ended = (f"vervalt: {successor.key} start nieuwe contracten op "
                                    f"{clock.dutch_date(successor_start)}")
        elif ended:
            row["state"] = ended
        elif verdict.status is Status.SATISFIED:
            row["state"] = "verlengd"
            if not undecided:
                end = last
        elif verdict.status is Status.REJECTED:
            row["state"] = "niet verlengd: " + verdict.reason
            ended = "vervalt: een eerdere optie is niet genomen"
        else:
            late = as_of > dp.planned_date
            row["state"] = ("te laat: " if late else "open: ") + verdict.reason
            if not undecided:
                due.append({"what": dp.title, "due": dp.planned_date.isoformat(),
                            "due_nl": clock.dutch_date(dp.planned_date), "days": (dp.planned_date - as_of).days,
                            "who": row["missing"]})
            undecided = True
        options.append(row)
    settled = not undecided  # every option before the end (or before a lapse) is decided
    if successor_start is not None and successor_start <= end + dt.timedelta(days=1):
        end = min(end, successor_start - dt.timedelta(days=1))
    evaluation = None
    if "interim-evaluation" in verdicts:
        dp, _, verdict = verdicts["interim-evaluation"]
        evaluation = {"due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
                      "state": "afgerond" if verdict.ok else ("te laat" if as_of > dp.planned_date else "open"),
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
