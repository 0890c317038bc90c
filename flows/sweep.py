"""The daily sweep: wake every waiting run whose decision point is no longer blocking."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from models.access.session import register_session
from models.views.status import evaluate
from models.core.vocabulary import Status
from tasks.runs import owes
from tasks.runs import resume, waiting_runs


@task(name="wachtende runs controleren")
def resume_unblocked_runs() -> list[str]:
    logger = get_run_logger()
    resumed = []
    for run in waiting_runs():
        with register_session(read_only=True) as session:
            ev = evaluate(session, run.programme)
            verdict = next((v for dp, _, v in ev.points if dp.key == run.point), None)
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
            logger.info("%s wacht terecht op %s: %s", run.name, run.point, verdict.reason)
            continue
        if resume(run):
            logger.info("%s hervat: %s is niet meer open", run.name, run.point)
            resumed.append(run.name)
    return resumed


@task(name="verschuldigde berichten versturen")
def deliver_owed_messages() -> int:
    """Messages the register still owes (a crash after a decision, a relay that was down): send them now."""
    from notifications.events import deliver_owed
    from tasks.register import log_sends

    outcomes = deliver_owed()
    log_sends(outcomes)
    return sum(o.status == "sent" for o in outcomes)


@task(name="opschortende termijnen afronden")
def settle_standstills() -> list[str]:
    """A standstill ends by itself: lots whose term ran out without an objection are awarded definitively."""
    from models.access.jobs import settle_all

    logger = get_run_logger()
    done = settle_all()
    for line in done:
        logger.info("%s", line)
    return done


@flow(name="regie-wachtende-runs-hervatten", flow_run_name="controle wachtende runs",
      description="Hervat wachtende runs waarvan de poort inmiddels open is, en verstuurt verschuldigde berichten.")
def resume_sweep_flow() -> list[str]:
    deliver_owed_messages()
    settle_standstills()
    return resume_unblocked_runs()
