"""Programmes as plain data, read from the register in a fixed number of queries for any number of them.

The rules run on these snapshots in memory: a sweep over a thousand programmes, or a replay of
five hundred days, reads the register once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from models.core.vocabulary import Outcome
from models.facts.entities import Decision
from models.facts.reader import Reader, read_body_names, read_snapshots
from models.facts.rows import (  # the plain rows, read from here by many
    BodyNames,
    DecisionFact,
    OfferBatch,
    OverrideRow,
    PhaseRow,
    PointRow,
    ProgrammeSnapshot,
    Successor,
    TenderStep,
    UnitRow,
)

__all__ = ["BodyNames", "DecisionFact", "OfferBatch", "OverrideRow", "PhaseRow", "PointRow", "ProgrammeSnapshot",
           "Successor", "TenderStep", "UnitRow", "body_names", "decision_fact", "load_snapshot", "load_snapshots"]


def body_names(session: Session) -> dict[str, str]:
    """Slug -> the short name a reason uses ('Aalten', 'bestuurders')."""
    return read_body_names(Reader.of(session))


def load_snapshots(session: Session, keys: Iterable[str] | None = None) -> dict[str, ProgrammeSnapshot]:
    """Snapshots of the programmes named (all when None), in a fixed number of statements whatever their number:
    the one plain reader (`models/facts/reader.py`), on this session's transaction."""
    return read_snapshots(Reader.of(session), keys)


def load_snapshot(session: Session, key: str) -> ProgrammeSnapshot:
    return load_snapshots(session, [key])[key]


def decision_fact(d: Decision, body: str) -> DecisionFact:
    return DecisionFact(
        id=d.id, body=body, outcome=Outcome(d.outcome), decided_on=d.decided_on, reservation=d.reservation,
        lifts_id=d.lifts_id, supersedes_id=d.supersedes_id, extra_meeting=bool(d.extra_meeting),
        reservation_lifted_by=d.reservation_lifted_by,
    )


