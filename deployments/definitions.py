"""Every deployment Regie has, in one place: served on one machine or declared in prefect.yaml."""

from __future__ import annotations

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

TIMEZONE = "Europe/Amsterdam"

# name -> (flow entrypoint, description); prefect.yaml declares the same names for work pools.
PROGRAMME = "programme"
RECORD_DECISION = "record-decision"
ADVANCE_PHASE = "advance-phase"
RESUME_SWEEP = "resume-sweep"
REMINDERS = "reminders"
INBOX = "inbox"


# Every 5 minutes in working hours: a decision that landed while a run was busy waits minutes, not a day.
RESUME_SWEEP_CRON = "*/5 7-18 * * 1-5"


def build_deployments() -> list:
    from flows.advance import advance_phase_flow
    from flows.inbox import inbox_flow
    from flows.programme import programme_flow
    from flows.record_decision import record_decision_flow
    from flows.reminders import reminder_flow
    from flows.sweep import resume_sweep_flow

    deployments = [
        programme_flow.to_deployment(
            name=PROGRAMME,
            description="Start of hervat een inkoopprogramma (parameter: programma, bijv. inkoop-2026).",
            tags=["regie"],
        ),
        inbox_flow.to_deployment(
            name=INBOX,
            description="Eén wachtende run per college en besluit dat het nog moet nemen (gestart door de "
                        "programmarun); filter de runs op het label college:<naam>.",
            tags=["regie"],
        ),
        record_decision_flow.to_deployment(
            name=RECORD_DECISION,
            description="Leg een besluit vast dat buiten een wachtende run is genomen.",
            tags=["regie"],
        ),
        advance_phase_flow.to_deployment(
            name=ADVANCE_PHASE,
            description="Geef een fase handmatig vrij (met reden); verplichte besluiten kunnen niet worden overgeslagen.",
            tags=["regie"],
        ),
        resume_sweep_flow.to_deployment(
            name=RESUME_SWEEP,
            description="Werkdagen 07:00-18:55 elke 5 minuten: hervat runs waarvan de poort inmiddels open is "
                        "en verstuurt verschuldigde berichten.",
            schedules=[Cron(RESUME_SWEEP_CRON, timezone=TIMEZONE)],
            # one sweep at a time; a burst of decisions (the automation asks one per decision) waits its turn
            # instead of being cancelled: no Cancelled runs in the list, and a decision recorded while a sweep
            # runs is seen by the next one at once, not five minutes later
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
            tags=["regie"],
        ),
        reminder_flow.to_deployment(
            name=REMINDERS,
            description="Elke werkdag 08:00: herinneringen, te-laatmeldingen en escalaties (parameters: as_of, dry_run).",
            schedules=[Cron("0 8 * * 1-5", timezone=TIMEZONE)],
            tags=["regie"],
        ),
    ]
    choose_programme(deployments)
    for deployment in deployments:
        schema = deployment._parameter_openapi_schema
        if deployment.name == ADVANCE_PHASE:  # a phase chosen by its number and name ('4 - Implementatie'), not 0
            from flows.advance import phase_label

            prop = schema.properties["to_phase"]
            prop.pop("anyOf", None)
            prop.update(type="string", enum=[phase_label(n) for n in range(1, 6)])
            # the reason is asked for: the form marks it so, and an empty one is refused before Submit
            schema.properties["reason"]["minLength"] = 1
            schema.required = sorted(set(schema.required or []) | {"reason"})
        if deployment.name == RECORD_DECISION:  # the date is the person's choice: asked for, never filled in
            schema.required = sorted(set(schema.required or []) | {"decided_on"})
    flows = {PROGRAMME: programme_flow, INBOX: inbox_flow, RECORD_DECISION: record_decision_flow,
             ADVANCE_PHASE: advance_phase_flow, REMINDERS: reminder_flow}
    for deployment in deployments:  # Prefect titles a parameter by its Python name: a person reads Dutch
        fields = _annotated_fields(flows[deployment.name].fn) if deployment.name in flows else {}
        for key, prop in deployment._parameter_openapi_schema.properties.items():
            info = fields.get(key)
            if prop.get("title") in (None, key):
                prop["title"] = (info.title if info is not None and info.title else None) or FIELD_TITLES.get(key, key)
            if info is not None and info.description and not prop.get("description"):
                prop["description"] = info.description
    return deployments


def _annotated_fields(fn) -> dict:
    """The titles and descriptions the flow's signature gives its parameters (`Annotated[..., Field(...)]`),
    which Prefect 3.8.8's parameter schema leaves out."""
    import typing

    from pydantic.fields import FieldInfo

    out = {}
    for name, hint in typing.get_type_hints(fn, include_extras=True).items():
        for extra in getattr(hint, "__metadata__", ()):
            if isinstance(extra, FieldInfo):
                out[name] = extra
    return out


FIELD_TITLES = {"programme": "Programma", "to_phase": "Naar fase", "reason": "Reden", "login": "Gebruikersnaam",
                "code": "Eenmalige code", "recorded_by": "Uw naam", "as_of": "Stand op (datum)",
                "dry_run": "Proefrun (niets versturen)", "point": "Besluitpunt", "body": "Orgaan"}


def choose_programme(deployments: list) -> None:
    """The programme is chosen from a list in the UI (the programmes in the register when the deployments
    are built), not typed: a typo cannot start or release the wrong thing. Without a register, free text."""
    try:
        from sqlalchemy import select

        from models.access.session import register_session
        from models.facts.entities import Programme

        from models.facts.entities import GoverningBody
        from models.facts.snapshot import body_names
        from models.rules.decisions import describe_bodies

        from models.facts.snapshot import load_snapshots

        with register_session(read_only=True) as session:
            keys = list(session.scalars(select(Programme.key).order_by(Programme.key)))
            titles = list(dict.fromkeys(dp.title for key in reversed(keys)  # the newest programme's order first
                                        for dp in load_snapshots(session, [key])[key].points))
            names = body_names(session)
            bodies = [describe_bodies([slug], names) for slug in session.scalars(
                select(GoverningBody.slug).order_by(GoverningBody.slug))]
    except Exception:  # noqa: BLE001 - no register here (prefect.yaml built elsewhere): the field stays text
        return
    for deployment in deployments:
        properties = deployment._parameter_openapi_schema.properties
        if deployment.name in (PROGRAMME, ADVANCE_PHASE, RECORD_DECISION) and keys and "programme" in properties:
            properties["programme"]["enum"] = keys
        if deployment.name == RECORD_DECISION and bodies and "body" in properties:
            properties["body"]["enum"] = bodies  # 'het college van Aalten', as the inbox forms name it
        if deployment.name == RECORD_DECISION and titles and "point" in properties:
            properties["point"]["enum"] = titles  # by its title; the flow finds the key in the chosen programme
