"""The record-decision deployment: a form in the UI for decisions taken outside a waiting run."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect import flow, get_run_logger
from prefect.states import Failed, State
from pydantic import BaseModel, Field

from tasks.register import Refused, record_decision_task
from tasks.runs import resume_waiting_runs
from models.core.inputs import clip


class DecisionParameters(BaseModel):
    """A decision as a secretary enters it."""

    programme: str = Field(title="Programma", description="bijv. inkoop-2026")
    point: str = Field(title="Besluitpunt", description="bijv. go-no-go")
    body: str = Field(title="Orgaan", description="aalten, berkelland, ..., winterswijk of bestuurders")
    outcome: Literal["go", "no-go", "approved", "rejected", "deferred", "approved-with-reservation"] = Field(
        title="Uitkomst"
    )
    decided_on: dt.date = Field(title="Besluitdatum")
    recorded_by: str = Field(title="Vastgelegd door", min_length=1)
    reference: str | None = Field(None, title="Kenmerk")
    reservation: str | None = Field(None, title="Voorbehoud")
    lifts: int | None = Field(None, title="Heft voorbehoud op van besluit #")
    supersedes: int | None = Field(None, title="Vervangt besluit #")


@flow(name="regie-besluit-vastleggen", flow_run_name="{decision.programme} {decision.point} {decision.body}",
      description="Leg een besluit vast in het register en zet de run voort die erop wacht.")
def record_decision_flow(decision: DecisionParameters) -> int | State:
    logger = get_run_logger()
    recorded = record_decision_task(decision.model_dump(), via="deployment")
    if isinstance(recorded, Refused):  # a refusal is an answer: one Dutch line, no traceback; not a success
        return Failed(name="Geweigerd", message=clip(recorded.message, 500))
    if recorded.created:
        logger.info("Besluit #%s vastgelegd: %s over %s: %s", recorded.decision_id, recorded.body, recorded.point,
                    recorded.outcome)
    else:
        logger.info("Dit besluit stond al in het register als #%s", recorded.decision_id)
    resumed = resume_waiting_runs(decision.programme, decision.point, decision.body)
    for name in resumed:
        logger.info("Wachtende run %s hervat", name)
    return recorded.decision_id
