"""A college's inbox: one waiting run per decision a college still owes, named after the point and
the college and tagged with both, whose form is for that college only.

The programme run opens them when it starts to wait on a point (where the inbox deployment is
served or deployed); each ends by itself: with the decision entered in its form ("Vastgelegd"), or
when the decision came in another way or is no longer needed ("Niet meer nodig"), which the
resume sweep and `regie decide` wake it to see.
"""

from __future__ import annotations

import dataclasses
import os

from prefect import flow, get_client, get_run_logger, runtime
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.states import Completed
from pydantic import ValidationError

from flows.forms import body_choices, decision_form, form_description, initial_values, waiting_for
from models.access.session import register_session
from models.commands.forms import handled_forms, refused_input
from models.commands.identity import has_people
from models.views.status import PointState, evaluate, phase_snapshot, proposed_date
from tasks.register import apply_form
from tasks.runs import (INBOX_FLOW_NAME, INBOX_PREFIX, recorded_line, fired_pause_keys, form_answer, inbox_end,
                        resume_waiting_runs)
from models.core.inputs import clip

INBOX_DEPLOYMENT = "inbox"


def college_tag(body: str) -> str:
    return "projectteam" if body == "projectteam" else f"college:{body}"  # the project team is no college


def programme_tag(programme: str) -> str:
    return f"programma:{programme}"


def open_inboxes(programme: str, point: PointState) -> list[str] | None:
    """Start an inbox run for every college the point waits for that has none yet; their names.
    None where there is no inbox deployment (a local run): there the programme run's own form is the way in."""
    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(f"{INBOX_FLOW_NAME}/{INBOX_DEPLOYMENT}")
            active = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[INBOX_FLOW_NAME])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                    any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]))),
            )
    except ObjectNotFound:
        return None
    from prefect.deployments import run_deployment

    have = {r.parameters.get("body") for r in active
            if r.parameters.get("programme") == programme and r.parameters.get("point") == point.key}
    opened = []
    for body, name in zip(waiting_for(point), body_choices(point)):
        if body in have:
            continue
        run = run_deployment(f"{INBOX_FLOW_NAME}/{INBOX_DEPLOYMENT}", timeout=0, as_subflow=False,
                             parameters={"programme": programme, "point": point.key, "body": body},
                             flow_run_name=clip(f"{point.title} - {name}", 200),
                             tags=["regie", college_tag(body), programme_tag(programme)])
        opened.append(run.name)
    return opened


def _name_by_hand(programme: str, point: str, body: str) -> None:
    """'<titel> - <college>', as open_inboxes names the inboxes it starts (the runs list is read by it)."""
    from models.facts.snapshot import body_names
    from models.rules.decisions import describe_bodies
    from tasks.register import point_title

    try:
        with register_session(read_only=True) as session:
            college = describe_bodies([body], body_names(session))
        with get_client(sync_client=True) as client:
            client.update_flow_run(runtime.flow_run.id, name=clip(f"{point_title(programme, point)} - {college}", 200))
    except Exception:  # noqa: BLE001 - a name is no reason to fail; the flow refuses bad input itself
        pass


@flow(name=INBOX_FLOW_NAME,  # the run is named by who starts it: "<titel> - <college>"
      description="Het besluit dat één college nog moet nemen: het formulier is alleen voor dat college.")
def inbox_flow(programme: str, point: str, body: str):
    logger = get_run_logger()
    run_id = str(runtime.flow_run.id)
    if " - " not in (runtime.flow_run.name or ""):  # started by hand from the UI: Prefect gave it a random name
        _name_by_hand(programme, point, body)
    while True:
        keys = fired_pause_keys(run_id)
        refusal = typed = None
        if keys:
            with register_session(read_only=True) as session:
                handled = handled_forms(session, run_id)
            result = None
            for key in keys:
                result = handled.get(key)
                if result is None:
                    answer = form_answer(run_id, key) or {}
                    result = apply_form(run_id, key, programme, point, (answer | {"body": body}) if answer else {})
            if result.result == "recorded":
                line = recorded_line(programme, result.decision_id)
                logger.info(line)
                resume_waiting_runs(programme, point, body)  # the programme run goes on
                return Completed(name="Vastgelegd", message=line)
            if result.result == "refused":
                refusal = result.message
                with register_session(read_only=True) as session:
                    typed = refused_input(session, run_id, keys[-1])
        ended = inbox_end(programme, point, body)
        if ended is not None:
            logger.info("%s: %s", ended.name, ended.message)
            return ended
        with register_session(read_only=True) as session:
            ev = evaluate(session, programme)
            phase = next(dp.phase for dp, _, _ in ev.points if dp.key == point)
            snap = phase_snapshot(session, programme, phase, ev=ev)
            attributed = has_people(session)
            state = next(p for p in snap.points if p.key == point)
            proposed = proposed_date(session, programme, state)
        mine = _for_one_college(state, body)
        names = body_choices(mine)
        form = decision_form(mine, attributed, initial_values(mine, typed, proposed), fixed_body=True,
                             required=bool(runtime.deployment.id))  # a local pause is woken with {}
        form = form.with_initial_data(description=form_description(snap, mine, names, refusal, one_body=True,
                                                                     proposed=proposed))
        key = f"{INBOX_PREFIX}{len(keys)}"
        logger.info("Wacht op het besluit van %s over %s", names[0], state.title)
        if runtime.deployment.id:
            suspend_flow_run(wait_for_input=form, key=key, timeout=None)
            return None
        try:
            pause_flow_run(wait_for_input=form, key=key,
                           timeout=int(os.environ.get("REGIE_PAUSE_SECONDS", 24 * 3600)),
                           poll_interval=int(os.environ.get("REGIE_PAUSE_POLL_SECONDS", 10)))
        except ValidationError:
            pass


def _for_one_college(state: PointState, body: str) -> PointState:
    """The point as one college sees it: only its own name, the outcomes that fit its part."""
    if body in state.missing:
        name = state.missing_names[state.missing.index(body)]
        return dataclasses.replace(state, missing=(body,), missing_names=(name,))
    index = state.reserved_bodies.index(body) if body in state.reserved_bodies else 0
    names = state.reserved_names[index:index + 1] or (body,)
    return dataclasses.replace(state, missing=(), missing_names=(), reserved_bodies=(body,), reserved_names=names)
