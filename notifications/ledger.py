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
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.core.clock import dutch_moment
from models.facts.entities import Notification, RegisterSetting
from notifications.dispatch import channel_id, idempotent_url, legacy_channel_id, mask, send
from notifications.recipients import Recipient
from notifications.rendering import Message, render, render_subject


_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per engine (a disposed one takes its key along)
_LAST: list = [None, None]  # the engine asked last and its key


def ledger_secret(engine, session: Session | None = None) -> tuple[str, bool]:
    """The register's key for the ledger's address hashes (written by its migration), and whether the ledger
    holds rows from before it (then their older keys are read too); read once per register: in the caller's
    transaction where there is one, else as a reader (who waits for no writer)."""
    from models.facts.db import READ_ONLY, get_engine

    engine = engine or get_engine()
    if _LAST[0] is engine:  # the same engine as the call before (a sweep asks once per message)
        return _LAST[1]
    found = _KEYS.get(engine)
    if found is not None:
        _LAST[:] = [engine, found]
        return found
    query = select(RegisterSetting.key, RegisterSetting.value).where(
        RegisterSetting.key.in_(["ledger-key", "ledger-legacy"]))
    if session is not None and session.in_transaction():
        found = dict(session.execute(query).tuples().all())
    else:
        with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            found = dict(conn.execute(query).tuples().all())
    if not found.get("ledger-key"):
        from models.core.errors import InputError

        raise InputError("het register heeft geen sleutel voor het verzendlogboek; werk het bij (regie load)")
    _KEYS[engine] = (found["ledger-key"], "ledger-legacy" in found)
    _LAST[:] = [engine, _KEYS[engine]]
    return _KEYS[engine]


def forget_ledger_secrets() -> None:
    """Read the register's key again on the next call (after an upgrade gave the register a new one)."""
    _KEYS.clear()
    _LAST[:] = [None, None]


def ledger_keys(secret: tuple[str, bool], programme: str, event: str, scope: str, recipient: str,
                url: str) -> tuple[str, str]:
    """The ledger key of one message to one address, and the key a row written before the keyed hash carries
    (empty when the register has no such rows: the older key costs a plugin lookup per address)."""
    key, legacy = secret
    head = f"{programme}|{event}|{scope}|{recipient}|"
    return head + channel_id(url, key), head + legacy_channel_id(url) if legacy else ""


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
    batch: list[Planned] | None = None,
    tag: tuple = (),
) -> list[Outcome]:
    """Send `event` to every URL of every recipient that has not had it yet (dry run: only say so).

    No network I/O happens inside a register transaction: each message is claimed in a short
    transaction of its own (committed), sent, and completed in another. A crash after the send and
    before the completion leaves the claim of a dead process, which the next run takes over and
    sends again (at-least-once). A claim of a live process is left alone (it is being sent now).
    `session` (outside any transaction) says which register; None is the configured one.
    With `batch`, real messages are only planned (appended) and `deliver` claims them in bulk later.
    """
    message = None
    outcomes = []
    engine = session.get_bind() if session is not None else None
    secret = None

    def planned() -> str:  # a dry run lists the subject; rendered once per call
        nonlocal subject
        subject = subject or render_subject(event, context)
        return subject

    for recipient in recipients:
        for url in recipient.urls:
            secret = secret or ledger_secret(engine, session)
            key, legacy = ledger_keys(secret, programme, event, scope, recipient.name, url)
            known = key if sent is not None and key in sent else \
                legacy if sent is not None and legacy and legacy in sent else None
            if known is not None:  # the ledger was read once for the whole sweep
                channel, when = sent[known]
                outcomes.append(Outcome(recipient.name, channel, "skipped",
                                        f"al verzonden op {dutch_moment(when) if when else 'eerder'}"))
                continue
            if dry_run:
                row = None if sent is not None else _sent_row(session, key, legacy)
                if row is not None and row.status == "sent":
                    outcomes.append(Outcome(recipient.name, row.channel, "skipped",
                                            f"al verzonden op {dutch_moment(row.sent_at) if row.sent_at else 'eerder'}"))
                else:
                    outcomes.append(Outcome(recipient.name, mask(url), "would-send", planned()))
                continue
            if batch is not None:
                batch.append(Planned(key, programme, event, context, recipient.name, url, mask(url), tag, legacy))
                continue

            def rendered() -> Message:  # only for a message that will really go out
                nonlocal message
                message = message or render(event, context)
                return message

            claim = _claim(engine, key, programme, event, lambda: rendered().subject, recipient.name, mask(url),
                           legacy)
            if isinstance(claim, Outcome):
                outcomes.append(claim)
                continue
            message = rendered()
            delivery = send(idempotent_url(url, key), message)  # outside any transaction
            outcomes.append(_complete(engine, claim, recipient.name, delivery))
    return outcomes


