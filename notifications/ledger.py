"""Exactly one message per (what, for which point, to whom, over which channel).

A row is claimed before the send and completed after it, in the caller's transaction: a re-run
from the top finds the row and sends nothing; a failed send stays 'failed' and is tried again by
the next call; a crash between send and commit rolls the row back, so that message goes again
(at-least-once rather than lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.entities import Notification
from notifications.dispatch import channel_id, mask, send
from notifications.recipients import Recipient
from notifications.rendering import render


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
) -> list[Outcome]:
    message = None
    outcomes = []
    for recipient in recipients:
        for url in recipient.urls:
            key = f"{programme}|{event}|{scope}|{recipient.name}|{channel_id(url)}"
            row = session.scalar(select(Notification).where(Notification.ledger_key == key).with_for_update())
            if row is not None and row.status == "sent":
                outcomes.append(Outcome(recipient.name, row.channel, "skipped"))
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
            delivery = send(url, message)
            row.attempts += 1
            row.status = "sent" if delivery.ok else "failed"
            row.error = delivery.error
            row.sent_at = clock.utcnow() if delivery.ok else None
            session.flush()
            outcomes.append(Outcome(recipient.name, row.channel, row.status, delivery.error))
    return outcomes
