"""A shipped scenario through Prefect to its end: every decision and tender step of inkoop-2026 recorded on
its day, then the programme run goes through all six phases (the tender's lots, the implementation period
without decision points, the contract start on 2 January) and ends with every phase done."""

from __future__ import annotations

from uuid import UUID

from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

from cli.scenarios import load_scenario
from cli.replay import play
from flows.programme import programme_flow
from tests.flows.helpers import in_thread


def test_the_2026_scenario_runs_through_all_six_phases_to_its_end(flow_env, monkeypatch):
    scenario = load_scenario("inkoop-2026")
    play(scenario)
    monkeypatch.setenv("REGIE_TODAY", scenario["end"].isoformat())
    thread, box = in_thread(programme_flow, "inkoop-2026")
    thread.join(600)
    assert not thread.is_alive(), "the programme run did not end within 10 minutes"
    state = box.get("result")
    assert state is not None and state.is_completed(), box
    assert "Alle fasen van inkoop-2026 afgerond" in state.message
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(str(run.id))])), limit=50)
    phases = {c.name: (c.state.type.value, c.state.name) for c in children if " fase " in c.name}
    assert phases == {f"inkoop-2026 fase {n}": ("COMPLETED", "Afgerond") for n in range(6)}, phases
    assert not [c.name for c in children if c.state.is_failed() or c.state.is_crashed()]
