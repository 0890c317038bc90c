"""The decision register: look things up, and record a decision through the one path with all checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import Decision, DecisionPoint, GoverningBody, Programme
from models.core.errors import InputError
from models.core.inputs import clean_text, shown
from models.facts.chain import seal
from models.facts.lookup import get_body, get_point, get_programme
from models.facts.outbox import owe
from models.commands.identity import authorize, stamp
from models.commands.checks import check_statutory_order
from models.core.vocabulary import Outcome, Status
from models.rules.decisions import DecisionRefused, as_of_facts, check_decision, current_decisions, describe_bodies
from models.rules.planning import WEEKDAY_NL, WEEKDAYS, Meetings
from models.views.status import evaluate


@dataclass(frozen=True)
class Recorded:
    """What `record_decision` did: the decision's id, and whether this call wrote it."""

    decision_id: int
    created: bool
    programme: str
    point: str
    body: str
    outcome: str


def _parse_outcome(value: str | Outcome) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise InputError(
            f"onbekende uitkomst '{shown(value)}' (kies uit: {', '.join(o.value for o in Outcome)})"
        ) from None


def _fingerprint(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def no_meeting_reason(programme: Programme, body: GoverningBody, day: dt.date) -> str | None:
    """Why `body` does not meet on `day` (None when it may decide then).

    The project team confirms milestones on any day. Colleges and the bestuurders decide on a working
    day, and, where the programme file gives `planning.meetings`, on one of their meeting weekdays.
    """
    if body.kind == "projectteam":
        return None
    holiday = clock.holiday_name(day)
    if holiday:
        return f"{holiday} is een feestdag"
    if day.weekday() >= 5:
        return f"{WEEKDAY_NL[day.weekday()]} is geen werkdag"
    planning = programme.planning or {}
    if "meetings" not in planning and body.slug not in planning.get("body_meetings", {}):
        return None
    raw = planning.get("body_meetings", {}).get(body.slug) or planning.get("meetings") or {}
    meetings = Meetings.model_validate(raw)
    if not meetings.meets_on(day):
        days = " en ".join(WEEKDAY_NL[WEEKDAYS.index(w)] for w in meetings.weekdays)
        return f"{WEEKDAY_NL[day.weekday()]} is geen vergaderdag; het vergadert op {days}"
    return None


def record_decision(
    session: Session,
    *,
    programme: str,
    point: str,
    body: str,
    outcome: str | Outcome,
    decided_on: str | dt.date,
    recorded_by: str,
    reference: str | None = None,
    reservation: str | None = None,
    lifts: int | None = None,
    supersedes: int | None = None,
    via: str = "cli",
    extra_meeting: bool = False,
    lifted_by: str | None = None,
    verified: tuple[str, str] | None = None,
) -> Recorded:
    """Append one decision, or raise InputError and write nothing.

    The same submission twice (a double click, a retried task) returns the first row instead of
    adding a second. The point's row is locked so two different submissions cannot both pass the
    'still missing' check. A positive decision on a point that a reservation elsewhere is planned
    to be lifted by lifts that reservation of the same body (one entry, linked).
    """
    if verified is None:  # a form's person was verified by its one-time code instead
        clean_text(recorded_by, "vastgelegd door (--by)", 200)
    reference = clean_text(reference, "kenmerk (--reference)", 200)
    reservation = clean_text(reservation, "voorbehoud (--reservation)", 2000)
    lifted_by = clean_text(lifted_by, "--lifted-by", 64)
    for flag, ref in (("--lifts", lifts), ("--supersedes", supersedes)):
        if ref is not None and not (isinstance(ref, int) and 1 <= ref <= 2_147_483_647):
            raise InputError(f"{flag}: '{ref}' is geen bestaand besluitnummer")
    prog = get_programme(session, programme)
    dp = get_point(session, prog, point, lock=True)
    gb = get_body(session, body)
    if verified is None:
        _, recorded_by = authorize(session, "decide", body=gb, typed_name=recorded_by, field="vastgelegd door (--by)",
                                   required="vastgelegd door: naam ontbreekt (--by)")
        recorded_as, recorded_at = stamp(session)
    else:
        recorded_as, recorded_by = verified
        recorded_at = stamp(session)[1]
    result = _parse_outcome(outcome)
    try:
        day = clock.parse_date(decided_on, field="besluitdatum")
    except clock.DateError as exc:
        raise InputError(str(exc)) from None

    fingerprint = _fingerprint(
        programme=prog.key, point=dp.key, body=gb.slug, outcome=result.value, decided_on=day,
        reference=reference, reservation=reservation, lifts=lifts, supersedes=supersedes,
        **({"extra_meeting": True} if extra_meeting else {}), **({"lifted_by": lifted_by} if lifted_by else {}),
    )
    existing = session.scalar(select(Decision).where(Decision.fingerprint == fingerprint))
    if existing is not None:
        return Recorded(existing.id, False, prog.key, dp.key, gb.slug, existing.outcome)

    today = clock.today()
    ev = evaluate(session, prog.key, today)
    begin = min((ph.planned_start for ph in ev.snapshot.phases), default=day)
    if day < begin:
        raise InputError(f"{prog.key}: besluitdatum {clock.dutch_date(day)} ligt vóór het begin van het programma "
                         f"({clock.dutch_date(begin)})")
    points = {p.key: p for p in prog.decision_points}
    own = {f.id for f in ev.facts.get(dp.key, [])}
    for flag, ref in (("--lifts", lifts), ("--supersedes", supersedes)):
        other = session.get(Decision, ref) if ref is not None and ref not in own else None
        if other is not None and not (flag == "--lifts" and _plans_lift(other, dp)):
            where = other.decision_point
            raise InputError(
                f"{flag} {ref}: dat besluit hoort bij '{where.title}' ({where.key}) "
                f"van {where.programme.key}, niet bij '{dp.title}' ({dp.key})"
            )
    if lifted_by is not None:
        later = points.get(lifted_by)
        if later is None:
            raise InputError(f"--lifted-by: onbekend besluitpunt '{lifted_by}' in {prog.key}")
        if later.planned_date < dp.planned_date or later.key == dp.key:
            raise InputError(f"--lifted-by: '{later.title}' ligt niet na '{dp.title}'")
        if result is not Outcome.APPROVED_WITH_RESERVATION:
            raise InputError("--lifted-by hoort alleen bij een besluit met voorbehoud")
        lifter_spec = next(s for p, s, _ in ev.points if p.key == later.key)
        if gb.slug not in lifter_spec.required_bodies:
            raise InputError(f"--lifted-by: {body_names_of(ev, gb.slug)} besluit niet over '{later.title}', "
                             "dus dat besluitpunt kan dit voorbehoud niet opheffen")

    lifted = {f.lifts_id for fs in ev.facts.values() for f in fs if f.lifts_id}
    liftable = {}
    for other_key, facts in ev.facts.items():
        if other_key == dp.key:
            continue
        mine = current_decisions(as_of_facts(facts, today), lifted).get(gb.slug)
        planned = mine and (mine.reservation_lifted_by or points[other_key].reservation_lifted_by)
        if mine and mine.outcome is Outcome.APPROVED_WITH_RESERVATION and planned == dp.key:
            liftable[mine.id] = mine
    if lifts is None and supersedes is None and result in (Outcome.APPROVED, Outcome.GO) and liftable:
        lifts = min(liftable)  # the planned lift: this decision lifts the reservation, one entry

    verdict = ev.verdict(dp.key)
    if verdict.status is Status.LAPSED and supersedes is None:
        raise InputError(f"{prog.key}: '{dp.title}': {verdict.reason}; hier wordt niets meer besloten")
    check_statutory_order(session, prog, ev, dp.key, day, positive=result in (Outcome.APPROVED, Outcome.GO),
                          body=gb.slug)
    spec = next(s for p, s, _ in ev.points if p.key == dp.key)
    stopped = {lot.key for lot in ev.lots if lot.state == "gestopt"}
    if spec.lots and not spec.scope_all and set(spec.lots) & stopped and supersedes is None:
        # a correction (--supersedes) stays possible: it may be the very decision that stopped the lots
        if verdict.status is Status.STOPPED:
            raise InputError(f"{prog.key}: '{dp.title}': {verdict.reason}; hier wordt niets meer besloten "
                             "(een college corrigeert zijn eigen besluit met --supersedes)")
        spec = spec.restricted_to([lot for lot in spec.lots if lot not in stopped])
    linked = {f.lifts_id: f.id for fs in ev.facts.values() for f in fs if f.lifts_id}
    if lifts is not None and lifts in linked:
        raise InputError(f"{prog.key}: --lifts {lifts}: dat voorbehoud is al opgeheven door besluit #{linked[lifts]}")
    try:
        check_decision(
            spec,
            ev.facts.get(dp.key, []),
            body=gb.slug,
            outcome=result,
            decided_on=day,
            today=today,
            reservation=reservation,
            lifts=lifts,
            supersedes=supersedes,
            liftable=liftable,
            no_meeting=no_meeting_reason(prog, gb, day),
            extra_meeting=extra_meeting,
            blocked_by=ev.blocked.get(dp.key),
        )
    except DecisionRefused as exc:
        raise InputError(f"{prog.key}: {exc}") from None

    if result is Outcome.APPROVED_WITH_RESERVATION and lifted_by is None:
        lifted_by = dp.reservation_lifted_by
    decision = Decision(
        decision_point_id=dp.id,
        body_id=gb.id,
        outcome=result.value,
        decided_on=day,
        reference=reference,
        reservation=reservation,
        lifts_id=lifts,
        supersedes_id=supersedes,
        recorded_by=recorded_by,
        recorded_as=recorded_as,
        recorded_at=recorded_at,
        via=via,
        extra_meeting=extra_meeting,
        reservation_lifted_by=lifted_by,
        fingerprint=fingerprint,
    )
    seal(session, decision)
    session.add(decision)
    session.flush()
    owe(session, prog.key, "decision_recorded", decision.id)  # the message, in the same transaction
    return Recorded(decision.id, True, prog.key, dp.key, gb.slug, result.value)


def body_names_of(ev, slug: str) -> str:
    return describe_bodies([slug], ev.names)


def _plans_lift(reserved: Decision, point: DecisionPoint) -> bool:
    """Whether `reserved` (on another point) is planned to be lifted by a decision on `point`."""
    planned = reserved.reservation_lifted_by or reserved.decision_point.reservation_lifted_by
    return reserved.decision_point.programme_id == point.programme_id and planned == point.key
