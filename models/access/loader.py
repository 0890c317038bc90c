"""Loading programme files into the register: idempotent, plans only, decisions untouched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import (
    Decision,
    DecisionPoint,
    GoverningBody,
    Lot,
    Municipality,
    Phase,
    PlanRevision,
    Programme,
    Segment,
)
from models.core.errors import InputError
from models.rules.programme_file import (
    Participation,
    ProgrammeFileError,
    ProgrammeIn,
    builtin_files,
    file_sha256,
    read_file_bytes,
    read_programme_file,
    strict_check,
)
from models.core.vocabulary import BESTUURDERS, PROJECT_TEAM


@dataclass(frozen=True)
class LoadResult:
    programme: str
    action: str  # "created", "updated" or "unchanged"
    changes: tuple[str, ...] = ()



DOMAIN_WORDS = {"jeugd": "Jeugd", "wmo": "Wmo", "wonen": "Wonen", "huishouden": "Huishoudelijke hulp"}

def ensure_bodies(session: Session, municipalities: dict[str, str]) -> dict[str, Municipality]:
    """Upsert the municipalities, their colleges and the bestuurders; return municipalities by slug."""
    existing = {m.slug: m for m in session.scalars(select(Municipality))}
    bodies = {b.slug: b for b in session.scalars(select(GoverningBody))}
    for slug, name in municipalities.items():
        municipality = existing.get(slug)
        if municipality is None:
            municipality = existing[slug] = Municipality(slug=slug, name=name)
            session.add(municipality)
        elif municipality.name != name:  # one register, one name: a file cannot rename it for everyone
            raise InputError(f"gemeente '{slug}' heet in het register '{municipality.name}', in het bestand "
                             f"'{name}'; gebruik dezelfde naam")
        if slug not in bodies:
            bodies[slug] = GoverningBody(slug=slug, name=f"College van B&W {name}", kind="college", municipality=municipality)
            session.add(bodies[slug])
    if BESTUURDERS not in bodies:
        session.add(GoverningBody(slug=BESTUURDERS, name="Bestuurders (de 8 verantwoordelijke wethouders)", kind="bestuurders"))
    if PROJECT_TEAM not in bodies:
        session.add(GoverningBody(slug=PROJECT_TEAM, name="Projectteam (inkoopprojectleider)", kind="projectteam"))
    session.flush()
    return existing


def _participants(item: Participation, all_slugs: list[str], fallback: list[str]) -> list[str]:
    if item.participants is not None:
        return sorted(item.participants)
    base = fallback if fallback else all_slugs
    return sorted(s for s in base if s not in set(item.not_participating))


def load_programme(session: Session, path: Path | str, *, strict: bool = False) -> LoadResult:
    """Create or update one programme from its file; refuse what would orphan a recorded decision.

    strict: refuse a file with content faults too (strict_check), before anything is written.
    """
    return load_programmes(session, [path], strict=strict)[0]


def load_programmes(session: Session, paths: list[Path | str], *, strict: bool = False,
                    first_use: bool = False) -> list[LoadResult]:
    """Load many files; an unchanged file (same bytes as loaded before) is not even parsed.

    The files' hashes are compared with the register in one query, so reloading a thousand
    unchanged files costs a thousand file reads and one query. Only a beheerder or the programme
    office may load (anyone on an open register); the first use of an empty register loads the
    built-in programmes for whoever opens it.
    """
    from models.commands.identity import login_of, may

    loaded_as = login_of(session) if first_use else may(session, "load")
    raws = [read_file_bytes(path) for path in paths]
    shas = [file_sha256(raw) for raw in raws]
    known = dict(session.execute(select(Programme.source_sha256, Programme.key).where(
        Programme.source_sha256.in_(set(shas)))).tuples().all()) if not strict else {}
    results = []
    for path, raw, sha in zip(paths, raws, shas):
        if sha in known:
            results.append(LoadResult(known[sha], "unchanged"))
            continue
        spec, _ = read_programme_file(path, raw)
        notes: tuple[str, ...] = ()
        if strict:
            faults, explained = strict_check(spec)
            if faults:
                raise ProgrammeFileError(path, faults)
            notes = tuple(f"opmerking: {where}: {what}" for where, what in explained)
        programme = session.scalar(select(Programme).where(Programme.key == spec.key))
        if programme is not None and programme.source_sha256 == sha:
            results.append(LoadResult(spec.key, "unchanged", notes))
            continue
        result = _apply(session, spec, sha, Path(path), programme, loaded_as)
        results.append(LoadResult(result.programme, result.action, result.changes + notes))
    return results


def _apply(session: Session, spec: ProgrammeIn, sha: str, path: Path, programme: Programme | None,
           loaded_as: str) -> LoadResult:
    municipalities = ensure_bodies(session, spec.municipalities)
    changes: list[str] = []
    created = programme is None
    if created:
        programme = Programme(key=spec.key)
        session.add(programme)
    programme.name = spec.name
    programme.procedure = spec.procedure
    programme.penvoerder = municipalities[spec.penvoerder]
    programme.municipalities = [municipalities[s] for s in sorted(spec.municipalities)]
    programme.source_file = str(path)
    programme.source_sha256 = sha
    programme.loaded_at = clock.utcnow()
    programme.loaded_as = loaded_as
    programme.reminder_policy = spec.reminders.model_dump(mode="json")
    programme.planning = spec.planning.model_dump(mode="json", by_alias=True) if spec.planning else None
    tender = spec.tender.model_dump(mode="json") if spec.tender else None
    if programme.id is not None and _rules_of(programme.tender) != _rules_of(tender):
        from models.facts.entities import OfferImport

        imported = session.scalar(select(func.count()).select_from(OfferImport)
                                  .where(OfferImport.programme_id == programme.id))
        if imported:
            raise InputError(
                f"{path}: de beoordelingsregels (tender: criteria, wegingen, aantallen, tie-break) kunnen niet meer "
                f"veranderen: er zijn al {imported} import(s) van inschrijvingen beoordeeld op de huidige regels; "
                "de rangorde, de gunning en de brieven rusten daarop")
    programme.tender = tender
    programme.contracts = spec.contracts.model_dump(mode="json") if spec.contracts else None
    programme.follows = spec.follows

    replanned = set()
    if programme.id is not None:
        replanned = set(session.scalars(
            select(PlanRevision.point_key).where(PlanRevision.programme_id == programme.id)))
    phases = {ph.number: ph for ph in programme.phases}
    for ph in spec.phases:
        row = phases.get(ph.number) or Phase(number=ph.number)
        start = row.planned_start if f"fase-{ph.number}-begin" in replanned else ph.start
        end = row.planned_end if f"fase-{ph.number}-einde" in replanned else ph.end
        if row.id is not None and (row.planned_start, row.planned_end) != (start, end):
            changes.append(f"fase {ph.number}: {row.planned_start} – {row.planned_end} -> {start} – {end}")
        row.name, row.planned_start, row.planned_end, row.note = ph.name, start, end, ph.note
        if row.id is None:
            programme.phases.append(row)

    all_slugs = sorted(spec.municipalities)
    segments = {s.key: s for s in programme.segments}
    keep = set()
    for position, seg in enumerate(spec.segments):
        row = segments.get(seg.key) or Segment(key=seg.key)
        row.name, row.domain, row.position = seg.name, seg.domain, position
        row.funding_type = seg.funding.value if seg.funding else None
        row.funding_note, row.subsegments = seg.funding_note, list(seg.subsegments)
        row.spend_2023_by_municipality = dict(seg.spend_2023_by_municipality) or None
        row.spend_2023_eur, row.clients_2023 = seg.spend_2023_eur, seg.clients_2023
        row.municipalities = [municipalities[s] for s in _participants(seg, all_slugs, [])]
        if row.id is None:
            programme.segments.append(row)
        keep.add(seg.key)
    programme.segments = [s for s in programme.segments if s.key in keep]

    segment_participants = {s.key: _participants(s, all_slugs, []) for s in spec.segments}
    lots = {lot.key: lot for lot in programme.lots}
    keep = set()
    # a lot name that recurs across domains ('Ondersteuning Aalten' of Jeugd and of Wmo) carries its domain
    domain_of = {s.key: s.domain for s in spec.segments}
    repeated = {name for name in (x.name for x in spec.lots) if sum(1 for y in spec.lots if y.name == name) > 1}
    for position, lot in enumerate(spec.lots):
        row = lots.get(lot.key) or Lot(key=lot.key)
        domain = domain_of.get(lot.segments[0]) if lot.segments else None
        shown_name = f"{lot.name} ({DOMAIN_WORDS.get(domain, domain)})" if lot.name in repeated and domain else lot.name
        row.number, row.name, row.position = lot.number, shown_name, position
        row.segment_keys = list(lot.segments)
        row.funding_type = lot.funding.value if lot.funding else None
        row.funding_note = lot.funding_note
        row.spend_2023_eur, row.clients_2023 = lot.spend_2023_eur, lot.clients_2023
        inherited = sorted({m for s in lot.segments for m in segment_participants[s]})
        row.municipalities = [municipalities[s] for s in _participants(lot, all_slugs, inherited)]
        if row.id is None:
            programme.lots.append(row)
        keep.add(lot.key)
    programme.lots = [lot for lot in programme.lots if lot.key in keep]

    points = {dp.key: dp for dp in programme.decision_points}
    decided = _decided_points(session, programme)
    for position, dp in enumerate(spec.decision_points):
        row = points.get(dp.key) or DecisionPoint(key=dp.key, programme=programme)
        if row.key in decided:
            changed = [word for word, old, new in (
                ("soort", row.kind, dp.kind.value), ("wie besluit", row.decided_by, dp.decided_by.value),
                ("scope", list(row.scope or []), dp.scope_keys)) if old != new]
            if changed:
                raise InputError(
                    f"{path}: besluitpunt '{dp.key}' heeft {decided[row.key]} vastgelegde besluiten; "
                    f"{', '.join(changed)} kan dan niet meer veranderen (een nieuw besluitpunt kan wel)")
        if dp.key in replanned:
            if row.planned_date != dp.date:
                changes.append(f"besluitpunt {dp.key}: herplande datum {row.planned_date} blijft (bestand: {dp.date})")
        else:
            if row.id is not None and row.planned_date != dp.date:
                changes.append(f"besluitpunt {dp.key}: {row.planned_date} -> {dp.date}")
            row.planned_date = dp.date
        row.kind, row.title, row.phase, row.position = dp.kind.value, dp.title, dp.phase, position
        row.date_note = dp.date_note
        row.decided_by, row.scope, row.providers = dp.decided_by.value, dp.scope_keys, dp.providers
        row.via_platform, row.reservation_lifted_by = dp.via_platform, dp.reservation_lifted_by
        row.owner, row.track = dp.owner, dp.track
        session.add(row)
    gone = [dp for key, dp in points.items() if key not in {d.key for d in spec.decision_points}]
    for dp in gone:
        recorded = session.scalar(select(func.count()).where(Decision.decision_point_id == dp.id))
        if recorded:
            raise InputError(
                f"{path}: besluitpunt '{dp.key}' ontbreekt in het bestand, maar heeft {recorded} "
                "vastgelegde besluiten; een besluitpunt met besluiten kan niet verdwijnen"
            )
        session.delete(dp)
        changes.append(f"besluitpunt {dp.key} verwijderd")
    session.flush()
    return LoadResult(spec.key, "created" if created else "updated", tuple(changes))


def _rules_of(tender: dict | None) -> dict:
    """What a ranking rests on: once offers are assessed by it, it stays as it was."""
    keys = ("criteria", "award_per_lot", "award_per_lot_by_lot", "min_valid_offers", "tie_break", "selection")
    return {k: (tender or {}).get(k) for k in keys}


def _decided_points(session: Session, programme: Programme) -> dict[str, int]:
    """Point key -> number of decisions, for the points of `programme` that have any."""
    if programme.id is None:
        return {}
    rows = session.execute(
        select(DecisionPoint.key, func.count(Decision.id)).join(Decision, Decision.decision_point_id == DecisionPoint.id)
        .where(DecisionPoint.programme_id == programme.id).group_by(DecisionPoint.key))
    return dict(rows.tuples().all())


def load_builtin_if_empty(session: Session) -> list[LoadResult]:
    """On first use of an empty register, load the programmes that ship with Regie."""
    if session.scalar(select(func.count()).select_from(Programme)):
        return []
    return load_programmes(session, builtin_files(), first_use=True)
