"""How decisions arrive: per kind of decision and per body, the delay in meetings after the planned one and
the chances of a deferral, a reservation or a no-go. Data with its source (`programmes/rules/decision-arrival.yaml`),
validated like a programme file; `regie risico` draws the open decisions from it."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.core.validation_nl import dutch_message
from models.core.vocabulary import OUTCOMES_BY_KIND, Kind, Outcome

ARRIVAL_FILE = Path(__file__).resolve().parents[2] / "programmes" / "rules" / "decision-arrival.yaml"
MAX_MEETINGS = 52  # a year of weekly meetings: a longer delay is not a delay but another plan


def _distribution(value: tuple[float, ...]) -> tuple[float, ...]:
    if any(not math.isfinite(p) or p < 0 or p > 1 for p in value):
        raise ValueError("elke kans ligt tussen 0 en 1")
    total = sum(value)
    if abs(total - 1) > 1e-6:
        raise ValueError(f"de kansen tellen op tot {total:.4g}, niet tot 1")
    return value


Distribution = tuple[float, ...]


class Arrival(BaseModel):
    """One body's arrival of one kind of decision; a field left out comes from the level above."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delay_meetings: Distribution | None = Field(default=None, min_length=1, max_length=MAX_MEETINGS)
    deferral: float | None = Field(default=None, ge=0, le=1)
    deferral_meetings: Distribution | None = Field(default=None, min_length=1, max_length=MAX_MEETINGS)
    reservation: float | None = Field(default=None, ge=0, le=1)
    reservation_meetings: Distribution | None = Field(default=None, min_length=1, max_length=MAX_MEETINGS)
    negative: float | None = Field(default=None, ge=0, le=1)

    @field_validator("delay_meetings", "deferral_meetings", "reservation_meetings")
    @classmethod
    def _sums_to_one(cls, value):
        return None if value is None else _distribution(value)

    @field_validator("deferral", "reservation", "negative")
    @classmethod
    def _finite(cls, value):
        if value is not None and not math.isfinite(value):
            raise ValueError("verwacht een eindig getal")
        return value

    def over(self, base: Arrival) -> Arrival:
        """This level's fields over `base`."""
        return base.model_copy(update={k: v for k, v in self.model_dump().items() if v is not None})


