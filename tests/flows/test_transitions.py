"""Decisions recorded elsewhere resume the run; manual transitions; the daily sweep."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from flows.advance import advance_phase_flow
from flows.programme import programme_flow
from flows.record_decision import record_decision_flow
from flows.sweep import resume_sweep_flow
from models.access.session import register_session
from models.facts.entities import Decision, GoverningBody, PhaseOverride
from models.commands.register import record_decision
from tasks.runs import waiting_runs
from tests.flows.helpers import in_thread, record_all, wait_until


def decisions() -> int:
    with register_session() as session:
        return session.scalar(select(func.count()).select_from(Decision))


def test_record_decision_deployment_writes_and_resumes_the_waiting_run(flow_env):
    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    wait_until(lambda: waiting_runs("inkoop-2026", "go-no-go"), what="the run to wait")
    decision_id = record_decision_flow(  # as the form sends it: the college's name, the Dutch outcome
        programme="inkoop-2026", point="go-no-go", body="het college van Winterswijk", outcome="Go",
        decided_on="2024-11-05", recorded_by="Secretaris Winterswijk", reference="2024/12")
    thread.join(600)
    assert box["result"].is_completed(), box
    with register_session() as session:
        assert session.get(Decision, decision_id).via == "deployment"
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, TaskRunFilter, TaskRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:  # runs named with titles and names, not keys
        run = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["regie-besluit-vastleggen"])),
                                    sort=FlowRunSort.START_TIME_DESC, limit=1)[0]
        assert run.name == "inkoop-2026: het college van Winterswijk over Besluitvorming door colleges: go/no-go"
        forms = [t.name for t in client.read_task_runs(task_run_filter=TaskRunFilter(
            name=TaskRunFilterName(like_="formulier ")))]
    assert "formulier Besluitvorming door colleges: go/no-go (1e invoer)" in forms, forms
    assert not any("regie-" in name for name in forms), forms


@pytest.mark.parametrize(
    "change, words",
    [
        ({"body": "het college van Aalten"}, "al besloten"),
        ({"decided_on": "2099-01-01"}, "in de toekomst"),
        ({"decided_on": ""}, "de besluitdatum ontbreekt"),  # never a date nobody chose
        ({"recorded_by": " "}, "Vastgelegd door: vul uw naam in"),
        ({"body": "lochem"}, "onbekend bestuursorgaan 'lochem'"),
        ({"decided_on": "2024-11-09"}, "vakje 'Extra vergadering'"),  # a Saturday: the form's field, no flag
    ],
)
def test_record_decision_deployment_refuses_bad_input_and_writes_nothing(flow_env, change, words):
    record_all(skip={("go-no-go", "winterswijk")})
    before = decisions()
    params = dict(programme="inkoop-2026", point="go-no-go", body="het college van Winterswijk", outcome="Go",
                  decided_on="2024-11-05", recorded_by="x")
    params.update(change)
    state = record_decision_flow(**params, return_state=True)
    # a refusal is an answer: a named state with one Dutch line, not a failure with a traceback
    assert state.is_failed() and state.name == "Geweigerd" and words in state.message, state.message
    assert "\n" not in state.message and "Traceback" not in state.message and "--" not in state.message
    assert decisions() == before


def test_the_record_decision_form_speaks_dutch_and_asks_who_with_a_code_where_people_are_registered(flow_env):
    """The deployment's form: Dutch titles, the college and the outcome chosen from lists of Dutch names, no
    date filled in; on a register with people the user name and a one-time code, checked once."""
    import pyotp

    from deployments.definitions import RECORD_DECISION, build_deployments
    from models.commands.identity import add_person, login_of

    record_all(skip={("go-no-go", "winterswijk")})
    schema = next(d for d in build_deployments() if d.name == RECORD_DECISION)._parameter_openapi_schema
    props = schema.properties
    assert [props[k]["title"] for k in ("programme", "point", "body", "outcome", "decided_on", "login", "code")] == [
        "Programma", "Besluitpunt", "Orgaan", "Uitkomst", "Besluitdatum", "Gebruikersnaam", "Eenmalige code"]
    assert props["programme"]["enum"] == ["inkoop-2022", "inkoop-2026"]
    assert "het college van Winterswijk" in props["body"]["enum"] and "winterswijk" not in props["body"]["enum"]
    assert "Akkoord met voorbehoud" in json.dumps(props["outcome"]) and "approved" not in json.dumps(props["outcome"])
    assert props["decided_on"]["default"] == "" and props["decided_on"]["format"] == "date"
    assert sorted(schema.required) == ["body", "decided_on", "outcome", "point", "programme"]  # the date asked for

    with register_session() as session:
        add_person(session, login=login_of(session), name="Beheerder", role="beheerder")
        sec = add_person(session, login="sec_winterswijk", name="Secretaris Winterswijk", role="secretaris",
                         body="winterswijk", totp=True)
    totp = pyotp.TOTP(pyotp.parse_uri(sec.totp_uri).secret)
    form = dict(programme="inkoop-2026", point="go-no-go", body="het college van Winterswijk", outcome="Go",
                decided_on="2024-11-05")
    before = decisions()
    named = record_decision_flow(**form, recorded_by="Secretaris Winterswijk", return_state=True)
    assert named.name == "Geweigerd" and "Gebruikersnaam en Eenmalige code: vul beide in" in named.message
    code = totp.now()
    decision_id = record_decision_flow(**form, login="sec_winterswijk", code=code)
    again = record_decision_flow(**form, login="sec_winterswijk", code=code, return_state=True)  # a second submit
    assert again.name == "Geweigerd" and "al gebruikt" in again.message
    with register_session() as session:
        decision = session.get(Decision, decision_id)
        slug = session.scalar(select(GoverningBody.slug).where(GoverningBody.id == decision.body_id))
        assert (decision.via, decision.recorded_by, slug) == ("deployment", "Secretaris Winterswijk", "winterswijk")
    assert decisions() == before + 1  # the name alone and the second submit wrote nothing


def test_advance_passes_milestones_but_not_mandatory_decisions(flow_env):
    record_all(skip={("qa-rounds", "projectteam"), ("submission", "projectteam"), ("award", "doetinchem")})
    refused = advance_phase_flow("inkoop-2026", 4, "gunning loopt", recorded_by="Projectleider", return_state=True)
    assert refused.is_failed() and refused.name == "Geweigerd"
    assert "verplichte besluiten overslaan: 'Besluitvorming gunning door college penvoerder' (fase 3)" in refused.message
    with register_session() as session:
        assert session.scalar(select(func.count()).select_from(PhaseOverride)) == 0
    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="award", body="doetinchem", outcome="approved",
                        decided_on="2025-03-24", recorded_by="Secretaris Doetinchem")
    released = advance_phase_flow("inkoop-2026", 4, "inlichtingen en inschrijving via Mercell afgerond",
                                  recorded_by="Projectleider", return_state=True)
    override_id = released.result()
    assert released.is_completed() and released.name == "Vrijgegeven"  # the badge in Dutch, with what was passed
    assert released.message == (f"inkoop-2026 naar fase 4 (overgang #{override_id}); overgeslagen mijlpalen: "
                                "'Inlichtingenronde 2 - laatste nota van inlichtingen gepubliceerd (inlichtingen "
                                "gesloten)', 'Indienen inschrijvingen gesloten'")
    with register_session() as session:
        override = session.get(PhaseOverride, override_id)
        assert override.overridden_points == ["qa-rounds", "submission"]
        assert override.reason == "inlichtingen en inschrijving via Mercell afgerond"
    state = programme_flow("inkoop-2026", return_state=True)
    assert state.is_completed(), state.message


def test_sweep_resumes_only_runs_whose_gate_opened(flow_env):
    record_all(skip={("go-no-go", "winterswijk")})
    thread, box = in_thread(programme_flow, "inkoop-2026")
    wait_until(lambda: waiting_runs("inkoop-2026", "go-no-go"), what="the run to wait")
    assert resume_sweep_flow() == []
    assert waiting_runs("inkoop-2026", "go-no-go")
    with register_session() as session:  # recorded while no one resumed the run: a lost resume
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="winterswijk", outcome="go",
                        decided_on="2024-11-05", recorded_by="x")
    assert len(resume_sweep_flow()) == 1
    thread.join(600)
    assert box["result"].is_completed(), box


def test_an_inbox_run_ends_by_itself_when_its_decision_came_another_way(flow_env):
    from flows.inbox import inbox_flow

    record_all(skip={("go-no-go", "winterswijk"), ("go-no-go", "montferland")})
    thread, box = in_thread(inbox_flow, "inkoop-2026", "go-no-go", "winterswijk")
    other, other_box = in_thread(inbox_flow, "inkoop-2026", "go-no-go", "montferland")
    waiting = wait_until(lambda: len(waiting_runs("inkoop-2026", "go-no-go")) == 2 and
                         waiting_runs("inkoop-2026", "go-no-go"), what="two inbox runs to wait")
    assert sorted(w.body for w in waiting) == ["montferland", "winterswijk"]
    assert resume_sweep_flow() == []  # both colleges still owe: both wait
    with register_session() as session:  # Winterswijk's secretary used `regie decide`: a no-go
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="winterswijk", outcome="no-go",
                        decided_on="2024-11-05", recorded_by="Secretaris Winterswijk")
    assert len(resume_sweep_flow()) == 2  # Winterswijk's inbox, and Montferland's: no go/no-go is owed any more
    thread.join(600)
    other.join(600)
    state = box["result"]
    assert state.is_completed() and state.name == "Vastgelegd"  # the college's own decision, as it came in
    assert state.message.startswith("Besluit #") and "het college van Winterswijk: no-go op dinsdag 5 november 2024" in state.message
    moot = other_box["result"]
    assert moot.is_cancelled() and moot.name == "Niet meer nodig"
    assert "no-go door het college van Winterswijk" in moot.message
    assert waiting_runs("inkoop-2026", "go-no-go") == []


def test_an_inbox_passed_over_by_a_manual_transition_says_so(flow_env):
    from flows.inbox import inbox_flow

    record_all(skip={("qa-rounds", "projectteam"), ("submission", "projectteam")})
    thread, box = in_thread(inbox_flow, "inkoop-2026", "qa-rounds", "projectteam")
    wait_until(lambda: waiting_runs("inkoop-2026", "qa-rounds"), what="the project team's inbox to wait")
    override_id = advance_phase_flow("inkoop-2026", 4, "inlichtingen afgerond via Mercell", recorded_by="Projectleider")
    assert override_id
    thread.join(600)
    moot = box["result"]
    assert moot.is_cancelled() and moot.name == "Niet meer nodig"
    assert moot.message == ("'Inlichtingenronde 2 - laatste nota van inlichtingen gepubliceerd (inlichtingen "
                            "gesloten)' is overgeslagen bij een handmatige overgang naar een volgende fase; er wordt "
                            "niet meer op gewacht")
    assert "te laat sinds" not in moot.message


def test_the_lead_releases_a_phase_from_the_ui_with_a_user_name_and_a_one_time_code(flow_env):
    """Where the register knows people, the flow runs as the service: the lead proves who they are in the
    form. A refusal names the form's own fields; a code works once, also when the release was refused."""
    import time

    import pyotp

    from models.commands.identity import add_person, login_of

    record_all(skip={("qa-rounds", "projectteam"), ("submission", "projectteam"), ("award", "doetinchem")})
    with register_session() as session:
        add_person(session, login=login_of(session), name="Beheerder", role="beheerder")
        lead = add_person(session, login="inkoopleider", name="Inkoopleider", role="projectteam", totp=True)
        sec = add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten",
                         totp=True)
        add_person(session, login="sec_doetinchem", name="Secretaris Doetinchem", role="secretaris",
                   body="doetinchem", totp=True)
    lead_totp, sec_totp = (pyotp.TOTP(pyotp.parse_uri(p.totp_uri).secret) for p in (lead, sec))

    def release(**form):
        return advance_phase_flow("inkoop-2026", 4, form.pop("reason", "gunning afgerond"), return_state=True, **form)

    nothing = release(recorded_by="Projectleider")  # a typed name is not enough here
    assert nothing.name == "Geweigerd" and nothing.message == ("vul uw gebruikersnaam en de eenmalige code in; "
                                                               "er is niets vastgelegd")
    assert "--by" not in nothing.message
    secretary = release(login="sec_aalten", code=sec_totp.now())
    assert secretary.name == "Geweigerd" and "mag geen handmatige overgangen vastleggen" in secretary.message
    code = lead_totp.now()
    early = release(login="inkoopleider", code=code)  # the award is not decided yet
    assert early.name == "Geweigerd" and "verplichte besluiten overslaan" in early.message
    again = release(login="inkoopleider", code=code)
    assert again.name == "Geweigerd" and "al gebruikt" in again.message
    with register_session() as session:
        assert session.scalar(select(func.count()).select_from(PhaseOverride)) == 0
        record_decision(session, programme="inkoop-2026", point="award", body="doetinchem", outcome="approved",
                        decided_on="2025-03-24", recorded_by=None,
                        verified=("sec_doetinchem", "Secretaris Doetinchem"))  # as from her inbox form
    override_id = advance_phase_flow("inkoop-2026", 4, "inschrijving via Mercell afgerond", login="inkoopleider",
                                     code=lead_totp.at(time.time() + lead_totp.interval))  # the next code
    with register_session() as session:
        override = session.get(PhaseOverride, override_id)
        assert (override.recorded_by, override.recorded_as) == ("Inkoopleider", "inkoopleider")


