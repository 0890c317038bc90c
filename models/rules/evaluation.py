"""One programme on one day, judged by the rules from its plain facts: phases, gates, points, lots, what is
owed. No database: loading the facts is the caller's one read."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the ORM only for the type: the rules run without it
    from models.facts.entities import Programme

import datetime as dt
from dataclasses import dataclass, field, replace

from models.core import clock
from models.core.vocabulary import OUTCOME_LABELS, PERIOD_PHASES, STATUS_LABELS, DecidedBy, Kind, Outcome, Status, point_word
from models.facts.rows import DecisionFact, PointRow, ProgrammeSnapshot, UnitRow
from models.rules.contracts import ContractsState, judge_contracts
from models.rules.lots import LotTender, judge_lots, lot_rankings, with_participation
from models.rules.ranking import LotRanking
from models.rules.decisions import (
    PointSpec,
    PointVerdict,
    Verdict,
    as_of_facts,
    current_decisions,
    current_phase,
    describe_bodies,
    exit_gate,
    point_status,
    required_bodies,
)


def scope_participants(programme: ProgrammeSnapshot, point: PointRow) -> list[str]:
    """The municipalities taking part in the point's scope (its lots or segments, else the programme)."""
    if not point.scope:
        return list(programme.municipalities)
    units = {u.key: u for u in programme.segments + programme.lots}
    return sorted({m for key in point.scope for m in units[key].municipalities})


def scope_lots(programme: ProgrammeSnapshot, point: PointRow) -> list[UnitRow]:
    """The lots a point concerns wholly: those named, those all of whose segments are named, or all.

    A point on one segment of a lot with several (dyslexia inside youth care) does not stop that lot.
    """
    if not point.scope:
        return list(programme.lots)
    scope = set(point.scope)
    return [lot for lot in programme.lots
            if lot.key in scope or (lot.segment_keys and set(lot.segment_keys) <= scope)]


def point_spec(programme: ProgrammeSnapshot, point: PointRow, names: dict[str, str],
               whole: dict | None = None) -> PointSpec:
    """Who decides a point and which lots it concerns. `whole`: a dict the caller keeps while it builds the
    specs of one programme, where the answer for the points of the whole programme is kept once."""
    decided_by = DecidedBy(point.decided_by)
    penvoerder = programme.penvoerder
    if not point.scope:  # the whole programme: the same colleges and lots for every such point
        whole = {} if whole is None else whole
        if decided_by not in whole:
            whole[decided_by] = (
                required_bodies(decided_by, participants=programme.municipalities, penvoerder=penvoerder),
                tuple(lot.key for lot in programme.lots))
        bodies, lot_keys = whole[decided_by]
        lots = ()
    else:
        bodies = required_bodies(decided_by, participants=scope_participants(programme, point), penvoerder=penvoerder)
        lots = scope_lots(programme, point)
        lot_keys = tuple(lot.key for lot in lots)
    return PointSpec(
        key=point.key,
        kind=Kind(point.kind),
        title=point.title,
        phase=point.phase,
        due=point.planned_date,
        required_bodies=bodies,
        body_names=names,
        lots=lot_keys,
        lot_bodies={} if not point.scope else {  # only a point scoped to some lots stops lots
            lot.key: required_bodies(decided_by, participants=lot.municipalities, penvoerder=penvoerder)
            for lot in lots},
        scope_all=not point.scope,
        reservation_lifted_by=point.reservation_lifted_by,
    )


@dataclass(frozen=True)
class LotState:
    key: str
    name: str
    state: str  # "loopt", "gestopt", "gegund"
    reason: str


@dataclass(frozen=True)
class Evaluation:
    """Everything the rules say about one programme on one day."""

    programme: str
    name: str
    as_of: dt.date
    points: list[tuple[PointRow, PointSpec, PointVerdict]]
    gates: dict[int, Verdict]
    passed_over: frozenset[str]
    lots: tuple[LotState, ...] = ()
    # point -> why an earlier point holds it (a no-go, rejection or deferral), for points that wait
    blocked: dict[str, str] = field(default_factory=dict)
    facts: dict[str, list[DecisionFact]] = field(default_factory=dict)
    snapshot: ProgrammeSnapshot | None = None
    names: dict[str, str] = field(default_factory=dict)
    tender: tuple[LotTender, ...] = ()  # each tendered lot's place in the tender on this day
    ranks: tuple[LotRanking, ...] = ()  # each tendered lot's ranking from the assessment as it stood
    contracts: ContractsState | None = None  # the contracts after the start: options, ends, what is due

    def lot_tender(self, key: str) -> LotTender | None:
        return next((t for t in self.tender if t.lot == key), None)

    def verdict(self, key: str) -> PointVerdict:
        return next(v for dp, _, v in self.points if dp.key == key)


