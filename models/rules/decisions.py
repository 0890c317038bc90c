"""The rules of the register as pure functions: each returns a verdict with a Dutch reason.

They read plain facts (no session, no clock): the caller passes the day to judge by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from models.core.clock import dutch_date, met_by
from models.facts.rows import DecisionFact
from models.core.vocabulary import (
    BESTUURDERS,
    PROJECT_TEAM,
    KIND_DECISION_NOUNS,
    KIND_LABELS,
    NEGATIVE,
    OUTCOME_LABELS,
    OUTCOMES_BY_KIND,
    PENDING,
    POSITIVE,
    DecidedBy,
    Kind,
    Outcome,
    Status,
)


MANDATORY_KINDS = frozenset({Kind.GO_NO_GO, Kind.APPROVAL, Kind.AWARD, Kind.REPLAN})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


@dataclass(frozen=True)
class PointSpec:
    key: str
    kind: Kind
    title: str
    phase: int
    due: dt.date
    required_bodies: tuple[str, ...]
    body_names: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The lots the point concerns (empty: the programme has no lots) and who decides per lot.
    lots: tuple[str, ...] = ()
    lot_bodies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    scope_all: bool = True
    reservation_lifted_by: str | None = None  # planned in the file: this later point lifts a reservation

    def restricted_to(self, live_lots: Iterable[str]) -> PointSpec:
        """The same point for the lots that still go on: only their bodies must decide."""
        live = tuple(lot for lot in self.lots if lot in set(live_lots))
        bodies = {b for lot in live for b in self.lot_bodies.get(lot, ())}
        required = tuple(b for b in self.required_bodies if b in bodies)
        return PointSpec(self.key, self.kind, self.title, self.phase, self.due, required, self.body_names,
                         live, self.lot_bodies, self.scope_all, self.reservation_lifted_by)


@dataclass(frozen=True)
class PointVerdict:
    key: str
    status: Status
    missing: tuple[str, ...]
    reason: str
    open_reservations: tuple[DecisionFact, ...] = ()
    deferred: tuple[str, ...] = ()  # bodies whose standing decision is a deferral
    negative: tuple[DecisionFact, ...] = ()  # standing no-go or rejection decisions
    # nothing is owed on this point: decided, every lot it concerns has stopped, or it lapsed (worked out once:
    # a sweep asks it of every point of every programme several times)
    ok: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", self.status in (Status.SATISFIED, Status.STOPPED, Status.LAPSED))


class DecisionRefused(ValueError):
    """A decision that the rules do not admit; the message says why, in Dutch."""


def required_bodies(
    decided_by: DecidedBy,
    *,
    participants: Iterable[str],
    penvoerder: str,
) -> tuple[str, ...]:
    """Who must decide: the colleges taking part in the scope, the penvoerder, or the bestuurders."""
    if decided_by is DecidedBy.COLLEGES:
        return tuple(sorted(set(participants)))
    if decided_by is DecidedBy.PENVOERDER:
        return (penvoerder,)
    if decided_by is DecidedBy.PROJECT_TEAM:
        return (PROJECT_TEAM,)
    return (BESTUURDERS,)


def describe_bodies(slugs: Sequence[str], names: Mapping[str, str]) -> str:
    """'3 colleges: Aalten, Berkelland, Winterswijk', 'het college van Doetinchem', 'de bestuurders'."""
    phrases = getattr(names, "phrases", None)
    if phrases is None:
        return _describe(slugs, names)
    key = tuple(slugs)
    if key not in phrases:
        phrases[key] = _describe(key, names)
    return phrases[key]


def _describe(slugs: Sequence[str], names: Mapping[str, str]) -> str:
    colleges = [names.get(s, s) for s in slugs if s not in (BESTUURDERS, PROJECT_TEAM)]
    parts = []
    if len(colleges) == 1:
        parts.append(f"het college van {colleges[0]}")
    elif colleges:
        parts.append(f"{len(colleges)} colleges: {', '.join(colleges)}")
    if BESTUURDERS in slugs:
        parts.append("de bestuurders")
    if PROJECT_TEAM in slugs:
        parts.append("het projectteam (inkoopprojectleider)")
    return " en ".join(parts)


def as_of_facts(facts: Iterable[DecisionFact], as_of: dt.date) -> list[DecisionFact]:
    """The register as it stood on `as_of`: only what was decided on or before that day."""
    return [f for f in facts if f.decided_on <= as_of]


def current_decisions(facts: Iterable[DecisionFact], lifted_elsewhere: Iterable[int] = ()) -> dict[str, DecisionFact]:
    """Per body the decision that stands: the latest one that no later entry superseded or lifted.

    `lifted_elsewhere`: reservations lifted by a decision on another point (a planned lift).
    """
    facts = list(facts)
    ended = {f.supersedes_id for f in facts} | {f.lifts_id for f in facts} | set(lifted_elsewhere)
    standing: dict[str, DecisionFact] = {}
    for fact in sorted(facts, key=lambda f: (f.decided_on, f.id)):
        if fact.id not in ended:
            standing[fact.body] = fact
    return standing


def describe_reservations(reservations: Sequence[DecisionFact], names: Mapping[str, str],
                          lift_titles: Mapping[str, str] | None = None) -> str:
    """Each reservation text once, with the bodies that hold it and what lifts it."""
    by_text: dict[str, list[DecisionFact]] = {}
    for f in reservations:
        by_text.setdefault(f.reservation or "", []).append(f)
    parts = []
    for text, held in by_text.items():
        ids = ", ".join(f"#{f.id}" for f in held)
        part = f"open voorbehoud '{text}' van {describe_bodies([f.body for f in held], names)} (besluit {ids})"
        lifted_by = {f.reservation_lifted_by for f in held if f.reservation_lifted_by}
        if lifted_by:
            titles = [(lift_titles or {}).get(k, k) for k in sorted(lifted_by)]
            part += f"; op te heffen door: {', '.join(titles)}"
        parts.append(part)
    return "; ".join(parts)


def point_status(
    spec: PointSpec, facts: Iterable[DecisionFact], as_of: dt.date, lifted_elsewhere: Iterable[int] = (),
    lift_titles: Mapping[str, str] | None = None,
) -> PointVerdict:
    """Where a decision point stands on `as_of`, and why: only decisions taken by then count."""
    facts = as_of_facts(facts, as_of)
    lifted_elsewhere = set(lifted_elsewhere)
    standing = {  # a reservation lifted by a later point's decision stands as a plain approval
        body: replace(f, outcome=Outcome.APPROVED, reservation=None) if f.id in lifted_elsewhere else f
        for body, f in current_decisions(facts).items()
    }
    names = spec.body_names
    what = KIND_DECISION_NOUNS[spec.kind]
    relevant = {b: standing[b] for b in spec.required_bodies if b in standing}
    missing = tuple(
        b for b in spec.required_bodies if b not in relevant or relevant[b].outcome in PENDING
    )
    # An option to extend is each college's own answer: a "no" ends that college's contracts, not the point.
    option = spec.kind is Kind.OPTION
    negative = [f for f in relevant.values() if f.outcome in NEGATIVE and not option]
    reservations = tuple(
        sorted(
            (f for f in relevant.values() if f.outcome is Outcome.APPROVED_WITH_RESERVATION),
            key=lambda f: f.body,
        )
    )
    deferred = [b for b in missing if b in relevant]

    if negative:
        parts = [
            f"{OUTCOME_LABELS[f.outcome]} door {describe_bodies([f.body], names)} "
            f"(besluit #{f.id}, {dutch_date(f.decided_on)})"
            for f in sorted(negative, key=lambda f: f.body)
        ]
        return PointVerdict(spec.key, Status.REJECTED, missing, "; ".join(parts), reservations, tuple(deferred),
                            tuple(sorted(negative, key=lambda f: f.body)))
    if not missing and option:
        yes = sorted(b for b, f in relevant.items() if f.outcome in POSITIVE)
        no = sorted(b for b, f in relevant.items() if f.outcome in NEGATIVE)
        text = "; ".join(part for part in (
            f"verlengen: {describe_bodies(yes, names)}" if yes else "",
            f"niet verlengen: {describe_bodies(no, names)}" if no else "") if part)
        if not yes:
            return PointVerdict(spec.key, Status.REJECTED, (), f"niemand verlengt ({text})", (), (),
                                tuple(sorted(relevant.values(), key=lambda f: f.body)))
        return PointVerdict(spec.key, Status.SATISFIED, (), f"{what} is genomen: {text}")
    if not missing:
        if reservations:
            return PointVerdict(spec.key, Status.RESERVED, (), describe_reservations(reservations, names, lift_titles),
                                reservations)
        return PointVerdict(
            spec.key,
            Status.SATISFIED,
            (),
            f"{what} is genomen door {describe_bodies(spec.required_bodies, names)}",
        )
    waiting = f"wacht op {what} van {describe_bodies(missing, names)}"
    if deferred:
        waiting += f" (aangehouden door {describe_bodies(deferred, names)})"
    if as_of > met_by(spec.due):
        return PointVerdict(
            spec.key,
            Status.OVERDUE,
            missing,
            f"te laat sinds {dutch_date(spec.due)}: {waiting}",
            reservations,
            tuple(deferred),
        )
    if deferred:
        return PointVerdict(spec.key, Status.DEFERRED, missing, waiting, reservations, tuple(deferred))
    return PointVerdict(spec.key, Status.OPEN, missing, waiting, reservations)


def exit_gate(
    phase: int, verdicts: Sequence[PointVerdict], overridden: Iterable[str] = (),
    window_end: dt.date | None = None, as_of: dt.date | None = None, titles: Mapping[str, str] | None = None,
) -> Verdict:
    """A phase may be left when every decision point in it is satisfied or was passed over by hand.

    A phase without decision points (implementation) is a period: its exit opens once its window
    has ended, so it is the current phase for as long as it lasts.
    """
    if not verdicts:
        if window_end is None or as_of is None:
            return Verdict(True, f"fase {phase} heeft geen besluitpunten")
        if as_of > window_end:
            return Verdict(True, f"fase {phase} heeft geen besluitpunten en liep tot en met {dutch_date(window_end)}")
        return Verdict(False, f"fase {phase} loopt tot en met {dutch_date(window_end)}")
    overridden = set(overridden)
    titles = titles or {}
    shut = [v for v in verdicts if not v.ok and v.key not in overridden]
    passed = [v.key for v in verdicts if not v.ok and v.key in overridden]
    if not shut:
        keys = ", ".join(titles.get(v.key, v.key) for v in verdicts)
        reason = f"alle besluitpunten van fase {phase} zijn afgerond ({keys})"
        if passed:
            reason = f"fase {phase} is handmatig vrijgegeven; niet afgewacht: {', '.join(titles.get(k, k) for k in passed)}"
        return Verdict(True, reason)
    return Verdict(False, "; ".join(f"{titles.get(v.key, v.key)}: {v.reason}" for v in shut))


def is_mandatory(kind: Kind) -> bool:
    """A decision by colleges, bestuurders or the penvoerder's college cannot be skipped; a milestone can."""
    return kind in MANDATORY_KINDS


