"""Finding and resuming runs that wait for a decision, and reading the forms people filled in."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from uuid import UUID

from prefect import get_client, task
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.flow_runs import resume_flow_run
from models.core import clock
from models.core.inputs import clip

PROGRAMME_FLOW_NAME = "regie-programma"
INBOX_FLOW_NAME = "regie-inbox"  # one waiting run per college and decision it owes
PAUSE_PREFIX = "regie-"


def pause_key(point: str, attempt: int) -> str:
    return f"{PAUSE_PREFIX}{point}-{attempt}"


def point_of(key: str) -> str:
    """'regie-go-no-go-3' -> 'go-no-go'."""
    return key.removeprefix(PAUSE_PREFIX).rsplit("-", 1)[0]


@dataclass(frozen=True)
class WaitingRun:
    id: str
    name: str
    programme: str
    point: str
    body: str | None = None  # an inbox run: the college whose decision it waits for


def waiting_runs(programme: str | None = None, point: str | None = None, body: str | None = None,
                 inboxes: bool = True) -> list[WaitingRun]:
    """Programme runs paused or suspended on a decision point, and the inbox runs waiting for a
    college's decision (only that college's, when `body` is given)."""
    names = [PROGRAMME_FLOW_NAME] + ([INBOX_FLOW_NAME] if inboxes else [])
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=names)),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
        )
    found = []
    for run in runs:
        key = (run.state.state_details.pause_key or "") if run.state else ""
        if not key.startswith(PAUSE_PREFIX):
            continue
        params = run.parameters or {}
        if key.startswith(INBOX_PREFIX):
            found.append(WaitingRun(str(run.id), run.name, params.get("programme", ""), params.get("point", ""),
                                    params.get("body", "")))
        else:
            found.append(WaitingRun(str(run.id), run.name, params.get("programme", ""), point_of(key)))
    return [w for w in found if (programme is None or w.programme == programme) and (point is None or w.point == point)
            and (w.body is None or body is None or w.body == body)]


INBOX_PREFIX = f"{PAUSE_PREFIX}inbox-"


def resume(run: WaitingRun, run_input: dict | None = None, seconds: float = 15) -> bool:
    """Wake a waiting run (without a decision: it reads the register again and goes on or waits again).

    Prefect marks a run suspended a moment before it stores the form's schema; a resume in between
    is refused ("Run input schema not found"), so it is tried again for a few seconds.
    """
    import time

    from prefect.exceptions import NotPausedError

    if run.body is not None and run_input is None:  # an inbox is ended, not woken, once its college decided
        closed = close_if_done(run)
        if closed is not None:
            return closed
    deadline = time.monotonic() + seconds
    while True:
        try:
            resume_flow_run(UUID(run.id), run_input=run_input if run_input is not None else {})
            return True
        except NotPausedError:  # someone else woke it a moment ago: it reads the register anyway
            return False
        except RuntimeError as exc:
            if "schema not found" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def fired_pause_keys(flow_run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
    keys = run.empirical_policy.pause_keys or set()
    return sorted((k for k in keys if k.startswith(PAUSE_PREFIX)), key=lambda k: int(k.rsplit("-", 1)[1]))


def form_answer(flow_run_id: str, key: str) -> dict | None:
    """The input a person gave when resuming the wait `key`, or None when none was given."""
    with get_client(sync_client=True) as client:
        for state_name in ("suspended", "paused"):
            try:
                raw = client.read_flow_run_input(UUID(flow_run_id), f"{state_name}-{key}-response")
            except (ObjectNotFound, PrefectHTTPStatusError) as exc:
                if isinstance(exc, PrefectHTTPStatusError) and exc.response.status_code != 404:
                    raise
                continue
            value = json.loads(raw) if isinstance(raw, str) else raw
            return value if isinstance(value, dict) else {}
    return None


@task(name="wachtende runs hervatten", task_run_name="wachtende runs hervatten")
def resume_waiting_runs(programme: str, point: str | None = None, body: str | None = None) -> list[str]:
    """Resume the runs that wait on `point` (any point when None), after a decision was recorded elsewhere;
    of the inbox runs only those of `body` (when given): the others still wait for their own college."""
    resumed = []
    for run in waiting_runs(programme, point, body):
        if resume(run):
            resumed.append(run.name)
    return resumed


# --- How an inbox ends (read by the inbox flow and by every resume) ----------------------------------

def owes(verdict, body: str) -> bool:
    """Does this college still owe a decision (or the lift of its reservation) on this point?"""
    from models.core.vocabulary import Status

    if verdict.status in (Status.REJECTED, Status.STOPPED, Status.LAPSED, Status.SATISFIED):
        return False
    return body in verdict.missing or body in {f.body for f in verdict.open_reservations}


def recorded_line(programme: str, decision_id: int) -> str:
    """'Besluit #12 vastgelegd: het college van Winterswijk: go op dinsdag 5 november 2024'."""
    from models.access.session import register_session
    from models.views.status import decision_history

    with register_session(read_only=True) as session:
        row = next(r for r in decision_history(session, programme) if r["id"] == decision_id)
    from models.core import clock

    day = clock.dutch_date(clock.parse_date(row["decided_on"]))
    return f"Besluit #{row['id']} vastgelegd: {row['body_name']}: {row['outcome_nl']} op {day}"


def inbox_end(programme: str, point: str, body: str):
    """How an inbox ends when its college owes nothing any more: Vastgelegd (with the college's
    decision, however it came in) or Niet meer nodig (with the reason); None while it still owes."""
    from prefect.states import Cancelled, Completed

    from models.access.session import register_session
    from models.rules.decisions import current_decisions
    from models.views.status import evaluate

    with register_session(read_only=True) as session:
        ev = evaluate(session, programme)
    verdict = ev.verdict(point)
    held = point in ev.blocked or point in ev.passed_over
    if owes(verdict, body) and not held:
        return None
    mine = current_decisions(ev.facts.get(point, [])).get(body)
    if mine is not None and not held:
        return Completed(name="Vastgelegd", message=recorded_line(programme, mine.id))
    if point in ev.passed_over and point not in ev.blocked:  # released by hand: say so, not "te laat sinds"
        title = next(dp.title for dp, _, _ in ev.points if dp.key == point)
        return Cancelled(name="Niet meer nodig", message=f"'{title}' is overgeslagen bij een handmatige overgang "
                                                         "naar een volgende fase; er wordt niet meer op gewacht")
    return Cancelled(name="Niet meer nodig", message=clip(ev.blocked.get(point) or verdict.reason, 500))


def close_if_done(run) -> bool | None:
    """End a suspended inbox run whose college owes nothing any more, without waking it (its form
    has required fields, so it is not resumed with an empty answer); True when it was ended.
    None for a run that waits in its own process (a local pause): that one is woken as usual."""
    with get_client(sync_client=True) as client:
        if client.read_flow_run(UUID(run.id)).state.name != "Suspended":
            return None
    ended = inbox_end(run.programme, run.point, run.body)
    if ended is None:
        return False
    from prefect.client.schemas.actions import LogCreate

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run.id), ended, force=True)
        # the run's own log says how it ended (it was not woken, so it cannot say it itself)
        client.create_logs([LogCreate(name="regie", level=20, flow_run_id=UUID(run.id), timestamp=clock.utcnow_real(),
                                      message=f"Beëindigd zonder formulier: {ended.name}: {ended.message}")])
    return True


# --- The resume sweep's queue ------------------------------------------------------------------------

QUEUED_SWEEP_NAME = "controle wachtende runs (in de rij)"
AWAITING_SLOT = "AwaitingConcurrencySlot"  # Prefect's state name for a run that waits for its deployment's slot


def tidy_sweep_queue(deployment_id: str | None, started=None) -> int:
    """Runs of the resume sweep that wait for its one slot (the automation asks one per recorded decision).

    Called by a running sweep, which holds the slot, so none of them starts meanwhile. With `started` (when the
    calling sweep began): those queued before it are deleted, since it sees their decisions itself. Without: the
    newest stays, with a readable name, to run next; the older ones would do the same work, so they are deleted
    rather than left to run (or to be cancelled). How many it deleted."""
    if not deployment_id:
        return 0
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilterStateName

    with get_client(sync_client=True) as client:
        queued = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[UUID(str(deployment_id))])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]),
                name=FlowRunFilterStateName(any_=[AWAITING_SLOT]))),
        )
        queued = sorted(queued, key=lambda r: r.created or r.expected_start_time)  # in the order they were asked
        if started is not None:
            older = [r for r in queued if r.created is not None and r.created < started]
        elif queued:
            *older, newest = queued
            if newest.name != QUEUED_SWEEP_NAME:
                client.update_flow_run(newest.id, name=QUEUED_SWEEP_NAME)
        else:
            older = []
        for run in older:
            try:
                client.delete_flow_run(run.id)
            except ObjectNotFound:
                pass  # gone already
        return len(older)


def name_planned_runs(deployment_ids: dict[str, str]) -> int:
    """The runs Prefect's scheduler plans ahead carry random names ('classy-marten') until they start and name
    themselves: name them now, in Dutch, as they will be named ('controle wachtende runs (gepland)',
    'herinneringen maandag 7 december 2026 (gepland)'). `deployment_ids`: deployment id -> its kind ('sweep' or
    'reminders'). How many it named."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    named = 0
    with get_client(sync_client=True) as client:
        planned = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[UUID(str(d)) for d in deployment_ids])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))), limit=200)
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
        for run in planned:
            when = run.expected_start_time or run.next_scheduled_start_time
            if run.auto_scheduled is False and (when is None or when <= soon):
                continue  # asked for now (by the automation, from the UI): not planned ahead; it names itself
            kind = deployment_ids.get(str(run.deployment_id))
            if kind == "reminders":
                day = clock.local_date(when) if when else None
                name = f"herinneringen {clock.dutch_date(day)} (gepland)" if day else "herinneringen (gepland)"
            elif kind == "sweep":
                if run.state is not None and run.state.name == AWAITING_SLOT:
                    continue  # the queue's own (tidy_sweep_queue)
                name = "controle wachtende runs (gepland)"
            else:
                continue
            if run.name != name:
                client.update_flow_run(run.id, name=name)
                named += 1
    return named