def predecessors(programme: Programme | ProgrammeSnapshot) -> dict[str, list[str]]:
    """The points each point waits on, from the programme's planning dependencies."""
    out: dict[str, list[str]] = {}
    for dep in (programme.planning or {}).get("dependencies", []):
        before, after = dep.get("from"), dep.get("to")
        if before and after and before not in out.get(after, []):
            out.setdefault(after, []).append(before)
    return out


def planned_lifts(programme: ProgrammeSnapshot, as_of: dt.date) -> set[int]:
    """Reservations lifted by the same body's approval, on or after them, of the point planned to lift them.

    Judged from what stands on `as_of`: a lift follows its lifting decision (replaced, it lifts no
    more), and a reservation recorded after the approval that lifts it is lifted all the same.
    """
    standing = {k: current_decisions(as_of_facts(fs, as_of)) for k, fs in programme.facts.items()}
    planned = {dp.key: dp.reservation_lifted_by for dp in programme.points}
    lifted = set()
    for key, by_body in standing.items():
        for body, f in by_body.items():
            lifter = f.reservation_lifted_by or planned.get(key)
            if f.outcome is not Outcome.APPROVED_WITH_RESERVATION or not lifter:
                continue
            lift = standing.get(lifter, {}).get(body)
            if lift is not None and lift.outcome in (Outcome.APPROVED, Outcome.GO) and lift.decided_on >= f.decided_on:
                lifted.add(f.id)
    return lifted


def _definition_memo(programme: ProgrammeSnapshot, names: dict[str, str]) -> dict:
    """Where what follows from the programme's definition alone is kept: shared by the programmes of one read
    whose points, lots, segments and colleges are equal (the names of that read keep it; their ids and keys
    may differ), else the snapshot's own."""
    parts = (programme.points, programme.lots, programme.segments, programme.municipalities, programme.planning)
    # the reader shares equal lists between programmes: the same objects are the same definition (the memo keeps
    # them, so their ids are not reused while it lives)
    own = ("definition", tuple(map(id, parts)), id(names))  # found once per snapshot (a replay asks every day)
    memo = programme.memo.get(own)
    if memo is None:
        shared = getattr(names, "definitions", None)
        key = (*map(id, parts), programme.penvoerder)
        if shared is None:
            memo = {}
        else:
            memo = shared.get(key)
            if memo is None or memo["parts"] != parts:
                memo = shared[key] = {"parts": parts}
        programme.memo[own] = memo
    return memo


