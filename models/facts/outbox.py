"""Messages the register owes: written with their cause, in the same transaction; delivered after it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import OutboxMessage

BACKOFF_MINUTES = (1, 5, 15, 60, 240)  # after the 1st, 2nd, ... failure; then every 4 hours


def owe(session: Session, programme: str, event: str, ref: int) -> None:
    """Record that a message is owed (call inside the transaction that records its cause)."""
    now = clock.utcnow()
    session.add(OutboxMessage(programme_key=programme, event=event, ref=ref, created_at=now, attempts=0,
                              next_try_at=now))


def due(session: Session, programmes: list[str] | None = None,
        decisions: list[int] | None = None) -> list[tuple[int, str, str, int, bool]]:
    """(id, programme, event, ref, first) of the owed messages whose turn it is (only those of `decisions`, if
    given); `first` when nobody has tried it yet."""
    query = select(OutboxMessage.id, OutboxMessage.programme_key, OutboxMessage.event, OutboxMessage.ref,
                   (OutboxMessage.attempts == 0) & OutboxMessage.last_error.is_(None)).where(
        OutboxMessage.done_at.is_(None), OutboxMessage.next_try_at <= clock.utcnow())
    if programmes is not None:
        query = query.where(OutboxMessage.programme_key.in_(programmes))
    if decisions is not None:
        query = query.where(OutboxMessage.event == "decision_recorded", OutboxMessage.ref.in_(decisions))
    return [(i, p, e, r, bool(first)) for i, p, e, r, first in session.execute(query.order_by(OutboxMessage.id))]


def settle(session: Session, message_id: int, error: str | None) -> None:
    """Delivered (error None), or failed: try again after a growing pause."""
    row = session.get(OutboxMessage, message_id)
    now = clock.utcnow()
    if error is None:
        row.done_at = now
        row.last_error = None
        return
    row.attempts += 1
    row.last_error = error[:2000]
    pause = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
    row.next_try_at = now + dt.timedelta(minutes=pause)


def waiting(session: Session, message_id: int, why: str) -> None:
    """Not sent, and not failed either: this process has nobody to send it to. It stays owed as it was (no
    attempt counted, no pause), for the next process that has a recipient for it."""
    row = session.get(OutboxMessage, message_id)
    if row.done_at is None:
        row.last_error = why[:2000]
