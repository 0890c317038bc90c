"""The form a waiting run shows: the missing bodies as choices, the outcomes that fit, a date."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, create_model
from prefect.input import RunInput

from models import clock
from models.status import PhaseSnapshot, PointState

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def waiting_for(point: PointState) -> tuple[str, ...]:
    """Bodies a form may name: those still missing, or those whose reservation is still open."""
    return point.missing or point.reserved_bodies


def decision_form(point: PointState) -> type[RunInput]:
    bodies = waiting_for(point)
    outcomes = ("approved",) if not point.missing else point.outcomes
    return create_model(
        "Besluit",
        __base__=RunInput,
        body=(
            Optional[Literal[bodies]],  # type: ignore[valid-type]
            Field(None, title="Orgaan", description="Het college (of de bestuurders) dat besloten heeft"),
        ),
        outcome=(
            Optional[Literal[outcomes]],  # type: ignore[valid-type]
            Field(None, title="Uitkomst"),
        ),
        decided_on=(
            Optional[str],
            Field(None, title="Besluitdatum", pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                  description="JJJJ-MM-DD; niet in de toekomst"),
        ),
        reference=(Optional[str], Field(None, title="Kenmerk", description="bijv. het besluitnummer van het college")),
        reservation=(Optional[str], Field(None, title="Voorbehoud", description="alleen bij akkoord met voorbehoud")),
        recorded_by=(Optional[str], Field(None, title="Vastgelegd door", description="uw naam")),
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
        "Vul het besluit van één orgaan in en klik op *Resume*. "
        "Laat alles leeg om alleen het register opnieuw te laten controleren.",
    ]
    return "\n".join(lines)
