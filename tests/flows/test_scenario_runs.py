"""Every shipped scenario through Prefect to its end: each decision and tender step recorded on its day, then
the programme run goes through all six phases (the tender's lots, the award and its standstill inside the
implementation period, the contract start) and ends with every phase done; no run failed or crashed, and
each phase has exactly one subflow run. The 2026 scenario runs on PostgreSQL too."""

from __future__ import annotations

import os
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

from cli.scenarios import load_scenario
from cli.replay import play
from flows.programme import programme_flow
from models.facts.db import dispose_engines
from tests.conftest import fresh_postgres
from tests.flows.helpers import in_thread


@pytest.mark.parametrize("name, database", [
    ("inkoop-2026", "sqlite"),
    ("inkoop-2026-uitstel", "sqlite"),
    ("inkoop-2022-dyslexie", "sqlite"),
    ("inkoop-2026", "postgresql"),
])
def test_each_shipped_scenario_runs_through_all_six_phases_to_its_end(flow_env, monkeypatch, postgres_state,
                                                                      name, database):
    if database == "postgresql":
        if postgres_state is not None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI and did not answer: {postgres_state}")
            pytest.skip(f"no PostgreSQL here: {postgres_state}")
        register = fresh_postgres()
        monkeypatch.setenv("REGIE_DATABASE_URL", register.__enter__())
    else:
        register = None
    try:
        scenario = load_scenario(name)
        programme = scenario["programme"]
        play(scenario)
        monkeypatch.setenv("REGIE_TODAY", scenario["end"].isoformat())
        thread, box = in_thread(programme_flow, programme)
        thread.join(600)
        assert not thread.is_alive(), "the programme run did not end within 10 minutes"
        state = box.get("result")
        assert state is not None and state.is_completed(), box
        assert f"Alle fasen van {programme} afgerond" in state.message
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(state.state_details.flow_run_id)
            children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(str(run.id))])), limit=50)
        phase_runs = [c for c in children if " fase " in c.name]
        assert sorted(c.name for c in phase_runs) == [f"{programme} fase {n}" for n in range(6)]  # one each
        assert {c.name: (c.state.type.value, c.state.name) for c in phase_runs} == {
            f"{programme} fase {n}": ("COMPLETED", "Afgerond") for n in range(6)}
        assert not [c.name for c in children if c.state.is_failed() or c.state.is_crashed()]
    finally:
        if register is not None:
            dispose_engines()
            register.__exit__(None, None, None)
