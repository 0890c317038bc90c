"""More than one machine: a Prefect server on PostgreSQL, prefect.yaml deployed to a work pool, a worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from tests.flows.helpers import describe_runs, record_all, wait_until
from tests.receivers import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def start(args, env, log):
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_prefect_yaml_deploys_to_a_work_pool_and_a_worker_runs_suspends_and_resumes(databases, tmp_path, monkeypatch):
    register_url, prefect_db = databases
    monkeypatch.setenv("REGIE_DATABASE_URL", register_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    record_all(skip={("go-no-go", "aalten")})
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = os.environ.copy()
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api,
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2", "REGIE_HOME": str(ROOT),
    })
    server = start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env,
                   tmp_path / "server.log")
    worker = None
    try:
        import urllib.request

        def healthy():
            try:
                return urllib.request.urlopen(f"{api}/health", timeout=2).read() == b"true"
            except OSError:
                return False

        wait_until(healthy, 600, "the server")
        prefect = [str(BIN / "prefect"), "--no-prompt"]
        subprocess.run([*prefect, "work-pool", "create", "regie", "--type", "process"], env=env, check=True,
                       capture_output=True, timeout=120)
        deployed = subprocess.run([*prefect, "deploy", "--all"], env=env, cwd=ROOT, capture_output=True, text=True,
                                  timeout=300)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        automation = subprocess.run([str(BIN / "python"), "-m", "deployments.automations"], env=env, cwd=ROOT,
                                    capture_output=True, text=True, timeout=120)
        assert automation.stdout.strip() == "Automatisering aanwezig: Regie: hervat bij een vastgelegd besluit", (
            automation.stdout + automation.stderr)
        worker = start([str(BIN / "prefect"), "worker", "start", "--pool", "regie"], env, tmp_path / "worker.log")

        from prefect import get_client
        from prefect.deployments import run_deployment
        from prefect.flow_runs import resume_flow_run
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api}):
            with get_client(sync_client=True) as client:
                names = sorted(d.name for d in client.read_deployments())
            assert names == ["advance-phase", "inbox", "programme", "record-decision", "reminders", "resume-sweep"]
            run = run_deployment("regie-programma/programme", parameters={"programme": "inkoop-2026"}, timeout=0)

            def state():
                with get_client(sync_client=True) as client:
                    return client.read_flow_run(run.id).state

            wait_until(lambda: state().name == "Suspended", 600, "the run to suspend", seen=describe_runs)
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

            def inbox():  # Aalten's inbox, started by the programme run through the work pool
                with get_client(sync_client=True) as client:
                    found = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                        tags=FlowRunFilterTags(all_=["college:aalten"])))
                return found[0] if found and found[0].state.name == "Suspended" else None

            box = wait_until(inbox, 600, "Aalten's inbox to wait", seen=describe_runs)
            with get_client(sync_client=True) as client:
                schema = json.loads(client.read_flow_run_input(
                    box.id, f"suspended-{box.state.state_details.pause_key}-schema"))
            assert set(schema["required"]) == {"outcome", "decided_on", "recorded_by"}  # marked so in the UI
            resume_flow_run(box.id, run_input={"outcome": "Go", "decided_on": "2024-11-05", "recorded_by": "Secretaris"})
            final = wait_until(lambda: state() if state().is_final() else None, 600, "the run to finish", seen=describe_runs)
            assert final.is_completed(), (final, (tmp_path / "worker.log").read_text(errors="replace")[-3000:])
    finally:
        if worker:
            stop(worker)
        stop(server)