def test_two_inboxes_answered_at_once_leave_no_duplicate_or_stale_phase_run(flow_env):
    """Montferland and Winterswijk answer their inboxes in the same moment: each inbox records its own
    decision and resumes the programme run; the programme run goes on once, with one phase run that waited
    and one that finished the phase, and nothing is left waiting."""
    import threading
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.flow_runs import resume_flow_run

    from flows.inbox import inbox_flow

    record_all(skip={("go-no-go", "winterswijk"), ("go-no-go", "montferland")})
    programme, box = in_thread(programme_flow, "inkoop-2026")
    run = wait_until(lambda: waiting_runs("inkoop-2026", "go-no-go", inboxes=False), what="the run to wait")[0]
    boxes = {body: in_thread(inbox_flow, "inkoop-2026", "go-no-go", body) for body in ("winterswijk", "montferland")}
    inboxes = wait_until(lambda: (found := [w for w in waiting_runs("inkoop-2026", "go-no-go") if w.body])
                         and len(found) == 2 and found, what="both inboxes to wait")
    start = threading.Barrier(2)

    def answer(inbox):
        start.wait(30)  # the two answers in the same moment
        resume_flow_run(UUID(inbox.id), run_input={"outcome": "Go", "decided_on": "2024-11-05",
                                                   "recorded_by": f"Secretaris {inbox.body}"})

    answering = [threading.Thread(target=answer, args=(inbox,)) for inbox in inboxes]
    for t in answering:
        t.start()
    for t in answering:
        t.join(120)
    for thread, _ in boxes.values():
        thread.join(600)
    programme.join(600)
    assert box["result"].is_completed(), box
    for body, (_, inbox_box) in boxes.items():  # each inbox recorded its own college's decision, once
        assert inbox_box["result"].name == "Vastgelegd", (body, inbox_box)
    with register_session() as session:
        go = [d.body.slug for d in session.scalars(select(Decision).where(Decision.decision_point.has(key="go-no-go")))]
    assert sorted(go) == sorted(set(go)) and len(go) == 8  # one each, none twice
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run.id)])), limit=100)
    for number in range(6):  # one run per phase; the waiting phase once more per resume that found it waiting
        runs = sorted((c for c in children if c.name == f"inkoop-2026 fase {number}"), key=lambda c: c.created)
        states = [(c.state.type.value, c.state.name) for c in runs]
        if number != 2:
            assert states == [("COMPLETED", "Afgerond")], (number, states)
            continue
        # it waited first; one answer may have woken the run before the other was in (then it waited once
        # more); never two runs for one resume, and the last one finished the phase
        assert 2 <= len(states) <= 3, states
        assert sorted(states) == [("CANCELLED", "Opnieuw beoordeeld")] * (len(states) - 1) + [("COMPLETED", "Afgerond")]
    assert all(c.state.is_final() for c in children)
    assert waiting_runs("inkoop-2026") == []  # nothing stale left waiting