def check_advance(
    to_phase: int,
    points: Sequence[tuple[PointSpec, PointVerdict]],
    gates: Mapping[int, Verdict],
) -> tuple[str, ...]:
    """Admit a manual move into `to_phase`; return the points it passes over, or raise with the reason."""
    if to_phase not in gates:
        raise DecisionRefused(f"fase {to_phase} bestaat niet (fasen 0 tot en met 5)")
    before = [n for n in sorted(gates) if n < to_phase]
    if all(gates[n].ok for n in before):
        raise DecisionRefused(
            f"het programma staat al in fase {current_phase(gates)}; fase {to_phase} is al bereikt"
        )
    blocking = [
        (spec, verdict)
        for spec, verdict in points
        if spec.phase < to_phase and not verdict.ok and is_mandatory(spec.kind)
    ]
    if blocking:
        listed = "; ".join(f"'{spec.title}' (fase {spec.phase}): {verdict.reason}" for spec, verdict in blocking)
        raise DecisionRefused(f"naar fase {to_phase} gaan zou verplichte besluiten overslaan: {listed}")
    return tuple(spec.key for spec, verdict in points if spec.phase < to_phase and not verdict.ok)


def current_phase(gates: Mapping[int, Verdict]) -> int:
    """The first phase whose exit gate is still shut; the last phase once every gate is open."""
    for number in sorted(gates):
        if not gates[number].ok:
            return number
    return max(gates) if gates else 0


