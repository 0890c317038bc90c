"""Schedule risk: the chance that the contracts start on their planned date, simulated from the register.

Decisions taken by the day asked are facts (the evaluation `regie status` reads); each decision still open is
drawn from the arrival model (`models/rules/arrival.py`): a meeting of its body (the first it can still reach,
then one later per step of delay), a deferral, a reservation or a no-go. The dates then follow the programme's
own plan (`models/rules/planning.py`): a point waits for its predecessors and their period rules, and a college
decides on a meeting day. One run is a few dozen look-ups in tables built once; `random.Random(seed)` makes the
same seed give the same answer.

Why a start is late, per run: each open decision has a latest date that still keeps the start (the plan read
backwards, as `regie plan` does); the start is on time exactly when every drawn decision is on or before its
latest date and none stops the programme. That is what names the decisions that matter and each college's
latest meeting, from the same runs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field

from models.core import clock
from models.core.vocabulary import BESTUURDERS, PROJECT_TEAM, Kind, Status
from models.rules.arrival import ArrivalModel, milestone_table, outcome_table
from models.rules.decisions import as_of_facts, current_decisions, describe_bodies
from models.rules.evaluation import Evaluation, evaluation_plan, recorded_dates
from models.rules.planning import Edge, Plan, PointInfo

NEVER = 10**9  # an ordinal later than any date: a start that does not come


@dataclass(frozen=True)
class Draw:
    """One body's open decision on one point (or the project team's milestone): what it can come to."""

    point: str
    body: str
    candidates: tuple[int, ...]  # ordinals: the first meeting (or working day) it can reach, then each next one
    cumulative: tuple[float, ...]
    delays: tuple[int, ...]
    stops: tuple[bool, ...]


@dataclass
class Setup:
    """Everything a run needs, built once from the evaluation, the plan and the arrival model."""

    ev: Evaluation
    plan: Plan
    anchor: str
    planned_start: int
    order: list[str]  # the open points the start depends on, in plan order (the anchor last)
    fixed: dict[str, int]  # points settled in the register: the day they were settled
    partial: dict[str, int]  # open points some of whose bodies have decided: the latest of those days
    draws: list[Draw]
    draws_of: dict[str, list[int]]
    preds: dict[str, list[tuple[str, dict[int, int], Edge]]]
    snaps: dict[str, dict[int, int]]
    latest: dict[str, int]  # per point the latest day that still keeps the start
    stopped: str | None = None  # the programme stopped already: why
    late_already: list[str] = field(default_factory=list)  # settled points already past their latest day


def _ordinal(day: dt.date) -> int:
    return day.toordinal()


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def build_setup(ev: Evaluation, model: ArrivalModel) -> Setup:
    """The simulation of one programme on `ev.as_of`: which decisions are facts and which are drawn, and how."""
    plan = evaluation_plan(ev)
    anchor = plan.planning.anchor
    wanted = plan.ancestors(anchor)
    as_of = ev.as_of
    calendar = set(plan.planning.calendar_dates) | {anchor}
    rows = {dp.key: (dp, spec, verdict) for dp, spec, verdict in ev.points}
    recorded = recorded_dates(ev)
    planned_start = _ordinal(rows[anchor][0].planned_date)
    setup = Setup(ev, plan, anchor, planned_start, [], {}, {}, [], {}, {}, {}, {})

    for dp, spec, verdict in ev.points:
        if verdict.status is Status.REJECTED and spec.scope_all and dp.track == "programme":
            setup.stopped = f"'{dp.title}': {verdict.reason}"
            return setup

    for key in plan.order():
        if key not in wanted:
            continue
        dp, spec, verdict = rows[key]
        planned_lift = bool(spec.reservation_lifted_by)
        unplanned = [f.body for f in verdict.open_reservations
                     if not (f.reservation_lifted_by or spec.reservation_lifted_by)]
        if (verdict.ok or key in ev.passed_over or verdict.status is Status.RESERVED) and not unplanned:
            setup.fixed[key] = _ordinal(recorded.get(key, as_of))
            continue
        open_bodies = list(verdict.missing) + [b for b in unplanned if b not in verdict.missing]
        standing = current_decisions(as_of_facts(ev.facts.get(key, []), as_of))
        done = [standing[b].decided_on for b in spec.required_bodies if b in standing and b not in open_bodies]
        if done:
            setup.partial[key] = _ordinal(max(done))
        setup.order.append(key)
        setup.draws_of[key] = []
        if dp.kind == Kind.MILESTONE.value:
            if key in calendar or dp.owner == "regie":  # a calendar date, or a term the clock itself ends
                table: tuple = ((1.0, 0, False),)
            else:
                table = milestone_table(model)
            first = _ordinal(dp.planned_date) if dp.planned_date > as_of else \
                _ordinal(clock.next_working_day(as_of + dt.timedelta(days=1)))
            reach = max(k for _, k, _ in table)
            candidates = tuple(first if k == 0 else _ordinal(clock.add_working_days(_day(first), k))
                               for k in range(reach + 1))
            _add_draw(setup, key, PROJECT_TEAM, candidates, table)
        else:
            for body in open_bodies:
                table = outcome_table(model, dp.kind, body, planned_lift=planned_lift,
                                      stops_programme=spec.scope_all and dp.track == "programme")
                meetings = plan.meetings_of(body)
                planned_meeting = meetings.meeting_on_or_before(dp.planned_date)
                if planned_meeting > as_of and body not in verdict.deferred and body not in unplanned:
                    first = planned_meeting  # on the agenda as planned
                elif body in verdict.deferred or body in unplanned:
                    first = meetings.meeting_on_or_after(as_of + dt.timedelta(days=1))  # it stays on the agenda
                else:  # overdue: the first meeting whose agenda still takes a proposal made today
                    first = meetings.meeting_on_or_after(as_of + dt.timedelta(days=1))
                    while meetings.agenda_cutoff(first) < as_of:
                        first = meetings.meeting_on_or_after(first + dt.timedelta(days=1))
                reach = max(k for _, k, _ in table)
                found = [first]
                while len(found) <= reach:
                    found.append(meetings.meeting_on_or_after(found[-1] + dt.timedelta(days=1)))
                _add_draw(setup, key, body, tuple(_ordinal(m) for m in found), table)
        setup.snaps[key] = {}

    open_points = set(setup.order)
    for e in plan.edges:
        if e.after in open_points and e.before in wanted:
            setup.preds.setdefault(e.after, []).append((e.before, {}, e))
    _latest(setup, calendar)
    setup.late_already = [k for k, day in setup.fixed.items() if day > setup.latest.get(k, NEVER)
                          and k != anchor]
    return setup


def _add_draw(setup: Setup, key: str, body: str, candidates: tuple[int, ...], table) -> None:
    total, cumulative = 0.0, []
    for chance, _, _ in table:
        total += chance
        cumulative.append(total)
    cumulative[-1] = 1.0  # rounding never leaves a draw without an outcome
    setup.draws_of[key].append(len(setup.draws))
    setup.draws.append(Draw(key, body, candidates, tuple(cumulative), tuple(k for _, k, _ in table),
                            tuple(s for _, _, s in table)))


def _latest(setup: Setup, calendar: set[str]) -> None:
    """Per point the latest day that keeps the start: the plan read backwards from the planned start."""
    plan = setup.plan
    latest = {setup.anchor: setup.planned_start}
    for key in reversed(plan.order()):
        if key == setup.anchor:
            continue
        bound = NEVER
        for e in plan.edges:
            if e.before != key or e.after not in latest or e.after in setup.fixed:
                continue
            after = plan.points[e.after]
            room = _day(latest[e.after])
            room = room if e.after in calendar else plan.snap_deadline(after, room)
            bound = min(bound, _ordinal(_last_before(e, room)))
        if bound < NEVER:  # a decision falls on a meeting day, a milestone on a working day
            day = _day(bound)
            latest[key] = bound if key in calendar else _ordinal(plan.snap_deadline(plan.points[key], day))
    setup.latest = latest


def _last_before(e: Edge, day: dt.date) -> dt.date:
    """The latest date whose gap along `e` ends on or before `day`."""
    guess = e.gap_before(day)
    while e.gap_after(guess + dt.timedelta(days=1)) <= day:
        guess += dt.timedelta(days=1)
    while e.gap_after(guess) > day:
        guess -= dt.timedelta(days=1)
    return guess


def _snap(setup: Setup, key: str, ordinal: int) -> int:
    """The first day on or after `ordinal` the point can have: a meeting of its bodies, or a working day."""
    info: PointInfo = setup.plan.points[key]
    if key == setup.anchor or key in setup.plan.planning.calendar_dates:
        return ordinal
    return _ordinal(setup.plan.snap_forward(info, _day(ordinal)))


def _gap(cache: dict[int, int], e: Edge, ordinal: int) -> int:
    found = cache.get(ordinal)
    if found is None:
        found = cache[ordinal] = _ordinal(e.gap_after(_day(ordinal)))
    return found


@dataclass
class Runs:
    """What N runs gave: per run the start (or NEVER), per open point its day (or NEVER), what failed."""

    starts: list[int]
    days: dict[str, list[int]]
    failed: Counter  # tuple of draw indices past their latest day (or stopping) -> number of runs
    each: list[tuple[int, ...]]  # per run those draw indices


def simulate(setup: Setup, runs: int, seed: int, forced: dict[int, int] | None = None) -> Runs:
    """N futures from the same seed. `forced`: draw index -> candidate index, taken instead of the draw (the
    uniform numbers are drawn all the same, so the other draws stay as they were)."""
    rng = random.Random(seed)
    uniform = rng.random
    draws = setup.draws
    forced = forced or {}
    fixed, partial, latest = setup.fixed, setup.partial, setup.latest
    plan_rows = []
    for key in setup.order:
        preds = [(fixed[q] if q in fixed else None, q, cache, e) for q, cache, e in setup.preds.get(key, [])]
        plan_rows.append((key, setup.draws_of[key], partial.get(key, 0), preds, setup.snaps[key],
                          latest.get(key, NEVER)))
    tables = [(d.cumulative, d.delays, d.stops, d.candidates) for d in draws]
    starts: list[int] = []
    days: dict[str, list[int]] = {key: [] for key in setup.order}
    failed: Counter = Counter()
    each: list[tuple[int, ...]] = []
    anchor = setup.anchor
    anchor_fixed = fixed.get(anchor)
    for _ in range(runs):
        chosen = []
        for i, (cumulative, delays, stops, candidates) in enumerate(tables):
            x = uniform()
            if i in forced:
                chosen.append((candidates[forced[i]], False))
                continue
            j = bisect.bisect_right(cumulative, x)
            if j >= len(delays):
                j = len(delays) - 1
            chosen.append((candidates[delays[j]], stops[j]))
        date: dict[str, int] = {}
        stopped = False
        fails = []
        for key, indices, part, preds, snaps, bound in plan_rows:
            if stopped:
                days[key].append(NEVER)
                continue
            own = part
            halt = False
            for i in indices:
                day, stop = chosen[i]
                if day > own:
                    own = day
                if stop:
                    halt = True
                    fails.append(i)
                elif day > bound:
                    fails.append(i)
            need = 0
            for fixed_day, q, cache, e in preds:
                base = fixed_day if fixed_day is not None else date[q]
                g = cache.get(base)
                if g is None:
                    g = _gap(cache, e, base)
                if g > need:
                    need = g
            if key == anchor:  # a calendar date: the contracts start on the first day the rules allow
                day = max(own, need)
            elif need <= own:
                day = own
            else:
                day = snaps.get(need)
                if day is None:
                    day = snaps[need] = _snap(setup, key, need)
            date[key] = day
            days[key].append(day)
            if halt:
                stopped = True
        if stopped:
            starts.append(NEVER)
        elif anchor_fixed is not None:
            starts.append(setup.planned_start if anchor_fixed <= _ordinal(clock.met_by(_day(setup.planned_start)))
                          else anchor_fixed)
        else:
            starts.append(date[anchor])
        fails = tuple(fails)
        failed[fails] += 1
        each.append(fails)
    return Runs(starts, days, failed, each)


def planned_draw(setup: Setup) -> dict[int, int]:
    """Every open decision at the first meeting it can reach (its planned one where that is still ahead)."""
    return {i: 0 for i in range(len(setup.draws))}


def body_days(setup: Setup, runs: Runs, run: int, forced: dict[int, int]) -> dict[tuple[str, str], dt.date]:
    """Per (point, body) the day of its decision in one run of `forced` draws (to record it in a register): its
    drawn meeting, or, where a predecessor holds the point, the body's first meeting on or after the day allowed."""
    out = {}
    for key in setup.order:
        need = max((_gap(cache, e, setup.fixed[q] if q in setup.fixed else runs.days[q][run])
                    for q, cache, e in setup.preds.get(key, [])), default=0)
        for i in setup.draws_of[key]:
            d = setup.draws[i]
            drawn = d.candidates[forced[i]]
            if d.body == PROJECT_TEAM:
                out[key, d.body] = _day(runs.days[key][run])
            elif need <= drawn:
                out[key, d.body] = _day(drawn)
            else:
                out[key, d.body] = setup.plan.meetings_of(d.body).meeting_on_or_after(_day(need))
    return out


