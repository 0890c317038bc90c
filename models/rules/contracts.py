"""The contracts after the start, judged from plain facts: each option's term and who extended, an option
that lapses because the programme that follows starts first, each college's end, the interim evaluation
and what is due. Part of the one evaluation: `regie status`, `regie contracts`, the reminders and the
inbox read the same answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.core import clock
from models.core.vocabulary import NEGATIVE, OUTCOME_LABELS, POSITIVE
from models.facts.rows import ProgrammeSnapshot, Successor
from models.rules.decisions import as_of_facts, current_decisions, describe_bodies
from models.core.clock import contract_terms


@dataclass(frozen=True)
class OptionState:
    number: int
    key: str
    years: int
    term: tuple[dt.date, dt.date]
    due: dt.date
    decisions: dict[str, str]  # college -> what it decided
    missing: tuple[str, ...]  # colleges (names) still to decide
    state: str  # what a person reads
    lapsed: str | None = None  # why nobody decides it any more
    until: str = ""  # " (ten hoogste tot ...: dan begint ...)" when the next programme starts within its term


@dataclass(frozen=True)
class ContractsState:
    start: dt.date
    terms: tuple[tuple[dt.date, dt.date], ...]
    options: tuple[OptionState, ...]
    ends: dict[str, dt.date]  # college slug -> its last day as far as decided
    end: dt.date
    settled: bool  # every option before the end is decided by every college still going
    gap: str | None
    successor: Successor | None
    interim: dict | None
    due: tuple[dict, ...]


def judge_contracts(programme: ProgrammeSnapshot, points: list, facts: dict, as_of: dt.date,
                    names: dict[str, str]) -> ContractsState | None:
    """The contracts on `as_of` (None for a programme without a `contracts` section).

    `points` are the evaluation's (point, spec, verdict) triples. Each college decides for itself: `ends`
    is each college's last day as far as decided, `going` the colleges still extending, `open_` those
    whose end waits on an undecided option. An option that begins on or after the successor's contract
    start lapses; one that the successor's start cuts short says so."""
    c = programme.contracts
    if not c:
        return None
    verdicts = {dp.key: (dp, spec, v) for dp, spec, v in points}
    if c.get("start"):
        start = dt.date.fromisoformat(c["start"])
    elif "contract-start" in verdicts:
        start = verdicts["contract-start"][0].planned_date
    else:
        return None
    terms = contract_terms(start, c["initial_years"], c["options_years"])
    successor = programme.successor
    successor_start = successor.contract_start if successor is not None else None
    group = lambda bodies: describe_bodies(sorted(bodies), names)  # noqa: E731
    first = verdicts["contract-option-1"][1] if "contract-option-1" in verdicts else None
    colleges = set(first.required_bodies) if first is not None else set()
    ends = {b: terms[0][1] for b in colleges}
    going, open_, lapsed, options, due = set(colleges), set(), None, [], []
    for number, years in enumerate(c["options_years"], start=1):
        key = f"contract-option-{number}"
        if key not in verdicts:
            continue
        dp, spec, verdict = verdicts[key]
        begin, last = terms[number]
        standing = current_decisions(as_of_facts(facts.get(key, []), as_of))
        decisions = {describe_bodies([b], names): OUTCOME_LABELS[f.outcome] for b, f in sorted(standing.items())}
        missing: tuple[str, ...] = ()
        until = ""
        why_lapsed = None
        if successor_start is not None and begin >= successor_start:
            why_lapsed = lapsed = (f"vervalt: {successor.key} start nieuwe contracten op "
                                   f"{clock.dutch_date(successor_start)}")
            state = why_lapsed
        elif lapsed or not going:
            why_lapsed = lapsed = lapsed or "vervalt: geen college verlengde de vorige termijn"
            state = why_lapsed
        else:
            yes = {b for b in going if b in standing and standing[b].outcome in POSITIVE}
            no = {b for b in going if b in standing and standing[b].outcome in NEGATIVE}
            waiting = going - yes - no
            for b in yes - open_:
                ends[b] = last
            late = as_of > clock.met_by(dp.planned_date)
            parts = [f"verlengd door {group(yes)}" if yes else "", f"niet verlengd door {group(no)}" if no else "",
                     f"{'te laat' if late else 'nog open'}: {group(waiting)}" if waiting else ""]
            state = "; ".join(p for p in parts if p)
            missing = tuple(describe_bodies([b], names) for b in sorted(waiting))
            if waiting and not open_:
                due.append({"what": dp.title, "due": dp.planned_date.isoformat(),
                            "due_nl": clock.dutch_date(dp.planned_date), "days": (dp.planned_date - as_of).days,
                            "who": list(missing)})
            open_ |= waiting
            going = yes | waiting  # who did not decide yet may still extend; who said no has ended
            if successor_start is not None and begin < successor_start <= last:
                until = (f" (ten hoogste tot {clock.dutch_date(successor_start - dt.timedelta(days=1))}: "
                         f"dan begint {successor.key})")
                state += until
        options.append(OptionState(number, key, years, (begin, last), dp.planned_date, decisions, missing, state,
                                   why_lapsed, until))
    settled = not open_
    end = max(ends.values(), default=terms[0][1])
    if successor_start is not None and successor_start <= end + dt.timedelta(days=1):
        end = min(end, successor_start - dt.timedelta(days=1))
        ends = {b: min(e, end) for b, e in ends.items()}
    interim = None
    if "interim-evaluation" in verdicts:
        dp, _, verdict = verdicts["interim-evaluation"]
        interim = {"due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date),
                   "state": "afgerond" if verdict.ok else ("te laat" if as_of > clock.met_by(dp.planned_date)
                                                           else "open"),
                   "note": dp.date_note}
        if not verdict.ok:
            due.append({"what": dp.title, "due": dp.planned_date.isoformat(),
                        "due_nl": clock.dutch_date(dp.planned_date),
                        "days": (dp.planned_date - as_of).days, "who": ["het projectteam"]})
    gap = (f"tussen het einde van de contracten ({clock.dutch_date(end)}) en de start van {successor.key} "
           f"({clock.dutch_date(successor_start)}) is geen contract, als er niet verlengd wordt"
           if successor_start is not None and end + dt.timedelta(days=1) < successor_start else None)
    return ContractsState(start, tuple(terms), tuple(options), ends, end, settled, gap, successor, interim,
                          tuple(sorted(due, key=lambda d: d["due"])))
