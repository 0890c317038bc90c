"""`regie up` end to end: real server, served deployments, a suspended run resumed through the API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from uuid import UUID

import pytest
from tests.flows.helpers import describe_runs, record_all, wait_until
from tests.receivers import free_port

pytestmark = pytest.mark.slow
REGIE = str(Path(sys.executable).parent / "regie")


class Stack:
    def __init__(self, env: dict, port: int):
        self.lines: list[str] = []
        self.proc = subprocess.Popen([REGIE, "up", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


@pytest.mark.parametrize("databases", ["sqlite", "postgresql"], indirect=True)
def test_local_stack_runs_suspends_resumes_and_stops_everything(databases, tmp_path, monkeypatch):
    register_url, prefect_db = databases
    monkeypatch.setenv("REGIE_DATABASE_URL", register_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    record_all(skip={("go-no-go", "winterswijk")})

    env = os.environ.copy()
    env.update({"PREFECT_RUNNER_POLL_FREQUENCY": "2", "PREFECT_HOME": str(tmp_path / "prefect")})
    env.pop("PREFECT_API_URL", None)
    if prefect_db:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_db
    port = free_port()
    stack = Stack(env, port)
    try:
        wait_until(lambda: "Regie draait" in stack.output() or stack.proc.poll() is not None, 600, "regie up", seen=lambda: stack.output()[-2000:])
        assert "Regie draait" in stack.output(), stack.output()
        assert "advance-phase, inbox, programme, record-decision, reminders, resume-sweep" in stack.output()
        assert "Automatisering aanwezig: Regie: hervat bij een vastgelegd besluit" in stack.output()
        info = json.loads((tmp_path / "xdg" / "regie" / "stack.json").read_text())
        api = info["api_url"]
        import stat
        import urllib.error
        import urllib.request

        page = urllib.request.urlopen(info["ui_url"], timeout=10).read().decode()
        assert "<html" in page.lower() and "prefect" in page.lower()
        auth_file = Path(info["auth_file"])
        assert stat.S_IMODE(auth_file.stat().st_mode) == 0o600
        auth = auth_file.read_text().strip()
        with pytest.raises(urllib.error.HTTPError, match="401"):  # without the password the API says no
            urllib.request.urlopen(urllib.request.Request(f"{api}/deployments/filter", data=b"{}",
                                                          headers={"Content-Type": "application/json"}), timeout=10)

        from prefect.deployments import run_deployment
        from prefect.flow_runs import resume_flow_run
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
        from prefect import get_client

        with temporary_settings({PREFECT_API_URL: api, PREFECT_API_AUTH_STRING: auth}):
            run = run_deployment("regie-programma/programme", parameters={"programme": "inkoop-2026"}, timeout=0)

            def state():
                with get_client(sync_client=True) as client:
                    return client.read_flow_run(run.id).state

            wait_until(lambda: state().name == "Suspended", 600, "the run to suspend", seen=describe_runs)
            from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

            with get_client(sync_client=True) as client:  # the colleges answer in their inboxes: no second form
                key = state().state_details.pause_key
                with pytest.raises((ObjectNotFound, PrefectHTTPStatusError)):
                    client.read_flow_run_input(run.id, f"suspended-{key}-schema")

            # bad input through the deployment's parameters: refused, nothing written
            bad = run_deployment("regie-besluit-vastleggen/record-decision", timeout=120, parameters={
                "programme": "inkoop-2026", "point": "Besluitvorming door colleges: go/no-go", "body": "het college van Winterswijk", "outcome": "Go",
                "decided_on": "2099-01-01", "recorded_by": "x"})
            assert bad.state.is_failed() and bad.state.name == "Geweigerd" and "in de toekomst" in bad.state.message
            with pytest.raises(Exception, match="outcome"):
                run_deployment("regie-besluit-vastleggen/record-decision", timeout=0, parameters={
                    "programme": "inkoop-2026", "point": "Besluitvorming door colleges: go/no-go", "body": "het college van Winterswijk",
                    "outcome": "misschien", "decided_on": "2024-11-05", "recorded_by": "x"})

            # Winterswijk's inbox: one waiting run, named and tagged for the college, its form for it alone
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

            def inbox():
                with get_client(sync_client=True) as client:
                    found = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                        tags=FlowRunFilterTags(all_=["college:winterswijk", "programma:inkoop-2026"])))
                return found[0] if len(found) == 1 and found[0].state.name == "Suspended" else None

            box = wait_until(inbox, 600, "Winterswijk's inbox run to wait", seen=describe_runs)
            assert box.name == "Besluitvorming door colleges: go/no-go - het college van Winterswijk"
            with get_client(sync_client=True) as client:
                others = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    tags=FlowRunFilterTags(all_=["college:aalten"])))
                inbox_schema = json.loads(client.read_flow_run_input(
                    box.id, f"suspended-{box.state.state_details.pause_key}-schema"))
            assert others == []  # Aalten decided already: no inbox for it
            assert "body" not in inbox_schema["properties"]  # the college is not a choice
            assert set(inbox_schema["required"]) == {"outcome", "decided_on", "recorded_by"}
            assert "default" not in inbox_schema["properties"]["outcome"]  # nobody's choice is made for them
            resume_flow_run(box.id, run_input={"outcome": "Go", "decided_on": "2099-01-01",
                                               "recorded_by": "Secretaris Winterswijk", "reference": "2024/99"})

            def refused():
                current = inbox()
                return current if current and current.state.state_details.pause_key.endswith("-1") else None

            again = wait_until(refused, 600, "the inbox to ask again after a refusal", seen=describe_runs)
            with get_client(sync_client=True) as client:
                key = again.state.state_details.pause_key
                description = client.read_flow_run_input(again.id, f"suspended-{key}-description")
                kept = json.loads(client.read_flow_run_input(again.id, f"suspended-{key}-schema"))["properties"]
            assert "Vorige invoer geweigerd" in description and "in de toekomst" in description
            assert (kept["decided_on"]["default"], kept["reference"]["default"]) == ("2099-01-01", "2024/99")
            resume_flow_run(again.id, run_input={"outcome": "Go", "decided_on": "2024-11-05",
                                                 "recorded_by": "Secretaris Winterswijk", "reference": "2024/99"})

            def inbox_final():
                with get_client(sync_client=True) as client:
                    current = client.read_flow_run(box.id).state
                return current if current.is_final() else None

            done = wait_until(inbox_final, 600, "the inbox run to end", seen=describe_runs)
            # the Event Feed tells it, and the automation Regie made reacts to it
            def decision_events():
                with get_client(sync_client=True) as client:
                    response = client.request("POST", "/events/filter", json={
                        "filter": {"event": {"name": ["regie.besluit.vastgelegd"]}}, "limit": 50})
                    # Winterswijk's go/no-go: its earlier decisions (the tariffs) may be told too, in any order,
                    # when the sweep delivers what the register still owes
                    return [e for e in response.json()["events"]
                            if any(r.get("prefect.resource.id") == "regie.college.winterswijk" for r in e["related"])
                            and e["resource"]["prefect.resource.id"] == "regie.besluitpunt.inkoop-2026.go-no-go"]

            told = wait_until(decision_events, 600, "the decision's event", seen=describe_runs)
            assert {e["payload"]["uitkomst"] for e in told} == {"go"}  # told once, or again by a retried send
            assert f"Besluit #{told[0]['payload']['besluit']} vastgelegd" in done.message
            with get_client(sync_client=True) as client:
                assert client.read_automations_by_name("Regie: hervat bij een vastgelegd besluit")
            assert done.name == "Vastgelegd" and done.message.startswith("Besluit #")
            assert "vastgelegd: het college van Winterswijk: go op dinsdag 5 november 2024" in done.message
            final = wait_until(lambda: state() if state().is_final() else None, 600, "the run to finish", seen=describe_runs)
            assert final.is_completed(), final
            # every phase run is its own phase's, after the resume too (no run reattached to another phase)
            from prefect.client.schemas.filters import FlowRunFilterParentFlowRunId

            with get_client(sync_client=True) as client:
                children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])))
                flows = {c.flow_id: client.read_flow(c.flow_id).name for c in children}
            assert children
            for child in children:
                number = child.name.rsplit(" ", 1)[-1]
                assert flows[child.flow_id].startswith(f"Fase {number} - "), (child.name, flows[child.flow_id])

        status = subprocess.run([REGIE, "status", "inkoop-2026", "--json"], env=env, capture_output=True, text=True)
        go = next(dp for dp in json.loads(status.stdout)["decision_points"] if dp["key"] == "go-no-go")
        assert go["status"] == "satisfied"
    finally:
        code = stack.stop()
    assert code == 0, stack.output()
    assert "Gestopt." in stack.output()
    wait_until(lambda: not [pid for pid in info["pids"] if alive(pid)], 120, "every process of the stack to end",
               seen=lambda: [pid for pid in info["pids"] if alive(pid)])
    assert not (tmp_path / "xdg" / "regie" / "stack.json").exists()