def evaluate_snapshot(programme: ProgrammeSnapshot, as_of: dt.date, names: dict[str, str]) -> Evaluation:
    """The rules on one programme's plain facts: no database, so many days or programmes cost little."""
    programme = with_participation(programme, as_of)
    facts = programme.facts
    lifted = planned_lifts(programme, as_of)
    titles = {dp.key: dp.title for dp in programme.points}
    # who decides each point depends on the programme's definition (its points, lots and colleges), not on the
    # day: built once per definition, for every programme of the same read that shares it (the names keep
    # it), else once per snapshot; a participation changes the lots' colleges, so the definition too
    memo = _definition_memo(programme, names)
    if "specs" not in memo:
        whole: dict = {}
        memo["specs"] = [point_spec(programme, dp, names, whole) for dp in programme.points]
    specs = list(zip(programme.points, memo["specs"]))

    def judge(spec: PointSpec) -> PointVerdict:
        return point_status(spec, facts.get(spec.key, []), as_of, lifted, titles)

    # A point's verdict changes only when a decision on it comes into view, a reservation on it is lifted,
    # or its due date passes: on the other days (most days of a replay), and for the other programmes of its
    # definition with the same decisions (none yet, mostly), it is the one already judged.
    seen = memo.setdefault("verdicts", {})

    def judged(spec: PointSpec) -> PointVerdict:
        visible = tuple(f for f in facts.get(spec.key, ()) if f.decided_on <= as_of)
        key = (id(spec), visible, tuple(f.id for f in visible if f.id in lifted), as_of > clock.met_by(spec.due))
        verdict = seen.get(key)
        if verdict is None:
            verdict = seen[key] = judge(spec)
        return verdict

    verdicts = {spec.key: judged(spec) for _, spec in specs}

    # A later option is for the colleges that took the one before it: the others' contracts have ended.
    for i, (dp, spec) in enumerate(specs):
        if spec.kind is Kind.OPTION and dp.key.startswith("contract-option-") and dp.key[16:].isdigit() \
                and int(dp.key[16:]) > 1:
            before = f"contract-option-{int(dp.key[16:]) - 1}"
            if before in verdicts and verdicts[before].status is Status.SATISFIED:
                took = {b for b, f in current_decisions(as_of_facts(facts.get(before, []), as_of)).items()
                        if f.outcome in (Outcome.APPROVED, Outcome.APPROVED_WITH_RESERVATION)}
                narrowed = replace(spec, required_bodies=tuple(b for b in spec.required_bodies if b in took))
                specs[i] = (dp, narrowed)
                verdicts[spec.key] = judge(narrowed)

    # A no-go or rejection on a point scoped to some lots stops the lots its body takes part in.
    lot_names = {lot.key: lot.name for lot in programme.lots}
    stopped: dict[str, str] = {}
    choices: dict[str, str] = {}  # a stopped joint lot: what the region may do instead
    for dp, spec in specs:
        if spec.scope_all or not spec.lots:
            continue
        for f in verdicts[spec.key].negative:
            for lot in spec.lots:
                if f.body in spec.lot_bodies.get(lot, ()) and lot not in stopped:
                    stopped[lot] = (f"{OUTCOME_LABELS[f.outcome]} door {describe_bodies([f.body], names)} op "
                                    f"'{dp.title}' (besluit #{f.id}, {clock.dutch_date(f.decided_on)})")
                    others = [b for b in spec.lot_bodies.get(lot, ()) if b not in {g.body for g in
                                                                                    verdicts[spec.key].negative}]
                    if others:  # a joint lot: the region may go on without the colleges that said no
                        gone = sorted({g.body for g in verdicts[spec.key].negative} & set(spec.lot_bodies[lot]))
                        stopped[lot] += (f"; de regio kan het perceel stoppen of verder gaan zonder "
                                         f"{describe_bodies(gone, names)}")
                        choices[lot] = (f"kiezen: het perceel stoppen, of verder zonder {describe_bodies(gone, names)} "
                                        f"(regie tender record {programme.key} participation --lot {lot} --without "
                                        f"\"{', '.join(names.get(b, b) for b in gone)}\" --reason ... --reference ...)")
    if stopped:
        for dp, spec in specs:
            if spec.scope_all or not spec.lots or not set(spec.lots) & set(stopped):
                continue
            live = [lot for lot in spec.lots if lot not in stopped]
            gone = ", ".join(lot_names[lot] for lot in spec.lots if lot in stopped)
            if not live:
                own = verdicts[spec.key]
                if own.ok or own.status is Status.REJECTED:
                    continue  # decided before its lots stopped, or the very decision that stopped them: it stands
                verdicts[spec.key] = PointVerdict(spec.key, Status.STOPPED, (), f"vervallen: gestopt zijn {gone}")
                continue
            rest = judge(spec.restricted_to(live))
            verdicts[spec.key] = replace(rest, reason=f"{rest.reason} (gestopt: {gone})")

    # Order: a point waits while a point it depends on is rejected or deferred (or itself waits).
    before = memo.get("before")
    if before is None:
        before = memo["before"] = predecessors(programme)
    blocked: dict[str, str] = {}
    for dp, spec in specs:  # plan order; dependencies point backwards in it
        verdict = verdicts[spec.key]
        for pred in before.get(spec.key, []):
            pv = verdicts.get(pred)
            if pv is None or pv.status is Status.STOPPED:
                continue
            if pv.status is Status.REJECTED:
                blocked[spec.key] = f"'{titles[pred]}' is afgewezen ({pv.reason})"
            elif pv.deferred and not pv.ok:
                blocked[spec.key] = f"'{titles[pred]}' is aangehouden ({pv.reason})"
            elif pred in blocked:
                blocked[spec.key] = blocked[pred]
            if spec.key in blocked:
                break
        if spec.key in blocked and not verdict.ok and verdict.status is not Status.REJECTED:
            verdicts[spec.key] = replace(verdict, status=Status.BLOCKED,
                                         reason=f"geblokkeerd: {blocked[spec.key]}; {verdict.reason}")

    # The contracts' options: one that the next programme's start makes moot lapses, nobody owes it.
    contracts = None
    if programme.contracts:
        contracts = judge_contracts(programme, [(dp, spec, verdicts[spec.key]) for dp, spec in specs], facts, as_of,
                                    names)
        for option in contracts.options if contracts is not None else ():
            verdict = verdicts[option.key]
            if option.lapsed and not verdict.ok:
                verdicts[option.key] = PointVerdict(option.key, Status.LAPSED, (), option.lapsed)
            elif option.until and not verdict.ok:
                verdicts[option.key] = replace(verdict, reason=verdict.reason + option.until)

    overrides = [o for o in programme.overrides if o.recorded_on <= as_of]
    passed_over = {k for o in overrides for k in o.overridden_points}
    reached = max((o.to_phase for o in overrides), default=0)
    points = [(dp, spec, verdicts[spec.key]) for dp, spec in specs]
    gates = {}
    # a rejection on a point scoped to some lots that stopped all of them settles that point for its phase:
    # the lots stop, the programme goes on with the others (the 2022 dyslexia award)
    settled_by_stop = {spec.key for dp, spec, v in points if v.status is Status.REJECTED and not spec.scope_all
                       and spec.lots and set(spec.lots) <= set(stopped)}
    # a reservation that a decision of a later phase is planned to lift does not hold its own phase: that
    # later decision's phase waits for it (the financial decision lifts February's reservations in March)
    phase_of = {dp.key: dp.phase for dp in programme.points}
    lifted_later = set()
    for dp, spec, v in points:
        if v.status is Status.RESERVED:
            lifters = {f.reservation_lifted_by or spec.reservation_lifted_by for f in v.open_reservations}
            if lifters and all(k is not None and phase_of.get(k, -1) > dp.phase for k in lifters):
                lifted_later.add(spec.key)
    for ph in programme.phases:
        in_phase = [replace(v, status=Status.STOPPED) if v.key in settled_by_stop
                    else replace(v, status=Status.SATISFIED) if v.key in lifted_later else v
                    for dp, _, v in points if dp.phase == ph.number and dp.track == "programme"]
        if not in_phase and ph.number < reached:
            gates[ph.number] = Verdict(True, f"fase {ph.number} is handmatig vrijgegeven")
        else:
            gates[ph.number] = exit_gate(ph.number, in_phase, passed_over, ph.planned_end, as_of, titles)
            if ph.number in PERIOD_PHASES and in_phase and gates[ph.number].ok and as_of <= ph.planned_end \
                    and ph.number >= reached:
                gates[ph.number] = Verdict(False, f"fase {ph.number} ({ph.name}) loopt tot en met "
                                                  f"{clock.dutch_date(ph.planned_end)}; de stappen erin zijn afgerond")

    # a lot with its own award point (the 2022 dyslexia track) is awarded there, not by the general one
    award_points = [(spec, v) for dp, spec, v in points if dp.kind == Kind.AWARD]
    own_award = {lot for spec, _ in award_points if not spec.scope_all for lot in spec.lots}
    awarded = {lot for spec, v in award_points if v.status is Status.SATISFIED
               for lot in spec.lots if not spec.scope_all or lot not in own_award} - set(stopped)
    ranks = lot_rankings(programme, as_of)
    tender = judge_lots(programme, ranks, as_of, awarded, stopped, choices)
    # where the tender is recorded per lot (offers or steps), its steps say how a lot stands
    by_lot = {t.lot: t for t in tender} if programme.tender_steps or programme.offer_batches else {}
    lots = tuple(
        LotState(lot.key, lot.name, "onderhands", "onderhands gegund, buiten de aanbesteding") if lot.private
        else LotState(lot.key, lot.name, "gestopt", stopped[lot.key]) if lot.key in stopped
        else _from_tender(lot.key, lot.name, by_lot[lot.key]) if lot.key in by_lot
        else LotState(lot.key, lot.name, "gegund", "gunningsbesluit genomen") if lot.key in awarded
        else LotState(lot.key, lot.name, "loopt", "")
        for lot in programme.lots
    )
    return Evaluation(programme.key, programme.name, as_of, points, gates, frozenset(passed_over), lots, blocked,
                      facts, programme, names, tender, ranks, contracts)


