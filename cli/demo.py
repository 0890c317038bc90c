"""`regie demo`: a programme replayed day by day, in accelerated time, against a local stack.

A fresh sandbox in `<data folder>/demo` (its own register, Prefect database and clock): `regie up`
runs there with a clock in a file (REGIE_TODAY_FILE) that the demo moves on one day at a time.
The scenario's decisions land on their dates through the paths people use: `regie decide`, or the
college's inbox form in the Prefect UI (`via: formulier`). Every working day the reminders go
out, to a local sink: `<data folder>/demo/berichten.jsonl`, one message per line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from cli.scenarios import COLLEGE_NAMES, COLLEGES, ROOT, load_scenario
from models.core import clock
from models.core.errors import InputError

LABELS = {"go": "Go", "no-go": "No-go", "approved": "Akkoord", "rejected": "Afgewezen", "deferred": "Aangehouden",
          "approved-with-reservation": "Akkoord met voorbehoud"}


def tender_argv(programme: str, row: dict) -> list[str]:
    """A scenario's tender step as the `regie` command a project team would type."""
    if "offers" in row:
        return ["offers", "import", programme, str(ROOT / row["offers"]), "--by", row["by"]]
    argv = ["tender", "record", programme, row["step"], "--lot", str(row["lot"]), "--on", row["on"].isoformat(),
            "--by", row["by"]]
    for key in ("reference", "outcome", "choice"):
        if row.get(key):
            argv += [f"--{key}", str(row[key])]
    return argv


def _tender(programme: str, row: dict) -> str:
    regie = _STACK["regie"]  # the `regie` command itself, handed over by its dispatcher

    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            code = regie(tender_argv(programme, row))
        finally:
            sys.stdout = stdout
    if "offers" in row:
        what = "inschrijvingen geïmporteerd"
    else:
        from models.rules.lots import EVENTS

        lots = "alle percelen" if str(row["lot"]) == "all" else f"perceel {_lot_name(programme, str(row['lot']))}"
        what = f"{EVENTS.get(row['step'], row['step'])} ({lots})"
    return f"aanbesteding: {what}" + ("" if code == 0 else f" (geweigerd, code {code})")


_NAMES: dict = {}  # per programme: its points' titles and its lots' names, read once


def _names(programme: str) -> dict:
    if programme not in _NAMES:
        from models.access.session import register_session
        from models.facts.snapshot import body_names, load_snapshot
        from models.rules.decisions import describe_bodies

        with register_session(read_only=True) as session:
            snap = load_snapshot(session, programme)
            names = body_names(session)
        _NAMES[programme] = {"points": {dp.key: dp.title for dp in snap.points},
                             "milestones": {dp.key for dp in snap.points if dp.kind == "milestone"},
                             "lots": {lot.key: lot.name for lot in snap.lots},
                             "bodies": {b: describe_bodies([b], names) for b in names}}
    return _NAMES[programme]


def _point_title(programme: str, key: str) -> str:
    return f"'{_names(programme)['points'].get(key, key)}'"


def _lot_name(programme: str, key: str) -> str:
    return _names(programme)["lots"].get(key, key)


def _decision_words(programme: str, row: dict) -> str:
    """'het college van Aalten: 'Tarieven vastgesteld door de colleges' Akkoord' (names and titles, no keys)."""
    who = _names(programme)["bodies"].get(row["body"], row["body"])
    said = LABELS.get(row["outcome"], row["outcome"])
    if row["point"] in _names(programme)["milestones"] and row["outcome"] == "approved":
        said = "bevestigd"  # a milestone is confirmed by the project team, not decided
    return f"{who}: {_point_title(programme, row['point'])} {said}"


