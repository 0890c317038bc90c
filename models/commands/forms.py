"""A form filled in on a waiting run becomes a decision through the register's one path, once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import FormInput, GoverningBody
from models.core.errors import InputError
from models.core.inputs import printable
from models.commands.identity import WrongCode, authorize_form, has_people, note_wrong_code
from models.facts.lookup import decisions_of, fact, get_body, get_point, get_programme
from models.commands.register import record_decision
from models.rules.decisions import current_decisions
from models.core.vocabulary import OUTCOME_LABELS, Outcome


@dataclass(frozen=True)
class FormResult:
    result: str  # recorded, refused, empty
    message: str
    decision_id: int | None
    new: bool  # False when this form was handled before


def handle_form_input(
    session: Session, *, flow_run_id: str, pause_key: str, programme: str, point: str, payload: dict
) -> FormResult:
    """Record the decision a form carries (or say why not); a form is handled only once."""
    seen = session.scalar(
        select(FormInput).where(FormInput.flow_run_id == flow_run_id, FormInput.pause_key == pause_key)
    )
    if seen is not None:
        return FormResult(seen.result, seen.message or "", seen.decision_id, False)

    payload = {k: v for k, v in (payload or {}).items() if v not in (None, "")}
    typed = dict(payload)  # kept as evidence as it was typed
    if not _as_register_values(session, payload).get("body"):
        result, message, decision_id = "empty", _woken_by(session, programme, point), None
    else:
        result, message, decision_id = record_typed(session, programme=programme, point=point, payload=payload,
                                                    via="formulier")
    session.add(
        FormInput(
            flow_run_id=flow_run_id,
            pause_key=pause_key,
            programme_key=programme,
            # kept as evidence, safe to print; the one-time code is not kept (it proves nothing later anyway)
            payload={printable(k, 40): ("******" if k == "code" else printable(v, 500)) for k, v in typed.items()},
            result=result,
            message=printable(message, 2000),
            decision_id=decision_id,
            handled_at=clock.utcnow(),
        )
    )
    session.flush()
    return FormResult(result, message, decision_id, True)


def record_typed(session: Session, *, programme: str, point: str, payload: dict, via: str) -> tuple[str, str, int | None]:
    """A decision as a person typed it in a form of the UI (an inbox, or the record-decision deployment): the
    college's name or key, the Dutch outcome, the date the person chose, and who they are (a name, or the user
    name and a one-time code). Returns ('recorded' or 'refused', the message in the form's words, the id)."""
    payload = _as_register_values(session, {k: v for k, v in (payload or {}).items() if v not in (None, "")})
    if not payload.get("body"):
        return "refused", "Orgaan: kies het college (of de bestuurders) dat besloot; er is niets vastgelegd", None
    if not payload.get("decided_on"):  # never a date nobody chose
        return "refused", ("de besluitdatum ontbreekt: kies de datum waarop het besluit is genomen; "
                           "er is niets vastgelegd"), None
    missing = _missing_who(session, payload)
    if missing is not None:  # in the form's own words, not the CLI's
        return "refused", missing, None
    try:
        verified = None
        if has_people(session):  # the person proves who they are with a one-time code, used up even
            # when the decision is then refused (outside the savepoint), so a code read later is worthless
            try:
                with session.begin_nested():
                    verified = authorize_form(session, login=str(payload.get("login", "")),
                                              code=str(payload.get("code", "")),
                                              body=get_body(session, str(payload["body"])))
            except WrongCode as wrong:  # counted with the refusal's evidence: five in a row block the login
                note_wrong_code(session, wrong.login)
                raise
        with session.begin_nested():
            lifts = _number(payload, "lifts") or _reservation_to_lift(session, programme, point, payload)
            recorded = record_decision(
                session,
                programme=programme,
                point=point,
                body=payload["body"],
                outcome=payload.get("outcome", ""),
                decided_on=payload.get("decided_on", ""),
                recorded_by=payload.get("recorded_by", ""),
                reference=payload.get("reference"),
                reservation=payload.get("reservation"),
                lifts=lifts,
                supersedes=_number(payload, "supersedes"),
                via=via,
                verified=verified,
                extra_meeting=payload.get("extra_meeting") in (True, "True", "true"),
            )
    except InputError as exc:  # in the form's words: its field, not the command line's flag
        return "refused", in_form_words(str(exc), has_numbers=via != "formulier"), None
    if not recorded.created:
        return "recorded", f"dit besluit stond al in het register als #{recorded.decision_id}", recorded.decision_id
    return "recorded", f"besluit #{recorded.decision_id} vastgelegd", recorded.decision_id


FORM_WORDS = {  # the command line's flags, as the forms name the same thing
    "met --extra-meeting": "met het vakje 'Extra vergadering'",
    "met --supersedes": "met het veld 'Vervangt besluit nr.'",
    "met --lifts": "met het veld 'Heft voorbehoud op van besluit nr.'",
    "--extra-meeting": "'Extra vergadering'",
    "--supersedes": "'Vervangt besluit nr.'",
    "--lifts": "'Heft voorbehoud op van besluit nr.'",
}


# A college's inbox and the programme run's form have no fields for a correction or a lift (those are the
# record-decision form's): they say where that is done, instead of naming a field they do not have.
ELSEWHERE = "in het formulier van de deployment record-decision"
RUN_FORM_WORDS = {
    "met --extra-meeting": "met het vakje 'Extra vergadering'",
    "met --supersedes": f"{ELSEWHERE} (veld 'Vervangt besluit nr.')",
    "met --lifts": f"{ELSEWHERE} (veld 'Heft voorbehoud op van besluit nr.')",
    "--extra-meeting": "'Extra vergadering'",
    "--supersedes": f"'Vervangt besluit nr.' {ELSEWHERE}",
    "--lifts": f"'Heft voorbehoud op van besluit nr.' {ELSEWHERE}",
}


def in_form_words(message: str, has_numbers: bool = True) -> str:
    """A refusal in the words of the form it answers: its fields, not the command line's flags. `has_numbers`:
    the form has the fields for a correction and a lift (record-decision); a run's form and an inbox do not."""
    for flag, words in (FORM_WORDS if has_numbers else RUN_FORM_WORDS).items():
        message = message.replace(flag, words)
    return message


def _number(payload: dict, key: str) -> int | None:
    """An optional decision number of a form: 0 or empty is none."""
    value = payload.get(key)
    try:
        return int(value) or None if value not in (None, "", False) else None
    except (TypeError, ValueError):
        raise InputError(f"{key}: '{printable(str(value), 40)}' is geen besluitnummer") from None


def _missing_who(session: Session, payload: dict) -> str | None:
    """Who submits, if the form lacks it: the name (a register without people), or the user name and the
    one-time code; named by the form's own fields."""
    if has_people(session):
        if not str(payload.get("login", "")).strip() or not str(payload.get("code", "")).strip():
            return "Gebruikersnaam en Eenmalige code: vul beide in; er is niets vastgelegd"
        return None
    if not str(payload.get("recorded_by", "")).strip():
        return "Vastgelegd door: vul uw naam in; er is niets vastgelegd"
    return None


def _as_register_values(session: Session, payload: dict) -> dict:
    """The form shows names and Dutch outcomes; the register speaks in keys. Keys are accepted too."""
    out = dict(payload)
    body = out.get("body")
    if isinstance(body, str):
        from models.rules.decisions import describe_bodies
        from models.facts.snapshot import body_names

        names = body_names(session)
        by_phrase = {describe_bodies([slug], names): slug for slug in session.scalars(select(GoverningBody.slug))}
        out["body"] = by_phrase.get(body, body)
    outcome = out.get("outcome")
    if isinstance(outcome, str):
        # exactly the form's labels ('Akkoord met voorbehoud'); anything else is checked as it came
        by_label = {label[:1].upper() + label[1:]: o.value for o, label in OUTCOME_LABELS.items()}
        out["outcome"] = by_label.get(outcome, outcome)
    return out


def handled_forms(session: Session, flow_run_id: str) -> dict[str, FormResult]:
    """The forms of a run the register has handled already, by pause key (one query)."""
    rows = session.scalars(select(FormInput).where(FormInput.flow_run_id == flow_run_id))
    return {r.pause_key: FormResult(r.result, r.message or "", r.decision_id, False) for r in rows}


def refused_input(session: Session, flow_run_id: str, pause_key: str) -> dict | None:
    """What a person typed in a form the register refused (the one-time code masked), to fill the next one."""
    row = session.scalar(select(FormInput).where(FormInput.flow_run_id == flow_run_id, FormInput.pause_key == pause_key,
                                                 FormInput.result == "refused"))
    return dict(row.payload) if row is not None else None


def _reservation_to_lift(session: Session, programme: str, point: str, payload: dict) -> int | None:
    """An 'approved' from a college whose standing decision has a reservation lifts that reservation."""
    if payload.get("outcome") not in (Outcome.APPROVED.value, Outcome.GO.value):
        return None
    prog = get_programme(session, programme)
    standing = current_decisions(fact(d) for d in decisions_of(session, get_point(session, prog, point)))
    mine = standing.get(payload["body"])
    if mine is not None and mine.outcome is Outcome.APPROVED_WITH_RESERVATION:
        return mine.id
    return None


VIA_WORDS = {"cli": "regie decide", "formulier": "een formulier in de Prefect-UI", "deployment": "de deployment "
             "record-decision", "scenario": "een scenario", "aanbesteding": "een stap van de aanbesteding",
             "regie": "Regie zelf (de opschortende termijn liep af)"}


def _woken_by(session: Session, programme: str, point: str) -> str:
    """Why a run was woken without a filled-in form: the latest decision on its point and how it came in."""
    from models.facts.entities import Decision, DecisionPoint, Programme

    row = session.execute(
        select(Decision.id, Decision.via, GoverningBody.slug)
        .join(DecisionPoint, Decision.decision_point_id == DecisionPoint.id)
        .join(Programme, DecisionPoint.programme_id == Programme.id)
        .join(GoverningBody, Decision.body_id == GoverningBody.id)
        .where(Programme.key == programme, DecisionPoint.key == point)
        .order_by(Decision.id.desc()).limit(1)).first()
    if row is None:
        return "gewekt zonder ingevuld formulier: het register is opnieuw gelezen"
    from models.facts.snapshot import body_names

    who = body_names(session).get(row.slug, row.slug)
    return (f"gewekt zonder ingevuld formulier: het laatste besluit hierover (#{row.id}, {who}) kwam binnen via "
            f"{VIA_WORDS.get(row.via, row.via)}; het register is opnieuw gelezen")