class Milestones(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    delay_working_days: Distribution = Field(min_length=1, max_length=260)

    @field_validator("delay_working_days")
    @classmethod
    def _sums_to_one(cls, value):
        return _distribution(value)


class ArrivalModel(BaseModel):
    """The whole file: its source, the default arrival, and what differs per kind and per body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    default: Arrival
    kinds: dict[str, Arrival] = {}
    bodies: dict[str, Arrival] = {}
    milestones: Milestones
    # what a calibration learned from (absent in a file of assumptions)
    learned_from: dict[str, int] | None = None

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value):
        known = [k.value for k in Kind if k is not Kind.MILESTONE]
        for kind in value:
            if kind not in known:
                raise ValueError(f"onbekende soort besluit '{kind}'; kies uit: {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _complete(self):
        missing = [name for name in ("delay_meetings", "deferral", "deferral_meetings", "reservation",
                                     "reservation_meetings", "negative") if getattr(self.default, name) is None]
        if missing:
            raise ValueError(f"default: ontbreekt: {', '.join(missing)} (de standaard noemt elk veld)")
        for where, level in [("default", self.default)] + [(f"kinds.{k}", a) for k, a in self.kinds.items()] + \
                [(f"bodies.{b}", a) for b, a in self.bodies.items()]:
            merged = level.over(self.default)
            if merged.deferral + merged.reservation + merged.negative > 1 + 1e-9:
                raise ValueError(f"{where}: deferral, reservation en negative samen zijn meer dan 1")
        return self

    def arrival(self, kind: str, body: str) -> Arrival:
        """The arrival of `kind` by `body`: the default, then the kind's, then the body's fields."""
        merged = self.default
        if kind in self.kinds:
            merged = self.kinds[kind].over(merged)
        if body in self.bodies:
            merged = self.bodies[body].over(merged)
        return merged


class ArrivalFileError(ValueError):
    pass


def parse_arrival_text(text: str, path: Path | str) -> ArrivalModel:
    """The model from its YAML; refused with the file, the field and the fault, in Dutch."""
    from models.rules.programme_file import ProgrammeFileError, _UniqueKeyLoader, _loc, _where

    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None)
        words = problem if problem and ("sleutel" in problem or "lijst" in problem) else "geen geldige YAML"
        raise ProgrammeFileError(path, [("", f"geen geldige YAML: {words}{_where(exc)}"
                                         if words != "geen geldige YAML" else f"{words}{_where(exc)}")]) from None
    if not isinstance(data, dict):
        raise ProgrammeFileError(path, [("", "verwacht een model (een mapping met version, source, default, ...)")])
    try:
        return ArrivalModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = _loc(err["loc"], data)
            message = dutch_message(err)
            if not where and ": " in message and message.split(": ", 1)[0].replace(".", "").replace("-", "").isalnum():
                where, message = message.split(": ", 1)  # a check on the whole names its field first
            problems.append((where, message))
        raise ProgrammeFileError(path, problems) from None


@lru_cache(maxsize=8)
def _cached(path: str, stamp: int) -> ArrivalModel:
    return parse_arrival_text(Path(path).read_text(encoding="utf-8"), path)


def arrival_model(path: Path | str = ARRIVAL_FILE) -> ArrivalModel:
    """The model file, validated (kept while the file does not change)."""
    from models.core.errors import InputError
    from models.core.inputs import os_reason

    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{path}: {os_reason(exc)}") from None
    return _cached(str(path), stamp)


# --- What one body's decision can come to --------------------------------------------------------------

def outcome_table(model: ArrivalModel, kind: str, body: str, *, planned_lift: bool,
                  stops_programme: bool) -> tuple[tuple[float, int, bool], ...]:
    """Every way one body's decision on a point can come, as (chance, meetings after the first possible one,
    stops the programme), merged per outcome and sorted. A reservation that a later point is planned to lift
    settles the point for the start (the later point carries its own chance); one that does not fit the kind
    (a go/no-go has none) counts as a plain decision, and so does a deferral where it does not fit."""
    a = model.arrival(kind, body)
    allowed = OUTCOMES_BY_KIND[Kind(kind)]
    deferral = a.deferral if Outcome.DEFERRED in allowed else 0.0
    reservation = a.reservation if Outcome.APPROVED_WITH_RESERVATION in allowed and not planned_lift else 0.0
    negative = a.negative if stops_programme else 0.0
    plain = 1.0 - deferral - reservation - negative
    out: dict[tuple[int, bool], float] = {}
    for k, pk in enumerate(a.delay_meetings):
        if pk <= 0:
            continue
        out[k, False] = out.get((k, False), 0.0) + pk * plain
        if negative:
            out[k, True] = out.get((k, True), 0.0) + pk * negative
        for chance, extra in ((deferral, a.deferral_meetings), (reservation, a.reservation_meetings)):
            if chance:
                for j, pj in enumerate(extra):
                    if pj > 0:
                        out[k + j + 1, False] = out.get((k + j + 1, False), 0.0) + pk * chance * pj
    return tuple((p, k, stop) for (k, stop), p in sorted(out.items(), key=lambda kv: (kv[0][1], kv[0][0])) if p > 0)


def milestone_table(model: ArrivalModel) -> tuple[tuple[float, int, bool], ...]:
    return tuple((p, k, False) for k, p in enumerate(model.milestones.delay_working_days) if p > 0)


# --- Fitting the model to the register ---------------------------------------------------------------------

def _shares(counts: dict[int, int]) -> tuple[float, ...]:
    total = sum(counts.values())
    top = max(counts)
    shares = [round(counts.get(k, 0) / total, 4) for k in range(top + 1)]
    shares[shares.index(max(shares))] += round(1 - sum(shares), 4)  # rounding: the largest share takes the rest
    return tuple(shares)


def calibrate(base: ArrivalModel, programmes, meetings_of) -> tuple[ArrivalModel, dict]:
    """The model fitted to the decisions in the register: per body and point, the first decision's delay in
    meetings after the planned one, whether it was a deferral (and how many meetings until the decision after
    it), a reservation no later point was planned to lift (and how many meetings until it was lifted), or a
    no-go or rejection on the whole programme (one on some lots stops those lots, not the start); the milestones' delay in working days. A kind of decision with fewer than MIN_PER_KIND
    decisions keeps the general figures. `programmes`: snapshots; `meetings_of(programme, body)`: its meetings.
    Returns the fitted model and what it learned from."""
    from models.core import clock

    overall = {"delay": {}, "deferral": {}, "reservation": {}, "n": 0, "deferrals": 0, "reservations": 0,
               "negatives": 0}
    per_kind: dict[str, dict] = {}
    milestones: dict[int, int] = {}
    learned = {"programmes": 0, "decisions": 0, "milestones": 0}
    for programme in programmes:
        learned["programmes"] += 1
        lifted_by = {dp.key: dp.reservation_lifted_by for dp in programme.points}
        for dp in programme.points:
            facts = programme.facts.get(dp.key, [])
            if not facts or dp.track != "programme":
                continue
            if dp.kind == Kind.MILESTONE.value:
                for f in facts:
                    if f.supersedes_id is None:
                        late = max(0, clock.working_days_between(dp.planned_date, f.decided_on))
                        milestones[late] = milestones.get(late, 0) + 1
                        learned["milestones"] += 1
                continue
            if dp.kind == Kind.OPTION.value:
                continue
            by_body: dict[str, list] = {}
            for f in sorted(facts, key=lambda f: (f.decided_on, f.id)):
                by_body.setdefault(f.body, []).append(f)
            for body, seq in by_body.items():
                meetings = meetings_of(programme, body)
                planned = meetings.meeting_on_or_before(dp.planned_date)

                def count(after, until):
                    n, day = 0, after
                    while True:
                        day = meetings.meeting_on_or_after(day + dt.timedelta(days=1))
                        if day > until:
                            return n
                        n += 1

                first = seq[0]
                bucket = per_kind.setdefault(dp.kind, {"delay": {}, "deferral": {}, "reservation": {}, "n": 0,
                                                       "deferrals": 0, "reservations": 0, "negatives": 0})
                delay = count(planned, first.decided_on) if first.decided_on > planned else 0
                for b in (overall, bucket):
                    b["n"] += 1
                    b["delay"][delay] = b["delay"].get(delay, 0) + 1
                learned["decisions"] += len(seq)
                later = [f for f in seq[1:] if f.outcome is not Outcome.DEFERRED] or seq[1:]
                if first.outcome is Outcome.DEFERRED:
                    extra = max(0, count(first.decided_on, later[0].decided_on) - 1) if later else None
                    for b in (overall, bucket):
                        b["deferrals"] += 1
                        if extra is not None:
                            b["deferral"][extra] = b["deferral"].get(extra, 0) + 1
                elif first.outcome is Outcome.APPROVED_WITH_RESERVATION and not (
                        first.reservation_lifted_by or lifted_by.get(dp.key)):
                    lift = next((f for f in seq[1:] if f.lifts_id == first.id), None)
                    for b in (overall, bucket):
                        b["reservations"] += 1
                        if lift is not None:
                            extra = max(0, count(first.decided_on, lift.decided_on) - 1)
                            b["reservation"][extra] = b["reservation"].get(extra, 0) + 1
                elif first.outcome in (Outcome.NO_GO, Outcome.REJECTED) and not dp.scope:  # some lots: they stop, the start does not
                    for b in (overall, bucket):
                        b["negatives"] += 1

    def fitted(b: dict, keep: Arrival) -> Arrival:
        n = b["n"]
        return Arrival(
            delay_meetings=_shares(b["delay"]) if n else keep.delay_meetings,
            deferral=round(b["deferrals"] / n, 4) if n else keep.deferral,
            deferral_meetings=_shares(b["deferral"]) if b["deferral"] else keep.deferral_meetings,
            reservation=round(b["reservations"] / n, 4) if n else keep.reservation,
            reservation_meetings=_shares(b["reservation"]) if b["reservation"] else keep.reservation_meetings,
            negative=round(b["negatives"] / n, 4) if n else keep.negative,
        )

    if not overall["n"]:
        from models.core.errors import InputError

        raise InputError("--calibrate: het register heeft nog geen besluiten van colleges of bestuurders om van "
                         "te leren")
    default = fitted(overall, base.default)
    kinds = {kind: fitted(b, default) for kind, b in sorted(per_kind.items()) if b["n"] >= MIN_PER_KIND}
    model = ArrivalModel(
        version=f"gekalibreerd {clock.today().isoformat()}",
        source=(f"Gekalibreerd op {learned['decisions']} besluiten (van colleges en bestuurders, op "
                f"{overall['n']} besluitpunt-orgaan-paren) en {learned['milestones']} mijlpalen in "
                f"{learned['programmes']} programma's van het register; wat het register niet laat zien, blijft "
                "de regionale aanname"),
        default=default, kinds=kinds, bodies={},
        milestones=Milestones(delay_working_days=_shares(milestones)) if milestones else base.milestones,
        learned_from=learned,
    )
    counts = {"per_kind": {k: b["n"] for k, b in sorted(per_kind.items())}, "pairs": overall["n"],
              "deferrals": overall["deferrals"], "reservations": overall["reservations"],
              "negatives": overall["negatives"]}
    return model, learned | counts


MIN_PER_KIND = 10
