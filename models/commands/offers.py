"""Importing one file of offers: checked whole before anything is written; the same content twice is one
import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.commands.identity import authorize, stamp
from models.commands.tender import tender_lock
from models.core.inputs import os_reason, printable
from models.facts.chain import seal
from models.facts.entities import Offer, OfferImport
from models.facts.lookup import get_programme
from models.facts.offers import content_hash
from models.rules.offers_file import MAX_CSV_BYTES, CsvError, check_stage, parse_offers


@dataclass(frozen=True)
class Imported:
    import_id: int
    created: bool
    rows: int
    lots: tuple[str, ...]


def import_offers(session: Session, *, programme: str, path: Path | str, stage: str = "award",
                  recorded_by: str | None = None, raw: bytes | None = None) -> Imported:
    """Store one file of offers; the same content twice is one import. Nothing is written on a fault."""
    prog = get_programme(session, programme)
    check_stage(prog, stage)
    path = Path(path)
    if raw is None:
        try:
            if not path.is_file():
                raise CsvError(f"{printable(path, 200)}: geen gewoon bestand (verwacht een CSV- of XLSX-bestand)")
            with path.open("rb") as handle:  # never more than the limit, whatever stat() said
                raw = handle.read(MAX_CSV_BYTES + 1)
        except OSError as exc:
            raise CsvError(f"{printable(path, 200)}: kan het bestand niet lezen: {os_reason(exc)}") from None
    if path.suffix.lower() in (".xls", ".ods"):
        raise CsvError(f"{path.name}: Regie leest CSV en XLSX (sla het werkblad op als .xlsx of 'CSV UTF-8')")
    rows = parse_offers(raw, prog, stage, path.name)
    _, name = authorize(session, "tender", typed_name=recorded_by, field="door (--by)",
                        required="naam ontbreekt (--by)")
    tender_lock(session, prog)  # two imports of one file at once: one import
    digest = content_hash(rows)
    existing = session.scalar(select(OfferImport).where(
        OfferImport.programme_id == prog.id, OfferImport.stage == stage, OfferImport.content_sha256 == digest))
    if existing is not None:
        return Imported(existing.id, False, existing.rows, tuple(existing.lots))
    login, now = stamp(session)
    lots = sorted({r.lot for r in rows})
    batch = OfferImport(programme_id=prog.id, stage=stage, file_name=printable(path.name, 300),
                        content_sha256=digest, lots=lots, rows=len(rows), recorded_by=name, recorded_as=login,
                        recorded_at=now)
    seal(session, batch)
    session.add(batch)
    session.flush()
    session.add_all(Offer(import_id=batch.id, row_number=r.row, lot_key=r.lot, provider=r.provider,
                          requirements_met=r.requirements_met, reason=r.reason, scores=r.scores) for r in rows)
    session.flush()
    return Imported(batch.id, True, len(rows), tuple(lots))
