"""The register's tables: what a programme is, who decides, and what was decided."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql import false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.facts.base import Base, UTCDateTime


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class GoverningBody(Base):
    """A body that takes decisions: a municipality's college, or the bestuurders together."""

    __tablename__ = "governing_bodies"
    __table_args__ = (CheckConstraint("kind IN ('college', 'bestuurders', 'projectteam')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))

    municipality: Mapped[Municipality | None] = relationship()


programme_municipalities = Table(
    "programme_municipalities",
    Base.metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True),
)


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    procedure: Mapped[str] = mapped_column(String(200))
    penvoerder_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    source_file: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    reminder_policy: Mapped[dict | None] = mapped_column(JSON)
    planning: Mapped[dict | None] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    loaded_as: Mapped[str | None] = mapped_column(String(63))  # the verified login that loaded it
    # The tender's rules (criteria and weights, how many per lot, tie-break) and the contracts' terms.
    tender: Mapped[dict | None] = mapped_column(JSON)
    contracts: Mapped[dict | None] = mapped_column(JSON)
    follows: Mapped[str | None] = mapped_column(String(64))  # the programme whose contracts this one replaces

    penvoerder: Mapped[Municipality] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=programme_municipalities, order_by=Municipality.slug
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="programme", order_by="Phase.number", cascade="all, delete-orphan"
    )
    segments: Mapped[list[Segment]] = relationship(
        back_populates="programme", order_by="Segment.position", cascade="all, delete-orphan"
    )
    lots: Mapped[list[Lot]] = relationship(
        back_populates="programme", order_by="Lot.position", cascade="all, delete-orphan"
    )
    decision_points: Mapped[list[DecisionPoint]] = relationship(
        back_populates="programme", order_by="DecisionPoint.position"
    )


