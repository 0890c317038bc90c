"""What `regie verify` sees beyond each chain's own links.

- **Rows no chain covers**: who decides a point, its kind, phase, scope and planned date, and the colleges'
  names. They are checked against the programme file they were loaded from (when that file, with the same
  bytes, is still there) and the plan revisions, which are chained: a planned date may differ from the
  file only as the last revision of that point set it.
- **The newest rows, and a chain recomputed without its history**: the chains' heads (rows, newest id, its
  link) and the rows above are kept in an anchor outside the register, in the verifier's own data folder,
  where the register's writers cannot reset it. The next check finds the newest rows gone, or a link that
  changed, or a definition row changed without a reload or a plan revision to explain it.

What this cannot see: a change made and recomputed between two checks by someone who may write the register's
tables directly (the database owner, or on SQLite the user who owns the file) before the first check takes
an anchor. The anchor narrows that window to the time between two checks (the daily sweep takes one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.chain import CHAINED
from models.facts.entities import DecisionPoint, GoverningBody, Municipality, PlanRevision, Programme, RegisterSetting


@dataclass(frozen=True)
class Finding:
    what: str
    reason: str


def register_id(session: Session) -> str:
    """A stable name for this register (not its address, which differs per machine): from its ledger key."""
    key = session.scalar(select(RegisterSetting.value).where(RegisterSetting.key == "ledger-key")) or ""
    return hashlib.sha256(f"regie-register|{key}".encode()).hexdigest()[:16]


def _latest_revisions(session: Session, programme_id: int) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    for key, new_date in session.execute(select(PlanRevision.point_key, PlanRevision.new_date)
                                         .where(PlanRevision.programme_id == programme_id).order_by(PlanRevision.id)):
        out[key] = new_date
    return out


def definition_findings(session: Session) -> tuple[list[Finding], list[str]]:
    """Points and colleges that differ from the programme file they came from (and its plan revisions).

    Returns the findings and notes (a programme whose file is no longer there as it was loaded: only the
    anchor compares it)."""
    from models.rules.programme_file import read_programme_file

    findings, notes = [], []
    names = dict(session.execute(select(Municipality.slug, Municipality.name)).tuples().all())
    for prog in session.execute(select(Programme.id, Programme.key, Programme.source_file, Programme.source_sha256)
                                .order_by(Programme.key)):
        path = Path(prog.source_file)
        try:
            raw = path.read_bytes()
        except OSError:
            notes.append(f"{prog.key}: het programmabestand {prog.source_file} is hier niet; alleen het anker vergelijkt")
            continue
        if hashlib.sha256(raw).hexdigest() != prog.source_sha256:
            notes.append(f"{prog.key}: {prog.source_file} is veranderd sinds het laden; alleen het anker vergelijkt")
            continue
        spec, _ = read_programme_file(path, raw)
        revised = _latest_revisions(session, prog.id)
        from types import SimpleNamespace

        rows = {row.key: SimpleNamespace(**row._mapping) for row in session.execute(  # as stored now, no cached object
            select(DecisionPoint.key, DecisionPoint.planned_date, DecisionPoint.decided_by, DecisionPoint.kind,
                   DecisionPoint.phase, DecisionPoint.scope).where(DecisionPoint.programme_id == prog.id))}
        for dp in spec.decision_points:
            row = rows.pop(dp.key, None)
            where = f"besluitpunt {prog.key}/{dp.key}"
            if row is None:
                findings.append(Finding(where, "staat in het programmabestand maar ontbreekt in het register"))
                continue
            expected = revised.get(dp.key, dp.date)
            if row.planned_date != expected:
                source = "de laatste herplanning" if dp.key in revised else "het programmabestand"
                findings.append(Finding(where, f"geplande datum {clock.dutch_date(row.planned_date)} wijkt af van "
                                               f"{source} ({clock.dutch_date(expected)}), zonder herplanning"))
            for word, held, filed in (("wie besluit", row.decided_by, dp.decided_by.value),
                                      ("soort", row.kind, dp.kind.value), ("fase", row.phase, dp.phase),
                                      ("scope", list(row.scope or []), dp.scope_keys)):
                if held != filed:
                    findings.append(Finding(where, f"{word}: '{held}' in het register, '{filed}' in het "
                                                   "programmabestand"))
        for key in rows:
            findings.append(Finding(f"besluitpunt {prog.key}/{key}", "staat in het register maar niet in het "
                                                                      "programmabestand"))
        for slug, name in spec.municipalities.items():
            if names.get(slug) not in (None, name):
                findings.append(Finding(f"gemeente {slug}", f"heet '{names[slug]}' in het register, '{name}' in "
                                                            f"het programmabestand van {prog.key}"))
    return findings, notes


def snapshot(session: Session) -> dict:
    """What the anchor keeps: each chain's rows, newest id and its link; each definition row's content."""
    chains = {}
    for model, (what, _) in CHAINED.items():
        count, newest = session.execute(select(func.count(), func.max(model.id))).one()
        head = session.scalar(select(model.chain).where(model.id == newest)) if newest is not None else None
        chains[what] = {"rows": count, "newest": newest, "link": head}
    definition = {}
    for key, point, decided_by, kind, phase, scope, planned in session.execute(
            select(Programme.key, DecisionPoint.key, DecisionPoint.decided_by, DecisionPoint.kind,
                   DecisionPoint.phase, DecisionPoint.scope, DecisionPoint.planned_date)
            .join(Programme, DecisionPoint.programme_id == Programme.id)):
        definition[f"besluitpunt {key}/{point}"] = {"wie besluit": decided_by, "soort": kind, "fase": phase,
                                                   "scope": list(scope or []), "datum": planned.isoformat()}
    for slug, name in session.execute(select(Municipality.slug, Municipality.name)):
        definition[f"gemeente {slug}"] = {"naam": name}
    for slug, kind in session.execute(select(GoverningBody.slug, GoverningBody.kind)):
        definition[f"orgaan {slug}"] = {"soort": kind}
    loads = {key: at.astimezone(dt.timezone.utc).isoformat() for key, at in
             session.execute(select(Programme.key, Programme.loaded_at))}
    return {"taken_at": clock.utcnow_real().isoformat(), "chains": chains, "definition": definition, "loads": loads}


def anchor_findings(session: Session, anchor: dict) -> list[Finding]:
    """What changed since the anchor was taken that nothing recorded explains."""
    findings = []
    taken = clock.dutch_moment(dt.datetime.fromisoformat(anchor["taken_at"]))
    models = {what: model for model, (what, _) in CHAINED.items()}
    for what, then in anchor.get("chains", {}).items():
        model = models.get(what)
        if model is None or then["newest"] is None:
            continue
        now = session.scalar(select(model.chain).where(model.id == then["newest"]))
        present = session.scalar(select(func.count()).where(model.id <= then["newest"]))
        if now is None:
            findings.append(Finding(what, f"regel #{then['newest']}, de nieuwste bij de controle van {taken}, is "
                                          "verwijderd"))
        elif now != then["link"]:
            findings.append(Finding(what, f"de keten tot en met #{then['newest']} is herberekend sinds de controle "
                                          f"van {taken}: een eerdere regel is veranderd"))
        if present < then["rows"]:
            findings.append(Finding(what, f"{then['rows'] - present} van de {then['rows']} regels van de controle "
                                          f"van {taken} zijn verwijderd"))
    current = snapshot(session)
    reloaded = {key for key, at in current["loads"].items() if anchor.get("loads", {}).get(key) != at}
    # the revisions recorded since: after the newest the anchor saw (by id, not by clock: a sandbox sets its own)
    seen_up_to = anchor.get("chains", {}).get(CHAINED[PlanRevision][0], {}).get("newest") or 0
    revised = {(prog, point): new for prog, point, new in session.execute(
        select(Programme.key, PlanRevision.point_key, PlanRevision.new_date)
        .join(Programme, PlanRevision.programme_id == Programme.id)
        .where(PlanRevision.id > seen_up_to).order_by(PlanRevision.id))}
    for where, then in anchor.get("definition", {}).items():
        now = current["definition"].get(where)
        if now == then:
            continue
        programme = where.split(" ", 1)[1].split("/", 1)[0] if where.startswith("besluitpunt ") else None
        if programme in reloaded or (programme is None and reloaded):
            continue  # a programme file loaded again since: its rows may change (`regie load` says how)
        if now is None:
            findings.append(Finding(where, f"verdwenen sinds de controle van {taken}, zonder dat het programma "
                                           "opnieuw is geladen"))
            continue
        changed = [k for k in then if then[k] != now.get(k)]
        if changed == ["datum"] and programme is not None and \
                revised.get((programme, where.split("/", 1)[1])) == dt.date.fromisoformat(now["datum"]):
            continue  # moved by a recorded plan revision
        findings.append(Finding(where, "; ".join(f"{k}: '{then[k]}' bij de controle van {taken}, nu '{now.get(k)}'"
                                                 for k in changed) + " (geen herplanning of herladen programma)"))
    return findings


def anchor_path(rid: str) -> Path:
    from models.facts.db import private_data_dir

    return private_data_dir() / "ankers" / f"{rid}.json"


def check(session: Session) -> dict:
    """The whole check: chains, definition rows, and the anchor of the last clean check (kept outside the
    register). A clean check takes a new anchor; a check with findings keeps the old one, so they stay seen."""
    import json
    import os

    from models.facts.chain import verify

    chains = verify(session)
    definition, notes = definition_findings(session)
    rid = register_id(session)
    path = anchor_path(rid)
    anchor = None
    if path.is_file():
        try:
            anchor = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            notes.append(f"het anker {path} is onleesbaar; deze controle neemt een nieuw")
    seen = {f.what for f in definition}  # a row the file check names already is not named twice
    anchored = [f for f in anchor_findings(session, anchor) if f.what not in seen] if anchor else []
    clean = all(r.broken_at is None for r in chains) and not definition and not anchored
    if clean:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(snapshot(session), ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return {"chains": chains, "definition": definition, "anchored": anchored, "notes": notes, "clean": clean,
            "anchor": str(path), "previous": anchor["taken_at"] if anchor else None}
