"""`regie status` as a person reads it (or as JSON), from the status document; no database in sight, so the
quick read-only path and the full one print exactly the same."""

from __future__ import annotations

import datetime as dt

from cli.output import emit_json
from models.core import clock
from models.core.inputs import printable
from models.core.vocabulary import STATUS_LABELS, Status

EVENT_WORDS = {"decision_recorded": "melding van besluit"}


def _short(day) -> str:
    return f"{day.day}-{day.month}-{day.year}"


def show_status(report: dict, as_json: bool = False) -> int:
    if as_json:
        emit_json(report)
        return 0
    as_of = clock.parse_date(report["as_of"])
    print(f"{report['name']} ({report['programme']}), stand op {clock.dutch_date(as_of)}")
    current = report["current_phase"]
    print(f"Huidige fase: {current} - {report['phases'][current]['name']}")
    if report["stopped"]:
        print(f"Programma gestopt: {report['stopped']}")
    print()
    print("Fasen")
    for ph in report["phases"]:
        start, end = clock.parse_date(ph["planned_start"]), clock.parse_date(ph["planned_end"])
        gate = "uitgang open" if ph["exit_gate"] == "open" else "uitgang dicht"
        marker = ">" if ph["number"] == current else " "
        print(f" {marker}{ph['number']} {ph['name']:<48} {_short(start):>10} t/m {_short(end):<10} {gate}")
    print("\nBesluitpunten en mijlpalen")
    for dp in report["decision_points"]:
        label = STATUS_LABELS[Status(dp["status"])]
        print(f"  {dp['word']}: {dp['title']}")
        print(f"      fase {dp['phase']}, uiterlijk {dp['due_nl']}; {dp['who']}: {label}")
        if dp["status"] != "satisfied":
            print(f"      {dp['reason']}")
    if report["lots"]:
        changed = [lot for lot in report["lots"] if lot["state"] != "loopt" or lot["reason"]]
        print(f"\nPercelen: {len(report['lots'])}, waarvan {len(changed)} gestopt, gegund of onderhands")
        for lot in changed:
            print(f"  {lot['name']} ({lot['key']}): {lot['state']}" + (f" - {lot['reason']}" if lot["reason"] else ""))
    if report["overrides"]:
        print("\nHandmatige overgangen")
        for o in report["overrides"]:
            titles = {dp["key"]: dp["title"] for dp in report["decision_points"]}
            passed = ", ".join(titles.get(k, k) for k in o["passed_over"]) or "geen"
            print(f"  naar fase {o['to_phase']} door {o['recorded_by']}: {o['reason']} (niet afgewacht: {passed})")
    if report["owed_messages"]:
        print("\nBerichten nog niet verzonden (worden opnieuw geprobeerd)")
        for m in report["owed_messages"]:
            tried = f"{m['attempts']} keer mislukt, volgende poging {clock.dutch_moment(dt.datetime.fromisoformat(m['next_try_at']))}" \
                if m["attempts"] else "nog niet verzonden" if m["last_error"] else "nog niet geprobeerd"
            error = f": {printable(m['last_error'], 200)}" if m["last_error"] else ""
            print(f"  {EVENT_WORDS.get(m['event'], m['event'])} #{m['ref']}: {tried}{error}")
    if report["plan_revisions"]:
        print("\nHerplanningen")
        titles = {p["key"]: p["title"] for p in report["decision_points"]}
        for ph in report["phases"]:
            titles[f"fase-{ph['number']}-begin"] = f"begin fase {ph['number']} ({ph['name']})"
            titles[f"fase-{ph['number']}-einde"] = f"einde fase {ph['number']} ({ph['name']})"
        for r in report["plan_revisions"]:
            old, new = clock.parse_date(r["old"]), clock.parse_date(r["new"])
            print(f"  {titles.get(r['point'], r['point'])}: {clock.dutch_date(old)} -> {clock.dutch_date(new)} "
                  f"(door {r['recorded_by']}: {r['reason']})")
    return 0


def quick_status(args) -> int | None:
    """`regie status` on the SQLite register without SQLAlchemy: the same document from the same reader;
    None where the full path is needed (PostgreSQL, a first use, a schema to migrate)."""
    from models.facts.reader import quick_reader
    from models.views.report import plain_status_report

    with quick_reader() as reader:
        if reader is None:
            return None
        report = plain_status_report(reader, args.programme, args.as_of)
    return show_status(report, args.json)
