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
    assert "| 1 dag te laat | di 5 nov 2024 | Besluitvorming door colleges: go/no-go | het college van Winterswijk |" in overview.data
    titles = [m["title"] for m in flow_env.messages if m["path"] == "/winterswijk"]
    assert titles == ["[inkoop-2026] Te laat: Besluitvorming door colleges: go/no-go moest uiterlijk "
                      "dinsdag 5 november 2024 besloten zijn"]
    checked = latest("regie-controle").data  # the daily check of the register, with its anchor
    assert "besluit: " in checked and "de keten klopt" in checked and "Alles klopt; het anker is bijgewerkt." in checked
    again = reminder_flow(as_of=dt.date(2024, 11, 6))
    assert again.get("sent", 0) == 0 and len([m for m in flow_env.messages if m["path"] == "/winterswijk"]) == 1
    assert "al verzonden" in latest("inkoop-2026-herinneringen").data


def test_the_daily_sweep_shows_the_schedule_risk_and_warns_once_a_week_below_the_threshold(flow_env, tmp_path):
    """The reminders run leaves the artifact '<programme>-risico' with the same chance `regie risico` gives
    (2,000 runs, seed 1), its trend over six weeks and the decisions to chase. inkoop-2026 (threshold 90 %) is
    above it; a copy whose file sets 99 % warns the programme office, once per week while it stays below."""
    from pathlib import Path

    from models.access.loader import load_programmes
    from models.access.session import register_session
    from models.facts.reader import Reader
    from models.views.risk import plain_risk_report

    root = Path(__file__).resolve().parents[2]
    text = (root / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")
    assert "  risk_warning_below: 0.9\n" in text
    copy = tmp_path / "krap-2026.yaml"
    copy.write_text(text.replace("key: inkoop-2026", "key: krap-2026", 1).replace("follows: inkoop-2022\n", "")
                    .replace("  risk_warning_below: 0.9\n", "  risk_warning_below: 0.99\n"), encoding="utf-8")
    with register_session() as session:
        load_programmes(session, [copy])
    day = dt.date(2024, 10, 1)
    with register_session(read_only=True) as session:
        expected = plain_risk_report(Reader.of(session), "inkoop-2026", day, runs=2000, seed=1)
    assert 0.9 < expected["chance"] < 0.99

    reminder_flow(as_of=day)
    shown = latest("inkoop-2026-risico").data
    chance = f"{expected['chance'] * 100:.1f}%".replace(".", ",")
    assert shown.startswith("# Risico Inkoop Jeugdhulp, Wmo en Wonen 2026 (inkoop-2026), stand op dinsdag 1 oktober 2024")
    assert f"**Kans dat de contracten starten op donderdag 1 januari 2026: {chance}** (2.000 gesimuleerde verlopen)" in shown
    assert "Boven de drempel van het programma (90,0%)." in shown
    trend = [line for line in shown.splitlines() if line.startswith("| ") and line.endswith("% |")]
    assert [line.split(" | ")[0] for line in trend] == [  # the same weekday in each of six weeks, then the day
        "| dinsdag 20 augustus 2024", "| dinsdag 27 augustus 2024", "| dinsdag 3 september 2024",
        "| dinsdag 10 september 2024", "| dinsdag 17 september 2024", "| dinsdag 24 september 2024",
        "| dinsdag 1 oktober 2024"]
    assert trend[-1].endswith(f"| {chance} |")
    chase = shown.split("## Najagen")[1]
    first = next(p for p in expected["points"] if p["gain"] > 0)
    assert chase.index("Besluitvorming door colleges: go/no-go") < chase.index("Besluitvorming gunning")
    assert first["key"] == "go-no-go"
    assert not [m for m in flow_env.messages if m["path"] == "/office" and "[inkoop-2026] Risico" in m["title"]]

    warned = [m for m in flow_env.messages if m["path"] == "/office" and m["title"].startswith("[krap-2026] Risico")]
    assert [m["title"] for m in warned] == [
        f"[krap-2026] Risico: kans op de start van donderdag 1 januari 2026 is {chance} (drempel 99,0%)"]
    assert "Besluitvorming door colleges: go/no-go (8 colleges" in warned[0]["message"]
    assert "Onder de drempel van het programma (99,0%)" in latest("krap-2026-risico").data
    assert "Risico: kans op tijdige start" in latest("krap-2026-herinneringen").data  # in the sweep's table too

    reminder_flow(as_of=day)  # again the same day, and later that week: no second warning
    reminder_flow(as_of=dt.date(2024, 10, 3))
    count = lambda: len([m for m in flow_env.messages if m["title"].startswith("[krap-2026] Risico")])  # noqa: E731
    assert count() == 1
    reminder_flow(as_of=dt.date(2024, 10, 8))  # the next week, still below: the weekly warning
    assert count() == 2
