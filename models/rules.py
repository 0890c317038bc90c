"""The rules of the register as pure functions: each returns a verdict with a Dutch reason.

They read plain facts (no session, no clock): the caller passes the day to judge by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from models.clock import dutch_date
from models.vocabulary import (
    BESTUURDERS,
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
class DecisionFact:
    id: int
    body: str
    outcome: Outcome
    decided_on: dt.date
    reservation: str | None = None
    lifts_id: int | None = None
    supersedes_id: int | None = None


@dataclass(frozen=True)
class PointSpec:
    key: str
    kind: Kind
    title: str
    phase: int
    due: dt.date
    required_bodies: tuple[str, ...]
    body_names: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PointVerdict:
    key: str
    status: Status
    missing: tuple[str, ...]
    reason: str
    open_reservations: tuple[DecisionFact, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is Status.SATISFIED


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
    return (BESTUURDERS,)


def describe_bodies(slugs: Sequence[str], names: Mapping[str, str]) -> str:
    """'3 colleges: Aalten, Berkelland, Winterswijk', 'het college van Doetinchem', 'de bestuurders'."""
    colleges = [names.get(s, s) for s in slugs if s != BESTUURDERS]
    parts = []
    if len(colleges) == 1:
        parts.append(f"het college van {colleges[0]}")
    elif colleges:
        parts.append(f"{len(colleges)} colleges: {', '.join(colleges)}")
    if BESTUURDERS in slugs:
        parts.append("de bestuurders")
    return " en ".join(parts)


def current_decisions(facts: Iterable[DecisionFact]) -> dict[str, DecisionFact]:
    """Per body the decision that stands: the latest one that no later entry superseded or lifted."""
    facts = list(facts)
    ended = {f.supersedes_id for f in facts} | {f.lifts_id for f in facts}
    standing: dict[str, DecisionFact] = {}
    for fact in sorted(facts, key=lambda f: (f.decided_on, f.id)):
        if fact.id not in ended:
            standing[fact.body] = fact
    return standing


def point_status(spec: PointSpec, facts: Iterable[DecisionFact], as_of: dt.date) -> PointVerdict:
    """Where a decision point stands on `as_of`, and why."""
    standing = current_decisions(facts)
    names = spec.body_names
    what = KIND_DECISION_NOUNS[spec.kind]
    relevant = {b: standing[b] for b in spec.required_bodies if b in standing}
    missing = tuple(
        b for b in spec.required_bodies if b not in relevant or relevant[b].outcome in PENDING
    )
    negative = [f for f in relevant.values() if f.outcome in NEGATIVE]
    reservations = tuple(
        sorted(
            (f for f in relevant.values() if f.outcome is Outcome.APPROVED_WITH_RESERVATION),
            key=lambda f: f.body,
        )
    )
    deferred = [b for b in missing if b in relevant]

    if negative:
        parts = [
            f"{OUTCOME_LABELS[f.outcome]} van {describe_bodies([f.body], names)} "
            f"(besluit #{f.id}, {dutch_date(f.decided_on)})"
            for f in sorted(negative, key=lambda f: f.body)
        ]
        return PointVerdict(spec.key, Status.REJECTED, missing, "; ".join(parts), reservations)
    if not missing:
        if reservations:
            parts = [
                f"open voorbehoud van {describe_bodies([f.body], names)}: "
                f"'{f.reservation}' (besluit #{f.id})"
                for f in reservations
            ]
            return PointVerdict(spec.key, Status.RESERVED, (), "; ".join(parts), reservations)
        return PointVerdict(
            spec.key,
            Status.SATISFIED,
            (),
            f"{what} is genomen door {describe_bodies(spec.required_bodies, names)}",
        )
    waiting = f"wacht op {what} van {describe_bodies(missing, names)}"
    if deferred:
        waiting += f" (aangehouden door {describe_bodies(deferred, names)})"
    if as_of > spec.due:
        return PointVerdict(
            spec.key,
            Status.OVERDUE,
            missing,
            f"te laat sinds {dutch_date(spec.due)}: {waiting}",
            reservations,
        )
    if deferred:
        return PointVerdict(spec.key, Status.DEFERRED, missing, waiting, reservations)
    return PointVerdict(spec.key, Status.OPEN, missing, waiting, reservations)


def exit_gate(phase: int, verdicts: Sequence[PointVerdict], overridden: Iterable[str] = ()) -> Verdict:
    """A phase may be left when every decision point in it is satisfied or was passed over by hand."""
    if not verdicts:
        return Verdict(True, f"fase {phase} heeft geen besluitpunten")
    overridden = set(overridden)
    shut = [v for v in verdicts if not v.ok and v.key not in overridden]
    passed = [v.key for v in verdicts if not v.ok and v.key in overridden]
    if not shut:
        keys = ", ".join(v.key for v in verdicts)
        reason = f"alle besluitpunten van fase {phase} zijn genomen ({keys})"
        if passed:
            reason = f"fase {phase} is handmatig vrijgegeven; niet afgewacht: {', '.join(passed)}"
        return Verdict(True, reason)
    return Verdict(False, "; ".join(f"{v.key}: {v.reason}" for v in shut))


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
        listed = "; ".join(f"{spec.key} (fase {spec.phase}): {verdict.reason}" for spec, verdict in blocking)
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
) -> None:
    """Admit a new decision for `spec` or raise DecisionRefused with the reason."""
    names = spec.body_names
    if body not in spec.required_bodies:
        raise DecisionRefused(
            f"{describe_bodies([body], names)} hoeft niet te besluiten over '{spec.key}'; "
            f"dat doet {describe_bodies(spec.required_bodies, names)}"
        )
    allowed = OUTCOMES_BY_KIND[spec.kind]
    if outcome not in allowed:
        raise DecisionRefused(
            f"uitkomst '{outcome}' past niet bij een {KIND_LABELS[spec.kind]} ('{spec.key}'); "
            f"kies uit: {', '.join(allowed)}"
        )
    if decided_on > today:
        raise DecisionRefused(
            f"besluitdatum {decided_on.isoformat()} ligt in de toekomst (vandaag is {today.isoformat()})"
        )
    if outcome is Outcome.APPROVED_WITH_RESERVATION and not (reservation or "").strip():
        raise DecisionRefused("bij 'approved-with-reservation' hoort de tekst van het voorbehoud")
    if reservation and outcome is not Outcome.APPROVED_WITH_RESERVATION:
        raise DecisionRefused(
            f"een voorbehoud hoort alleen bij 'approved-with-reservation', niet bij '{outcome}'"
        )
    if lifts is not None and supersedes is not None:
        raise DecisionRefused("een besluit heft een voorbehoud op óf vervangt een besluit, niet beide")

    by_id = {f.id: f for f in facts}
    standing = current_decisions(facts)
    standing_ids = {f.id for f in standing.values()}
    for label, ref in (("--lifts", lifts), ("--supersedes", supersedes)):
        if ref is None:
            continue
        if ref not in by_id:
            raise DecisionRefused(f"{label} {ref}: geen besluit over '{spec.key}' met dat nummer")
        if ref not in standing_ids:
            raise DecisionRefused(f"{label} {ref}: dat besluit is al vervangen of opgeheven")

    if lifts is not None:
        earlier = by_id[lifts]
        if earlier.outcome is not Outcome.APPROVED_WITH_RESERVATION:
            raise DecisionRefused(f"--lifts {lifts}: dat besluit heeft geen voorbehoud")
        if earlier.body != body:
            raise DecisionRefused(
                f"--lifts {lifts}: alleen {describe_bodies([earlier.body], names)} kan dat voorbehoud opheffen"
            )
        if outcome not in POSITIVE or outcome is Outcome.APPROVED_WITH_RESERVATION:
            raise DecisionRefused(
                "een voorbehoud wordt opgeheven met een besluit zonder voorbehoud ('approved' of 'go'); "
                "wie alsnog afwijst, vervangt het besluit met --supersedes"
            )
        return
    if supersedes is not None and by_id[supersedes].body == body:
        return
    current = standing.get(body)
    if current is not None and current.outcome not in PENDING:
        raise DecisionRefused(
            f"{describe_bodies([body], names)} heeft over '{spec.key}' al besloten "
            f"(besluit #{current.id}: {OUTCOME_LABELS[current.outcome]}); "
            "corrigeer met --supersedes of hef een voorbehoud op met --lifts"
        )