class Sink:
    """A local webhook receiver: every message Regie sends lands as one JSON line in a file."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    message = json.loads(body or b"{}")
                except ValueError:
                    message = {"raw": body.decode(errors="replace")}
                line = {"dag": clock.today().isoformat(), "aan": self.path.strip("/"),
                        "titel": message.get("title", ""), "tekst": message.get("message", "")}
                with open(sink.path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.count += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, who: str) -> str:
        return f"json://127.0.0.1:{self.port}/{who}"


def _recipients(sink: Sink) -> dict:
    people = [{"name": "Programmabureau", "role": "programme-office", "urls": [sink.url("programmabureau")]},
              {"name": "Inkoopleider", "role": "procurement-lead", "urls": [sink.url("inkoopleider")]}]
    people += [{"name": f"Secretaris {COLLEGE_NAMES[c]}", "role": "secretary", "body": c, "urls": [sink.url(c)]}
               for c in COLLEGES]
    return {"recipients": people}


def run_demo(scenario_name: str, seconds_per_day: float, port: int, stop_at_end: bool, regie) -> int:
    """`regie`: the command's own entry point (cli.main.main), so the demo types what a person types."""
    from models.facts.db import private_data_dir

    _STACK["regie"] = regie

    scenario = load_scenario(scenario_name)
    if not 0 <= seconds_per_day <= 60:
        raise InputError("--seconds-per-day ligt tussen 0 en 60")
    home = private_data_dir() / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, mode=0o700)
    today_file = home / "vandaag.txt"
    _set_day(today_file, scenario["start"])
    sink = Sink(home / "berichten.jsonl")
    (home / "recipients.yaml").write_text(yaml.safe_dump(_recipients(sink)), encoding="utf-8")
    # From here this process is the demo's: its register, its clock, its Prefect.
    for name in ("REGIE_TODAY", "PREFECT_API_URL", "PREFECT_API_AUTH_STRING"):
        os.environ.pop(name, None)
    os.environ.update(XDG_DATA_HOME=str(home), REGIE_SANDBOX="1", REGIE_TODAY_FILE=str(today_file),
                      REGIE_RECIPIENTS_FILE=str(home / "recipients.yaml"), PREFECT_HOME=str(home / "prefect"))
    print(f"Demo {scenario['programme']} van {clock.dutch_date(scenario['start'])} tot "
          f"{clock.dutch_date(scenario['end'])}, {seconds_per_day:g} s per dag, in {home}", flush=True)
    with open(home / "up.log", "ab") as log:
        up = subprocess.Popen([sys.executable, "-m", "cli.main", "up", "--port", str(port)], cwd=ROOT,
                              env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        stack = _wait_for_stack(home, up)
        os.environ["PREFECT_API_URL"] = stack["api_url"]
        os.environ["PREFECT_API_AUTH_STRING"] = Path(stack["auth_file"]).read_text(encoding="utf-8").strip()
        print(f"Prefect UI: {stack['ui_url']} (inloggen met de inhoud van {stack['auth_file']})", flush=True)
        print(f"Berichten: tail -f {home / 'berichten.jsonl'}", flush=True)
        _STACK["up"], _STACK["log"] = up, home / "up.log"
        return _replay(scenario, today_file, sink, seconds_per_day, stop_at_end)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGTERM)
            try:
                up.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
        sink.server.shutdown()


def _wait_for_stack(home: Path, up: subprocess.Popen) -> dict:
    stack_json = home / "regie" / "stack.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if up.poll() is not None:
            raise InputError(f"regie up stopte (code {up.returncode}); zie {home / 'up.log'}")
        if stack_json.exists():
            return json.loads(stack_json.read_text(encoding="utf-8"))
        time.sleep(0.5)
    raise InputError(f"regie up kwam niet binnen 5 minuten op; zie {home / 'up.log'}")


def _set_day(today_file: Path, day) -> None:
    """Move the demo's clock: the new date written beside the file and put in its place at once, so a process
    that reads the clock meanwhile sees the old day or the new one, never an empty file."""
    fresh = today_file.with_suffix(".nieuw")
    fresh.write_text(day.isoformat(), encoding="utf-8")
    os.replace(fresh, today_file)


