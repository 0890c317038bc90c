"""`regie risico`: the chance that a programme's contracts start on time, from the register as it stood on a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.core import clock
from models.core.errors import InputError
from models.facts.reader import Reader, read_body_names, read_snapshots
from models.rules.arrival import ARRIVAL_FILE, arrival_model
from models.rules.evaluation import evaluate_snapshot
from models.rules.risk import build_setup, risk_report

MAX_RUNS = 1_000_000


def plain_risk_report(reader: Reader, key: str, as_of: dt.date | None = None, runs: int = 10_000, seed: int = 1,
                      model_path: Path | str | None = None) -> dict:
    """The risk document of one programme on `as_of` (default today): the register read once, then N runs."""
    return risk_reports(reader, key, [as_of or clock.today()], runs, seed, model_path)[0]


def risk_reports(reader: Reader, key: str, days: list[dt.date], runs: int = 10_000, seed: int = 1,
                 model_path: Path | str | None = None) -> list[dict]:
    """The risk document on each of `days`, from one read of the register: each day sees the register as it
    stood then (its decisions up to that day), through the same evaluation as `regie status`."""
    if not 1 <= runs <= MAX_RUNS:
        raise InputError(f"--runs: {runs} ligt niet tussen 1 en {MAX_RUNS}")
    model_path = model_path or ARRIVAL_FILE
    model = arrival_model(model_path)  # a bad model file is refused before anything else is done
    snapshot = read_snapshots(reader, [key])[key]
    names = read_body_names(reader)
    reports = []
    for day in days:
        report = risk_report(build_setup(evaluate_snapshot(snapshot, day, names), model), runs, seed)
        report["model"] = {"path": str(model_path), "version": model.version, "source": model.source,
                           "learned_from": model.learned_from}
        reports.append(report)
    return reports


DAILY_RUNS = 2_000  # the daily reminders run's figure: the chance to within about a percentage point, quickly
TREND_WEEKS = 6
CHASE = 3  # the decisions to chase that the artifact names


def trend_days(as_of: dt.date, weeks: int = TREND_WEEKS) -> list[dt.date]:
    """The days of the trend: the same weekday in each of the last `weeks` weeks, then `as_of` itself."""
    return [as_of - dt.timedelta(weeks=k) for k in range(weeks, 0, -1)] + [as_of]


def percent(share: float) -> str:
    """0.9375 as '93,8%' (Dutch decimal comma), as every view of the risk writes a chance."""
    return f"{_points(share)}%"


def chance_words(report: dict) -> str:
    """The chance of one day's report in words: '93,8%', or 'gestopt' for a programme that stopped."""
    return "gestopt" if report["stopped"] else percent(report["chance"])


def _points(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",")


def risk_markdown(reports: list[dict], threshold: float | None = None) -> str:
    """The artifact 'Risico' of one programme: the chance on the last day of `reports`, its trend over the days
    before, and the decisions to chase (those that raise the chance most when decided at their first meeting)."""
    now = reports[-1]
    planned = clock.dutch_date(clock.parse_date(now["planned_start"]))
    out = [f"# Risico {now['name']} ({now['programme']}), stand op {clock.dutch_date(clock.parse_date(now['as_of']))}",
           ""]
    if now["stopped"]:
        out += [f"Het programma is gestopt: {now['stopped']}. Er is geen start van de contracten om te halen.", ""]
        return "\n".join(out)
    runs = f"{now['runs']:,}".replace(",", ".")
    out.append(f"**Kans dat de contracten starten op {planned}: {percent(now['chance'])}** ({runs} gesimuleerde verlopen)")
    if threshold is not None:
        below = now["chance"] < threshold
        out.append("")
        out.append(f"{'Onder' if below else 'Boven'} de drempel van het programma ({percent(threshold)})"
                   + (": het programmabureau en de projectleider krijgen een waarschuwing." if below else "."))
    start = now["start"]
    spread = ", ".join(f"{share}% op {clock.dutch_date(clock.parse_date(start[k])) if start[k] else 'niet'}"
                       for share, k in ((10, "p10"), (50, "p50"), (90, "p90")))
    out += ["", f"Start van de contracten: {spread}.", "", "## Verloop", "", "| Stand op | Kans |", "|---|---|"]
    for report in reports:
        out.append(f"| {clock.dutch_date(clock.parse_date(report['as_of']))} | {chance_words(report)} |")
    chase = [p for p in now["points"] if p["gain"] > 0][:CHASE]
    out += ["", "## Najagen", ""]
    if not chase:
        out.append("Geen open besluit verhoogt de kans nog.")
    else:
        out += ["| Besluit | Wie | Gepland | 90% besloten op | Uiterlijk voor de start | Kans erbij |",
                "|---|---|---|---|---|---|"]
        for p in chase:
            out.append(f"| {p['title']} | {p['who']} | {clock.dutch_date(clock.parse_date(p['planned']))} | "
                       f"{clock.dutch_date(clock.parse_date(p['p90'])) if p['p90'] else '-'} | "
                       f"{clock.dutch_date(clock.parse_date(p['latest'])) if p['latest'] else '-'} | "
                       f"+{_points(p['gain'])} procentpunt |")
    out += ["", f"Model: {now['model']['source']} (`regie risico {now['programme']}` geeft alles)."]
    return "\n".join(out)
