"""The advance-phase deployment: the procurement lead moves the programme on by hand, with a reason."""

from __future__ import annotations

import flows  # noqa: F401 - a deployment loads this file by its path: the package's log filter with it
from prefect import flow, get_run_logger
from prefect.states import Completed, Failed, State
from pydantic import Field
from typing import Annotated

from notifications import prefect_events
from tasks.register import Refused, advance_task, point_titles
from tasks.runs import resume_waiting_runs
from models.core.inputs import clip


@flow(name="regie-fase-vrijgeven", flow_run_name="{programme} naar fase {to_phase}",
      description="Geef een fase handmatig vrij; geweigerd als daarmee een verplicht besluit wordt overgeslagen.")
def advance_phase_flow(
    programme: Annotated[str, Field(title="Programma", description="bijv. inkoop-2026")],
    to_phase: Annotated[int | str, Field(title="Naar fase", description="de fase die de programmarun mag beginnen")],
    reason: Annotated[str, Field(title="Reden", description="waarom deze fase nu wordt vrijgegeven (verplicht)")] = "",
    login: Annotated[str, Field(title="Gebruikersnaam", description="uw gebruikersnaam in Regie")] = "",
    code: Annotated[str, Field(title="Eenmalige code",
                               description="de 6 cijfers uit uw authenticator-app; elke code werkt één keer")] = "",
    recorded_by: Annotated[str, Field(title="Uw naam", description="alleen op een register zonder personen; "
                                                                   "anders gelden gebruikersnaam en code")] = "",
) -> int | State:
    logger = get_run_logger()
    number = phase_number(to_phase)
    if number is None:
        return Failed(name="Geweigerd", message=f"Naar fase: kies een fase uit de lijst (niet '{clip(str(to_phase), 40)}')")
    to_phase = number
    advanced = advance_task(programme, to_phase, reason, recorded_by, login, code)
    if isinstance(advanced, Refused):  # a refusal is an answer: one Dutch line, no traceback; not a success
        return Failed(name="Geweigerd", message=clip(advanced.message, 500))
    prefect_events.emit(prefect_events.MANUAL_TRANSITION, programme, f"overgang-{advanced.override_id}",
                        payload={"naar_fase": to_phase, "reden": reason, "overgeslagen": list(advanced.passed_over)})
    passed = ", ".join(f"'{point_titles(programme).get(k, k)}'" for k in advanced.passed_over) or "geen"
    message = f"{programme} naar fase {to_phase} (overgang #{advanced.override_id}); overgeslagen mijlpalen: {passed}"
    logger.info(message)
    for name in resume_waiting_runs(programme):
        logger.info("Wachtende run %s hervat", name)
    # the badge says what happened, in Dutch; a caller still gets the transition's number as the result
    return Completed(data=advanced.override_id, name="Vrijgegeven", message=clip(message, 500))


def phase_label(number: int) -> str:
    """'4 - Implementatie': how the form lists a phase."""
    from flows.phases import PHASE_NAMES

    return f"{number} - {PHASE_NAMES[number]}"


def phase_number(chosen: int | str) -> int | None:
    """4 from '4 - Implementatie' (the form) or 4 (a caller); None for anything else."""
    head = str(chosen).strip().split(" ", 1)[0]
    return int(head) if head.isdigit() and 0 <= int(head) <= 5 else None
