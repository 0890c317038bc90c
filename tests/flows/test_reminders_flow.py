"""The reminder deployment's flow: sends, leaves a table artifact per programme, and a dry run sends nothing."""

from __future__ import annotations

import datetime as dt

from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.reminders import reminder_flow
from tests.flows.helpers import record_all


def latest(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return sorted(found, key=lambda a: a.created)[-1]


def test_a_reminder_run_without_a_day_is_named_after_today(flow_env, monkeypatch):
    """The schedule starts the run without `as_of`: its name says today's date, not 'None'."""
    monkeypatch.setenv("REGIE_TODAY", "2026-12-07")
    state = reminder_flow(dry_run=True, return_state=True)
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(state.state_details.flow_run_id).name == "herinneringen maandag 7 december 2026"


def test_reminder_flow_sends_once_and_shows_its_table(flow_env):
    record_all(skip={("go-no-go", "winterswijk")})
    dry = reminder_flow(as_of=dt.date(2024, 11, 6), dry_run=True)
    assert dry.get("would-send", 0) >= 1 and flow_env.messages == []
    assert "zou verzenden" in latest("inkoop-2026-herinneringen").data

    state = reminder_flow(as_of=dt.date(2024, 11, 6), return_state=True)
    totals = state.result()
    assert totals.get("sent", 0) >= 1
    with get_client(sync_client=True) as client:  # the runs list says which day, in Dutch
        assert client.read_flow_run(state.state_details.flow_run_id).name == "herinneringen woensdag 6 november 2024"
    table = latest("inkoop-2026-herinneringen").data
    assert "Besluitvorming door colleges: go/no-go" in table and "1 werkdag te laat" in table and "verzonden" in table
    assert "overdue-1" not in table  # the step in words, not its key
    overview = latest("regie-overzicht")  # every programme on one page, refreshed by the sweep
    assert overview.data.startswith("# Regie overzicht, stand op woensdag 6 november 2024")
    assert "## Inkoop Jeugdhulp, Wmo en Wonen 2026 (inkoop-2026)" in overview.data
    assert "| 1 dag te laat | Besluitvorming door colleges: go/no-go | het college van Winterswijk |" in overview.data
    titles = [m["title"] for m in flow_env.messages if m["path"] == "/winterswijk"]
    assert titles == ["[inkoop-2026] Te laat: Besluitvorming door colleges: go/no-go moest uiterlijk "
                      "dinsdag 5 november 2024 besloten zijn"]
    checked = latest("regie-controle").data  # the daily check of the register, with its anchor
    assert "besluit: " in checked and "de keten klopt" in checked and "Alles klopt; het anker is bijgewerkt." in checked
    again = reminder_flow(as_of=dt.date(2024, 11, 6))
    assert again.get("sent", 0) == 0 and len([m for m in flow_env.messages if m["path"] == "/winterswijk"]) == 1
    assert "al verzonden" in latest("inkoop-2026-herinneringen").data
