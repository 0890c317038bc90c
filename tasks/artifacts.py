"""What the programme office sees in the Prefect UI, rebuilt from the register each time."""

from __future__ import annotations

import base64

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact

from models import clock
from models.db import register_session
from models.status import decision_history, evaluate, status_report
from models.vocabulary import STATUS_LABELS, Status
from notifications.timeline import programme_svg


def phases_done(report: dict) -> int:
    """Phases whose exit gate is open, counted from phase 0 up to the first shut one."""
    done = 0
    for phase in report["phases"]:
        if phase["exit_gate"] != "open":
            break
        done += 1
    return done


def points_table(report: dict) -> list[dict]:
    return [
        {
            "Soort": dp["word"],
            "Titel": dp["title"],
            "Fase": dp["phase"],
            "Uiterlijk": dp["due_nl"],
            "Status": STATUS_LABELS[Status(dp["status"])],
            "Ontbreekt": ", ".join(dp["missing_names"]) or "-",
        }
        for dp in report["decision_points"]
    ]


def register_markdown(report: dict, history: list[dict]) -> str:
    lines = [
        f"# Besluitenregister {report['name']}",
        "",
        f"Stand op {clock.dutch_date(clock.parse_date(report['as_of']))}; huidige fase {report['current_phase']}.",
        "",
    ]
    if not history:
        return "\n".join(lines + ["Nog geen besluiten vastgelegd."])
    lines += ["| # | Besluitpunt | Orgaan | Uitkomst | Datum | Kenmerk | Stand |", "|---|---|---|---|---|---|---|"]
    for row in history:
        state = {"standing": "geldt", "superseded": f"vervangen door #{row['ended_by']}",
                 "lifted": f"voorbehoud opgeheven door #{row['ended_by']}"}[row["state"]]
        outcome = row["outcome_nl"] + (f" ({row['reservation']})" if row["reservation"] else "")
        day = clock.dutch_date(clock.parse_date(row["decided_on"]))
        lines.append(f"| {row['id']} | {row['point_title']} | {row['body_name']} | {outcome} | {day} | "
                     f"{row['reference'] or '-'} | {state} |")
    return "\n".join(lines)


@task(name="overzicht bijwerken", task_run_name="overzicht {programme} bijwerken")
def publish_artifacts(programme: str) -> int:
    with register_session(read_only=True) as session:  # one evaluation for every artifact
        ev = evaluate(session, programme)
        report = status_report(session, programme, ev=ev)
        history = decision_history(session, programme)
        svg = programme_svg(session, programme, report=report, ev=ev)
    create_table_artifact(points_table(report), key=f"{programme}-besluitpunten",
                          description=f"Besluitpunten van {report['name']}")
    create_markdown_artifact(register_markdown(report, history), key=f"{programme}-besluitenregister",
                             description=f"Besluitenregister van {report['name']}")
    image = base64.b64encode(svg.encode()).decode()
    create_markdown_artifact(
        f"# Tijdlijn {report['name']}\n\n![Tijdlijn {programme}](data:image/svg+xml;base64,{image})\n\n"
        "Fasen als balken, besluitpunten als ruiten (kleur: stand), groen: speling tot de uiterste datum, "
        "rode lijn: vandaag.",
        key=f"{programme}-tijdlijn", description=f"Tijdlijn van {report['name']}")
    done = phases_done(report)
    create_progress_artifact(100.0 * done / 6, key=f"{programme}-voortgang",
                             description=f"{report['name']}: {done} van 6 fasen afgerond")
    return done
