"""`regie replay --scenario FILE`: a scenario replayed day by day in this one process, on a fresh register of
its own, with the expectations it states checked on their days.

A scenario's `expect:` list says, for a day, what a programme office would see then:

    expect:
      - on: 2024-11-06
        phase: 2                              # the current phase
        gates: {2: dicht}                     # a phase's exit gate: open or dicht
        points: {go-no-go: aangehouden}       # a point's state, as `regie status` words it
        lots: {wonen-2: opschortende termijn} # a lot's place in the tender (the start of `regie tender status`)
        reminders: {Secretaris Winterswijk: herinnering}  # per recipient: herinnering, te laat or geen

Each day checked prints one line; an expectation that does not hold prints what Regie said instead, and
the replay exits 1. Nothing of the user's own register is touched.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import yaml

from models.core import clock
from models.core.errors import InputError

KINDS = {"herinnering", "te laat", "geen"}
GATES = {"open": "open", "dicht": "shut", "shut": "shut"}


def expectations(scenario: dict) -> list[dict]:
    """The scenario's `expect:` entries, checked for shape; refused with the entry's number when wrong."""
    raw = yaml.safe_load(Path(scenario["path"]).read_text(encoding="utf-8")).get("expect") or []
    if not isinstance(raw, list):
        raise InputError(f"scenario {scenario['path']}: expect is een lijst van dagen")
    out = []
    for i, row in enumerate(raw, 1):
        if isinstance(row, dict) and True in row:  # YAML 1.1 reads the key `on` as true
            row = {("on" if k is True else k): v for k, v in row.items()}
        where = f"scenario {scenario['path']}: verwachting {i}"
        if not isinstance(row, dict) or "on" not in row:
            raise InputError(f"{where}: mist on (de dag)")
        unknown = set(row) - {"on", "phase", "gates", "points", "lots", "reminders", "note"}
        if unknown:
            raise InputError(f"{where}: onbekend veld {', '.join(sorted(map(str, unknown)))} (kies uit phase, gates, "
                             "points, lots, reminders)")
        day = clock.parse_date(row["on"], field=f"{where}: on")
        if not scenario["start"] <= day <= scenario["end"]:
            raise InputError(f"{where}: {clock.dutch_date(day)} ligt buiten het scenario "
                             f"({clock.dutch_date(scenario['start'])} t/m {clock.dutch_date(scenario['end'])})")
        for key in ("gates", "points", "lots", "reminders"):
            if not isinstance(row.get(key, {}), dict):
                raise InputError(f"{where}: {key} is een lijst van naam: waarde")
        for value in (row.get("gates") or {}).values():
            if str(value) not in GATES:
                raise InputError(f"{where}: een uitgang is open of dicht, niet {value!r}")
        for value in (row.get("reminders") or {}).values():
            if str(value) not in KINDS:
                raise InputError(f"{where}: een herinnering is herinnering, te laat of geen, niet {value!r}")
        out.append(dict(row, on=day))
    return out


def _recipients_file(folder: Path) -> Path:
    from cli.scenarios import COLLEGE_NAMES, COLLEGES

    people = [{"name": "Programmabureau", "role": "programme-office", "urls": ["json://127.0.0.1:9/programmabureau"]},
              {"name": "Inkoopleider", "role": "procurement-lead", "urls": ["json://127.0.0.1:9/inkoopleider"]}]
    people += [{"name": f"Secretaris {COLLEGE_NAMES[c]}", "role": "secretary", "body": c,
                "urls": [f"json://127.0.0.1:9/{c}"]}
               for c in COLLEGES]
    path = folder / "ontvangers.yaml"
    path.write_text(yaml.safe_dump({"recipients": people}, allow_unicode=True), encoding="utf-8")
    return path


def _kind(step: str) -> str:
    return "te laat" if step.startswith("overdue") else "herinnering"


def check_day(session, programme: str, day: dt.date, expected: dict) -> list[str]:
    """What does not hold of one day's expectations, each as 'what: verwacht X, Regie zegt Y'."""
    from models.views.status import status_report
    from models.views.tender import tender_report
    from notifications.reminders import remind_all

    wrong = []
    report = status_report(session, programme, day)
    if "phase" in expected and report["current_phase"] != expected["phase"]:
        wrong.append(f"fase: verwacht {expected['phase']}, Regie zegt {report['current_phase']}")
    phases = {ph["number"]: ph for ph in report["phases"]}
    for number, want in (expected.get("gates") or {}).items():
        ph = phases.get(int(number))
        said = "bestaat niet" if ph is None else ("open" if ph["exit_gate"] == "open" else "dicht")
        if ph is None or ph["exit_gate"] != GATES[str(want)]:
            wrong.append(f"uitgang fase {number}: verwacht {want}, Regie zegt {said}"
                         + (f" ({ph['reason']})" if ph else ""))
    points = {p["key"]: p for p in report["decision_points"]}
    for key, want in (expected.get("points") or {}).items():
        p = points.get(key)
        if p is None:
            wrong.append(f"besluitpunt '{key}': verwacht {want}, maar dat bestaat niet in {programme}")
        elif str(want) not in (p["status"], p["status_nl"]):
            wrong.append(f"'{p['title']}': verwacht {want}, Regie zegt {p['status_nl']} ({p['reason']})")
    if expected.get("lots"):
        lots = {x["lot"]: x for x in tender_report(session, programme, day)["lots"]}
        for key, want in expected["lots"].items():
            t = lots.get(key)
            if t is None or not t["state"].startswith(str(want)):
                wrong.append(f"perceel {t['name'] if t else key}: verwacht '{want}', Regie zegt "
                             f"{repr(t['state']) if t else 'geen perceel in de aanbesteding'}")
    if expected.get("reminders"):
        rows = [r for r in remind_all(day, dry_run=True, programmes=[programme]) if r.status == "would-send"]
        for who, want in expected["reminders"].items():
            kinds = sorted({_kind(r.step) for r in rows if r.recipient == who})
            said = " en ".join(kinds) or "geen"
            if (want == "geen" and kinds) or (want != "geen" and want not in kinds):
                points_for = sorted({r.title or r.point for r in rows if r.recipient == who})
                wrong.append(f"{who}: verwacht {want}, Regie stuurt {said}"
                             + (f" ({'; '.join(points_for)})" if points_for else ""))
    return wrong


