"""The programme flow end to end under one Prefect test server: gates, waits, forms, no-go, ledger."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import select

from flows.programme import programme_flow
from models.access.session import register_session
from models.facts.entities import Decision, FormInput
from models.views.status import status_report
from tasks.runs import resume_waiting_runs, waiting_runs
from tests.flows.helpers import in_thread, record_all, wait_until


def artifacts(key: str):
    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def events(webhook, path="office"):
    return [m["title"] for m in webhook.messages if m["path"] == f"/{path}"]


def test_whole_2026_programme_with_decisions_recorded_in_advance(flow_env):
    record_all()
    state = programme_flow("inkoop-2026", return_state=True)
    assert state.is_completed(), state.message
    assert "Alle fasen van inkoop-2026 afgerond" in state.message
    table = artifacts("inkoop-2026-besluitpunten")
    assert table and "Besluitvorming door colleges: go/no-go" in table[0].data and "besloten" in table[0].data
    assert "Mijlpaal" in table[0].data and "go-no-go" not in table[0].data  # titles, not keys
    progress = artifacts("inkoop-2026-voortgang")
    assert progress and float(progress[0].data) == 100.0
    timeline = artifacts("inkoop-2026-tijdlijn")
    assert timeline and "data:image/svg+xml;base64," in timeline[0].data
    register = artifacts("inkoop-2026-besluitenregister")
    assert register and "| Besluitvorming door colleges: go/no-go | Winterswijk | go |" in register[0].data
    assert "| # | Datum | Besluitpunt | Orgaan | Uitkomst | Kenmerk | Stand | Vastgelegd |" in register[0].data
    assert "## Percelen" in register[0].data and "| Ondersteuning Aalten (Jeugd) | gegund |" in register[0].data
    titles = events(flow_env)
    assert sum(t.startswith("[inkoop-2026] Fase") and "gestart" in t for t in titles) == 6
    assert sum("afgerond" in t for t in titles) == 6
    # A re-run from the top announces nothing a second time.
    sent = len(flow_env.messages)
    again = programme_flow("inkoop-2026", return_state=True)
    assert again.is_completed()
    assert len(flow_env.messages) == sent
    assert not events(flow_env, "provider")


W = "het college van Winterswijk"


def winterswijk_decides_and_the_run_ends(run, thread, box) -> None:
    """Winterswijk's go recorded as `regie decide` does, the waiting run resumed; the run completes."""
    from models.commands.register import record_decision

    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="winterswijk", outcome="go",
                        decided_on="2024-11-05", recorded_by="Secretaris Winterswijk")
    assert resume_waiting_runs.fn("inkoop-2026", "go-no-go") == [run.name]
    thread.join(600)
    assert box["result"].is_completed(), box


