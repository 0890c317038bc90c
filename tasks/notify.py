"""Tasks that announce transitions; the ledger makes each message go out once."""

from __future__ import annotations

from prefect import task

from models.views.status import PhaseSnapshot
from notifications import events, prefect_events
from tasks.register import log_sends


@task(name="fase aankondigen", task_run_name="fase {snap.number} aankondigen")
def announce_phase_started(snap: PhaseSnapshot) -> int:
    """Tell that a phase started, from the phase as the run just judged it (no second evaluation)."""
    outcomes = events.phase_started(snap)
    log_sends(outcomes)
    return sum(o.status == "sent" for o in outcomes)


@task(name="uitkomst fase melden", task_run_name="uitkomst fase {snap.number} melden")
def announce_phase_result(snap: PhaseSnapshot) -> str:
    event, outcomes = events.phase_result(snap)
    log_sends(outcomes)
    if event == "gate_opened":
        prefect_events.emit(prefect_events.GATE_OPENED, snap.programme, f"fase-{snap.number}",
                            payload={"fase": snap.number, "naam": snap.name})
    elif event == "programme_stopped":
        point = snap.blocking
        prefect_events.emit(prefect_events.PROGRAMME_STOPPED, snap.programme, f"gestopt-{point.key}-{point.reason}",
                            point=point.key, title=point.title, payload={"fase": snap.number, "reden": point.reason})
    return event
