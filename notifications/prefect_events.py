"""What happens in a programme, as Prefect events: the Event Feed tells the programme's story, and a
programme office can build Automations on them (Regie makes one: a recorded decision runs the
resume sweep, see deployments/automations.py).

Events are emitted only where a Prefect API is known (inside a flow run, or PREFECT_API_URL set),
never by starting a server of their own. Each event has an id derived from what it tells, so an
event told twice (a retry, a re-run) is stored once.
"""

from __future__ import annotations

import os
import sys
import uuid

NAMESPACE = uuid.UUID("6f6e8c1e-52a7-4f6e-9d1a-7265676965ee")

DECISION_RECORDED = "regie.besluit.vastgelegd"
GATE_OPENED = "regie.poort.open"
PROGRAMME_STOPPED = "regie.programma.gestopt"
MANUAL_TRANSITION = "regie.overgang.handmatig"
REMINDER_SENT = "regie.herinnering.verzonden"


def _programme(programme: str, role: str | None = None) -> dict:
    out = {"prefect.resource.id": f"regie.programma.{programme}", "prefect.resource.name": programme}
    if role:
        out["prefect.resource.role"] = role
    return out


def _known_api() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect" not in sys.modules:  # a plain CLI process without a server: nothing to tell it to
        return False
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value()) or FlowRunContext.get() is not None or TaskRunContext.get() is not None


def emit(event: str, programme: str, key: str, *, point: str | None = None, title: str | None = None,
         body: str | None = None, body_name: str | None = None, payload: dict | None = None) -> bool:
    """Emit one event (best effort: a message to the feed must never undo what was recorded)."""
    if not _known_api():
        return False
    try:
        from prefect.events import emit_event

        related = []
        if point is not None:
            resource = {"prefect.resource.id": f"regie.besluitpunt.{programme}.{point}",
                        "prefect.resource.name": title or point}
            related.append(_programme(programme, "programma"))
        else:
            resource = _programme(programme)
        if body is not None:
            related.append({"prefect.resource.id": f"regie.college.{body}", "prefect.resource.role": "college",
                            "prefect.resource.name": body_name or body})
        sent = emit_event(event=event, resource=resource, related=related, payload=payload or {},
                          id=uuid.uuid5(NAMESPACE, f"{event}|{programme}|{key}"))
        return sent is not None
    except Exception:  # noqa: BLE001 - the register stands; the feed misses one line
        return False


def flush() -> None:
    """A short-lived process (the CLI) sends what it emitted before it ends."""
    if "prefect" not in sys.modules:
        return
    try:
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=5)
    except Exception:  # noqa: BLE001
        pass