def test_one_college_missing_waits_at_go_no_go_and_resumes_after_its_decision(flow_env):
    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait")[0]
    assert run.point == "go-no-go"
    assert run.name.endswith("Winterswijk (uiterlijk di 5 nov 2024, te laat)"), run.name  # late, at a glance
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(run.id))
        key = flow_run.state.state_details.pause_key
        description = client.read_flow_run_input(UUID(run.id), f"paused-{key}-description")
        schema = json.loads(client.read_flow_run_input(UUID(run.id), f"paused-{key}-schema"))
    assert "Winterswijk" in description and "Aalten" not in description
    body = schema["properties"]["body"]
    assert body.get("enum", [body.get("const")]) == ["het college van Winterswijk"]  # names, not keys
    assert "Aalten" not in json.dumps(schema)
    assert schema["properties"]["outcome"]["enum"] == ["Go", "No-go", "Aangehouden"]  # Dutch, mapped back
    assert "reservation" not in schema["properties"]  # no outcome with a reservation fits a go/no-go
    # nothing the UI would check itself in English (a name's length, a code's pattern): Regie says it in Dutch
    assert "minLength" not in schema["properties"]["recorded_by"] and "pattern" not in schema["properties"]["recorded_by"]
    # the date is the person's choice: not filled in; Winterswijk's last meeting by the due date is proposed
    assert schema["properties"]["decided_on"]["default"] == "" and schema["properties"]["decided_on"]["format"] == "date"
    assert "voorstel: dinsdag 5 november 2024" in description and "Zonder datum wordt niets vastgelegd" in description
    assert any("Wacht op Besluitvorming door colleges: go/no-go" in t for t in events(flow_env))
    assert any("Wacht op Besluitvorming door colleges: go/no-go" in t for t in events(flow_env, "winterswijk"))

    winterswijk_decides_and_the_run_ends(run, thread, box)
    assert sum("Wacht op Besluitvorming door colleges: go/no-go" in t for t in events(flow_env)) == 1
    with register_session() as session:  # the run says how the decision that woke it came in
        woken = session.scalars(select(FormInput).order_by(FormInput.id)).all()[-1]
    assert woken.result == "empty", woken.message
    assert "het laatste besluit hierover" in woken.message and "Winterswijk) kwam binnen via regie decide" in \
        woken.message, woken.message
    # at a glance in the runs list: the phase run that waited is grey and says it was judged again, the one
    # that finished the phase green; the programme run itself waited Suspended in between
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=50)
    phase_2 = sorted((c for c in children if c.name == "inkoop-2026 fase 2"), key=lambda c: c.created)
    assert [(c.state.type.value, c.state.name) for c in phase_2] == [
        ("CANCELLED", "Opnieuw beoordeeld"), ("COMPLETED", "Afgerond")], [(c.name, c.state) for c in children]
    assert phase_2[0].state.message.endswith("daarna opnieuw beoordeeld: de andere run van deze fase geeft de stand")