def _from_tender(key: str, name: str, t: LotTender) -> LotState:
    if t.award_on and not t.withdrawn:
        return LotState(key, name, "gegund", t.state)
    if t.lot_decision:
        return LotState(key, name, "besloten", t.state)
    return LotState(key, name, "loopt", t.state)


def status_document(ev: Evaluation) -> dict:
    """The programme's state on one day as plain data: phases, gates, points, lots (no database)."""
    names = ev.names
    return {
        "as_of": ev.as_of.isoformat(),
        "current_phase": current_phase(ev.gates),
        "phases": [
            {
                "number": ph.number,
                "name": ph.name,
                "planned_start": ph.planned_start.isoformat(),
                "planned_end": ph.planned_end.isoformat(),
                "exit_gate": "open" if ev.gates[ph.number].ok else "shut",
                "reason": ev.gates[ph.number].reason,
            }
            for ph in ev.snapshot.phases
        ],
        "decision_points": [
            {
                "key": dp.key,
                "kind": dp.kind,
                "word": point_word(dp.kind),
                "title": dp.title,
                "phase": dp.phase,
                "due": dp.planned_date.isoformat(),
                "due_nl": clock.dutch_date(dp.planned_date),
                "status": verdict.status.value,
                "status_nl": ("bevestigd" if dp.kind == Kind.MILESTONE.value and verdict.status is Status.SATISFIED
                              else STATUS_LABELS[verdict.status]),
                "who": describe_bodies(spec.required_bodies, names) + _owner_words(dp.owner),
                "required_bodies": list(spec.required_bodies),
                "missing_bodies": list(verdict.missing),
                "missing_names": [describe_bodies([b], names) for b in verdict.missing],
                "reason": verdict.reason,
                "blocked_by": ev.blocked.get(dp.key),
                "track": dp.track,
                "owner": dp.owner,
                "passed_over": dp.key in ev.passed_over,
                "body_names": {b: names.get(b, b) for b in spec.required_bodies},
            }
            for dp, spec, verdict in ev.points
        ],
        "lots": [{"key": lot.key, "name": lot.name, "state": lot.state, "reason": lot.reason} for lot in ev.lots],
        "stopped": next((f"'{dp.title}': {v.reason}" for dp, spec, v in ev.points
                         if v.status is Status.REJECTED and spec.scope_all and dp.track == "programme"), None),
    }


