"""One flow per phase: announce it, check its entry, go through its decision points, judge its exit."""

from __future__ import annotations

from prefect import Flow, flow
from prefect.states import Cancelled, Completed, Failed, State

from models.core import clock
from models.views.status import PhaseSnapshot
from tasks.notify import announce_phase_result, announce_phase_started
from tasks.register import check_point, evaluate_phase
from tasks.tender import settle_standstill_task, tender_overview
from models.core.inputs import clip


def has_tender(programme: str) -> bool:
    from sqlalchemy import select

    from models.access.session import register_session
    from models.facts.entities import Programme

    with register_session(read_only=True) as session:
        return session.scalar(select(Programme.tender).where(Programme.key == programme)) is not None

PHASE_NAMES = {
    0: "Vaststellen visie en kaders",
    1: "Herijken aanpak, besluiten nemen, dialoog",
    2: "Dialoog, uitwerken aanbestedingsdocumenten",
    3: "Uitvoeren aanbesteding",
    4: "Implementatie",
    5: "Start nieuwe contracten",
}


def _phase_flow(number: int) -> Flow:
    def run_phase(programme: str) -> State:
        """Judge the phase once; end in a state whose name says where it stands (the snapshot is its result)."""
        tender = number in (3, 4) and has_tender(programme)  # the tender, then its award during implementation
        if tender:  # the standstill ends by itself: lots whose term ran out are awarded definitively
            settle_standstill_task(programme)
        snap = evaluate_phase(programme, number)  # one evaluation of the register for this step
        if not snap.entry_open:
            return Completed(data=snap, name="Nog niet begonnen", message=snap.entry_reason)
        announce_phase_started(snap)
        for point in snap.points:  # the phase's work: its decision points, in plan order
            check_point(point)
        if tender:  # the tender per lot, and the letters of the lots awarded
            tender_overview(programme)
        announce_phase_result(snap)
        return phase_state(snap)

    # Each phase its own function name: Prefect keys a subflow by its function's name and code, and
    # with one shared key a resumed run that skips finished phases would reattach phase 2 to the
    # earlier run's phase 0 run.
    run_phase.__name__ = run_phase.__qualname__ = f"fase_{number}"
    return flow(
        run_phase,
        name=f"Fase {number} - {PHASE_NAMES[number]}",
        flow_run_name=f"{{programme}} fase {number}",
        description=f"Fase {number} ({PHASE_NAMES[number]}) van een inkoopprogramma.",
        validate_parameters=True,
    )


def phase_state(snap: PhaseSnapshot) -> State:
    """Not 'Completed' while the gate is shut: 'Wacht op besluit' (Cancelled, grey: this run ended before its
    phase did) or 'Gestopt' (Failed, red, as the programme run); Prefect shows the name on the badge."""
    if snap.exit_open:
        return Completed(data=snap, name="Afgerond", message=f"Fase {snap.number}: uitgang open")
    if snap.blocking is None:  # a period (implementation) whose steps are done, or that has none
        return Completed(data=snap, name="Loopt", message=f"Fase {snap.number} loopt tot "
                         f"{clock.dutch_date(snap.planned_end)}")
    blocking = snap.blocking
    if snap.stopped:  # as the programme run: not a success
        return Failed(data=snap, name="Gestopt", message=f"{blocking.title}: {blocking.reason}")
    text = f"{blocking.title}: {blocking.reason}" if blocking else snap.exit_reason
    # ended before its phase did: the programme run waits (Suspended) and a later run of this phase goes on
    return Cancelled(data=snap, name="Wacht op besluit", message=clip(text, 500))


PHASE_FLOWS: dict[int, Flow] = {number: _phase_flow(number) for number in PHASE_NAMES}