def test_a_phase_judged_again_leaves_no_stale_wait_beside_it(flow_env, monkeypatch):
    """The register changes while a phase is judged: the run judges it again in a new phase run. Every earlier
    run of that phase then says 'Opnieuw beoordeeld'; only the newest says where the phase stands, waiting
    while it waits and 'Afgerond' at the end (a demo once left a 'Wacht op besluit' beside 'Afgerond')."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    import flows.programme as programme_module

    real, calls = programme_module.unchanged, []

    def changed_once(programme, snap):  # as if a decision came in while the phase was judged, once
        calls.append(snap.number)
        return real(programme, snap) and len(calls) > 1

    monkeypatch.setattr(programme_module, "unchanged", changed_once)
    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait")[0]

    def phase_2():
        with get_client(sync_client=True) as client:
            children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=50)
        return sorted([(c.state.type.value, c.state.name) for c in children if c.name == "inkoop-2026 fase 2"])

    assert phase_2() == [("CANCELLED", "Opnieuw beoordeeld"), ("CANCELLED", "Wacht op besluit")]
    winterswijk_decides_and_the_run_ends(run, thread, box)
    assert phase_2() == [("CANCELLED", "Opnieuw beoordeeld"), ("CANCELLED", "Opnieuw beoordeeld"),
                         ("COMPLETED", "Afgerond")]


def test_form_input_is_checked_and_a_bad_one_waits_again(flow_env):
    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait")[0]
    from prefect.flow_runs import resume_flow_run

    # What the form's schema forbids, the server refuses, and the run stays where it is.
    for wrong, field in (({"body": "het college van Aalten", "outcome": "Go"}, "body"),
                         ({"body": W, "outcome": "misschien"}, "outcome"),
                         ({"body": W, "outcome": "Go", "decided_on": "5 november"}, "decided_on")):
        with pytest.raises(RuntimeError, match=f"Validation failed for field '{field}'"):
            resume_flow_run(UUID(run.id), run_input=wrong)
    assert [w.id for w in waiting_runs("inkoop-2026")] == [run.id]
    # a name and Submit, without choosing a date: nothing is recorded, and the next form says why in Dutch
    resume_flow_run(UUID(run.id), run_input={"body": W, "outcome": "Go", "decided_on": "", "recorded_by": "Secretaris"})
    def paused_key() -> str:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(run.id)).state
        return state.state_details.pause_key or "" if state is not None and state.is_paused() else ""

    wait_until(lambda: paused_key().endswith("-1"), what="the wait after a form without a date")
    with get_client(sync_client=True) as client:
        description = client.read_flow_run_input(UUID(run.id), f"paused-{paused_key()}-description")
    assert "de besluitdatum ontbreekt" in description and "er is niets vastgelegd" in description
    with register_session() as session:
        assert session.scalar(select(Decision).where(Decision.decision_point.has(key="go-no-go"),
                                                     Decision.body.has(slug="winterswijk"))) is None
    future = {"body": W, "outcome": "Go", "decided_on": "2099-01-01", "recorded_by": "Secretaris",
              "reference": "2099/1"}
    resume_flow_run(UUID(run.id), run_input=future)
    wait_until(lambda: paused_key().endswith("-2"), what="the second wait")
    again = [w for w in waiting_runs("inkoop-2026") if w.id == run.id]
    with get_client(sync_client=True) as client:
        key = client.read_flow_run(UUID(run.id)).state.state_details.pause_key
        description = client.read_flow_run_input(UUID(run.id), f"paused-{key}-description")
    assert key.endswith("-2")
    assert "Vorige invoer geweigerd" in description and "in de toekomst" in description
    with get_client(sync_client=True) as client:
        kept = json.loads(client.read_flow_run_input(UUID(run.id), f"paused-{key}-schema"))["properties"]
    assert (kept["decided_on"]["default"], kept["reference"]["default"], kept["recorded_by"]["default"]) == (
        "2099-01-01", "2099/1", "Secretaris")  # what was typed is kept, to be corrected
    with register_session() as session:
        assert session.scalar(select(Decision).where(Decision.decision_point.has(key="go-no-go"),
                                                     Decision.body.has(slug="winterswijk"))) is None
    good = {"body": W, "outcome": "Go", "decided_on": "2024-11-05", "recorded_by": "Secretaris W",
            "reference": "2024/88"}
    resume_flow_run(UUID(again[0].id), run_input=good)
    thread.join(600)
    assert box["result"].is_completed(), box
    with register_session() as session:
        forms = session.scalars(select(FormInput).order_by(FormInput.id)).all()
        assert [f.result for f in forms] == ["refused", "refused", "recorded"]  # no date, a future date, good
        assert "besluitdatum ontbreekt" in forms[0].message and "in de toekomst" in forms[1].message
        decision = session.get(Decision, forms[2].decision_id)
        assert (decision.via, decision.reference, decision.recorded_by) == ("formulier", "2024/88", "Secretaris W")


def test_a_no_go_stops_the_programme_with_the_reason(flow_env):
    record_all(override={("go-no-go", "aalten"): "no-go"})
    state = programme_flow("inkoop-2026", return_state=True)
    assert state.is_failed() and state.name == "Gestopt"
    assert "bij Besluitvorming door colleges: go/no-go: no-go door het college van Aalten" in state.message
    assert any("Programma gestopt in fase 2" in t for t in events(flow_env))
    with register_session() as session:
        assert status_report(session, "inkoop-2026")["current_phase"] == 2


def test_a_deferral_waits_again_and_the_later_decision_goes_on(flow_env):
    record_all(override={("go-no-go", "winterswijk"): "deferred"})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait")[0]
    assert run.point == "go-no-go"
    assert any("Wacht op Besluitvorming door colleges: go/no-go" in t for t in events(flow_env, "winterswijk"))
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(UUID(run.id), run_input={"body": W, "outcome": "Go", "decided_on": "2024-11-12",
                                             "recorded_by": "Secretaris W"})
    # the deferral held the publication and all after it: the run now waits there, until they are recorded
    there = wait_until(lambda: waiting_runs("inkoop-2026", "publication"), what="the run to wait at the publication")
    assert there[0].id == run.id
    assert there[0].name.startswith("inkoop-2026 · wacht op Publicatie aanbestedingen via Mercell: ")  # the list says it
    record_all(skip={("go-no-go", "winterswijk")})
    assert resume_waiting_runs.fn("inkoop-2026", "publication") == [there[0].name]
    thread.join(600)
    assert box["result"].is_completed(), box
    with register_session() as session:
        history = [(d.body.slug, d.outcome) for d in session.scalars(select(Decision).order_by(Decision.id))
                   if d.body.slug == "winterswijk" and d.decision_point.key == "go-no-go"]
    assert history == [("winterswijk", "deferred"), ("winterswijk", "go")]


def test_an_unknown_programme_and_a_second_start_are_answers_not_crashes(flow_env):
    unknown = programme_flow("inkoop-1999", return_state=True)
    assert unknown.is_failed() and unknown.name == "Geweigerd"
    assert unknown.message.startswith("onbekend programma 'inkoop-1999'")

    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    first = wait_until(lambda: waiting_runs("inkoop-2026"), what="the first run to wait")[0]
    second = programme_flow("inkoop-2026", return_state=True)
    assert second.is_failed() and second.name == "Geweigerd"
    assert second.message == f"inkoop-2026 loopt al in run '{first.name}'; deze tweede start doet niets"
    assert [w.id for w in waiting_runs("inkoop-2026")] == [first.id]  # the first still waits
    with register_session() as session:
        from models.commands.register import record_decision

        record_decision(session, programme="inkoop-2026", point="go-no-go", body="winterswijk", outcome="go",
                        decided_on="2024-11-05", recorded_by="Secretaris Winterswijk")
    resume_waiting_runs.fn("inkoop-2026", "go-no-go")
    thread.join(600)
    assert box["result"].is_completed(), box


def test_ten_resumes_in_one_phase_run_the_earlier_phases_once_and_log_each_decision_once(flow_env):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId, LogFilter
    from prefect.flow_runs import resume_flow_run
    from prefect.logging.handlers import APILogWorker

    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait")[0]
    for attempt in range(1, 11):  # ten times woken without a decision: it reads the register and waits again
        resume_flow_run(UUID(run.id), run_input={})
        wait_until(lambda: [w for w in waiting_runs("inkoop-2026") if w.id == run.id and
                            w.name and _pause_count(run.id) == attempt + 1], what=f"wait {attempt + 1}")
    resume_flow_run(UUID(run.id), run_input={"body": W, "outcome": "Go", "decided_on": "2024-11-05",
                                             "recorded_by": "Secretaris W", "reference": "2024/10"})
    thread.join(600)
    assert box["result"].is_completed(), box
    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=200)
        logs = [log.message for log in client.read_logs(log_filter=LogFilter(flow_run_id={"any_": [UUID(run.id)]}),
                                                         limit=200)]
        assert "programma:inkoop-2026" in client.read_flow_run(UUID(run.id)).tags  # filterable with its inboxes
    per_phase = {}
    for child in children:
        per_phase[child.name] = per_phase.get(child.name, 0) + 1
    assert per_phase["inkoop-2026 fase 0"] == per_phase["inkoop-2026 fase 1"] == 1
    assert per_phase["inkoop-2026 fase 2"] == 2  # once before the wait, once after the decision: once per change
    recorded = [line for line in logs if "vastgelegd" in line and "Formulier" in line]
    assert len(recorded) == 1, recorded
    mine = [a for a in artifacts("inkoop-2026-nu-aan-zet") if str(a.flow_run_id) == run.id]
    assert len(mine) == 2  # one version when it first waited, one at the end: none for the ten resumes
    first, last = sorted(mine, key=lambda a: a.created)
    rows = json.loads(first.data)
    assert [(r["Besluitpunt"], r["Aan zet"]) for r in rows] == [
        ("Besluitvorming door colleges: go/no-go", "Winterswijk")]
    assert rows[0]["Uiterlijk"] == "5 nov 2024" and rows[0]["Agenda sluit"] == "22 okt"
    assert rows[0]["Nog / te laat"].endswith("dagen te laat")
    # lateness first; short cells: the UI gives an artifact about 880 px at 1440 and does not wrap a table's cells
    assert list(rows[0]) == ["Nog / te laat", "Besluitpunt", "Aan zet", "Uiterlijk", "Agenda sluit"]
    assert sum(len(str(v)) for v in rows[0].values()) <= 100
    assert "fase 2 (van 0-5): " in first.description
    assert json.loads(last.data)[0]["Besluitpunt"] == "niemand is nu aan zet"


def _pause_count(run_id: str) -> int:
    with get_client(sync_client=True) as client:
        return len(client.read_flow_run(UUID(run_id)).empirical_policy.pause_keys or ())


def test_a_phase_end_state_without_its_result_is_read_from_the_register(flow_env):
    from prefect.exceptions import MissingResult

    from flows.programme import run_phase

    class FromTheApi:  # what Prefect hands back when the server answered with its own copy of the state
        def result(self, raise_on_failure=True):
            raise MissingResult("State data is missing.")

    record_all(skip={("go-no-go", "winterswijk")})
    snap = run_phase(lambda programme, return_state: FromTheApi(), "inkoop-2026", 2)
    assert (snap.number, snap.exit_open, snap.blocking.key) == (2, False, "go-no-go")
    assert snap.blocking.missing == ("winterswijk",)


def test_phase_3_ends_the_standstill_by_itself_and_files_the_letters(flow_env, tmp_path, monkeypatch):
    import datetime as dt
    from pathlib import Path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the letters go into this data folder
    from cli.letters_server import LettersServer

    # `regie up` serves the letters for download and tells the deployments where: the same here
    server = LettersServer(tmp_path / "xdg" / "regie" / "brieven").start()
    monkeypatch.setenv("REGIE_LETTERS_URL", server.url)

    from models.rules.programme_file import BUILTIN_DIR
    from models.commands.offers import import_offers
    from models.commands.tender import record_step
    from models.views.tender import tender_report

    record_all()
    with register_session() as session:
        import_offers(session, programme="inkoop-2026", path=BUILTIN_DIR / "voorbeelden" / "inkoop-2026-inschrijvingen.csv",
                      recorded_by="Inkoper")
        record_step(session, programme="inkoop-2026", lots="all", event="award", on=dt.date(2025, 3, 24),
                    recorded_by="Inkoper")
        record_step(session, programme="inkoop-2026", lots=["jeugd-11"], event="lot-decision", on=dt.date(2025, 3, 24),
                    detail={"choice": "re-tender"}, reference="B&W 2025/32", recorded_by="Inkoper")
        record_step(session, programme="inkoop-2026", lots="all", event="letters-sent", on=dt.date(2025, 3, 25),
                    recorded_by="Inkoper")
    state = programme_flow("inkoop-2026", return_state=True)
    assert state.is_completed(), state.message
    with register_session(read_only=True) as session:
        lots = {x["lot"]: x for x in tender_report(session, "inkoop-2026")["lots"]}
    # nobody recorded the definitive award: the phase 3 run did, once the standstill had run out
    assert lots["wonen-1"]["state"] == "definitief gegund" and lots["wonen-1"]["definitive_on"] == "2025-04-15"
    assert lots["jeugd-11"]["state"] == "besloten: opnieuw aanbesteden"
    table = json.loads(max(artifacts("inkoop-2026-aanbesteding"), key=lambda a: a.created).data)
    row = next(r for r in table if r["Perceel"] == "Beschermd wonen SDA regionaal")
    assert row["Stand"] == "definitief gegund" and row["Opschortende termijn t/m"] == "ma 14 apr 2025"
    assert list(row) == ["Perceel", "Stand", "Opschortende termijn t/m", "Te doen", "Gegund aan"]  # the long one last
    letters = max(artifacts("inkoop-2026-brieven"), key=lambda a: a.created).data
    from models.facts.db import private_data_dir

    assert str(private_data_dir()) not in letters and ".pdf`" not in letters  # links, no paths on the server
    pdf = next((private_data_dir() / "brieven" / "inkoop-2026" / "wonen-1").glob("wonen-1-afwijzing-stichting-kompas*.pdf"))
    assert pdf.is_file()  # scores stay in the 0700 folder
    assert private_data_dir().stat().st_mode & 0o077 == 0
    # the office reads each letter in the UI: one artifact per lot with the letters' text
    read = max(artifacts("inkoop-2026-brieven-wonen-1"), key=lambda a: a.created).data
    assert read.startswith("# Brieven Beschermd wonen SDA regionaal (inkoop-2026)")
    assert "### Afwijzing: Voorbeeld: Stichting Kompas Achterhoek" in read
    assert "| Kwaliteit van de samenwerking (40%) | 7 (28,00) | 9 (36,00) |" in read
    assert "- Kwaliteit van de samenwerking: score 9 tegen uw 7" in read and "<p>" not in read
    assert "Contactpersoon: het inkoopteam van het Sociaal Domein Achterhoek" in read
    # and downloads its PDF from the link in the artifact
    import re
    import urllib.request

    link = re.search(r"\[PDF downloaden\]\((http://[^)]+afwijzing-stichting-kompas[^)]+\.pdf)\)", read)
    assert link, read[:2000]
    with urllib.request.urlopen(link.group(1), timeout=30) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.read() == Path(pdf).read_bytes()
    assert f"[downloaden]({server.url}/inkoop-2026/wonen-1/" in letters
    server.stop()


def test_a_programme_in_implementation_waits_at_the_contract_start_and_then_ends(flow_env, monkeypatch):
    """Phase 4 (implementation) has no decision points: while it runs, its exit is shut and nobody owes
    anything in it. The run announces it, passes it without waiting on the clock, waits for the contract
    start and, once that is confirmed, ends in phase 5; no phase run fails."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    from models.commands.register import record_decision

    monkeypatch.setenv("REGIE_TODAY", "2025-06-02")
    record_all(skip={("contract-start", "projectteam")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), 180, "the run to wait at the contract start")[0]
    assert run.point == "contract-start"
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=50)
    phase_4 = [c for c in children if c.name == "inkoop-2026 fase 4"]
    assert [(c.state.type.value, c.state.name) for c in phase_4] == [("COMPLETED", "Loopt")]
    assert "loopt tot woensdag 31 december 2025" in phase_4[0].state.message
    assert not [c for c in children if c.state.is_failed() or c.state.is_crashed()]
    assert any("Fase 4" in t and "gestart" in t for t in events(flow_env))

    monkeypatch.setenv("REGIE_TODAY", "2026-01-02")
    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="contract-start", body="projectteam",
                        outcome="approved", decided_on="2026-01-02", recorded_by="Inkoopleider")
    assert resume_waiting_runs.fn("inkoop-2026", "contract-start") == [run.name]
    thread.join(600)
    assert box["result"].is_completed(), box
    assert "Alle fasen van inkoop-2026 afgerond" in box["result"].message
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=50)
    assert not [c for c in children if c.state.is_failed() or c.state.is_crashed()]
    assert any(c.name == "inkoop-2026 fase 5" and c.state.name == "Afgerond" for c in children)