def test_the_resume_sweep_keeps_one_readable_run_in_its_queue_and_leaves_no_cancelled_runs():
    """A burst of decisions queues a check per decision behind the running one: the running check keeps only
    the newest, named in Dutch, and deletes the others (they would do the same work); at its start it deletes
    those queued before it began, since it reads the register after them. A scheduled check is left alone."""
    import datetime as dt

    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Scheduled

    from tasks.runs import AWAITING_SLOT, QUEUED_SWEEP_NAME, tidy_sweep_queue

    deployment_id = resume_sweep_flow.to_deployment(name="wachtrij-test").apply()
    with get_client(sync_client=True) as client:
        queued = [client.create_flow_run_from_deployment(deployment_id, state=Scheduled(name=AWAITING_SLOT))
                  for _ in range(3)]
        later = client.create_flow_run_from_deployment(
            deployment_id, state=Scheduled(scheduled_time=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)))
        assert all(run.state.name == AWAITING_SLOT for run in queued) and later.state.name == "Scheduled"

        assert tidy_sweep_queue(str(deployment_id)) == 2  # at the end of a check: the newest stays
        left = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        assert sorted(r.id for r in left) == sorted([queued[-1].id, later.id])
        assert client.read_flow_run(queued[-1].id).name == QUEUED_SWEEP_NAME
        for run in queued[:-1]:
            with pytest.raises(ObjectNotFound):
                client.read_flow_run(run.id)

        asked_after = client.create_flow_run_from_deployment(deployment_id, state=Scheduled(name=AWAITING_SLOT))
        started = asked_after.created - dt.timedelta(microseconds=1)  # a check that began just before it
        assert tidy_sweep_queue(str(deployment_id), started) == 1  # the one queued before the check began
        left = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        assert sorted(r.id for r in left) == sorted([asked_after.id, later.id])
        assert tidy_sweep_queue(None) == 0  # a check run without a deployment (in a test, by hand): nothing to do


