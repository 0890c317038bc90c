"""Finding and resuming runs that wait for a decision, and reading the forms people filled in."""

from __future__ import annotations

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

PROGRAMME_FLOW_NAME = "regie-programma"
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


def waiting_runs(programme: str | None = None, point: str | None = None) -> list[WaitingRun]:
    """Programme runs that are paused or suspended on a decision point."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[PROGRAMME_FLOW_NAME])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
        )
    found = []
    for run in runs:
        key = (run.state.state_details.pause_key or "") if run.state else ""
        if not key.startswith(PAUSE_PREFIX):
            continue
        found.append(WaitingRun(str(run.id), run.name, run.parameters.get("programme", ""), point_of(key)))
    return [w for w in found if (programme is None or w.programme == programme) and (point is None or w.point == point)]


def resume(run: WaitingRun) -> None:
    """Wake a waiting run without a decision: it reads the register again and goes on or waits again."""
    resume_flow_run(UUID(run.id), run_input={})


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


@task(name="wachtende runs hervatten")
def resume_waiting_runs(programme: str, point: str | None = None) -> list[str]:
    """Resume the runs that wait on `point` (any point when None), after a decision was recorded elsewhere."""
    resumed = []
    for run in waiting_runs(programme, point):
        resume(run)
        resumed.append(run.name)
    return resumed
