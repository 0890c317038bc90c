"""Manual transitions by the procurement lead: checked by the rules, kept with their reason."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.commands.identity import authorize, stamp
from models.facts.entities import PhaseOverride
from models.core.errors import InputError
from models.facts.chain import seal
from models.core.inputs import clean_text
from models.facts.lookup import get_programme
from models.rules.decisions import DecisionRefused, check_advance
from models.views.status import evaluate


@dataclass(frozen=True)
class Advanced:
    override_id: int
    created: bool
    programme: str
    to_phase: int
    passed_over: tuple[str, ...]


def advance_phase(session: Session, *, programme: str, to_phase: int, reason: str, recorded_by: str | None,
                  verified: tuple[str, str] | None = None) -> Advanced:
    """Move the programme into `to_phase` by hand, or raise InputError naming the mandatory decisions.

    `verified`: (login, name) of a person who proved who they are with a one-time code in the UI; the
    override is then theirs, not the login of the service that runs the flow."""
    reason = clean_text(reason, "reden (--reason)", 2000, required=(
        "reden ontbreekt (--reason): een handmatige overgang wordt altijd met reden vastgelegd"))
    clean_text(recorded_by, "naam (--by)", 200)
    prog = get_programme(session, programme)
    recorded_as, recorded_at = stamp(session)
    if verified is not None:
        recorded_as, recorded_by = verified
    else:
        _, recorded_by = authorize(session, "advance", typed_name=recorded_by)
    fingerprint = hashlib.sha256(
        json.dumps([prog.key, to_phase, reason, recorded_by, clock.today().isoformat()]).encode()
    ).hexdigest()
    existing = session.scalar(select(PhaseOverride).where(PhaseOverride.fingerprint == fingerprint))
    if existing is not None:
        return Advanced(existing.id, False, prog.key, existing.to_phase, tuple(existing.overridden_points))

    evaluation = evaluate(session, prog.key, clock.today())
    points = [(spec, verdict) for _, spec, verdict in evaluation.points]
    try:
        passed_over = check_advance(to_phase, points, evaluation.gates)
    except DecisionRefused as exc:
        raise InputError(f"{prog.key}: {exc}") from None
    override = PhaseOverride(
        programme_id=prog.id,
        to_phase=to_phase,
        reason=reason,
        overridden_points=list(passed_over),
        recorded_by=recorded_by,
        recorded_as=recorded_as,
        recorded_at=recorded_at,
        fingerprint=fingerprint,
    )
    seal(session, override)
    session.add(override)
    session.flush()
    return Advanced(override.id, True, prog.key, to_phase, passed_over)
