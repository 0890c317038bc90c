"""One flow per phase: announce it, check its entry, go through its decision points, judge its exit."""

from __future__ import annotations

from prefect import Flow, flow

from models.status import PhaseSnapshot
from tasks.notify import announce_phase_result, announce_phase_started
from tasks.register import check_point, evaluate_phase

PHASE_NAMES = {
    0: "Vaststellen visie en kaders",
    1: "Herijken aanpak, besluiten nemen, dialoog",
    2: "Dialoog, uitwerken aanbestedingsdocumenten",
    3: "Uitvoeren aanbesteding",
    4: "Implementatie",
    5: "Start nieuwe contracten",
}


def _phase_flow(number: int) -> Flow:
    def run_phase(programme: str) -> PhaseSnapshot:
        snap = evaluate_phase(programme, number)  # one evaluation of the register for this step
        if not snap.entry_open:
            return snap
        announce_phase_started(snap)
        for point in snap.points:  # the phase's work: its decision points, in plan order
            check_point(point)
        announce_phase_result(snap)
        return snap

    return flow(
        run_phase,
        name=f"Fase {number} - {PHASE_NAMES[number]}",
        flow_run_name=f"{{programme}} fase {number}",
        description=f"Fase {number} ({PHASE_NAMES[number]}) van een inkoopprogramma.",
        validate_parameters=True,
    )


PHASE_FLOWS: dict[int, Flow] = {number: _phase_flow(number) for number in PHASE_NAMES}