def test_an_inbox_form_proposes_no_outcome_but_keeps_a_typed_one(flow_env):
    """Submit without choosing records nothing: an inbox form (deployed, its fields required) has no outcome
    filled in (a walk found 'Akkoord' pre-selected); after a refusal what was typed comes back."""
    from flows.forms import decision_form
    from models.views.status import phase_snapshot

    record_all(skip={("go-no-go", "winterswijk")})
    with register_session() as session:
        point = next(p for p in phase_snapshot(session, "inkoop-2026", 2).points if p.key == "go-no-go")
    fresh = decision_form(point, False, {}, fixed_body=True, required=True).model_json_schema()
    assert "default" not in fresh["properties"]["outcome"] and "outcome" in fresh["required"]
    assert fresh["properties"]["outcome"]["enum"] == ["Go", "No-go", "Aangehouden"]
    typed = decision_form(point, False, {"outcome": "No-go"}, fixed_body=True, required=True).model_json_schema()
    assert typed["properties"]["outcome"]["default"] == "No-go"


def test_an_inbox_form_says_in_a_few_short_lines_who_owes_what_by_when(flow_env):
    """Prefect shows a form's description in a small box that scrolls: a college's inbox says who owes what by
    when, the date to choose and what Submit does, without the programme-wide list of colleges or the state."""
    from flows.forms import form_description
    from models.access.session import register_session as session_of
    from models.views.status import phase_snapshot

    with session_of() as session:
        snap = phase_snapshot(session, "inkoop-2026", 2)
    point = next(p for p in snap.points if p.key == "go-no-go")
    text = form_description(snap, point, ("het college van Winterswijk",), None, one_body=True, proposed="2024-11-05")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 4, lines
    assert lines[1].startswith("**het college van Winterswijk**: het besluit, uiterlijk **") and "fase 2" in lines[1]
    assert "voorstel: dinsdag 5 november 2024" in lines[2] and "Zonder datum wordt niets vastgelegd" in lines[2]
    assert "Stand:" not in text and "Nog niet besloten" not in text and "- het college" not in text
    refused = form_description(snap, point, ("het college van Winterswijk",), "de datum ligt in de toekomst",
                               one_body=True, proposed="2024-11-05")
    assert refused.startswith("> **Vorige invoer geweigerd, niets vastgelegd:** de datum ligt in de toekomst")


