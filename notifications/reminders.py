"""The reminder sweep: for every open decision point, the step that is due, to exactly the right people."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models import clock
from models.planning import PlanningError
from models.register import body_names, decisions_of, fact, get_programme
from models.reminders import PolicySet, step_on
from models.replanning import programme_plan
from models.rules import current_decisions, describe_bodies
from models.status import evaluate
from models.vocabulary import OUTCOME_LABELS, Kind, Status
from notifications.ledger import notify
from notifications.recipients import Recipient, Role, load_recipients

PUBLICATION = "publication"


@dataclass(frozen=True)
class ReminderRow:
    programme: str
    point: str
    step: str
    recipient: str
    channel: str
    status: str  # sent, failed, skipped, would-send
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


def remind(
    session: Session, programme: str, as_of: dt.date, *, dry_run: bool = False,
    recipients: list[Recipient] | None = None,
) -> list[ReminderRow]:
    """Send (or, dry run, list) the reminders due on `as_of`; the ledger keeps each to once.

    Give it a session outside `session.begin()`: each message is committed right after its send.
    """
    recipients = load_recipients() if recipients is None else recipients
    prog = get_programme(session, programme)
    if not clock.is_working_day(as_of):
        return []  # no reminder on a weekend or a public holiday; the next working day catches up
    policies = PolicySet.model_validate(prog.reminder_policy or {})
    if not policies.enabled:
        return []
    ev = evaluate(session, programme, as_of)
    names = body_names(session)
    verdicts = {dp.key: v for dp, _, v in ev.points}
    publication = next((dp for dp, _, _ in ev.points if dp.key == PUBLICATION), None)
    published = publication is not None and (
        verdicts[PUBLICATION].ok or as_of >= publication.planned_date
    )
    rows: list[ReminderRow] = []
    try:
        plan = programme_plan(session, programme)
    except PlanningError:
        plan = None  # no dependencies known: every later date may move
    titles = {dp.key: (dp.title, dp.planned_date) for dp, _, _ in ev.points}

    def slips(point) -> list[dict]:
        keys = plan.descendants(point.key) if plan else [k for k, (_, d) in titles.items() if d > point.planned_date]
        return [{"title": titles[k][0], "due": titles[k][1]} for k in keys]

    def record(point: str, step: str, outcomes, fallback: str | None = None) -> None:
        for o in outcomes:
            rows.append(ReminderRow(programme, point, step, o.recipient, o.channel, o.status, o.error or ""))
        if not outcomes and fallback:
            rows.append(ReminderRow(programme, point, step, "-", "-", "skipped", fallback))

    for dp, spec, verdict in ev.points:
        if verdict.ok or verdict.status is Status.REJECTED or dp.key in ev.passed_over:
            continue
        step = step_on(dp.planned_date, policies.for_kind(Kind(dp.kind)), as_of)
        if step is None:
            continue
        standing = current_decisions(fact(d) for d in decisions_of(session, dp))
        targets = verdict.missing or tuple(f.body for f in verdict.open_reservations)
        decided = [
            f"{describe_bodies([b], names)}: {OUTCOME_LABELS[standing[b].outcome]} ({clock.dutch_date(standing[b].decided_on)})"
            for b in spec.required_bodies
            if b in standing and b not in verdict.missing
        ]
        context = {
            "programme": {"key": prog.key, "name": prog.name},
            "point": {"key": dp.key, "title": dp.title, "due": dp.planned_date},
            "days_left": max(0, clock.working_days_between(as_of, dp.planned_date)),
            "days_late": max(0, clock.working_days_between(dp.planned_date, as_of)),
            "decided": decided,
            "missing": [describe_bodies([b], names) for b in targets],
            "slips": slips(dp),
        }
        event = "overdue" if step.overdue else "reminder"
        for body in targets:
            secretaries = [r for r in recipients
                           if r.role is Role.SECRETARY and r.body == body and r.serves(programme)]
            reservation = standing[body].reservation if body in standing else None
            outcomes = notify(
                session, programme=programme, event=event, scope=f"{dp.key}|{step.key}|{body}",
                context={**context, "body": body, "body_name": describe_bodies([body], names),
                         "reservation": reservation},
                recipients=secretaries, dry_run=dry_run, commit_each=not dry_run,
            )
            record(dp.key, step.key, outcomes, f"geen secretaris ingesteld voor {describe_bodies([body], names)}")
        if step.overdue:
            leads = [r for r in recipients if r.role in (Role.PROCUREMENT_LEAD, Role.PROGRAMME_OFFICE)
                     and r.serves(programme)]
            outcomes = notify(session, programme=programme, event="escalation", scope=f"{dp.key}|{step.key}",
                              context=context, recipients=leads, dry_run=dry_run,
                              commit_each=not dry_run)
            record(dp.key, step.key, outcomes, "geen projectleider of programmabureau ingesteld voor escalatie")
        elif dp.providers:
            providers = [r for r in recipients if r.role is Role.PROVIDER and r.serves(programme)]
            if published:
                record(dp.key, step.key, [], "aanbieders krijgen na publicatie geen berichten (dialoog gestopt)"
                       if providers else None)
            else:
                outcomes = notify(session, programme=programme, event="provider_reminder",
                                  scope=f"{dp.key}|{step.key}", context=context, recipients=providers,
                                  dry_run=dry_run, commit_each=not dry_run)
                record(dp.key, step.key, outcomes)
    return rows


def remind_all(as_of: dt.date, *, dry_run: bool = False, programmes: list[str] | None = None) -> list[ReminderRow]:
    """The sweep over every programme (or those named), each in its own session."""
    from sqlalchemy import select

    from models.db import open_session, register_session
    from models.entities import Programme

    with register_session() as session:
        keys = programmes or list(session.scalars(select(Programme.key).order_by(Programme.key)))
        found = [get_programme(session, k).key for k in keys]  # unknown keys fail here, before any send
    recipients = load_recipients()
    rows: list[ReminderRow] = []
    for programme in found:
        session = open_session()
        try:
            rows += remind(session, programme, as_of, dry_run=dry_run, recipients=recipients)
            session.rollback() if dry_run else session.commit()
        finally:
            session.close()
    return rows
