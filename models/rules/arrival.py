"""How decisions arrive: per kind of decision and per body, the delay in meetings after the planned one and
the chances of a deferral, a reservation or a no-go. Data with its source (`programmes/rules/decision-arrival.yaml`),
validated like a programme file; `regie risico` draws the open decisions from it."""

from __future__ import annotations

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
