"""The record-decision deployment: a form in the UI for decisions taken outside a waiting run.

Its fields are those of a college's inbox form (flows/forms.py): the college by its name, the outcome in
Dutch, a date the person chooses (never filled in), and who records it: the user name and a one-time code on
a register with people, a name on one without. The register checks it all and says in Dutch what is wrong,
naming the form's fields; nothing is written then."""

from __future__ import annotations

from typing import Annotated, Literal

from prefect import flow, get_run_logger
from prefect.states import Failed, State
from pydantic import Field

from flows.forms import FORM_LABELS
from tasks.register import Refused, point_key, point_title, record_typed_task
from tasks.runs import resume_waiting_runs
from models.core.inputs import clip

OUTCOMES = Literal[tuple(FORM_LABELS.values())]  # type: ignore[valid-type] - 'Go', 'Akkoord met voorbehoud', ...


def _run_name() -> str:
    """'inkoop-2026: het college van Winterswijk over Besluitvorming door colleges: go/no-go' (titles, no keys)."""
    from prefect.runtime import flow_run

    p = flow_run.parameters
    return f"{p.get('programme', '')}: {p.get('body', '')} over {point_title(p.get('programme', ''), p.get('point', ''))}"


@flow(name="regie-besluit-vastleggen", flow_run_name=_run_name,
      description="Leg een besluit vast in het register en zet de run voort die erop wacht.")
def record_decision_flow(
    programme: Annotated[str, Field(title="Programma", description="bijv. inkoop-2026")],
    point: Annotated[str, Field(title="Besluitpunt", description="kies het besluitpunt (de titel, zoals "
                                                                  "`regie status` het noemt)")],
    body: Annotated[str, Field(title="Orgaan", description="het college (of de bestuurders) dat besloot")],
    outcome: Annotated[OUTCOMES, Field(title="Uitkomst")],
    decided_on: Annotated[str, Field(title="Besluitdatum", pattern=r"^(\d{4}-\d{2}-\d{2})?$",
                                     json_schema_extra={"format": "date"},
                                     description="kies de datum van het besluit (verplicht); niet in de toekomst")] = "",
    reference: Annotated[str, Field(title="Kenmerk", description="bijv. het besluitnummer van het college")] = "",
    reservation: Annotated[str, Field(title="Voorbehoud",
                                      description="alleen bij 'Akkoord met voorbehoud': de tekst")] = "",
    extra_meeting: Annotated[bool, Field(title="Extra vergadering", description="aanvinken als het college buiten "
                                                                                "zijn vaste vergaderdag besloot")] = False,
    supersedes: Annotated[int, Field(title="Vervangt besluit nr.", ge=0, description="alleen bij een correctie: "
                                     "het nummer van het besluit dat dit vervangt (0: geen)")] = 0,
    lifts: Annotated[int, Field(title="Heft voorbehoud op van besluit nr.", ge=0, description="alleen als dit "
                                "besluit een voorbehoud van het college opheft: het nummer van dat besluit (0: geen)")] = 0,
    login: Annotated[str, Field(title="Gebruikersnaam", description="uw gebruikersnaam in Regie")] = "",
    code: Annotated[str, Field(title="Eenmalige code", description="de 6 cijfers uit uw authenticator-app; elke "
                                                                   "code werkt één keer")] = "",
    recorded_by: Annotated[str, Field(title="Uw naam", description="alleen op een register zonder personen; "
                                                                   "anders gelden gebruikersnaam en code")] = "",
) -> int | State:
    logger = get_run_logger()
    typed = dict(body=body, outcome=outcome, decided_on=decided_on, reference=reference, reservation=reservation,
                 extra_meeting=extra_meeting, supersedes=supersedes, lifts=lifts, login=login, code=code,
                 recorded_by=recorded_by)
    point = point_key(programme, point)  # the form names the point by its title
    recorded = record_typed_task(programme, point, typed)
    if isinstance(recorded, Refused):  # a refusal is an answer: one Dutch line, no traceback; not a success
        return Failed(name="Geweigerd", message=clip(recorded.message, 500))
    decision_id, message = recorded
    logger.info("Besluit %s over '%s': %s", body, point_title(programme, point), message)
    for name in resume_waiting_runs(programme, point, body):
        logger.info("Wachtende run %s hervat", name)
    return decision_id
