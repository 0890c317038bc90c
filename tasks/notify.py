"""Tasks that announce transitions; the ledger makes each message go out once."""

from __future__ import annotations

from prefect import task

from models.db import register_session
from models.status import phase_snapshot
from notifications import events
from tasks.register import log_sends


@task(name="fase aankondigen", task_run_name="fase {number} aankondigen")
def announce_phase_started(programme: str, number: int) -> int:
    with register_session() as session:
        outcomes = events.phase_started(session, phase_snapshot(session, programme, number))
    log_sends(outcomes)
    return sum(o.status == "sent" for o in outcomes)


@task(name="uitkomst fase melden", task_run_name="uitkomst fase {number} melden")
def announce_phase_result(programme: str, number: int) -> str:
    with register_session() as session:
        event, outcomes = events.phase_result(session, phase_snapshot(session, programme, number))
    log_sends(outcomes)
    return event
