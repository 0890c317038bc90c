"""The form a waiting run shows: the missing bodies as choices, the outcomes that fit, a date."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, create_model
from prefect.input import RunInput

from models import clock
from models.status import PhaseSnapshot, PointState

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def waiting_for(point: PointState) -> tuple[str, ...]:
    """Bodies a form may name: those still missing, or those whose reservation is still open."""
    return point.missing or point.reserved_bodies


def decision_form(point: PointState, attributed: bool = False) -> type[RunInput]:
    """Plain fields with defaults (no 'or None'), so the UI shows choice lists and a date picker.

    No field is required by the schema: `regie decide` and the sweep resume a run with `{}`,
    which only makes it read the register again. A person submitting the form sends every field;
    a missing date or name is refused by the server before anything happens.
    """
    bodies = waiting_for(point)
    outcomes = ("approved",) if not point.missing else point.outcomes
    if attributed:  # a register with people: who submits proves it with a one-time code (TOTP)
        who = dict(
            login=(str, Field("", title="Gebruikersnaam", description="uw gebruikersnaam in Regie")),
            code=(str, Field("", title="Eenmalige code", pattern=r"^(\d{6})?$",
                             description="de 6 cijfers uit uw authenticator-app; elke code werkt één keer")),
        )
    else:
        who = dict(recorded_by=(str, Field("", title="Vastgelegd door", min_length=1, description="uw naam")))
    return create_model(
        "Besluit",
        __base__=RunInput,
        body=(
            Literal[bodies],  # type: ignore[valid-type]
            Field(bodies[0], title="Orgaan", description="Het college (of de bestuurders) dat besloten heeft"),
        ),
        outcome=(Literal[outcomes], Field(outcomes[0], title="Uitkomst")),  # type: ignore[valid-type]
        decided_on=(
            str,
            Field("", title="Besluitdatum", pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                  description="De datum van het besluit; niet in de toekomst"),
        ),
        reference=(str, Field("", title="Kenmerk", description="bijv. het besluitnummer van het college")),
        reservation=(str, Field("", title="Voorbehoud", description="alleen bij akkoord met voorbehoud")),
        **who,
    )


def form_description(snap: PhaseSnapshot, point: PointState, names: tuple[str, ...], refusal: str | None) -> str:
    lines = []
    if refusal:
        lines += [f"> **Vorige invoer geweigerd, niets vastgelegd:** {refusal}", ""]
    lines += [
        f"## {point.title}",
        "",
        f"**{snap.programme_name}** ({snap.programme}), fase {snap.number} - {snap.name}.",
        "",
        f"Uiterlijk **{clock.dutch_date(point.due)}**. Stand: {point.reason}.",
        "",
        "Nog niet besloten:" if point.missing else "Open voorbehoud bij:",
        "",
        *[f"- {name}" for name in names],
        "",
        "Vul het besluit van één orgaan in en klik op *Submit*. Elk besluit wordt gecontroleerd "
        "voordat het in het register komt; een geweigerd besluit staat bovenaan het volgende formulier.",
    ]
    return "\n".join(lines)