def test_the_resume_sweep_refreshes_nu_aan_zet_after_a_decision_no_programme_run_saw(flow_env):
    """'Nu aan zet' followed only the programme run: a decision recorded while no run moved (a form, `regie
    decide`) left it stale. The resume sweep (every 5 minutes, and at once after a decision) refreshes it."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    def latest() -> str:
        with get_client(sync_client=True) as client:
            found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["inkoop-2026-nu-aan-zet"])),
                                          sort=ArtifactSort.CREATED_DESC, limit=1)
        return json.dumps(found[0].data, ensure_ascii=False) if found else ""

    record_all(skip={("go-no-go", "winterswijk")})
    resume_sweep_flow()
    assert "Besluitvorming door colleges: go/no-go" in latest() and "Winterswijk" in latest()
    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="winterswijk", outcome="go",
                        decided_on="2024-11-05", recorded_by="Secretaris Winterswijk")
    resume_sweep_flow()
    assert "go/no-go" not in latest(), latest()


def test_runs_planned_ahead_carry_dutch_names_not_random_ones():
    """Prefect's scheduler plans the checks and the reminders ahead under random names ('classy-marten'); the
    check names them as they will be named, and leaves a queued check to its queue's own name."""
    import datetime as dt

    from prefect import get_client
    from prefect.states import Scheduled

    from flows.reminders import reminder_flow
    from models.core import clock
    from tasks.runs import AWAITING_SLOT, name_planned_runs

    sweep_id = resume_sweep_flow.to_deployment(name="gepland-test").apply()
    reminders_id = reminder_flow.to_deployment(name="gepland-test").apply()
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
    with get_client(sync_client=True) as client:
        check = client.create_flow_run_from_deployment(sweep_id, state=Scheduled(scheduled_time=at))
        queued = client.create_flow_run_from_deployment(sweep_id, state=Scheduled(name=AWAITING_SLOT))
        reminders = client.create_flow_run_from_deployment(reminders_id, state=Scheduled(scheduled_time=at))
        asked = client.create_flow_run_from_deployment(sweep_id)  # now, as the automation asks: it names itself
        assert name_planned_runs({str(sweep_id): "sweep", str(reminders_id): "reminders"}) == 2
        assert client.read_flow_run(asked.id).name == asked.name  # not 'gepland'
        assert client.read_flow_run(check.id).name == "controle wachtende runs (gepland)"
        assert client.read_flow_run(reminders.id).name == f"herinneringen {clock.dutch_date(clock.local_date(at))} (gepland)"
        assert client.read_flow_run(queued.id).name == queued.name  # the queue names its own
        assert name_planned_runs({str(sweep_id): "sweep", str(reminders_id): "reminders"}) == 0  # once