def on_time(setup: Setup, failed: tuple[int, ...]) -> bool:
    return not failed and not setup.late_already


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def risk_report(setup: Setup, runs: int, seed: int) -> dict:
    """The figures of `regie risico`: the chance of the planned start, the start's 10/50/90 % dates, per open
    point its 50/90 % date and what deciding it at its first meeting adds, per college its latest meeting."""
    ev = setup.ev
    names = ev.names
    planned = _day(setup.planned_start)
    rows = {dp.key: (dp, spec, verdict) for dp, spec, verdict in ev.points}
    head = {"programme": ev.programme, "name": ev.name, "as_of": ev.as_of.isoformat(), "runs": runs, "seed": seed,
            "planned_start": planned.isoformat(), "stopped": setup.stopped}
    if setup.stopped:
        return head | {"chance": 0.0, "start": {"p10": None, "p50": None, "p90": None}, "points": [],
                       "colleges": [], "bottlenecks": [f"het programma is gestopt: {setup.stopped}"]}
    result = simulate(setup, runs, seed)
    ok_runs = sum(n for fails, n in result.failed.items() if on_time(setup, fails))
    chance = ok_runs / runs

    def iso(ordinal: int) -> str | None:
        return None if ordinal >= NEVER else _day(ordinal).isoformat()

    def share_if(allowed) -> float:
        if setup.late_already:
            return 0.0
        return sum(n for fails, n in result.failed.items() if all(allowed(i) for i in fails)) / runs

    points = []
    for key in setup.order:
        dp, spec, verdict = rows[key]
        indices = setup.draws_of[key]
        first_ok = all(setup.draws[i].candidates[0] <= setup.latest.get(key, NEVER) for i in indices)
        gain = (share_if(lambda i, own=set(indices): i in own) if first_ok else 0.0) - chance
        bodies = [setup.draws[i].body for i in indices]
        points.append({
            "key": key, "title": dp.title, "kind": dp.kind, "planned": dp.planned_date.isoformat(),
            "who": describe_bodies([b for b in bodies if b != PROJECT_TEAM] or [PROJECT_TEAM], names),
            "p50": iso(percentile(result.days[key], 0.5)), "p90": iso(percentile(result.days[key], 0.9)),
            "latest": iso(setup.latest.get(key, NEVER)), "gain": round(max(gain, 0.0), 4),
            "milestone": dp.kind == Kind.MILESTONE.value,
        })
    ranked = sorted(points, key=lambda p: (-p["gain"], setup.order.index(p["key"])))

    colleges, bottlenecks = [], []
    seen = set()
    for i, d in enumerate(setup.draws):
        if d.body in (PROJECT_TEAM,) or d.point == setup.anchor:
            continue
        meetings = setup.plan.meetings_of(d.body)
        bound = setup.latest.get(d.point, NEVER)
        last = meetings.meeting_on_or_before(_day(bound)) if bound < NEVER else None
        first = _day(d.candidates[0])
        keeps = share_if(lambda j, me=i: j == me)
        title = rows[d.point][0].title
        who = describe_bodies([d.body], names)
        if last is None or last < first:
            why = (f"{who} vergadert niet meer op tijd voor '{title}': de eerste vergadering die het nog kan halen is "
                   f"{clock.dutch_date(first)}, de laatste die de start van {clock.dutch_date(planned)} houdt is "
                   + (clock.dutch_date(last) if last else "er niet"))
            bottlenecks.append(why)
            latest_meeting = None
        elif keeps < 0.9:
            why = (f"ook in de vergadering van {clock.dutch_date(first)} blijft de kans onder 90% "
                   f"({keeps:.0%}): het ligt niet aan {who} alleen")
            latest_meeting = None
        else:
            why = None
            latest_meeting = last
        row = {"body": d.body, "name": names.get(d.body, d.body) if d.body != BESTUURDERS else "bestuurders",
               "point": d.point, "point_title": title, "first_meeting": first.isoformat(),
               "latest_meeting": latest_meeting.isoformat() if latest_meeting else None,
               "agenda_cutoff": (meetings.agenda_cutoff(latest_meeting).isoformat() if latest_meeting else None),
               "chance_then": round(keeps, 4) if latest_meeting else None, "why_none": why,
               "next": d.body not in seen}
        seen.add(d.body)
        colleges.append(row)
    for key in setup.late_already:
        dp = rows[key][0]
        bottlenecks.append(f"'{dp.title}' is vastgelegd op {clock.dutch_date(_day(setup.fixed[key]))}, na de "
                           f"laatste dag die de start houdt ({clock.dutch_date(_day(setup.latest[key]))})")
    if chance < 1 and not bottlenecks:
        counts: Counter = Counter()
        for fails, n in result.failed.items():
            for i in set(fails):
                counts[i] += n
        for i, n in counts.most_common(3):
            d = setup.draws[i]
            who = describe_bodies([d.body], names)
            bottlenecks.append(f"{who} op '{rows[d.point][0].title}': in {n / runs:.0%} van de runs te laat of "
                               "negatief")
    return head | {
        "chance": round(chance, 4),
        "start": {"p10": iso(percentile(result.starts, 0.1)), "p50": iso(percentile(result.starts, 0.5)),
                  "p90": iso(percentile(result.starts, 0.9)),
                  "never": sum(1 for s in result.starts if s >= NEVER)},
        "points": ranked,
        "colleges": colleges,
        "bottlenecks": bottlenecks,
    }
