"""Building a register for flow tests through the project's own model functions."""

from __future__ import annotations

import threading
import time

from models.db import register_session
from models.register import get_programme, record_decision
from models.status import predecessors, status_report

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


def wait_until(predicate, timeout: float = 90, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")

