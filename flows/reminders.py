"""The daily reminder sweep: tell the right people, in Dutch, exactly once; show it in the UI."""

from __future__ import annotations

import datetime as dt

import flows  # noqa: F401 - a deployment loads this file by its path: the package's log filter with it
from prefect import flow, get_run_logger
from prefect.states import Failed
from prefect.artifacts import create_table_artifact

from models.core import clock
from models.access.session import register_session
from models.facts.entities import Programme
from notifications.reminders import ReminderRow
from models.rules.reminders import step_words
from tasks.artifacts import NONE, publish_overview, publish_risk, refresh_programme_artifacts, verify_register
from tasks.reminders import send_reminders

STATUS_NL = {"sent": "verzonden", "failed": "mislukt", "skipped": "overgeslagen", "would-send": "zou verzenden"}


def _run_name() -> str:
    """'herinneringen zondag 6 december 2026': the day the run is for, also when it is today's (as_of empty)."""
    from prefect.runtime import flow_run

    as_of = flow_run.parameters.get("as_of")
    try:
        day = clock.parse_date(as_of) if as_of else clock.today()
    except ValueError:
        return "herinneringen"  # the flow itself refuses the date, in its own words
    return f"herinneringen {clock.dutch_date(day)}"


@flow(name="regie-herinneringen", flow_run_name=_run_name,
      description="Herinneringen voor open besluitpunten, te-laatmeldingen en escalaties; elk bericht één keer.")
def reminder_flow(as_of: dt.date | None = None, dry_run: bool = False) -> dict[str, int]:
    from sqlalchemy import select

    day = as_of or clock.today()
    with register_session() as session:
        programmes = list(session.scalars(select(Programme.key).order_by(Programme.key)))
    totals: dict[str, int] = {}
    broken: list[str] = []
    for programme in programmes:
        state = send_reminders(programme, day, dry_run, return_state=True)
        if state.is_failed():  # one broken programme: reported, and the others still get their reminders
            broken.append(programme)
            rows = [ReminderRow(programme, "-", "-", "-", "-", "failed", f"niet verwerkt: {state.message}")]
        else:
            rows = state.result()
            risk = publish_risk(programme, day, dry_run, return_state=True)  # the artifact, and a warning below it
            if risk.is_failed():  # the reminders went out; the risk is reported apart
                broken.append(f"{programme} (risico)")
            else:
                rows = rows + risk.result()
        cell = lambda text: NONE if text in ("", "-") else text  # noqa: E731
        table = [
            {"Besluitpunt": cell(r.title or r.point), "Stap": cell(step_words(r.step)), "Ontvanger": cell(r.recipient),
             "Kanaal": cell(r.channel), "Status": STATUS_NL[r.status], "Toelichting": r.reason}
            for r in rows
        ] or [{"Besluitpunt": NONE, "Stap": NONE, "Ontvanger": NONE, "Kanaal": NONE, "Status": "niets te doen",
               "Toelichting": ""}]
        title = "Proefrun" if dry_run else "Herinneringen"
        create_table_artifact(table, key=f"{programme}-herinneringen",
                              description=f"{title} {programme}, {clock.dutch_date(day)}")
        for row in rows:
            totals[row.status] = totals.get(row.status, 0) + 1
    get_run_logger().info("Herinneringen %s: %s", clock.dutch_date(day), totals or "niets te doen")
    refresh_programme_artifacts()  # each programme's pages as they stand today (a point fell late overnight)
    publish_overview(day)  # every programme on one page, as the sweep left them
    if not dry_run:
        verify_register()  # the register checked once a day, its anchor kept outside it
    if broken:
        get_run_logger().error("Niet verwerkt: %s; de andere programma's wel", ", ".join(broken))
        return Failed(message=f"Niet verwerkt: {', '.join(broken)}; de andere programma's wel", data=totals)
    return totals