def _replay(scenario: dict, today_file: Path, sink: Sink, seconds_per_day: float, stop_at_end: bool) -> int:
    from prefect.deployments import run_deployment

    regie = _STACK["regie"]  # the `regie` command itself, handed over by its dispatcher

    programme = scenario["programme"]
    day, end = scenario["start"], scenario["end"]
    pending = sorted(scenario["decisions"], key=lambda d: d["on"])
    for row in [d for d in pending if d["on"] < day]:  # what was decided before the demo starts
        print(f"Vóór de start: {_decide(programme, row, None)}", flush=True)
    pending = [d for d in pending if d["on"] >= day]
    steps = sorted(scenario.get("tender", []), key=lambda d: d["on"])
    for row in [d for d in steps if d["on"] < day]:
        _tender(programme, row)
    steps = [d for d in steps if d["on"] >= day]
    run = run_deployment("regie-programma/programme", parameters={"programme": programme}, timeout=0,
                         flow_run_name=programme)  # as the run names itself when it starts: no random name meanwhile
    print(f"Programmarun gestart: {run.name}", flush=True)
    _settle(run.id)  # it has judged the phases and opened the inboxes before the first day
    stopping = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stopping.update(now=True))
    while day <= end and not stopping["now"]:
        _set_day(today_file, day)
        told = []
        for row in [d for d in pending if d["on"] == day]:
            told.append(_decide(programme, row, run.id))
        for row in [d for d in steps if d["on"] == day]:  # after the day's decisions (an award, then its lots)
            told.append(_tender(programme, row))
        if clock.is_working_day(day):
            before = sink.count
            with open(os.devnull, "w") as quiet:
                stdout, sys.stdout = sys.stdout, quiet
                try:
                    regie(["remind", "--programme", programme])
                finally:
                    sys.stdout = stdout
            if sink.count > before:
                told.append(f"{sink.count - before} bericht(en) verstuurd")
        if told:
            print(f"{clock.dutch_date(day)}: " + "; ".join(told), flush=True)
        time.sleep(seconds_per_day)
        day += dt.timedelta(days=1)
    _settle(run.id)
    print(f"Demo klaar op {clock.dutch_date(min(day, end))}: {sink.count} berichten in de map demo.", flush=True)
    _print_state(run.id)
    if stop_at_end or stopping["now"]:
        return 0
    print("De stack blijft draaien voor de UI; stoppen met Ctrl-C.", flush=True)
    signal.signal(signal.SIGINT, lambda *_: stopping.update(now=True))
    stopping["now"] = False
    while not stopping["now"]:
        time.sleep(0.5)
    return 0


def _decide(programme: str, row: dict, run_id) -> str:
    """One decision of the scenario, through the inbox form or `regie decide`; a line saying what
    happened. A decision meant for the form that cannot go through it says why it took `regie decide`."""
    college = row["body"]
    why = None
    if row["via"] == "formulier":
        why = _through_inbox(programme, row, run_id)
        if why is None:
            return f"{_decision_words(programme, row)} (via het formulier)"
    regie = _STACK["regie"]  # the `regie` command itself, handed over by its dispatcher

    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            code = regie(["decide", programme, row["point"], "--body", college, "--outcome", row["outcome"],
                          "--on", row["on"].isoformat(), "--by", row["by"]]
                         + (["--reservation", row["reservation"]] if row.get("reservation") else []))
        finally:
            sys.stdout = stdout
    via = f" (met regie decide in plaats van het formulier: {why})" if why else ""
    return f"{_decision_words(programme, row)}{via}" + ("" if code == 0 else f" (geweigerd, code {code})")


_STACK: dict = {}  # the `regie up` process of this demo and its log: every wait lasts as long as it lives


def _stack_alive() -> None:
    up = _STACK.get("up")
    if up is not None and up.poll() is not None:
        raise InputError(f"regie up stopte (code {up.returncode}) tijdens de demo; zie {_STACK['log']}")


