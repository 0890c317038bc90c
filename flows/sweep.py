"""The daily sweep: wake every waiting run whose decision point is no longer blocking."""

from __future__ import annotations

import flows  # noqa: F401 - a deployment loads this file by its path: the package's log filter with it
from prefect import flow, get_run_logger, task

from models.access.session import register_session
from models.views.status import evaluate
from models.core.vocabulary import Status
from models.core import clock
from tasks.artifacts import publish_overview, refresh_programme_artifacts
from tasks.runs import owes
from tasks.runs import resume, waiting_runs


@task(name="wachtende runs controleren", task_run_name="wachtende runs controleren")
def resume_unblocked_runs() -> list[str]:
    logger = get_run_logger()
    resumed = []
    for run in waiting_runs():
        with register_session(read_only=True) as session:
            ev = evaluate(session, run.programme)
            verdict = next((v for dp, _, v in ev.points if dp.key == run.point), None)
            title = next((dp.title for dp, _, _ in ev.points if dp.key == run.point), run.point)
            if run.body is not None:  # an inbox run: it waits as long as its college still owes the decision
                blocked = verdict is not None and owes(verdict, run.body) and run.point not in ev.passed_over
            else:  # a rejection resumes too: the run then stops with the reason instead of waiting for ever
                blocked = (
                    verdict is not None
                    and not verdict.ok
                    and verdict.status is not Status.REJECTED
                    and run.point not in ev.passed_over
                )
        if blocked:
            logger.info("%s wacht terecht op '%s': %s", run.name, title, verdict.reason)
            continue
        if resume(run):
            logger.info("%s hervat: '%s' is niet meer open", run.name, title)
            resumed.append(run.name)
    return resumed


@task(name="verschuldigde berichten versturen", task_run_name="verschuldigde berichten versturen")
def deliver_owed_messages() -> int:
    """Messages the register still owes (a crash after a decision, a relay that was down): send them now."""
    from notifications.events import deliver_owed
    from tasks.register import log_sends

    outcomes = deliver_owed()
    log_sends(outcomes)
    return sum(o.status == "sent" for o in outcomes)


@task(name="opschortende termijnen afronden", task_run_name="opschortende termijnen afronden")
def settle_standstills() -> list[str]:
    """A standstill ends by itself: lots whose term ran out without an objection are awarded definitively."""
    from models.access.jobs import settle_all

    logger = get_run_logger()
    done = settle_all()
    for line in done:
        logger.info("%s", line)
    return done


@task(name="wachtrij van controles opruimen", task_run_name="wachtrij van controles opruimen")
def tidy_queue(at_start: bool = False) -> int:
    """The checks queued beside this one. At its start: those asked before it began are this one. At its end:
    one is enough to follow (it sees every decision recorded before it starts)."""
    import datetime as dt

    from prefect.runtime import deployment

    from tasks.runs import tidy_sweep_queue

    # at the start: asked before now, and this check reads the register after now
    try:
        removed = tidy_sweep_queue(deployment.id, dt.datetime.now(dt.timezone.utc) if at_start else None)
    except Exception as exc:  # noqa: BLE001 - housekeeping: the check itself must go on
        get_run_logger().warning("wachtrij niet opgeruimd: %s: %s", type(exc).__name__, exc)
        return 0
    if removed:
        get_run_logger().info("%s controle(s) in de rij vervallen: de volgende controle ziet hun besluiten ook",
                              removed)
    return removed


@task(name="geplande runs benoemen", task_run_name="geplande runs benoemen")
def name_planned() -> int:
    """The checks and reminder runs planned ahead, named in Dutch instead of Prefect's random names."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.runtime import deployment

    from flows.reminders import reminder_flow
    from tasks.runs import name_planned_runs

    if not deployment.id:
        return 0  # run by hand, outside the served deployments
    ids = {str(deployment.id): "sweep"}
    with get_client(sync_client=True) as client:  # the reminders' deployments, by their flow (deployments/ imports us)
        for found in client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[reminder_flow.name]))):
            ids[str(found.id)] = "reminders"
    try:
        return name_planned_runs(ids)
    except Exception as exc:  # noqa: BLE001 - housekeeping: a name is no reason for a failed check
        get_run_logger().warning("geplande runs niet benoemd: %s: %s", type(exc).__name__, exc)
        return 0


@flow(name="regie-wachtende-runs-hervatten", flow_run_name="controle wachtende runs",
      description="Hervat wachtende runs waarvan de poort inmiddels open is, en verstuurt verschuldigde berichten.")
def resume_sweep_flow() -> list[str]:
    tidy_queue(at_start=True)
    deliver_owed_messages()
    settle_standstills()
    resumed = resume_unblocked_runs()
    # 'Nu aan zet' as it stands now, also where no programme run moved, and 'Regie overzicht' (a new version only
    # when something changed); a page that could not be refreshed is in the task's state, the check goes on
    refresh_programme_artifacts(return_state=True)
    publish_overview(clock.today(), return_state=True)
    tidy_queue()
    name_planned()
    return resumed