def check_decision(
    spec: PointSpec,
    facts: Sequence[DecisionFact],
    *,
    body: str,
    outcome: Outcome,
    decided_on: dt.date,
    today: dt.date,
    reservation: str | None = None,
    lifts: int | None = None,
    supersedes: int | None = None,
    liftable: Mapping[int, DecisionFact] | None = None,
    no_meeting: str | None = None,
    extra_meeting: bool = False,
    blocked_by: str | None = None,
) -> None:
    """Admit a new decision for `spec` or raise DecisionRefused with the reason.

    liftable: reservations on other points that this point is planned to lift.
    no_meeting: why the body does not meet on `decided_on` (None when it does).
    blocked_by: why an earlier point holds this one (a no-go, rejection or deferral), if it does.
    """
    names = spec.body_names
    who = describe_bodies([body], names)
    if body not in spec.required_bodies:
        raise DecisionRefused(
            f"{who} {'hoeven' if body == BESTUURDERS else 'hoeft'} niet te besluiten over '{spec.title}'; "
            f"dat {'doet' if len(spec.required_bodies) == 1 else 'doen'} {describe_bodies(spec.required_bodies, names)}"
        )
    allowed = OUTCOMES_BY_KIND[spec.kind]
    if outcome not in allowed:
        raise DecisionRefused(
            f"uitkomst '{OUTCOME_LABELS[outcome]}' past niet bij een {KIND_LABELS[spec.kind]} ('{spec.title}'); "
            f"kies uit: {', '.join(f'{o.value} ({OUTCOME_LABELS[o]})' for o in allowed)}"
        )
    if decided_on > today:
        raise DecisionRefused(
            f"besluitdatum {dutch_date(decided_on)} ligt in de toekomst (vandaag is {dutch_date(today)})"
        )
    if no_meeting and not extra_meeting:
        raise DecisionRefused(
            f"{who} vergadert niet op {dutch_date(decided_on)} ({no_meeting}); "
            "klopt de datum? Een besluit in een extra vergadering leg je vast met --extra-meeting"
        )
    if outcome is Outcome.APPROVED_WITH_RESERVATION and not (reservation or "").strip():
        raise DecisionRefused("bij 'akkoord met voorbehoud' hoort de tekst van het voorbehoud")
    if reservation and outcome is not Outcome.APPROVED_WITH_RESERVATION:
        raise DecisionRefused(
            f"een voorbehoud hoort alleen bij 'akkoord met voorbehoud', niet bij '{OUTCOME_LABELS[outcome]}'"
        )
    if lifts is not None and supersedes is not None:
        raise DecisionRefused("een besluit heft een voorbehoud op óf vervangt een besluit, niet beide")
    if blocked_by and outcome in POSITIVE:
        raise DecisionRefused(
            f"'{spec.title}' kan niet doorgaan: {blocked_by}; "
            "leg eerst het besluit vast dat dat opheft (of corrigeer het met --supersedes)"
        )

    by_id = {f.id: f for f in facts} | dict(liftable or {})
    standing = current_decisions(facts)
    standing_ids = {f.id for f in standing.values()}
    for label, ref in (("--lifts", lifts), ("--supersedes", supersedes)):
        if ref is None:
            continue
        if ref not in by_id or (label == "--supersedes" and ref in (liftable or {})):
            raise DecisionRefused(f"{label} {ref}: geen besluit over '{spec.title}' met dat nummer")
        if ref not in standing_ids and ref not in (liftable or {}):
            raise DecisionRefused(f"{label} {ref}: dat besluit is al vervangen of opgeheven")
        if by_id[ref].body != body:
            raise DecisionRefused(
                f"{label} {ref}: dat is een besluit van {describe_bodies([by_id[ref].body], names)}; "
                f"alleen dat orgaan kan het {'opheffen' if label == '--lifts' else 'vervangen'}"
            )
        if decided_on < by_id[ref].decided_on:
            raise DecisionRefused(
                f"{label} {ref}: dit besluit ({dutch_date(decided_on)}) ligt vóór besluit #{ref} "
                f"({dutch_date(by_id[ref].decided_on)}); het kan dat niet {'opheffen' if label == '--lifts' else 'vervangen'}"
            )

    if lifts is not None:
        earlier = by_id[lifts]
        if earlier.outcome is not Outcome.APPROVED_WITH_RESERVATION:
            raise DecisionRefused(f"--lifts {lifts}: dat besluit heeft geen voorbehoud")
        if outcome not in POSITIVE or outcome is Outcome.APPROVED_WITH_RESERVATION:
            raise DecisionRefused(
                "een voorbehoud wordt opgeheven met een besluit zonder voorbehoud (akkoord of go); "
                "wie alsnog afwijst, vervangt het besluit met --supersedes"
            )
        if lifts not in (liftable or {}):
            return  # a lift on the point itself; a planned lift from a later point is also its own decision
    if supersedes is not None:
        return
    current = standing.get(body)
    if current is not None and current.outcome not in PENDING:
        raise DecisionRefused(
            f"{who} heeft over '{spec.title}' al besloten "
            f"(besluit #{current.id}: {OUTCOME_LABELS[current.outcome]}); "
            "corrigeer met --supersedes of hef een voorbehoud op met --lifts"
        )