def test_a_period_that_ran_beside_the_programme_ends_afgerond_with_it(flow_env, monkeypatch):
    """The implementation period runs beside the programme: its phase run ends 'Loopt tot ...' and the run goes
    on to the contract start. When the programme ends after the period, that badge says 'Afgerond' (a walk found
    phase 4 green 'Loopt tot 31 december 2025' on a programme finished in January), and so does the programme's."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    def phases(run_id) -> dict[str, list[str]]:
        with get_client(sync_client=True) as client:
            children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(str(run_id))])), limit=50)
        out: dict[str, list[str]] = {}
        for c in children:
            if " fase " in c.name:
                out.setdefault(c.name, []).append(c.state.name)
        return {name: sorted(states) for name, states in out.items()}

    record_all()
    monkeypatch.setenv("REGIE_TODAY", "2025-12-15")  # the period runs to 31 December; the start waits
    thread, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026"), what="the run to wait for the contract start")[0]
    assert phases(run.id).get("inkoop-2026 fase 4") == ["Loopt"], phases(run.id)
    monkeypatch.setenv("REGIE_TODAY", "2026-01-05")
    assert resume_waiting_runs.fn("inkoop-2026", run.point) == [run.name]
    thread.join(600)
    state = box["result"]
    assert state.is_completed() and state.name == "Afgerond", state
    # each phase done once; a phase judged again after the resume shows its earlier run as judged again
    ended = phases(run.id)
    assert sorted(ended) == [f"inkoop-2026 fase {n}" for n in range(6)], ended
    assert all(states.count("Afgerond") == 1 and set(states) <= {"Afgerond", "Opnieuw beoordeeld"}
               for states in ended.values()), ended
    assert "Nog niet begonnen" not in str(ended) and "Loopt" not in str(ended)
    with get_client(sync_client=True) as client:  # the period's own words, in the past tense now
        four = [c for c in client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=50)
            if c.name == "inkoop-2026 fase 4"][0]
    assert four.state.message == "Fase 4 liep tot en met woensdag 31 december 2025; uitgang open", four.state.message
