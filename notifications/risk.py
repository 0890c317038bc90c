"""The schedule-risk warning: when a programme's chance of starting its contracts on time falls below the
threshold its programme file sets (`reminders.risk_warning_below`), the procurement lead and the programme
office are told, through the same ledger and routing as the reminders: once per week while it stays below."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models.core import clock
from models.rules.reminders import policy_set
from notifications.ledger import Outcome, notify
from notifications.recipients import Recipient, Role


def warn_risk(session: Session | None, report: dict, policy: dict | None, recipients: list[Recipient], *,
              dry_run: bool = False) -> list[Outcome]:
    """Warn about `report` (one day's `regie risico`) when its chance is below the programme's threshold; the
    ledger keeps it to one message per recipient address per ISO week. Nothing when there is no threshold,
    reminders are off, the programme stopped (its own message said so) or the chance is not below it."""
    policies = policy_set(policy)
    threshold = policies.risk_warning_below
    if threshold is None or not policies.enabled or report["stopped"] or report["chance"] >= threshold:
        return []
    programme = report["programme"]
    as_of = clock.parse_date(report["as_of"])
    people = [r for r in recipients if r.role in (Role.PROCUREMENT_LEAD, Role.PROGRAMME_OFFICE)
              and r.serves(programme)]
    context = {
        "programme": {"key": programme, "name": report["name"]},
        "as_of": as_of,
        "planned_start": clock.parse_date(report["planned_start"]),
        "chance": _pct(report["chance"]),
        "threshold": _pct(threshold),
        "start": {k: clock.parse_date(v) if v else None for k, v in report["start"].items() if k != "never"},
        "chase": [dict(p, planned=clock.parse_date(p["planned"]),
                       latest=clock.parse_date(p["latest"]) if p["latest"] else None, gain=_pct(p["gain"]))
                  for p in report["points"] if p["gain"] > 0][:3],
    }
    return notify(session, programme=programme, event="risk_warning", scope=f"risico|{week_of(as_of)}",
                  context=context, recipients=people, dry_run=dry_run)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".", ",")


def week_of(day: dt.date) -> str:
    """'2025-W27': the ISO week, so the warning goes out once a week while the chance stays below."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
