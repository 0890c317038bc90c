"""The five transition messages: who gets each, what it says, and its ledger scope."""

from __future__ import annotations

from models.facts.entities import Decision
from models.rules.decisions import describe_bodies
from models.facts.snapshot import body_names
from models.views.status import PhaseSnapshot, PointState, phase_snapshot
from models.core.vocabulary import OUTCOME_LABELS, STATUS_LABELS, Status, point_word
from notifications.ledger import Outcome, notify
from notifications.recipients import Recipient, Role, load_recipients

ROUTES: dict[str, frozenset[Role]] = {
    "phase_started": frozenset({Role.PROGRAMME_OFFICE, Role.PROCUREMENT_LEAD}),
    "gate_waiting": frozenset({Role.PROGRAMME_OFFICE, Role.PROCUREMENT_LEAD}),
    "decision_recorded": frozenset({Role.PROGRAMME_OFFICE}),
    "gate_opened": frozenset({Role.PROGRAMME_OFFICE, Role.PROCUREMENT_LEAD, Role.COMMUNICATIONS}),
    "programme_stopped": frozenset({Role.PROGRAMME_OFFICE, Role.PROCUREMENT_LEAD, Role.COMMUNICATIONS}),
}


def route(event: str, programme: str, recipients: list[Recipient], secretaries_of: tuple[str, ...] = ()) -> list[Recipient]:
    """The recipients of one event; secretaries only for the colleges named, providers never."""
    roles = ROUTES[event]
    return [
        r
        for r in recipients
        if r.serves(programme)
        and r.role is not Role.PROVIDER
        and (r.role in roles or (r.role is Role.SECRETARY and r.body in secretaries_of))
    ]


def _programme(snap: PhaseSnapshot) -> dict:
    return {"key": snap.programme, "name": snap.programme_name}


def _phase(snap: PhaseSnapshot) -> dict:
    return {"number": snap.number, "name": snap.name, "planned_start": snap.planned_start, "planned_end": snap.planned_end}


def _point(p: PointState) -> dict:
    return {"key": p.key, "title": p.title, "due": p.due, "who": p.who, "status_label": STATUS_LABELS[Status(p.status)],
            "reason": p.reason, "word": point_word(p.kind)}


def phase_started(snap: PhaseSnapshot) -> list[Outcome]:
    """Tell that a phase started, from the phase as judged (plain data: no register transaction is open)."""
    context = {"programme": _programme(snap), "phase": _phase(snap), "points": [_point(p) for p in snap.points]}
    return notify(None, programme=snap.programme, event="phase_started", scope=f"phase-{snap.number}",
                  context=context, recipients=route("phase_started", snap.programme, load_recipients()))


def phase_result(snap: PhaseSnapshot) -> tuple[str, list[Outcome]]:
    """Tell what the exit gate says: opened, still waiting (for whom), or the programme stopped.

    A phase whose exit is shut while no point holds it (implementation: a period that runs until its
    planned end) waits on nobody: nothing to tell beyond its start ("phase_running", no message)."""
    if not snap.exit_open and snap.blocking is None:
        return "phase_running", []
    recipients = load_recipients()
    context = {"programme": _programme(snap), "phase": _phase(snap), "reason": snap.exit_reason}
    if snap.exit_open:
        nxt = snap.next_phase
        context["next_phase"] = {"number": nxt[0], "name": nxt[1], "planned_start": nxt[2]} if nxt else None
        return "gate_opened", notify(None, programme=snap.programme, event="gate_opened",
                                     scope=f"phase-{snap.number}", context=context,
                                     recipients=route("gate_opened", snap.programme, recipients))
    point = snap.blocking
    context["point"] = _point(point)
    if snap.stopped:
        context["reason"] = point.reason
        return "programme_stopped", notify(None, programme=snap.programme, event="programme_stopped",
                                           scope=f"{point.key}|{point.reason}", context=context,
                                           recipients=route("programme_stopped", snap.programme, recipients))
    waiting_for = point.missing or point.reserved_bodies
    context["missing"] = list(point.missing_names) if point.missing else list(point.reserved_names)
    context["reason"] = point.reason
    return "gate_waiting", notify(
        None, programme=snap.programme, event="gate_waiting",
        scope=f"{point.key}|{point.status}|{','.join(waiting_for)}", context=context,
        recipients=route("gate_waiting", snap.programme, recipients, secretaries_of=tuple(waiting_for)),
    )


