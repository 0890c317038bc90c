"""Exactly one message per (what, for which point, to whom, over which channel), where the channel permits.

A row is claimed (committed) before the send and completed (committed) after it, each in a short
transaction of its own; the send itself holds no lock on the register. A re-run finds the row and
sends nothing; a failed send stays 'failed' and is tried again by the next call; a crash between
send and completion leaves a claim of a dead process, which the next run takes over and sends
again (at-least-once rather than lost).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import clock
from models.clock import dutch_moment
from models.entities import Notification
from notifications.dispatch import channel_id, idempotent_url, mask, send
from notifications.recipients import Recipient
from notifications.rendering import Message, render, render_subject


@dataclass(frozen=True)
class Outcome:
    recipient: str
    channel: str  # masked
    status: str  # sent, failed, skipped
    error: str | None = None


def notify(
    session: Session | None,
    *,
    programme: str,
    event: str,
    scope: str,
    context: dict,
    recipients: Iterable[Recipient],
    dry_run: bool = False,
    sent: dict[str, tuple[str, dt.datetime | None]] | None = None,
    subject: str | None = None,
) -> list[Outcome]:
    """Send `event` to every URL of every recipient that has not had it yet (dry run: only say so).

    No network I/O happens inside a register transaction: each message is claimed in a short
    transaction of its own (committed), sent, and completed in another. A crash after the send and
    before the completion leaves the claim of a dead process, which the next run takes over and
    sends again (at-least-once). A claim of a live process is left alone (it is being sent now).
    `session` (outside any transaction) says which register; None is the configured one.
    """
    message = None
    outcomes = []
    engine = session.get_bind() if session is not None else None

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
            if dry_run:
                row = None if sent is not None else session.scalar(
                    select(Notification).where(Notification.ledger_key == key))
                if row is not None and row.status == "sent":
                    outcomes.append(Outcome(recipient.name, row.channel, "skipped",
                                            f"al verzonden op {dutch_moment(row.sent_at) if row.sent_at else 'eerder'}"))
                else:
                    outcomes.append(Outcome(recipient.name, mask(url), "would-send", planned()))
                continue
            def rendered() -> Message:  # only for a message that will really go out
                nonlocal message
                message = message or render(event, context)
                return message

            claim = _claim(engine, key, programme, event, lambda: rendered().subject, recipient.name, mask(url))
            if isinstance(claim, Outcome):
                outcomes.append(claim)
                continue
            message = rendered()
            delivery = send(idempotent_url(url, key), message)  # outside any transaction
            outcomes.append(_complete(engine, claim, recipient.name, delivery))
    return outcomes


STALE_CLAIM = dt.timedelta(minutes=15)  # a claim from another machine this old is taken to be dead


def _claimant() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(claimed_by: str | None, claimed_at: dt.datetime | None) -> bool:
    if not claimed_by or claimed_at is None:
        return True
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False  # that process still runs: it is sending this message now
    return clock.utcnow() - claimed_at > STALE_CLAIM


def _short_session(engine) -> Session:
    from models.db import open_session, session_factory

    return session_factory(engine)() if engine is not None else open_session()


def _claim(engine, key: str, programme: str, event: str, subject, recipient: str, channel: str) -> int | Outcome:
    """Claim the ledger key in a transaction of its own; the row's id, or why it is not ours to send."""
    from sqlalchemy.exc import IntegrityError

    session = _short_session(engine)
    try:
        with session.begin():
            row = session.scalar(select(Notification).where(Notification.ledger_key == key).with_for_update())
            if row is not None and row.status == "sent":
                when = dutch_moment(row.sent_at) if row.sent_at else "eerder"
                return Outcome(recipient, row.channel, "skipped", f"al verzonden op {when}")
            if row is not None and row.status == "sending" and not _dead(row.claimed_by, row.claimed_at):
                return Outcome(recipient, row.channel, "skipped", "wordt op dit moment door een andere run verzonden")
            if row is None:
                row = Notification(ledger_key=key, programme_key=programme, event=event, subject=subject()[:400],
                                   recipient=recipient, channel=channel, status="sending", attempts=0,
                                   first_tried_at=clock.utcnow())
                session.add(row)
            row.status, row.claimed_by, row.claimed_at = "sending", _claimant(), clock.utcnow()
            session.flush()
            return row.id
    except IntegrityError:  # another run claimed the same key a moment earlier
        return Outcome(recipient, channel, "skipped", "wordt op dit moment door een andere run verzonden")
    finally:
        session.close()


def _complete(engine, row_id: int, recipient: str, delivery) -> Outcome:
    session = _short_session(engine)
    try:
        with session.begin():
            row = session.get(Notification, row_id)
            row.attempts += 1
            row.status = "sent" if delivery.ok else "failed"
            row.error = delivery.error
            row.sent_at = clock.utcnow() if delivery.ok else None
            row.claimed_by = None
            return Outcome(recipient, row.channel, row.status, delivery.error)
    finally:
        session.close()


def sent_messages(session: Session, programmes: list[str]) -> dict[str, tuple[str, dt.datetime | None]]:
    """Ledger key -> (masked channel, when sent) of every message sent for these programmes: one query."""
    rows = session.execute(
        select(Notification.ledger_key, Notification.channel, Notification.sent_at)
        .where(Notification.programme_key.in_(programmes), Notification.status == "sent")
    )
    return {key: (channel, when) for key, channel, when in rows}