def _words(session, programme: str) -> dict[str, str]:
    from models.facts.lookup import get_programme

    prog = get_programme(session, programme)
    return {dp.key: dp.title for dp in prog.decision_points} | {f"perceel:{x.key}": x.name for x in prog.lots}


def _summary(expected: dict, words: dict[str, str] | None = None) -> str:
    """One day's expectations as a person reads them: points by their title, lots by their name."""
    said = lambda key: (words or {}).get(key, key)  # noqa: E731
    parts = []
    if "phase" in expected:
        parts.append(f"fase {expected['phase']}")
    parts += [f"uitgang fase {n} {w}" for n, w in (expected.get("gates") or {}).items()]
    parts += [f"'{said(k)}' {w}" for k, w in (expected.get("points") or {}).items()]
    parts += [f"{said('perceel:' + str(k))}: {w}" for k, w in (expected.get("lots") or {}).items()]
    parts += [f"{k}: {w}" for k, w in (expected.get("reminders") or {}).items()]
    return "; ".join(parts)


def play(scenario: dict, on_day=None) -> None:
    """Every day of a scenario, from its first dated row to its end, on the register of this environment: what
    the daily sweep notes first (a standstill that ran out), then the day's decisions and tender steps, each
    through the path people use; then `on_day(day)` where it is given."""
    from cli.scenarios import ROOT
    from models.access.session import register_session
    from models.commands.offers import import_offers
    from models.commands.register import record_decision
    from models.commands.tender import record_step, settle_standstill

    programme = scenario["programme"]
    rows = sorted([(d["on"], 0, d) for d in scenario["decisions"]]
                  + [(d["on"], 1, d) for d in scenario["tender"]], key=lambda r: r[:2])
    by_day: dict[dt.date, list] = {}
    for day, kind, row in rows:
        by_day.setdefault(day, []).append((kind, row))
    day = min([scenario["start"], *by_day])  # decisions dated before the start are recorded first
    while day <= scenario["end"]:
        with clock.frozen(day):
            with register_session() as session:
                settle_standstill(session, programme, day)
            for kind, row in by_day.get(day, []):
                with register_session() as session:
                    _apply(session, programme, kind, row, ROOT, record_decision, import_offers, record_step)
            if on_day is not None:
                on_day(day)
        day += dt.timedelta(days=1)


