"""The reminder sweep as a task: one programme, its rows back as plain data."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task

from models.facts.db import open_session
from notifications import prefect_events
from notifications.recipients import load_recipients
from notifications.reminders import ReminderRow, remind


@task(name="herinneringen versturen", task_run_name="herinneringen {programme}")
def send_reminders(programme: str, as_of: dt.date, dry_run: bool) -> list[ReminderRow]:
    session = open_session()
    try:
        rows = remind(session, programme, as_of, dry_run=dry_run, recipients=load_recipients())
        session.rollback() if dry_run else session.commit()
    finally:
        session.close()
    logger = get_run_logger()
    for row in rows:
        if row.status == "sent":  # the feed tells who was reminded of what (the channel is not told)
            prefect_events.emit(prefect_events.REMINDER_SENT, programme,
                                f"{as_of.isoformat()}|{row.point}|{row.step}|{row.recipient}", point=row.point,
                                title=row.title or row.point, payload={"stap": row.step, "aan": row.recipient})
        if row.status == "failed":
            logger.warning("%s %s aan %s via %s mislukt: %s", row.point, row.step, row.recipient, row.channel,
                           row.reason)
    return rows
