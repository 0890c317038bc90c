"""Thin Prefect tasks over the register: open a transaction, call models, return plain data."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import get_run_logger, task

from models.access.session import register_session
from models.commands.forms import FormResult, handle_form_input, record_typed
from models.commands.identity import WrongCode, authorize_person, has_people, note_wrong_code
from models.commands.overrides import Advanced, advance_phase
from models.core.errors import InputError
from models.views.status import PhaseSnapshot, PointState, phase_snapshot
from models.core.vocabulary import STATUS_LABELS, Status
from notifications import events


@task(name="fase beoordelen", task_run_name="fase {number} beoordelen")
def evaluate_phase(programme: str, number: int) -> PhaseSnapshot:
    with register_session(read_only=True) as session:
        return phase_snapshot(session, programme, number)


@task(name="besluitpunt beoordelen", task_run_name="{state.title}")
def check_point(state: PointState) -> PointState:
    """Say where one decision point stands, from the phase's one evaluation."""
    get_run_logger().info("%s: %s - %s", state.title, STATUS_LABELS[Status(state.status)], state.reason)
    return state


@dataclass(frozen=True)
class Refused:
    """The register said no: the reason, in Dutch; nothing was written."""

    message: str


@task(name="besluit vastleggen", task_run_name="besluit vastleggen")
def record_typed_task(programme: str, point: str, typed: dict) -> tuple[int, str] | Refused:
    """A decision as typed in the record-decision form; the register's refusal in Dutch, nothing written."""
    with register_session() as session:
        result, message, decision_id = record_typed(session, programme=programme, point=point, payload=typed,
                                                    via="deployment")
    if result != "recorded":
        get_run_logger().warning("Geweigerd, niets vastgelegd: %s", message)
        return Refused(message)
    announce_decision(decision_id)  # the ledger keeps a repeat (a second submit) from going out twice
    return decision_id, message


def point_titles(programme: str) -> dict[str, str]:
    """Each point's title by its key, for names and log lines; empty where the register does not know the
    programme (the name of a run that will be refused)."""
    try:
        from models.facts.snapshot import load_snapshot

        with register_session(read_only=True) as session:
            return {dp.key: dp.title for dp in load_snapshot(session, programme).points}
    except Exception:  # noqa: BLE001 - a name is no reason to fail
        return {}


def point_title(programme: str, key: str) -> str:
    """'Besluitvorming door colleges: go/no-go' for 'go-no-go'; the key where the register does not know it."""
    return point_titles(programme).get(key, key)


def point_key(programme: str, point: str) -> str:
    """The key of the point a form names by its title ('Besluitvorming door colleges: go/no-go' -> 'go-no-go');
    a key stays a key, and what matches nothing is left as typed (the register refuses it, naming it)."""
    titles = point_titles(programme)
    if point in titles:
        return point
    wanted = " ".join(point.split()).casefold()
    return next((key for key, title in titles.items() if title.casefold() == wanted), point)


def _form_run_name() -> str:
    """'formulier Besluitvorming door colleges: go/no-go (2e invoer)', not the pause key."""
    from prefect.runtime import task_run

    p = task_run.parameters
    attempt = str(p.get("pause_key", "")).rsplit("-", 1)[-1]
    number = f" ({int(attempt) + 1}e invoer)" if attempt.isdigit() else ""
    return f"formulier {point_title(p.get('programme', ''), p.get('point', ''))}{number}"


@task(name="formulier verwerken", task_run_name=_form_run_name)
def apply_form(flow_run_id: str, pause_key: str, programme: str, point: str, payload: dict) -> FormResult:
    with register_session() as session:
        result = handle_form_input(
            session, flow_run_id=flow_run_id, pause_key=pause_key, programme=programme, point=point, payload=payload
        )
    if result.decision_id is not None:
        announce_decision(result.decision_id)  # the ledger keeps a repeat (a re-run) from going out twice
    logger = get_run_logger()
    if result.result == "refused":
        logger.warning("Formulier geweigerd, niets vastgelegd: %s", result.message)
    elif result.result == "empty":  # woken because a decision came in another way: say which way
        logger.info("Run %s", result.message)
    else:
        logger.info("Formulier: %s", result.message)
    return result


@task(name="fase handmatig vrijgeven", task_run_name="fase handmatig vrijgeven")
def advance_task(programme: str, to_phase: int, reason: str, recorded_by: str, login: str = "",
                 code: str = "") -> Advanced | Refused:
    """A phase released by hand from the UI. Where the register knows people, the lead proves who they are
    with a user name and a one-time code (the flow runs as the service, whose login is not theirs); a
    refusal names the form's own fields."""
    try:
        if not (reason or "").strip():
            raise InputError("vul een reden in: een handmatige overgang wordt altijd met reden vastgelegd; "
                             "er is niets vastgelegd")
        verified = None
        wrong = None
        with register_session() as session:  # its own transaction: a code once shown is used, whatever follows
            if has_people(session):
                if not (login or "").strip() or not (code or "").strip():
                    raise InputError("vul uw gebruikersnaam en de eenmalige code in; er is niets vastgelegd")
                try:
                    verified = authorize_person(session, login=login, code=code, action="advance")
                except WrongCode as exc:  # counted (committed): five in a row block the login's codes
                    note_wrong_code(session, exc.login)
                    wrong = exc
            elif not (recorded_by or "").strip():
                raise InputError("vul uw naam in (dit register kent nog geen personen); er is niets vastgelegd")
        if wrong is not None:
            raise wrong
        with register_session() as session:
            return advance_phase(session, programme=programme, to_phase=to_phase, reason=reason,
                                 recorded_by=recorded_by or None, verified=verified)
    except InputError as exc:
        get_run_logger().warning("Geweigerd, niets vastgelegd: %s", exc)
        return Refused(str(exc))


def announce_decision(decision_id: int) -> None:
    """Tell the programme office, after the decision is committed (never about one that was not)."""
    log_sends(events.deliver_owed())  # the outbox: this decision's message, and any still owed


def log_sends(outcomes) -> None:
    logger = get_run_logger()
    for o in outcomes:
        if o.status == "failed":
            logger.warning("Bericht aan %s via %s mislukt: %s (volgende run probeert opnieuw)", o.recipient, o.channel, o.error)
        elif o.status == "sent":
            logger.info("Bericht aan %s via %s verzonden", o.recipient, o.channel)
