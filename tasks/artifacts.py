"""What the programme office sees in the Prefect UI, rebuilt from the register each time."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pendulum
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact

from models.core import clock
from models.core.inputs import clip
from models.access.session import register_session
from models.views.status import decision_history, evaluate, status_report
from models.rules.evaluation import progress_words, to_act
from models.core.vocabulary import STATUS_LABELS, Status
from notifications.timeline import programme_svg


def phases_done(report: dict) -> int:
    """Phases whose exit gate is open, counted from phase 0 up to the first shut one."""
    done = 0
    for phase in report["phases"]:
        if phase["exit_gate"] != "open":
            break
        done += 1
    return done


NONE = "—"  # an empty cell: a lone '-' in the UI's tables reads as a list bullet


def points_table(report: dict) -> list[dict]:
    """Every decision point in date order, in five columns that fit the UI at 1440 px: the date first, and who
    is missing in a few words ('7 colleges (alle behalve Aalten)') where the list is long."""
    from models.rules.evaluation import who_short

    rows = []
    for dp in sorted(report["decision_points"], key=lambda dp: (dp["due"], dp["phase"])):
        missing = (who_short(dp["missing_bodies"], tuple(dp["required_bodies"]), dp["body_names"])
                   or ", ".join(dp["missing_names"]))
        due = clock.parse_date(dp["due"])
        rows.append({  # short cells: the UI gives an artifact about 880 px and does not wrap a table's cells
            "Uiterlijk": pendulum.date(due.year, due.month, due.day).format("D MMM YYYY", locale="nl").replace(".", ""),
            "Besluitpunt": clip(f"{dp['word']}: {dp['title']}", 56),
            "Fase": dp["phase"],
            "Status": ("overgeslagen (handmatig)" if dp.get("passed_over") and dp["status"] != "satisfied"
                       else dp.get("status_nl") or STATUS_LABELS[Status(dp["status"])]),
            "Ontbreekt": clip(missing.replace("het college van ", ""), 34) if missing else NONE,
        })
    return rows


VIA = {"cli": "regie decide", "formulier": "formulier", "deployment": "deployment"}


def _cell(text) -> str:
    """A table cell that cannot break the table: no pipes, no line breaks."""
    return str(text if text not in (None, "", "-") else NONE).replace("|", "/").replace("\n", " ").replace("\r", " ")


def register_markdown(report: dict, history: list[dict]) -> str:
    lines = [
        f"# Besluitenregister {report['name']}",
        "",
        f"Stand op {clock.dutch_date(clock.parse_date(report['as_of']))}; {progress_words(report)}.",
        "",
    ]
    if not history:
        lines.append("Nog geen besluiten vastgelegd.")
    else:
        # narrow columns first and short words (a date, the college's name), who recorded it and how last:
        # the table fits the UI at 1440 px
        lines += ["| # | Datum | Besluitpunt | Orgaan | Uitkomst | Kenmerk | Stand | Vastgelegd |",
                  "|---|---|---|---|---|---|---|---|"]
    for row in history:
        state = {"standing": "geldt", "superseded": f"vervangen door #{row['ended_by']}",
                 "lifted": f"voorbehoud opgeheven door #{row['ended_by']}"}[row["state"]]
        outcome = row["outcome_nl"] + (f" ({row['reservation']})" if row["reservation"] else "")
        day = clock.short_dutch_date(clock.parse_date(row["decided_on"]))
        who = (row["recorded_by"] + (f" ({row['recorded_as']})" if row.get("recorded_as") else "")
               + f", via {VIA.get(row['via'], row['via'])}")
        cells = [row["id"], day, clip(row["point_title"], 44), row["body_name"].removeprefix("het college van "),
                 clip(outcome, 32), clip(row["reference"] or "", 20), state, clip(who, 40)]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if report["lots"]:
        lines += ["", "## Percelen", "", "| Perceel | Stand | Toelichting |", "|---|---|---|"]
        for lot in report["lots"]:
            lines.append("| " + " | ".join(_cell(c) for c in (lot["name"], lot["state"], lot["reason"])) + " |")
    if report["overrides"]:
        titles = {dp["key"]: dp["title"] for dp in report["decision_points"]}
        lines += ["", "## Handmatige overgangen", "", "| Naar fase | Door | Wanneer | Reden | Niet afgewacht |",
                  "|---|---|---|---|---|"]
        for o in report["overrides"]:
            passed = ", ".join(titles.get(k, k) for k in o["passed_over"]) or "geen"
            when = clock.dutch_moment(dt.datetime.fromisoformat(o["recorded_at"]))
            lines.append("| " + " | ".join(_cell(c) for c in (o["to_phase"], o["recorded_by"], when, o["reason"],
                                                               passed)) + " |")
    if report["plan_revisions"]:
        lines += ["", "## Herplanningen", "", "| Punt | Van | Naar | Door | Wanneer | Reden |", "|---|---|---|---|---|---|"]
        for r in report["plan_revisions"]:
            when = clock.dutch_moment(dt.datetime.fromisoformat(r["recorded_at"]))
            titles = {dp["key"]: dp["title"] for dp in report["decision_points"]}
            cells = (titles.get(r["point"], r["point"]), clock.dutch_date(clock.parse_date(r["old"])), clock.dutch_date(clock.parse_date(r["new"])),
                     r["recorded_by"], when, r["reason"])
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def to_act_table(rows: list[dict]) -> list[dict]:
    """'Nu aan zet' in five narrow columns, the lateness first. The UI gives an artifact about 880 px at a window
    of 1440 px and does not wrap a table's cells, so every cell is short: the title cut after a whole word, the
    colleges by their names ('Winterswijk', '7 colleges (alle behalve Aalten)'), dates without weekday, and the
    agenda's cut-off (the meeting is the last one by the due date)."""
    def day(d, year: bool = True):
        if not d:
            return NONE
        return pendulum.date(d.year, d.month, d.day).format("D MMM YYYY" if year else "D MMM", locale="nl").replace(".", "")

    def who(r):
        text = r.get("who_short") or r["who"]
        return text.replace("het college van ", "").replace("het projectteam (inkoopprojectleider)", "projectteam")

    return [{"Nog / te laat": r["when"], "Besluitpunt": clip(r["title"], 48), "Aan zet": clip(who(r), 40),
             "Uiterlijk": day(r["due"]), "Agenda sluit": day(r["cutoff"], year=False)} for r in rows] or [
        {"Nog / te laat": NONE, "Besluitpunt": "niemand is nu aan zet", "Aan zet": NONE, "Uiterlijk": NONE,
         "Agenda sluit": NONE}]


