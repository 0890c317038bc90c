"""The form a waiting run shows: the missing bodies as choices, the outcomes that fit, a date."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, create_model
from prefect.input import RunInput

from models.core import clock
from models.views.status import PhaseSnapshot, PointState
from models.core.vocabulary import OUTCOME_LABELS, Outcome



def waiting_for(point: PointState) -> tuple[str, ...]:
    """Bodies a form may name: those still missing, or those whose reservation is still open."""
    return point.missing or point.reserved_bodies


def body_choices(point: PointState) -> tuple[str, ...]:
    """The bodies as a person reads them ('het college van Aalten'), in the order of waiting_for."""
    names = point.missing_names if point.missing else point.reserved_names
    return tuple(names) if len(names) == len(waiting_for(point)) else waiting_for(point)


def outcome_choices(point: PointState) -> tuple[str, ...]:
    outcomes = ("approved",) if not point.missing else point.outcomes
    return tuple(FORM_LABELS[Outcome(o)] for o in outcomes)


FORM_LABELS = {o: label[:1].upper() + label[1:] for o, label in OUTCOME_LABELS.items()}  # 'Akkoord met voorbehoud'


def decision_form(point: PointState, attributed: bool = False, initial: dict | None = None,
                  fixed_body: bool = False, required: bool = False) -> type[RunInput]:
    """Plain fields with defaults (no 'or None'), so the UI shows choice lists and a date picker.

    Choices are names and Dutch outcomes ('het college van Aalten', 'Akkoord'); the register maps
    them back. The programme run's own form (where no inboxes run) requires no field in its schema:
    `regie decide` and the sweep resume that run with `{}`, which only makes it read the register
    again, and Prefect checks a resume's input against the schema. An inbox form (`required`) is
    never woken empty, so there the fields are required. Either way the server refuses an empty
    date or name at once, and the register refuses the rest with a message on the next form,
    which keeps what was typed.
    """
    bodies = body_choices(point)
    outcomes = outcome_choices(point)
    start = initial or {}  # as fields' own defaults: Prefect's with_initial_data would drop titles and patterns

    def first(name: str, default: str) -> str:
        return start.get(name, default)

    if attributed:  # a register with people: who submits proves it with a one-time code (TOTP)
        who = dict(
            login=(str, Field(first("login", ""), title="Gebruikersnaam", description="uw gebruikersnaam in Regie")),
            code=(str, Field("", title="Eenmalige code",  # checked by Regie, in Dutch, not by the UI's English
                             description="de 6 cijfers uit uw authenticator-app; elke code werkt één keer")),
        )
    else:
        who = dict(recorded_by=(str, Field(first("recorded_by", ""), title="Vastgelegd door",
                                           description="uw naam (verplicht)")))  # an empty one: refused in Dutch
    reservation = {}
    if "Akkoord met voorbehoud" in outcomes:  # only where an outcome with a reservation fits
        reservation = dict(reservation=(str, Field(first("reservation", ""), title="Voorbehoud",
                                                   description="alleen bij 'Akkoord met voorbehoud': de tekst")))
    body = {} if fixed_body else dict(body=(  # an inbox run is one college's: no choice to get wrong
        Literal[bodies],  # type: ignore[valid-type]
        Field(first("body", bodies[0]), title="Orgaan", description="Het college (of de bestuurders) dat besloten heeft"),
    ))
    must = ["outcome", "decided_on", *who]  # and the name, or the user name and one-time code

    class Base(RunInput):
        # An inbox form is never answered empty (it is ended, not woken, when the decision came
        # another way): its fields are required in the schema, so the UI marks them so and the
        # server refuses a form without them. The proposed values stay as defaults.
        model_config = ConfigDict(json_schema_extra=(lambda schema: schema.update(required=must)) if required
                                  else None)

    return create_model(
        "Besluit",
        __base__=Base,
        **body,
        # an inbox form proposes no outcome: Submit without a choice records nothing (the UI asks for it); what
        # was typed before a refusal comes back. The programme run's own form (a local run) keeps the first.
        outcome=(Literal[outcomes], Field(start["outcome"] if start.get("outcome") in outcomes else  # type: ignore[valid-type]
                                          ... if required else outcomes[0], title="Uitkomst")),
        decided_on=(
            str,
            # empty until the person picks the date: Submit without one records nothing (the register says
            # so on the next form, in Dutch); the meeting it would fall on is proposed in the description
            Field(first("decided_on", ""), title="Besluitdatum", pattern=r"^(\d{4}-\d{2}-\d{2})?$",
                  json_schema_extra={"format": "date"},
                  description="Kies de datum van het besluit (verplicht); niet in de toekomst"),
        ),
        reference=(str, Field(first("reference", ""), title="Kenmerk",
                              description="bijv. het besluitnummer van het college")),
        extra_meeting=(bool, Field(start.get("extra_meeting") in (True, "True", "true"), title="Extra vergadering",
                                   description="aanvinken als het college buiten zijn vaste vergaderdag besloot")),
        **reservation,
        **who,
    )


def initial_values(point: PointState, refused: dict | None, proposed_date: str | None = None) -> dict:
    """What the next form shows: after a refusal what was typed (the code excepted). The date is never filled
    in for the person: it is theirs to choose (the proposed meeting is named in the form's description)."""
    values: dict = {}
    if refused:
        values |= {k: v for k, v in refused.items() if k != "code" and isinstance(v, str)}
        if values.get("body") not in body_choices(point):
            values.pop("body", None)
        if values.get("outcome") not in outcome_choices(point):
            values.pop("outcome", None)
    return values


def form_description(snap: PhaseSnapshot, point: PointState, names: tuple[str, ...], refusal: str | None,
                     one_body: bool = False, proposed: str | None = None) -> str:
    """What the form says above its fields. Prefect shows it in a small box that scrolls: a college's inbox
    says it in four short lines (who, by when, the date to choose, what happens on Submit)."""
    lines = []
    if refusal:
        lines += [f"> **Vorige invoer geweigerd, niets vastgelegd:** {refusal}", ""]
    choose = ([f"Kies zelf de besluitdatum (voorstel: {clock.dutch_date(clock.parse_date(proposed))}"
               f"{', de laatste vergadering tot de uiterste datum' if point.kind != 'milestone' else ''}). Zonder "
               "datum wordt niets vastgelegd.", ""] if proposed else [])
    if one_body:
        owed = "het besluit" if point.missing else "het opheffen van het voorbehoud"
        lines += [
            f"## {point.title}",
            "",
            f"**{', '.join(names)}**: {owed}, uiterlijk **{clock.dutch_date(point.due)}** "
            f"({snap.programme_name}, fase {snap.number}).",
            "",
            *choose,
            "Vul het besluit in en klik op *Submit*. Het wordt gecontroleerd voordat het in het register komt; "
            "een geweigerd besluit staat bovenaan het volgende formulier.",
        ]
        return "\n".join(lines)
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
        *choose,
        "Vul het besluit van één orgaan in en klik op *Submit*. Elk besluit wordt gecontroleerd "
        "voordat het in het register komt; een geweigerd besluit staat bovenaan het volgende formulier.",
    ]
    return "\n".join(lines)
