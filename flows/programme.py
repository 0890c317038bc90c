"""The programme: phases 0-5 in order, each gate waiting for people where the register says so."""

from __future__ import annotations

import os

from prefect import flow, get_run_logger, runtime
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.states import Completed, Failed
from pydantic import ValidationError

from flows.forms import decision_form, form_description, waiting_for
from flows.phases import PHASE_FLOWS
from models.status import PhaseSnapshot
from models.db import register_session
from models.identity import has_people
from tasks.artifacts import publish_artifacts
from tasks.register import apply_form
from tasks.runs import PROGRAMME_FLOW_NAME, fired_pause_keys, form_answer, pause_key, point_of

DEFAULT_PAUSE_SECONDS = 24 * 3600


def apply_answered_forms(programme: str) -> str | None:
    """Handle every form answered on this run that was not handled yet; return the last refusal."""
    run_id = str(runtime.flow_run.id)
    refusal = None
    for key in fired_pause_keys(run_id):
        answer = form_answer(run_id, key)
        result = apply_form(run_id, key, programme, point_of(key), answer or {})
        refusal = result.message if result.result == "refused" else None
    return refusal


def wait_for_decision(snap: PhaseSnapshot, refusal: str | None) -> None:
    """Suspend (deployed runs: no process is kept) or pause (a local run) until someone resumes."""
    point = snap.blocking
    bodies = waiting_for(point)
    names = point.missing_names if point.missing else bodies
    with register_session(read_only=True) as session:
        attributed = has_people(session)
    form = decision_form(point, attributed).with_initial_data(description=form_description(snap, point, names, refusal))
    key = pause_key(point.key, len(fired_pause_keys(str(runtime.flow_run.id))))
    get_run_logger().info("Wacht op %s: %s", point.key, point.reason)
    if runtime.deployment.id:
        suspend_flow_run(wait_for_input=form, key=key, timeout=None)
        return
    try:
        pause_flow_run(
            wait_for_input=form,
            key=key,
            timeout=int(os.environ.get("REGIE_PAUSE_SECONDS", DEFAULT_PAUSE_SECONDS)),
            poll_interval=int(os.environ.get("REGIE_PAUSE_POLL_SECONDS", 10)),
        )
    except ValidationError:
        pass  # the answer is read and checked from the API by apply_answered_forms, with a clear message


@flow(
    name=PROGRAMME_FLOW_NAME,
    flow_run_name="{programme}",
    description="Een inkoopprogramma van het Sociaal Domein Achterhoek: fase 0 tot en met 5, "
    "met poorten die pas opengaan op vastgelegde besluiten.",
)
def programme_flow(programme: str):
    """Run the phases in order; wait where a gate is shut; stop on a no-go or a rejection."""
    logger = get_run_logger()
    refusal = apply_answered_forms(programme)
    for number, phase_flow in PHASE_FLOWS.items():
        while True:
            snap = phase_flow(programme)
            if snap.exit_open or not snap.points:
                break  # a phase without decision points (implementation) is a period: the run does not wait on the clock
            publish_artifacts(programme)  # the overview as the run leaves it: before it waits or stops
            if snap.stopped:
                message = f"Programma gestopt in fase {number} bij {snap.blocking.key}: {snap.blocking.reason}"
                logger.error(message)
                return Failed(name="Gestopt", message=message)
            wait_for_decision(snap, refusal)
            refusal = apply_answered_forms(programme)
    publish_artifacts(programme)
    logger.info("Alle fasen van %s afgerond", programme)
    return Completed(message=f"Alle fasen van {programme} afgerond")