def _owner_words(owner: str | None) -> str:
    """Who does the work where that is not who confirms it: the assessment team, or the clock itself."""
    from models.core.vocabulary import OWNER_LABELS

    if owner == "beoordelingsteam":
        return ", na het werk van " + OWNER_LABELS[owner]
    if owner == "regie":
        return "; " + OWNER_LABELS[owner]
    return ""


CONTRACT_HORIZON_DAYS = 90


def to_act(ev: Evaluation) -> list[dict]:
    """'Nu aan zet': per open point that can be decided now (its predecessors settled, nothing holds
    it), who must act, the agenda cut-off and meeting that still make the date, and days left or late."""
    from models.rules.planning import PlanningError, planning_model

    snap = ev.snapshot
    before = predecessors(snap) if snap is not None else {}
    settled = {dp.key for dp, _, v in ev.points if v.ok or dp.key in ev.passed_over}
    planning = planning_model(snap.planning) if snap is not None and snap.planning else None
    rows = []
    # the contracts' own points (options, evaluation) come into view once the contracts have started
    started = all(g.ok for g in ev.gates.values())  # every phase done, the contract start confirmed
    for dp, spec, verdict in ev.points:
        if verdict.ok or dp.key in ev.passed_over or dp.key in ev.blocked:
            continue
        if dp.track == "contract" and (not started or (dp.planned_date - ev.as_of).days > CONTRACT_HORIZON_DAYS):
            continue  # years ahead is not "now": in view from 90 days before its date
        if verdict.status in (Status.REJECTED, Status.STOPPED, Status.LAPSED):
            continue
        if any(p not in settled for p in before.get(dp.key, [])):
            continue  # an earlier point comes first
        waiting = list(verdict.missing) or [f.body for f in verdict.open_reservations]
        who = ", ".join(describe_bodies([b], ev.names) for b in waiting) or describe_bodies(spec.required_bodies,
                                                                                           ev.names)
        meeting = cutoff = None
        if planning is not None and dp.kind != Kind.MILESTONE.value and waiting:
            meetings = planning.body_meetings.get(waiting[0], planning.meetings)
            try:
                meeting = meetings.meeting_on_or_before(dp.planned_date)
                cutoff = meetings.agenda_cutoff(meeting)
            except PlanningError:
                meeting = cutoff = None
        left = (dp.planned_date - ev.as_of).days
        if left < 0 and ev.as_of <= clock.met_by(dp.planned_date):
            left = 0  # due on a day off: met on the first working day after it
        rows.append({
            "key": dp.key, "title": dp.title, "who": who, "who_short": who_short(waiting, spec.required_bodies, ev.names)
            or who, "due": dp.planned_date, "meeting": meeting,
            "cutoff": cutoff, "days_left": left,
            "when": (f"nog {left} {'dag' if left == 1 else 'dagen'}" if left > 0 else "vandaag" if left == 0
                     else f"{-left} {'dag' if left == -1 else 'dagen'} te laat"),
            "status": STATUS_LABELS[verdict.status],
        })
    return sorted(rows, key=lambda r: (r["due"], r["title"]))