def _through_inbox(programme: str, row: dict, run_id) -> str | None:
    """Fill in the college's inbox form, as its secretary would: None when it went through the form,
    else why it could not (then the caller records it with `regie decide` and says so).

    The inbox is waited for as long as the stack lives and the programme run is still on its way to
    it (starting, running, resuming, or waiting on this very point); a busy machine only makes the
    wait longer. Only a run that waits elsewhere or has ended means no inbox will come."""
    from tasks.runs import resume, waiting_runs

    if run_id is None:
        return "de programmarun is nog niet gestart"
    seen_before = None
    while True:
        _stack_alive()
        runs = [r for r in waiting_runs(programme, row["point"], row["body"]) if r.body == row["body"]]
        if runs:
            form = {"outcome": LABELS[row["outcome"]], "decided_on": row["on"].isoformat(), "recorded_by": row["by"],
                    "reference": f"B&W {COLLEGE_NAMES.get(row['body'], row['body'])} {row['on'].strftime('%d-%m-%Y')}"}
            if row.get("reservation"):
                form["reservation"] = row["reservation"]
            from tasks.runs import fired_pause_keys

            asked = len(fired_pause_keys(runs[0].id))
            if resume(runs[0], form):
                return _until_recorded(programme, row, runs[0], asked)
            continue  # woken a moment ago by something else: look again
        elsewhere = _no_inbox_coming(programme, row, run_id)
        if elsewhere and elsewhere == seen_before:  # seen twice in a row: not an inbox between two states
            return elsewhere
        seen_before = elsewhere
        time.sleep(0.5)


def _no_inbox_coming(programme: str, row: dict, run_id) -> str | None:
    """Why no inbox for this decision will come (the run waits on another point, or has ended); None
    while one may still come (the run or an inbox of this college is still starting or running)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState
    from prefect.client.schemas.filters import FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    from tasks.runs import INBOX_FLOW_NAME, point_of

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
        starting = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[INBOX_FLOW_NAME])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]))))
    if any(r.parameters.get("programme") == programme and r.parameters.get("point") == row["point"]
           and r.parameters.get("body") == row["body"] for r in starting):
        return None  # its inbox is on its way
    if state is None or state.type in (StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING):
        return None  # the programme run is still judging: it may open the inbox
    if state.is_final():
        return f"de programmarun is geëindigd ({state.name})"
    from models.access.session import register_session
    from models.views.status import evaluate

    from tasks.runs import owes

    with register_session(read_only=True) as session:
        ev = evaluate(session, programme)
    titles = {dp.key: f"'{dp.title}'" for dp, _, _ in ev.points}
    college = "het college van " + ev.names.get(row["body"], row["body"])
    waits_on = point_of(state.state_details.pause_key or "")
    if waits_on != row["point"]:
        return (f"de programmarun wacht op {titles.get(waits_on, waits_on)}, niet op "
                f"{titles.get(row['point'], row['point'])}: er is geen inbox voor dit besluit")
    verdict = ev.verdict(row["point"])
    if not owes(verdict, row["body"]):
        return f"{college} is over {titles[row['point']]} niets meer verschuldigd ({verdict.reason})"
    return f"er staat geen inbox open voor {college} bij {titles[row['point']]}"


def _until_recorded(programme: str, row: dict, inbox, asked: int) -> str | None:
    """Wait until the form's decision is in the register (None), or the inbox ended or asks again
    (why: a refused form is then entered with `regie decide`, whose refusal the demo prints)."""
    from uuid import UUID

    from prefect import get_client

    from models.access.session import register_session
    from models.views.status import decision_history
    from tasks.runs import fired_pause_keys

    while True:
        _stack_alive()
        with register_session(read_only=True) as session:
            rows = decision_history(session, programme, row["point"])
        if any(r["body"] == row["body"] and r["decided_on"] == row["on"].isoformat() for r in rows):
            return None
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(inbox.id)).state
        if state is not None and state.is_final():
            return f"de inbox eindigde als {state.name}: {state.message}"
        if state is not None and state.is_paused() and len(fired_pause_keys(inbox.id)) > asked:
            return "het formulier werd geweigerd"
        time.sleep(0.5)


def _settle(run_id) -> None:
    """Wait until the programme run waits or has ended (it is not starting, running or resuming), for as
    long as the stack lives: a busy machine makes the wait longer, not shorter."""
    from prefect import get_client

    while True:
        _stack_alive()
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(run_id).state
        if state is not None and (state.is_final() or state.name in ("Suspended", "Paused")):
            return
        time.sleep(0.5)


def _print_state(run_id) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    state = run.state.name if run.state else "?"
    words = {"Suspended": "wacht (opgeschort tot het volgende besluit)", "Paused": "wacht", "Completed": "afgerond",
             "Failed": "mislukt", "Crashed": "gecrasht", "Cancelled": "geannuleerd", "Running": "loopt"}
    print(f"Programmarun '{run.name}': {words.get(state, state)}", flush=True)