@dataclass(frozen=True)
class Planned:
    """A message a sweep will send: claimed with all the others of its batch in one transaction."""

    key: str
    programme: str
    event: str
    context: dict = field(compare=False, hash=False)
    recipient: str = ""
    url: str = field(default="", repr=False)
    channel: str = ""
    tag: tuple = ()  # the caller's own label (a sweep: point and step)
    legacy: str = ""  # the key a row written before the keyed hash carries


def _sent_row(session: Session, key: str, legacy: str):
    """The ledger row of this message (the row under its older key, if that one was sent)."""
    rows = {r.ledger_key: r for r in session.scalars(
        select(Notification).where(Notification.ledger_key.in_([key, legacy] if legacy else [key])))}
    old = rows.get(legacy)
    return old if old is not None and old.status == "sent" else rows.get(key)


def deliver(session: Session | None, batch: list[Planned]) -> list[tuple[Planned, Outcome]]:
    """Send a batch: its ledger rows claimed in one transaction, then each message sent and completed
    on its own (so a crash repeats at most the one message in flight)."""
    engine = session.get_bind() if session is not None else None
    if not batch:
        return []
    rendered: dict[tuple[str, int], Message] = {}

    def message_of(p: Planned) -> Message:
        ident = (p.event, id(p.context))
        if ident not in rendered:
            rendered[ident] = render(p.event, p.context)
        return rendered[ident]

    claims = _claim_many(engine, batch, message_of)
    out = []
    for planned in batch:
        claim = claims[planned.key]
        if isinstance(claim, Outcome):
            out.append((planned, claim))
            continue
        delivery = send(idempotent_url(planned.url, planned.key), message_of(planned))  # outside any transaction
        out.append((planned, _complete(engine, claim, planned.recipient, delivery)))
    return out


def _claim_many(engine, batch: list[Planned], message_of) -> dict[str, int | Outcome]:
    """One transaction: read the batch's ledger rows in one query, claim what is ours to send."""
    from sqlalchemy.exc import IntegrityError

    session = _short_session(engine)
    result: dict[str, int | Outcome] = {}
    try:
        with session.begin():
            keys = [p.key for p in batch] + [p.legacy for p in batch if p.legacy]
            rows = {r.ledger_key: r for r in session.scalars(
                select(Notification).where(Notification.ledger_key.in_(keys)).with_for_update())}
            now, me = clock.utcnow(), _claimant()
            for p in batch:
                old = rows.get(p.legacy) if p.legacy else None
                row = old if old is not None and old.status == "sent" else rows.get(p.key)
                if row is not None and row.status == "sent":
                    when = dutch_moment(row.sent_at) if row.sent_at else "eerder"
                    result[p.key] = Outcome(p.recipient, row.channel, "skipped", f"al verzonden op {when}")
                elif row is not None and row.status == "sending" and not _dead(row.claimed_by, row.claimed_at):
                    result[p.key] = Outcome(p.recipient, row.channel, "skipped",
                                            "wordt op dit moment door een andere run verzonden")
                else:
                    if row is None:
                        row = rows[p.key] = Notification(
                            ledger_key=p.key, programme_key=p.programme, event=p.event,
                            subject=message_of(p).subject[:400], recipient=p.recipient, channel=p.channel,
                            status="sending", attempts=0, first_tried_at=now)
                        session.add(row)
                    row.status, row.claimed_by, row.claimed_at = "sending", me, now
            session.flush()  # the new claims go in as one multi-row insert
            for p in batch:
                result.setdefault(p.key, rows[p.key].id)
    except IntegrityError:  # another run claimed some of these a moment earlier: claim one by one
        session.close()
        return {p.key: _claim(engine, p.key, p.programme, p.event, lambda p=p: message_of(p).subject, p.recipient,
                              p.channel, p.legacy) for p in batch}
    finally:
        session.close()
    return result


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
    from models.facts.db import open_session, session_factory

    return session_factory(engine)() if engine is not None else open_session()


def _claim(engine, key: str, programme: str, event: str, subject, recipient: str, channel: str,
           legacy: str = "") -> int | Outcome:
    """Claim the ledger key in a transaction of its own; the row's id, or why it is not ours to send."""
    from sqlalchemy.exc import IntegrityError

    session = _short_session(engine)
    try:
        with session.begin():
            rows = {r.ledger_key: r for r in session.scalars(
                select(Notification).where(Notification.ledger_key.in_([key, legacy] if legacy else [key]))
                .with_for_update())}
            old = rows.get(legacy) if legacy else None
            row = old if old is not None and old.status == "sent" else rows.get(key)
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