def test_a_refusal_leaves_no_engine_traceback_in_the_runs_log_but_a_real_error_does():
    """A refused transition ends 'Geweigerd' with its Dutch reason; Prefect's engine also logged its own FailedRun
    with a traceback at ERROR (a walk found it on every refused run). That record is dropped; a flow that really
    raises keeps its traceback."""
    import logging
    import sys

    import flows  # noqa: F401 - installs the filter, as every flow module's import does
    from prefect.exceptions import FailedRun

    logger = logging.getLogger("prefect.flow_runs")

    def kept(exc: Exception) -> bool:
        try:
            raise exc
        except Exception:  # noqa: BLE001
            record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1,
                                       "Engine execution exited with unexpected exception", (), sys.exc_info())
        return logger.filter(record)

    assert not kept(FailedRun("Geweigerd: verplichte besluiten overslaan"))
    assert kept(ValueError("a real error"))
    assert logger.filter(logger.makeRecord(logger.name, logging.INFO, __file__, 1, "Geweigerd: ...", (), None))


def test_every_deployment_loaded_by_its_path_installs_the_log_filter():
    """A deployment loads its flow file by path, not as part of the `flows` package: each entrypoint of
    prefect.yaml, loaded so in a fresh process, has the filter (a walk found the traceback on refused
    advance-phase runs: that file did not import the package)."""
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    entrypoints = [d["entrypoint"] for d in yaml.safe_load((root / "prefect.yaml").read_text())["deployments"]]
    assert len(entrypoints) == 6
    code = ("import logging, sys\nfrom prefect.flows import load_flow_from_entrypoint\n"
            "load_flow_from_entrypoint(sys.argv[1])\n"
            "print([type(f).__name__ for f in logging.getLogger('prefect.flow_runs').filters])")
    for entrypoint in entrypoints:
        out = subprocess.run([sys.executable, "-c", code, entrypoint], cwd=root, capture_output=True, text=True,
                             timeout=300)
        assert "_NoTracebackForAnAnswer" in out.stdout, (entrypoint, out.stdout, out.stderr[-2000:])