class Phase(Base):
    __tablename__ = "phases"
    __table_args__ = (
        UniqueConstraint("programme_id", "number"),
        CheckConstraint("number BETWEEN 0 AND 5", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    planned_start: Mapped[dt.date] = mapped_column(Date)
    planned_end: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    programme: Mapped[Programme] = relationship(back_populates="phases")


segment_municipalities = Table(
    "segment_municipalities",
    Base.metadata,
    Column("segment_id", ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True),
)

lot_municipalities = Table(
    "lot_municipalities",
    Base.metadata,
    Column("lot_id", ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True),
)


class FundingFacts:
    """How a segment or lot is paid for, and what it cost in 2023 where the source documents say so."""

    funding_type: Mapped[str | None] = mapped_column(String(20))
    funding_note: Mapped[str | None] = mapped_column(Text)
    spend_2023_eur: Mapped[int | None] = mapped_column(Integer)
    clients_2023: Mapped[int | None] = mapped_column(Integer)


class Segment(FundingFacts, Base):
    """A field of care bought together (e.g. Ambulante jeugdhulp), with who takes part."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("programme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    subsegments: Mapped[list[str]] = mapped_column(JSON, default=list)
    spend_2023_by_municipality: Mapped[dict | None] = mapped_column(JSON)

    programme: Mapped[Programme] = relationship(back_populates="segments")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=segment_municipalities, order_by=Municipality.slug
    )


class Lot(FundingFacts, Base):
    """A perceel: the unit that is tendered and awarded."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("programme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    segment_keys: Mapped[list[str]] = mapped_column(JSON, default=list)

    programme: Mapped[Programme] = relationship(back_populates="lots")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=lot_municipalities, order_by=Municipality.slug
    )


class DecisionPoint(Base):
    """A point where named bodies must decide by a planned date."""

    __tablename__ = "decision_points"
    __table_args__ = (UniqueConstraint("programme_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    phase: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    planned_date: Mapped[dt.date] = mapped_column(Date)
    date_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(20))
    # Keys of lots or segments; empty means the whole programme.
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    providers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A dialogue with providers inside the tender, through the platform: allowed after publication.
    via_platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The later point whose decision lifts a reservation made on this one (planned in the file).
    reservation_lifted_by: Mapped[str | None] = mapped_column(String(64))
    # Who does the work, where that is not who confirms it (e.g. the assessment team), for a reader.
    owner: Mapped[str | None] = mapped_column(String(40))
    # "programme": a step of the programme (part of its phase's exit gate); "contract": a point of the
    # contracts after the start (an option, the interim evaluation), reminded but outside the phase gates.
    track: Mapped[str] = mapped_column(String(20), default="programme", server_default="programme")

    programme: Mapped[Programme] = relationship(back_populates="decision_points")


class Decision(Base):
    """One entry in the decision register. Rows are only ever added, never changed or removed."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_point_id: Mapped[int] = mapped_column(ForeignKey("decision_points.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governing_bodies.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    reservation: Mapped[str | None] = mapped_column(Text)
    # A decision can end an earlier one in two ways; each earlier one can be ended only once.
    lifts_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    # The verified login that wrote the row: the operating-system user (SQLite) or the database role
    # (PostgreSQL, checked by the server itself). Empty on rows from before identities were kept.
    recorded_as: Mapped[str | None] = mapped_column(String(63))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(40), default="cli")
    # Taken outside the body's regular meetings (an extra meeting), recorded as such.
    extra_meeting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # For a reservation: the later point whose decision of the same body lifts it.
    reservation_lifted_by: Mapped[str | None] = mapped_column(String(64))
    # Hash of what was decided: the same submission twice is one row.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    # Tamper evidence: this row's content chained to the row before it (models/chain.py).
    chain: Mapped[str | None] = mapped_column(String(64))

    decision_point: Mapped[DecisionPoint] = relationship()
    body: Mapped[GoverningBody] = relationship()


class PhaseOverride(Base):
    """The procurement lead moved the programme on by hand; kept with its reason. Append-only."""

    __tablename__ = "phase_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    to_phase: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    # The decision points this override passed over (not mandatory, not yet satisfied).
    overridden_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_as: Mapped[str | None] = mapped_column(String(63))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    chain: Mapped[str | None] = mapped_column(String(64))

    programme: Mapped[Programme] = relationship()


class FormInput(Base):
    """A form a person filled in on a waiting run, and what became of it: each is handled once."""

    __tablename__ = "form_inputs"
    __table_args__ = (UniqueConstraint("flow_run_id", "pause_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str] = mapped_column(String(64))
    pause_key: Mapped[str] = mapped_column(String(200))
    programme_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(20))  # recorded, refused, empty
    message: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Notification(Base):
    """The ledger of messages: one row per (what, for which point, to whom, over which channel)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_key: Mapped[str] = mapped_column(String(400), unique=True)
    programme_key: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(400))
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(400))  # the Apprise URL, masked
    status: Mapped[str] = mapped_column(String(20))  # sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    first_tried_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Who is sending it now ("host:pid") and since when: a claim of a process that died is taken over.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PlanRevision(Base):
    """A planned date moved by hand or by a cascade; who, when, why, from and to. Append-only."""

    __tablename__ = "plan_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    change: Mapped[str] = mapped_column(String(64))  # one replan: the point asked for and its cascade
    point_key: Mapped[str] = mapped_column(String(64))
    old_date: Mapped[dt.date] = mapped_column(Date)
    new_date: Mapped[dt.date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(64))  # the point the person moved
    mode: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_as: Mapped[str | None] = mapped_column(String(63))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    chain: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """A message Regie owes because of something it recorded, written in the same transaction.

    Sent afterwards, outside any register transaction, by the command that recorded it and by every
    sweep until it is delivered (with growing pauses after failures), so a crash loses nothing.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_key: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(60))
    ref: Mapped[int] = mapped_column(Integer)  # e.g. the decision's id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RegisterSetting(Base):
    """Facts about the register itself, such as whether it is a sandbox (demo, replay, tests)."""

    __tablename__ = "register_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


ROLES = ("secretaris", "projectteam", "programmabureau", "beheerder")


class Person(Base):
    """Someone who may write to the register, with one role; a secretary serves one governing body.

    The login is verified, not typed: the operating-system user (SQLite) or the database role
    (PostgreSQL). A register without people is an open one: one machine, one user.
    """

    __tablename__ = "people"
    __table_args__ = (CheckConstraint("role IN ('secretaris', 'projectteam', 'programmabureau', 'beheerder')",
                                      name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    body_slug: Mapped[str | None] = mapped_column(String(64))  # the body a secretary records for
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str] = mapped_column(String(63))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PersonSecret(Base):
    """A person's one-time-code secret (TOTP) for forms in the Prefect UI; readable by the service only."""

    __tablename__ = "person_secrets"

    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    totp_secret: Mapped[str] = mapped_column(String(64))
    last_step: Mapped[int] = mapped_column(Integer, default=0)  # a code is used once: later steps only
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # wrong codes in a row
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OfferImport(Base):
    """One imported file of requests to participate (selection) or offers with their assessment (award).

    Append-only: a later import of a stage replaces an earlier one for the lots it holds, and both stay.
    `content_sha256` is the hash of the rows as read, so `regie verify` sees a row changed afterwards.
    """

    __tablename__ = "offer_imports"
    __table_args__ = (UniqueConstraint("programme_id", "stage", "content_sha256"),
                      CheckConstraint("stage IN ('selection', 'award')", name="stage"))

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    lots: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_as: Mapped[str | None] = mapped_column(String(63))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    chain: Mapped[str | None] = mapped_column(String(64))


class Offer(Base):
    """A provider's request or offer for one lot, with the assessment: requirements met, score per criterion."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("import_id", "lot_key", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("offer_imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # the line in the file, for a reader
    lot_key: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(200))
    requirements_met: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)


class TenderRecord(Base):
    """A step of the tender for one lot: award, letters sent, objection and ruling, definitive award,
    signing, award notice, or what to do with a lot with too few offers. Append-only and chained."""

    __tablename__ = "tender_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    lot_key: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(30))
    on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_as: Mapped[str | None] = mapped_column(String(63))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    chain: Mapped[str | None] = mapped_column(String(64))
