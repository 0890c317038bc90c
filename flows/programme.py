"""The programme: phases 0-5 in order, each gate waiting for people where the register says so."""

from __future__ import annotations

import os

from prefect import flow, get_run_logger, runtime
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.states import Completed, Failed
from pydantic import Field, ValidationError
from typing import Annotated

from prefect import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import MissingResult

from flows.forms import decision_form, form_description, initial_values
from flows.inbox import open_inboxes
from flows.phases import PHASE_FLOWS, PHASE_NAMES
from models.core import clock
from models.access.session import register_session
from models.core.errors import InputError
from models.commands.forms import handled_forms, refused_input
from models.commands.identity import has_people
from models.facts.lookup import get_programme
from models.views.status import PhaseSnapshot, phase_snapshot, proposed_date
from tasks.artifacts import publish_artifacts
from tasks.register import apply_form
from tasks.runs import PROGRAMME_FLOW_NAME, fired_pause_keys, form_answer, pause_key, point_of
from models.core.inputs import clip

DEFAULT_PAUSE_SECONDS = 24 * 3600


def apply_answered_forms(programme: str) -> tuple[str | None, dict | None]:
    """Handle the forms answered on this run that the register has not handled yet.

    Returns the refusal of the latest form (if it was refused) and what was typed in it, so the
    next form says what was wrong and keeps the values. A form handled before is not handled (or
    logged) again: a resumed run replays nothing.
    """
    run_id = str(runtime.flow_run.id)
    keys = fired_pause_keys(run_id)
    if not keys:
        return None, None
    with register_session(read_only=True) as session:
        handled = handled_forms(session, run_id)
    latest = None
    for key in keys:
        latest = handled.get(key)
        if latest is None:
            latest = apply_form(run_id, key, programme, point_of(key), form_answer(run_id, key) or {})
    if latest is None or latest.result != "refused":
        return None, None
    with register_session(read_only=True) as session:
        return latest.message, refused_input(session, run_id, keys[-1])


def waiting_line(snap: PhaseSnapshot) -> str:
    """'wacht op Besluitvorming door colleges: go/no-go: Montferland, Winterswijk (uiterlijk di 5-11-2024)'."""
    point = snap.blocking
    names = point.missing_names if point.missing else point.reserved_names
    who = ", ".join(n.removeprefix("het college van ") for n in names) or point.who
    late = ", te laat" if point.status == "overdue" else ""  # the runs list shows a late programme at a glance
    return f"wacht op {point.title}: {who} (uiterlijk {clock.short_dutch_date(point.due)}{late})"


