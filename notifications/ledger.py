"""Exactly one message per (what, for which point, to whom, over which channel).

A row is claimed before the send and completed after it, in the caller's transaction: a re-run
from the top finds the row and sends nothing; a failed send stays 'failed' and is tried again by
the next call; a crash between send and commit rolls the row back, so that message goes again
(at-least-once rather than lost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.clock import dutch_moment
from models.entities import Notification
from notifications.dispatch import channel_id, idempotent_url, mask, send
from notifications.recipients import Recipient
from notifications.rendering import render, render_subject


@dataclass(frozen=True)
class Outcome:
    recipient: str
    channel: str  # masked
    status: str  # sent, failed, skipped
    error: str | None = None


def notify(
    session: Session,
    *,
    programme: str,
    event: str,
    scope: str,
    context: dict,
    recipients: Iterable[Recipient],
    dry_run: bool = False,
    commit_each: bool = False,
    sent: dict[str, tuple[str, dt.datetime | None]] | None = None,
    subject: str | None = None,
) -> list[Outcome]:
    """Send `event` to every URL of every recipient that has not had it yet (dry run: only say so).

    With `commit_each`, every message is committed on its own right after its send, so a crash
    loses at most the one message in flight (a long sweep); otherwise the caller's transaction holds.
    """
    message = None
    outcomes = []

    def planned() -> str:  # a dry run lists the subject; rendered once per call
        nonlocal subject
        subject = subject or render_subject(event, context)
        return subject

    for recipient in recipients:
        for url in recipient.urls:
            key = f"{programme}|{event}|{scope}|{recipient.name}|{channel_id(url)}"
            if sent is not None and key in sent:  # the ledger was read once for the whole sweep
                channel, when = sent[key]
                outcomes.append(Outcome(recipient.name, channel, "skipped",
                                        f"al verzonden op {dutch_moment(when) if when else 'eerder'}"))
                continue
            if dry_run and sent is not None:
                outcomes.append(Outcome(recipient.name, mask(url), "would-send", planned()))
                continue
            row = session.scalar(select(Notification).where(Notification.ledger_key == key).with_for_update())
            if row is not None and row.status == "sent":
                when = dutch_moment(row.sent_at) if row.sent_at else "eerder"
                outcomes.append(Outcome(recipient.name, row.channel, "skipped", f"al verzonden op {when}"))
                continue
            if dry_run:
                outcomes.append(Outcome(recipient.name, mask(url), "would-send", planned()))
                continue
            message = message or render(event, context)
            if row is None:
                row = Notification(
                    ledger_key=key, programme_key=programme, event=event, subject=message.subject,
                    recipient=recipient.name, channel=mask(url), status="sending", attempts=0,
                    first_tried_at=clock.utcnow(),
                )
                session.add(row)
                session.flush()  # claim the key before sending: a concurrent run waits or fails here
            delivery = send(idempotent_url(url, key), message)
            row.attempts += 1
            row.status = "sent" if delivery.ok else "failed"
            row.error = delivery.error
            row.sent_at = clock.utcnow() if delivery.ok else None
            session.flush()
            if commit_each:
                session.commit()
            outcomes.append(Outcome(recipient.name, row.channel, row.status, delivery.error))
    return outcomes


def sent_messages(session: Session, programmes: list[str]) -> dict[str, tuple[str, dt.datetime | None]]:
    """Ledger key -> (masked channel, when sent) of every message sent for these programmes: one query."""
    rows = session.execute(
        select(Notification.ledger_key, Notification.channel, Notification.sent_at)
        .where(Notification.programme_key.in_(programmes), Notification.status == "sent")
    )
    return {key: (channel, when) for key, channel, when in rows}
