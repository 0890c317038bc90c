"""The schedule-risk warning: when a programme's chance of starting its contracts on time falls below the
threshold its programme file sets (`reminders.risk_warning_below`), the procurement lead and the programme
office are told, through the same ledger and routing as the reminders: once per week while it stays below."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models.core import clock
from models.rules.reminders import policy_set
from models.views.risk import chance_words, percent
from notifications.ledger import Outcome, notify
from notifications.recipients import Recipient, Role


def warn_risk(session: Session | None, report: dict, policy: dict | None, recipients: list[Recipient], *,
              dry_run: bool = False) -> list[Outcome]:
    """Warn about `report` (one day's `regie risico`) when its chance is below the programme's threshold; the
    ledger keeps it to one message per recipient address per ISO week. Nothing when there is no threshold,
    reminders are off, the day is no working day, the programme stopped (its own message said so) or the chance is
    not below it."""
    policies = policy_set(policy)
    threshold = policies.risk_warning_below
    if threshold is None or not policies.enabled or report["stopped"] or report["chance"] >= threshold:
        return []
    programme = report["programme"]
    as_of = clock.parse_date(report["as_of"])
    if not clock.is_working_day(as_of):
        return []  # like the reminders: a working day's message (the next working day's run warns, if still below)
    people = [r for r in recipients if r.role in (Role.PROCUREMENT_LEAD, Role.PROGRAMME_OFFICE)
              and r.serves(programme)]
    context = {
        "programme": {"key": programme, "name": report["name"]},
        "as_of": as_of,
        "planned_start": clock.parse_date(report["planned_start"]),
        "chance": percent(report["chance"]),
        "threshold": percent(threshold),
        "start": {k: clock.parse_date(v) if v else None for k, v in report["start"].items() if k != "never"},
        "chase": [dict(p, planned=clock.parse_date(p["planned"]),
                       latest=clock.parse_date(p["latest"]) if p["latest"] else None, gain=percent(p["gain"]))
                  for p in report["points"] if p["gain"] > 0][:3],
    }
    return notify(session, programme=programme, event="risk_warning", scope=f"risico|{week_of(as_of)}",
                  context=context, recipients=people, dry_run=dry_run)


def risk_rows(report: dict, policy: dict | None, recipients: list[Recipient], *, dry_run: bool = False) -> list:
    """The warning for one day's report, as rows of the reminders table ('risico', the week, who, how, status).
    The ledger is read and written in a session of its own (outside a transaction, as `notify` wants it)."""
    from models.facts.db import open_session
    from notifications.reminders import ReminderRow

    title = f"Risico: kans op tijdige start {chance_words(report)}"
    session = open_session()
    try:
        outcomes = warn_risk(session, report, policy, recipients, dry_run=dry_run)
        session.rollback() if dry_run else session.commit()
    finally:
        session.close()
    return [ReminderRow(report["programme"], "risico", week_of(clock.parse_date(report["as_of"])), o.recipient,
                        o.channel, o.status, o.error or "", title) for o in outcomes]


def warn_all(as_of: dt.date, *, dry_run: bool = False, programmes: list[str] | None = None) -> list:
    """`regie remind`'s share of the warnings: every programme (or those named) whose file sets a threshold and
    whose planned start is still ahead, judged on `as_of` as the daily reminders run judges it."""
    from sqlalchemy import select

    from models.access.session import register_session
    from models.facts.entities import Programme
    from models.facts.reader import Reader
    from models.core.errors import InputError
    from models.views.risk import DAILY_RUNS, risk_reports
    from notifications.recipients import load_recipients
    from notifications.reminders import ReminderRow

    with register_session(read_only=True) as session:
        found = session.execute(select(Programme.key, Programme.reminder_policy).order_by(Programme.key)).all()
        wanted = [(key, policy) for key, policy in found if (programmes is None or key in programmes)
                  and policy_set(policy).enabled and policy_set(policy).risk_warning_below is not None]
        reports, rows = {}, []
        for key, _ in wanted:
            try:
                reports[key] = risk_reports(Reader.of(session), key, [as_of], DAILY_RUNS)[0]
            except InputError as exc:  # a programme without a plan to simulate: said, and the others still judged
                rows.append(ReminderRow(key, "risico", week_of(as_of), "-", "-", "skipped",
                                        f"risico niet te berekenen: {exc}", "Risico"))
    recipients = load_recipients()
    for key, policy in wanted:
        if key in reports and reports[key]["planned_start"] >= reports[key]["as_of"]:
            rows += risk_rows(reports[key], policy, recipients, dry_run=dry_run)
    return rows


def week_of(day: dt.date) -> str:
    """'2025-W27': the ISO week, so the warning goes out once a week while the chance stays below."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