def progress_words(report: dict) -> str:
    """'fase 3 (van 0-5): Uitvoeren aanbesteding loopt' (the phases are numbered 0-5, as everywhere in Regie)."""
    current = report["current_phase"]
    name = report["phases"][current]["name"]
    if report.get("stopped"):
        return f"gestopt in fase {current} (van 0-5, {name}): {report['stopped']}"
    if all(ph["exit_gate"] == "open" for ph in report["phases"]):
        return "alle 6 fasen afgerond"
    return f"fase {current} (van 0-5): {name} loopt"


def evaluation_plan(ev: Evaluation):
    """The programme's plan (its period rules and meetings) with what the register has decided by `ev.as_of`."""
    from models.rules.planning import Plan, PlanningError, planning_model

    programme = ev.snapshot
    if not programme.planning:
        raise PlanningError(f"{programme.key} heeft geen planning (sectie 'planning' in het programmabestand)")
    return Plan.build(planning_model(programme.planning), plan_points(ev))


def who_short(waiting: list[str], required: tuple[str, ...], names) -> str | None:
    """Many colleges in a few words, for a narrow column: 'alle 8 colleges', '7 colleges (alle behalve
    Aalten)'; None where the full list is short enough (three or fewer)."""
    if len(waiting) <= 3:
        return None
    short = lambda bodies: ", ".join(describe_bodies([b], names).removeprefix("het college van ")  # noqa: E731
                                     for b in bodies)
    others = [b for b in required if b not in waiting]
    if not others:
        return f"alle {len(waiting)} colleges"
    if len(others) <= 3:
        return f"{len(waiting)} colleges (alle behalve {short(others)})"
    return f"{len(waiting)} colleges: {short(waiting[:3])}, …"


def read_plan(ev: Evaluation):
    """The plan `evaluation_plan` gives, shared: built once per definition and per set of settled points (the
    programmes of a sweep from one file, the days of a replay), so read it and never cascade on it."""
    from models.rules.planning import PlanningError, shared_plan

    programme = ev.snapshot
    if not programme.planning:
        raise PlanningError(f"{programme.key} heeft geen planning (sectie 'planning' in het programmabestand)")
    memo = _definition_memo(programme, ev.names)
    key = ("plan", tuple((spec.required_bodies, verdict.ok) for _, spec, verdict in ev.points))
    plan = memo.get(key)
    if plan is None:
        plan = memo[key] = shared_plan(programme.planning, plan_points(ev), programme.planning_text)
    return plan


def plan_points(ev: Evaluation) -> tuple:
    """The programme's points as its plan knows them: dates, who decides, and whether each is settled."""
    from models.rules.planning import PointInfo

    return tuple(
        PointInfo(dp.key, dp.title, dp.kind, dp.planned_date, spec.required_bodies, dp.kind != Kind.MILESTONE.value,
                  dp.providers, decided=verdict.ok, via_platform=dp.via_platform)
        for dp, spec, verdict in ev.points
    )


def recorded_dates(ev: Evaluation) -> dict[str, dt.date]:
    """The day each decided point was really settled: the last standing decision that completed it."""
    out = {}
    for dp, spec, verdict in ev.points:
        if verdict.status not in (Status.SATISFIED, Status.RESERVED):  # recorded, with or without reservation
            continue
        standing = current_decisions(as_of_facts(ev.facts.get(dp.key, []), ev.as_of))
        days = [standing[b].decided_on for b in spec.required_bodies if b in standing]
        if days:
            out[dp.key] = max(days)
    return out