def _latest_data(key: str):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[key])), limit=1)
    return found[0].data if found else None


def _changed(key: str, data) -> bool:
    """One artifact version per real change: a resume that changed nothing adds none."""
    return _latest_data(key) != data


@task(name="overzicht bijwerken", task_run_name="overzicht {programme} bijwerken")
def publish_artifacts(programme: str) -> int:
    with register_session(read_only=True) as session:  # one evaluation for every artifact
        ev = evaluate(session, programme)
        report = status_report(session, programme, ev=ev)
        history = decision_history(session, programme)
        svg = programme_svg(session, programme, report=report, ev=ev)
    name = report["name"]
    words = progress_words(report)
    tables = [
        (f"{programme}-nu-aan-zet", to_act_table(to_act(ev)), f"Nu aan zet in {name}: {words}"),
        (f"{programme}-besluitpunten", points_table(report), f"Besluitpunten van {name}"),
    ]
    for key, table, description in tables:
        if _changed(key, json.dumps(table)):
            create_table_artifact(table, key=key, description=description)
    register = register_markdown(report, history)
    if _changed(f"{programme}-besluitenregister", register):
        create_markdown_artifact(register, key=f"{programme}-besluitenregister", description=f"Besluitenregister van {name}")
    image = base64.b64encode(svg.encode()).decode()
    timeline = (f"# Tijdlijn {name}\n\n![Tijdlijn {programme}](data:image/svg+xml;base64,{image})\n\n"
                "Fasen als balken, besluitpunten als ruiten (kleur: stand), groen: speling tot de uiterste datum, "
                "rode lijn: vandaag.")
    if _changed(f"{programme}-tijdlijn", timeline):
        create_markdown_artifact(timeline, key=f"{programme}-tijdlijn", description=f"Tijdlijn van {name}")
    done = phases_done(report)
    if _changed(f"{programme}-voortgang", 100.0 * done / 6):
        create_progress_artifact(100.0 * done / 6, key=f"{programme}-voortgang", description=f"{name}: {words}")
    return done


