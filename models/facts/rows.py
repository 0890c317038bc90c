"""Programmes as plain data: the rows the rules run on, with no database in sight (the loader that fills
them from the register is `models/facts/snapshot.py`; a reader with no ORM may fill them too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.core.vocabulary import Outcome
from models.facts.offers import OfferRow


@dataclass(frozen=True)
class PointRow:
    key: str
    kind: str
    title: str
    phase: int
    position: int
    planned_date: dt.date
    date_note: str | None
    decided_by: str
    scope: tuple[str, ...]
    providers: bool
    via_platform: bool
    reservation_lifted_by: str | None
    track: str = "programme"  # "contract": after the start, outside the phase gates
    owner: str | None = None


@dataclass(frozen=True)
class UnitRow:
    """A segment or a lot: its key, name and the municipalities taking part."""

    key: str
    name: str
    municipalities: tuple[str, ...]
    segment_keys: tuple[str, ...] = ()
    private: bool = False  # awarded privately, outside the tender (onderhands)


@dataclass(frozen=True)
class PhaseRow:
    number: int
    name: str
    planned_start: dt.date
    planned_end: dt.date


@dataclass(frozen=True)
class OverrideRow:
    to_phase: int
    overridden_points: tuple[str, ...]
    recorded_on: dt.date


@dataclass(frozen=True)
class TenderStep:
    """One recorded step of the tender for one lot."""

    id: int
    lot: str
    event: str
    on: dt.date
    reference: str | None
    detail: dict
    decision_id: int | None


@dataclass(frozen=True)
class OfferBatch:
    """One import of the assessment (award stage): the day it was recorded, and its offers per lot."""

    id: int
    recorded_on: dt.date
    offers: dict[str, tuple[OfferRow, ...]]


@dataclass(frozen=True)
class Successor:
    """The programme whose contracts replace these, and its planned contract start."""

    key: str
    contract_start: dt.date | None


@dataclass(frozen=True)
class ProgrammeSnapshot:
    id: int
    key: str
    name: str
    penvoerder: str
    municipalities: tuple[str, ...]
    planning: dict | None
    reminder_policy: dict | None
    phases: tuple[PhaseRow, ...]
    segments: tuple[UnitRow, ...]
    lots: tuple[UnitRow, ...]
    points: tuple[PointRow, ...]
    facts: dict[str, list[DecisionFact]] = field(default_factory=dict)
    overrides: tuple[OverrideRow, ...] = ()
    tender: dict | None = None  # the tender's rules from the programme file (criteria, top X, ...)
    tender_steps: tuple[TenderStep, ...] = ()
    offer_batches: tuple[OfferBatch, ...] = ()  # oldest first
    contracts: dict | None = None  # the contracts' terms from the programme file (years, options, ...)
    successor: Successor | None = None  # the programme that follows, where one is loaded in the register
    # the planning as the register holds it (its JSON text), where it was read from there: what a plan shared by
    # programmes with the same planning is kept by, without writing the planning out again for each of them
    planning_text: str | None = field(default=None, compare=False, repr=False)
    # what the rules derive from these facts whatever the day (a lot's ranking per import): kept once
    memo: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class DecisionFact:
    id: int
    body: str
    outcome: Outcome
    decided_on: dt.date
    reservation: str | None = None
    lifts_id: int | None = None
    supersedes_id: int | None = None
    extra_meeting: bool = False
    reservation_lifted_by: str | None = None  # the later point that lifts this reservation


class BodyNames(dict):
    """Slug -> short name, remembering the phrases built from it (a sweep builds the same ones often), and what
    the rules derive from a programme's definition for every programme of the same read that shares it
    (`definitions`, kept as long as these names: one read of the register)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phrases: dict[tuple[str, ...], str] = {}
        self.definitions: dict[tuple, dict] = {}