def run_replay(name: str, *, out=print) -> int:
    """Replay a scenario and check its expectations: 0 when every one holds, 1 when one does not."""
    from cli.scenarios import load_scenario
    from models.access.session import register_session
    from models.facts.db import dispose_engines

    scenario = load_scenario(name)
    checks = expectations(scenario)
    if not checks:
        raise InputError(f"scenario {scenario['path']}: er staan geen verwachtingen in (expect:)")
    programme = scenario["programme"]
    saved = {k: os.environ.get(k) for k in ("REGIE_DATABASE_URL", "REGIE_RECIPIENTS_FILE", "REGIE_TODAY",
                                            "REGIE_TODAY_FILE")}
    wanted = {c["on"]: c for c in checks}
    failed = 0
    words: dict[str, str] = {}

    def check(day: dt.date) -> None:
        nonlocal failed
        if day not in wanted:
            return
        with register_session(read_only=True) as session:
            wrong = check_day(session, programme, day, wanted[day])
            if not words:
                words.update(_words(session, programme))
        out(f"{'ok  ' if not wrong else 'FOUT'} {clock.dutch_date(day)}: {_summary(wanted[day], words)}")
        for line in wrong:
            out(f"     {line}")
        failed += bool(wrong)

    with tempfile.TemporaryDirectory(prefix="regie-replay-") as folder:
        os.environ.pop("REGIE_TODAY", None)  # the replay moves its own clock, day by day
        os.environ.pop("REGIE_TODAY_FILE", None)
        os.environ["REGIE_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'register.db'}"
        os.environ["REGIE_RECIPIENTS_FILE"] = str(_recipients_file(Path(folder)))
        try:
            out(f"{programme}: {len(checks)} dagen met verwachtingen, {clock.dutch_date(scenario['start'])} t/m "
                f"{clock.dutch_date(scenario['end'])}")
            play(scenario, check)
        finally:
            dispose_engines()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    out(f"{len(checks) - failed} van {len(checks)} dagen zoals verwacht" + (f"; {failed} niet" if failed else ""))
    return 1 if failed else 0


def _apply(session, programme, kind, row, root, record_decision, import_offers, record_step) -> None:
    try:
        if kind == 0:
            record_decision(session, programme=programme, point=row["point"], body=row["body"], outcome=row["outcome"],
                            decided_on=row["on"], recorded_by=row["by"], reservation=row.get("reservation"),
                            via="scenario")
        elif "offers" in row:
            import_offers(session, programme=programme, path=root / row["offers"], recorded_by=row["by"])
        else:
            detail = {k: row[k] for k in ("outcome", "choice") if row.get(k)}
            lots = "all" if row["lot"] == "all" else str(row["lot"]).split(",")
            record_step(session, programme=programme, lots=lots, event=row["step"], on=row["on"],
                        reference=row.get("reference"), detail=detail, recorded_by=row["by"])
    except InputError as exc:
        what = row.get("point") or row.get("step") or "inschrijvingen"
        raise InputError(f"scenario op {clock.dutch_date(row['on'])}: {what} geweigerd: {exc}") from None