def rename_run(name: str) -> None:
    """The run's name in the runs list says where the programme stands (Prefect has no other field for it)."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(runtime.flow_run.id, name=clip(name, 200))


def unchanged(programme: str, snap: PhaseSnapshot) -> bool:
    """Read the register once more right before waiting: a decision that landed meanwhile is seen."""
    with register_session(read_only=True) as session:
        fresh = phase_snapshot(session, programme, snap.number)
    return fresh == snap


def wait_for_decision(snap: PhaseSnapshot, refusal: str | None, typed: dict | None) -> None:
    """Suspend (deployed runs: no process is kept) or pause (a local run) until someone resumes."""
    point = snap.blocking
    names = point.missing_names if point.missing else point.reserved_names
    with register_session(read_only=True) as session:
        attributed = has_people(session)
        proposed = proposed_date(session, snap.programme, point)
    form = decision_form(point, attributed, initial_values(point, typed, proposed)).with_initial_data(
        description=form_description(snap, point, names, refusal, proposed=proposed))
    key = pause_key(point.key, len(fired_pause_keys(str(runtime.flow_run.id))))
    line = waiting_line(snap)
    get_run_logger().info("%s: %s", line[:1].upper() + line[1:], point.reason)
    rename_run(f"{snap.programme} · {line}")
    opened = open_inboxes(snap.programme, point)  # one waiting run per college, for its secretary
    for name in opened or []:
        get_run_logger().info("Inbox geopend: %s", name)
    if opened is not None:  # the colleges answer in their inboxes: this run only waits, without a form
        get_run_logger().info("De besluiten komen binnen via de inbox van elk college (label college:<naam>)")
        form = None
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


def programme_refusal(programme: str) -> str | None:
    """An unknown programme, or one that already has an active run: said in one line, nothing done."""
    with register_session(read_only=True) as session:
        try:
            get_programme(session, programme)
        except InputError as exc:
            return str(exc)
    me = runtime.flow_run.id
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[PROGRAMME_FLOW_NAME])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.RUNNING, StateType.PAUSED]))),
        )
        mine = next((r for r in runs if str(r.id) == str(me)), None)
    others = [r for r in runs if str(r.id) != str(me) and r.parameters.get("programme") == programme]
    created = mine.created if mine is not None else None
    first = sorted(others, key=lambda r: r.created)
    if first and (created is None or first[0].created <= created):
        return f"{programme} loopt al in run '{first[0].name}'; deze tweede start doet niets"
    return None


@flow(
    name=PROGRAMME_FLOW_NAME,
    flow_run_name="{programme}",
    description="Een inkoopprogramma van het Sociaal Domein Achterhoek: fase 0 tot en met 5, "
    "met poorten die pas opengaan op vastgelegde besluiten.",
)
def programme_flow(programme: Annotated[str, Field(title="Programma", description="bijv. inkoop-2026")]):
    """Run the phases in order; wait where a gate is shut; stop on a no-go or a rejection.

    A resumed run does not run the phases it finished before again: it logs one line for each.
    """
    logger = get_run_logger()
    refused = programme_refusal(programme)
    if refused is not None:
        logger.warning("Niet gestart: %s", refused)
        return Failed(name="Geweigerd", message=refused)
    with get_client(sync_client=True) as client:  # filter the runs list by programme: its run and its inboxes
        client.update_flow_run(runtime.flow_run.id,
                               tags=sorted(set(runtime.flow_run.tags or []) | {f"programma:{programme}"}))
    refusal, typed = apply_answered_forms(programme)
    resumed_in = resumed_phase(programme)
    for number, phase_flow in PHASE_FLOWS.items():
        snap = None
        while True:
            if resumed_in is not None and number < resumed_in and exit_still_open(programme, number):
                logger.info("Fase %s - %s: afgerond (uitgang open)", number, PHASE_NAMES[number])
                break
            if snap is None or not unchanged(programme, snap):  # the phase's work runs once per change
                snap = run_phase(phase_flow, programme, number)
            if snap.exit_open or snap.blocking is None:
                # a phase without decision points (implementation) is a period: the run does not wait on
                # the clock; nor on a phase whose exit no point holds (nobody owes anything in it)
                break
            publish_artifacts(programme)  # the overview as the run leaves it: before it waits or stops
            if snap.stopped:
                message = f"Programma gestopt in fase {number} bij {snap.blocking.title}: {snap.blocking.reason}"
                logger.error(message)
                rename_run(f"{programme} · gestopt in fase {number}")
                return Failed(name="Gestopt", message=message)
            if not unchanged(programme, snap):
                logger.info("Het register veranderde terwijl de fase werd beoordeeld: opnieuw beoordelen")
                resumed_in, snap = None, None
                continue
            wait_for_decision(snap, refusal, typed)
            refusal, typed = apply_answered_forms(programme)
            resumed_in = None  # a local pause goes on here: the phases before were done in this process
    publish_artifacts(programme)
    close_periods(programme)
    logger.info("Alle fasen van %s afgerond", programme)
    rename_run(f"{programme} · alle fasen afgerond")
    return Completed(name="Afgerond", message=f"Alle fasen van {programme} afgerond")


def close_periods(programme: str) -> None:
    """A period (implementation) runs beside the programme, which goes on without waiting on the clock: its
    phase run ended 'Loopt tot ...'. When the programme ends and that period's exit is open, its badge says
    'Afgerond' too, so the finished programme shows no phase still running."""
    from prefect.client.schemas.filters import FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[runtime.flow_run.id])), limit=200)
        for run in runs:
            number = run.name.rsplit(" ", 1)[-1]
            if run.state is None or run.state.name != "Loopt" or not number.isdigit():
                continue
            if exit_still_open(programme, int(number)):
                said = (run.state.message or f"Fase {number}").replace(" loopt tot ", " liep tot en met ")
                client.set_flow_run_state(run.id, Completed(name="Afgerond", message=clip(f"{said}; uitgang open", 500)),
                                          force=True)


def run_phase(phase_flow, programme: str, number: int) -> PhaseSnapshot:
    """Run one phase's flow and take its judgement. When Prefect hands back its end state from the
    API without the result (a busy server, a repeated state proposal), the register is read again."""
    state = phase_flow(programme, return_state=True)
    details = getattr(state, "state_details", None)
    if details is not None and details.flow_run_id is not None and runtime.flow_run.id:
        superseded(f"{programme} fase {number}", details.flow_run_id)
    try:  # a waiting (Cancelled) or stopped (Failed) phase run carries its judgement too
        snap = state.result(raise_on_failure=False)
    except MissingResult:
        snap = None
    if not isinstance(snap, PhaseSnapshot):  # no result, or the run's own exception: read the register
        with register_session(read_only=True) as session:
            return phase_snapshot(session, programme, number)
    return snap


SUPERSEDED = "Opnieuw beoordeeld"
STALE = ("Wacht op besluit", "Nog niet begonnen", "Loopt")  # what a later judgement of the phase replaces


def superseded(name: str, newest) -> None:
    """An earlier run of this phase that ended waiting ('Wacht op besluit'), not begun or with its period still
    running was judged again by `newest`: its badge says so, so that one phase never shows a stale state beside
    its newer judgement. (A re-judgement in
    the same process makes a new phase run; after a resume Prefect may rerun the first one instead, which
    leaves the newer one behind: which is the newest is what just ran, not the creation order.)"""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterParentFlowRunId
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[runtime.flow_run.id]),
            name=FlowRunFilterName(any_=[name])), limit=200)
        for run in runs:  # not final judgements: waiting, not begun yet, a period still running
            if run.id != newest and run.state is not None and run.state.name in STALE:
                message = clip(f"{run.state.message or ''}; daarna opnieuw beoordeeld: de andere run van deze fase "
                               "geeft de stand", 500)
                client.set_flow_run_state(run.id, Cancelled(name=SUPERSEDED, message=message), force=True)


def resumed_phase(programme: str) -> int | None:
    """The phase this run waited in before (a resumed, suspended run starts again at the top)."""
    keys = fired_pause_keys(str(runtime.flow_run.id))
    if not keys:
        return None
    with register_session(read_only=True) as session:
        prog = get_programme(session, programme)
        point = next((dp for dp in prog.decision_points if dp.key == point_of(keys[-1])), None)
        return point.phase if point is not None else None


def exit_still_open(programme: str, number: int) -> bool:
    with register_session(read_only=True) as session:
        return phase_snapshot(session, programme, number).exit_open