@task(name="overzichten van alle programma's bijwerken", task_run_name="overzichten van alle programma's bijwerken")
def refresh_programme_artifacts() -> list[str]:
    """'Nu aan zet', the decision points, the register, the timeline and the progress of every programme as they
    stand now. They change with the date (a point falls late) and with decisions recorded while no programme run
    moves (a form of an inbox, `regie decide`): the resume sweep and the daily reminders refresh them, not only the
    programme run. A new version only where something changed; a programme that fails is named, the others go on."""
    from sqlalchemy import select

    from models.facts.entities import Programme
    from prefect import get_run_logger

    with register_session(read_only=True) as session:
        keys = list(session.scalars(select(Programme.key).order_by(Programme.key)))
    failed = []
    for key in keys:
        try:
            publish_artifacts.fn(key)
        except Exception as exc:  # noqa: BLE001 - one programme must not keep the others' pages stale
            get_run_logger().warning("overzicht van %s niet bijgewerkt: %s: %s", key, type(exc).__name__, exc)
            failed.append(key)
    return failed


@task(name="regie-overzicht bijwerken", task_run_name="regie-overzicht {as_of} bijwerken")
def publish_overview(as_of: dt.date) -> int:
    """The artifact 'Regie overzicht': every programme on one page (phase, late, due in 7 and 30 days, the next
    gate, the contracts), refreshed by the daily sweep; a new version only when something changed."""
    from models.views.overview import overview, overview_markdown

    with register_session(read_only=True) as session:
        report = overview(session, as_of)
    text = overview_markdown(report)
    if _changed("regie-overzicht", text):
        create_markdown_artifact(text, key="regie-overzicht",
                                 description=f"Regie overzicht: {report['late']} te laat, {report['due_7']} binnen "
                                             f"7 dagen ({report['as_of_nl']})")
    return len(report["programmes"])


@task(name="register controleren", task_run_name="register controleren")
def verify_register() -> bool:
    """The check `regie verify` does (chains, points and colleges against their files, the anchor), once a day
    by the service: its anchor, in the service's data folder, narrows what could change unseen to one day."""
    from prefect import get_run_logger

    from models.views.integrity import check

    with register_session(read_only=True) as session:
        result = check(session)
    lines = [f"# Controle van het register, {clock.dutch_moment(clock.utcnow_real())}", ""]
    for r in result["chains"]:
        lines.append(f"- {r.what}: " + (f"{r.rows} regels, de keten klopt" if r.broken_at is None
                                        else f"**de keten breekt bij #{r.broken_at}**: {r.reason}"))
    for f in result["definition"] + result["anchored"]:
        lines.append(f"- **{f.what}**: {f.reason}")
    lines += [f"- let op: {note}" for note in result["notes"]]
    lines += ["", "Alles klopt; het anker is bijgewerkt." if result["clean"] else
              "**Niet alles klopt**: het anker blijft staan tot het is uitgezocht (`regie verify`)."]
    create_markdown_artifact("\n".join(lines) + "\n", key="regie-controle",
                             description="Controle van het register (ketens, besluitpunten, anker)")
    if not result["clean"]:
        get_run_logger().error("Het register klopt niet: zie het artefact regie-controle en `regie verify`")
    return result["clean"]


@task(name="risico bijwerken", task_run_name="risico {programme} {as_of} bijwerken")
def publish_risk(programme: str, as_of: dt.date, dry_run: bool = False) -> list:
    """The artifact '<programme>-risico' (the chance of the planned contract start, its trend over the last weeks,
    the decisions to chase) and, below the programme's threshold, the weekly warning; the warning's rows for the
    reminders table. Nothing for a programme without reminders (historic) or whose planned start has passed."""
    from prefect import get_run_logger
    from sqlalchemy import select

    from models.facts.entities import Programme
    from models.facts.reader import Reader
    from models.rules.reminders import policy_set
    from models.views.risk import DAILY_RUNS, chance_words, risk_markdown, risk_reports, trend_days
    from notifications.recipients import load_recipients
    from notifications.risk import risk_rows

    with register_session(read_only=True) as session:
        policy = session.scalar(select(Programme.reminder_policy).where(Programme.key == programme))
        if not policy_set(policy).enabled:
            return []
        reports = risk_reports(Reader.of(session), programme, trend_days(as_of), DAILY_RUNS)
    now = reports[-1]
    if now["planned_start"] < now["as_of"]:
        return []  # whether the start was made, the status says; no chance left to estimate
    text = risk_markdown(reports, policy_set(policy).risk_warning_below)
    chance = chance_words(now)
    if _changed(f"{programme}-risico", text):
        create_markdown_artifact(text, key=f"{programme}-risico",
                                 description=f"Risico {now['name']}: kans op tijdige start {chance} "
                                             f"({clock.dutch_date(as_of)})")
    get_run_logger().info("Risico %s op %s: kans op tijdige start %s", programme, clock.dutch_date(as_of), chance)
    return risk_rows(now, policy, load_recipients(), dry_run=dry_run)