def decision_recorded(decision_id: int, tell_prefect: bool = True) -> list[Outcome]:
    """Tell the programme office about a recorded decision: read in a short transaction, sent after it.
    The Prefect event goes out on the first try only (a message still owed later is not a new decision)."""
    from models.access.session import register_session

    with register_session() as session:
        decision = session.get(Decision, decision_id)
        point = decision.decision_point
        snap = phase_snapshot(session, point.programme.key, point.phase)
        state = next(p for p in snap.points if p.key == point.key)
        context = {
            "programme": _programme(snap),
            "point": _point(state),
            "decision": {
                "id": decision.id,
                "body_name": describe_bodies([decision.body.slug], body_names(session)),
                "outcome_label": OUTCOME_LABELS[decision.outcome],
                "decided_on": decision.decided_on,
                "reference": decision.reference,
                "reservation": decision.reservation,
                "recorded_by": decision.recorded_by,
            },
        }
    from notifications import prefect_events

    if tell_prefect:
        prefect_events.emit(prefect_events.DECISION_RECORDED, snap.programme, f"besluit-{decision_id}", point=state.key,
                            title=state.title, body=decision.body.slug, body_name=context["decision"]["body_name"],
                            payload={"besluit": decision_id, "uitkomst": context["decision"]["outcome_label"],
                                     "besluitdatum": decision.decided_on.isoformat(),
                                     "stand": STATUS_LABELS[Status(state.status)]})
    return notify(None, programme=snap.programme, event="decision_recorded", scope=f"decision-{decision_id}",
                  context=context, recipients=route("decision_recorded", snap.programme, load_recipients()))


def _announces(session, programme: str) -> bool:
    """Whether the programme owes announcements at all (its reminders policy, `announcements: false`)."""
    from sqlalchemy import select

    from models.facts.entities import Programme
    from models.rules.reminders import policy_set

    raw = session.scalar(select(Programme.reminder_policy).where(Programme.key == programme))
    return policy_set(raw).announcements


NO_RECIPIENT = "wacht op een ontvanger: de machine die het probeerde heeft niemand ingesteld voor dit bericht"


def deliver_owed(programmes: list[str] | None = None, decisions: list[int] | None = None) -> list[Outcome]:
    """Send every message the register owes whose turn it is (the outbox), outside any transaction;
    only the messages of `decisions` when given (a secretary sends what their own decision owes)."""
    from models.access.session import register_session
    from models.facts.outbox import due, settle, waiting

    with register_session() as session:
        owed = due(session, programmes, decisions)
    outcomes: list[Outcome] = []
    recipients = load_recipients() if owed else []
    for message_id, _programme_key, event, ref, first in owed:
        if not first and event == "decision_recorded" and not route(event, _programme_key, recipients):
            continue  # tried before and still nobody here to tell: left as it is, at no cost, for the service
        unsent = False
        try:
            sends = decision_recorded(ref, tell_prefect=first) if event == "decision_recorded" else []
            failed = [o.error or "mislukt" for o in sends if o.status == "failed"]
            error = "; ".join(failed) or None
            # nobody to send it to here (a secretary's machine without a recipients file): it stays owed,
            # untouched, for a process that has recipients for it (the service's sweep)
            unsent = not sends
        except Exception as exc:  # noqa: BLE001 - kept in the outbox and tried again later
            sends, error = [], f"{type(exc).__name__}: {exc}"
        with register_session() as session:
            if unsent and _announces(session, _programme_key):
                waiting(session, message_id, NO_RECIPIENT)
            else:  # sent, failed (tried again later), or owed to nobody by the programme's own choice
                settle(session, message_id, error)
        outcomes += sends
    return outcomes
