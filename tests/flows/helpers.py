"""Building a register for flow tests through the project's own model functions."""

from __future__ import annotations

import threading
import time

from models.access.session import register_session
from models.facts.lookup import get_programme
from models.commands.register import record_decision
from models.rules.evaluation import predecessors
from models.views.status import status_report

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]
POSITIVE = {"go-no-go": "go", "milestone": "approved", "approval": "approved", "award": "approved", "replan": "approved"}


def record_all(programme: str = "inkoop-2026", skip: set[tuple[str, str]] = frozenset(), override=None) -> None:
    """Record a positive decision of every required body, except the (point, body) pairs in `skip`."""
    override = override or {}
    with register_session() as session:
        report = status_report(session, programme)
        negative = {k for (k, _), v in override.items() if v in ("no-go", "rejected", "deferred")}
        before = predecessors(get_programme(session, programme))
        blocked: set[str] = set()
        for dp in report["decision_points"]:  # plan order: a point waits on earlier ones
            if any(p in negative or p in blocked for p in before.get(dp["key"], [])):
                blocked.add(dp["key"])
        for dp in report["decision_points"]:
            if dp["track"] == "contract":
                continue  # the contracts' options and evaluation come years after the programme
            for body in dp["required_bodies"]:
                if (dp["key"], body) in skip:
                    continue
                if dp["key"] in blocked:
                    continue  # a point held by an earlier no-go or deferral takes no decision
                record_decision(session, programme=programme, point=dp["key"], body=body,
                                outcome=override.get((dp["key"], body), POSITIVE[dp["kind"]]),
                                decided_on=dp["due"] if dp["due"] <= "2026-11-01" else "2026-01-01",
                                recorded_by="testsecretaris", reference=f"{body}/{dp['key']}")


def in_thread(fn, *args):
    box: dict = {}

    def target():
        try:
            box["result"] = fn(*args, return_state=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def wait_until(predicate, timeout: float = 600, what: str = "condition", seen=None):
    """Wait for what a person would look for; the limit is a ceiling for a loaded machine, not a pace.
    On a timeout the message says what was seen instead (`seen()`: a run's state, its last log lines)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    detail = ""
    if seen is not None:
        try:
            detail = f"; seen instead: {seen()}"
        except Exception as exc:  # noqa: BLE001 - the timeout is the failure; its description is best effort
            detail = f"; could not describe what was seen ({type(exc).__name__}: {exc})"
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{detail}")


def describe_runs(flow_name: str | None = None, logs: int = 8) -> str:
    """The runs on the current Prefect API with their states, and the last log lines of those not done."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, LogFilter

    lines = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])) if flow_name
                                     else None, limit=50)
        for run in runs:
            state = run.state
            lines.append(f"{run.name!r}: {state.type.value if state else '-'}/{state.name if state else '-'}"
                         f" ({(state.message or '')[:160] if state else ''})")
            if state is not None and not state.is_final():
                found = client.read_logs(log_filter=LogFilter(flow_run_id={"any_": [run.id]}), limit=200)
                lines += [f"    {log.message[:200]}" for log in found[-logs:]]
    return "\n".join(lines)
