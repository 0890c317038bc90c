"""Tamper evidence: every decision, manual transition and plan revision carries a hash that chains it
to the one before, so a row changed, removed or slipped in afterwards breaks the chain at that row.

`regie verify` recomputes each chain and names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.facts.entities import Decision, OfferImport, PhaseOverride, PlanRevision, TenderRecord

CHAIN_LOCK = 0x4348_4149  # "CHAI": one writer extends a chain at a time (PostgreSQL; SQLite writes one at a time)
GENESIS = "0" * 64

# What each chained table is called for a person, and which columns its link covers.
CHAINED = {
    Decision: ("besluit", ("decision_point_id", "body_id", "outcome", "decided_on", "reference", "reservation",
                           "lifts_id", "supersedes_id", "recorded_by", "recorded_at", "via", "extra_meeting",
                           "reservation_lifted_by", "fingerprint")),
    PhaseOverride: ("handmatige overgang", ("programme_id", "to_phase", "reason", "overridden_points",
                                            "recorded_by", "recorded_at", "fingerprint")),
    PlanRevision: ("herplanning", ("programme_id", "change", "point_key", "old_date", "new_date", "cause",
                                   "mode", "reason", "recorded_by", "recorded_at")),
    TenderRecord: ("aanbestedingsstap", ("programme_id", "lot_key", "event", "on", "reference", "detail",
                                         "decision_id", "recorded_by", "recorded_at", "fingerprint")),
    OfferImport: ("import van inschrijvingen", ("programme_id", "stage", "file_name", "content_sha256", "lots",
                                                "rows", "recorded_by", "recorded_at")),
}


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def link(previous: str, row, model=None) -> str:
    """The hash of a row's content together with the link before it."""
    _, columns = CHAINED[model or type(row)]
    fields = {c: _plain(getattr(row, c)) for c in columns}
    recorded_as = getattr(row, "recorded_as", None)
    if recorded_as is not None:  # the verified login, on every row written since identities are kept
        fields["recorded_as"] = recorded_as
    content = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{previous}|{content}".encode()).hexdigest()


def seal(session: Session, row) -> None:
    """Give a new row, before it is written, the next link of its table's chain."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    model = type(row)
    previous = session.scalar(select(model.chain).order_by(model.id.desc()).limit(1))
    row.chain = link(previous or GENESIS, row)


@dataclass(frozen=True)
class ChainReport:
    what: str
    rows: int
    broken_at: int | None  # the id of the first row whose link does not match
    reason: str


def verify(session: Session) -> list[ChainReport]:
    out = []
    for model, (what, _) in CHAINED.items():
        previous, broken, reason, count = GENESIS, None, "", 0
        for row in session.scalars(select(model).order_by(model.id)).yield_per(1000):
            count += 1
            expected = link(previous, row)
            if broken is None and row.chain != expected:
                broken = row.id
                reason = ("de inhoud is na het vastleggen veranderd, of een eerdere regel is verwijderd of "
                          "tussengevoegd" if row.chain else "de regel heeft geen schakel (buiten Regie toegevoegd)")
            previous = row.chain or expected
        out.append(ChainReport(what, count, broken, reason))
    out.append(_offer_rows(session))
    return out


def _offer_rows(session: Session) -> ChainReport:
    """The offers themselves: each import's rows must still hash to the content it recorded (and chained)."""
    from models.facts.entities import Offer
    from models.facts.offers import OfferRow, content_hash

    imports = session.scalars(select(OfferImport).order_by(OfferImport.id)).all()
    count = 0
    for batch in imports:
        rows = [OfferRow(o.row_number, o.lot_key, o.provider, o.requirements_met, o.reason, o.scores)
                for o in session.scalars(select(Offer).where(Offer.import_id == batch.id).order_by(Offer.row_number))]
        count += len(rows)
        if content_hash(rows) != batch.content_sha256 or len(rows) != batch.rows:
            return ChainReport("inschrijvingen (per import)", count, batch.id,
                               "de inschrijvingen van deze import zijn na het importeren veranderd of verwijderd")
    return ChainReport("inschrijvingen (per import)", count, None, "")
