"""One programme run end to end under the Prefect test harness, beside a bare Prefect flow of the same shape.

    python benchmarks/programme_flow.py [--programme inkoop-2026]

Every decision of the programme is recorded first, so the run goes from phase 0 to 5 without
waiting. The bare flow has the same subflows and the same number of tasks, doing nothing. Prints
one JSON line: both wall times, their ratio, and the register statements and sessions of the run.
"""

from __future__ import annotations

import argparse
import os
import time

from _common import StatementCounter, emit, scratch_register


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programme", default="inkoop-2026")
    args = parser.parse_args()
    scratch_register(None)
    os.environ["REGIE_RECIPIENTS_FILE"] = os.path.join(os.environ["XDG_DATA_HOME"], "geen-ontvangers.yaml")

    from prefect import flow, task
    from prefect.testing.utilities import prefect_test_harness
    from sqlalchemy import event

    from models.core import clock
    from models.facts.db import get_engine
    from models.access.session import register_session
    from models.commands.register import record_decision
    from models.views.status import status_report

    with register_session() as session:
        report = status_report(session, args.programme)
        for dp in report["decision_points"]:
            for body in dp["required_bodies"]:
                with clock.frozen(clock.parse_date(dp["due"])):
                    record_decision(session, programme=args.programme, point=dp["key"], body=body,
                                    outcome="go" if dp["kind"] == "go-no-go" else "approved",
                                    decided_on=dp["due"], recorded_by="benchmark", extra_meeting=True)

    from flows.programme import programme_flow

    engine = get_engine()
    counter = StatementCounter(engine)
    sessions = [0]
    event.listen(engine, "checkout", lambda *a: sessions.__setitem__(0, sessions[0] + 1))

    @task
    def nothing(i: int) -> int:
        return i

    def bare_phase(number: int, tasks: int):
        @flow(name=f"kaal {number}")
        def phase() -> int:
            return sum(nothing(i) for i in range(tasks))

        return phase

    with prefect_test_harness(server_startup_timeout=120):
        programme_flow(args.programme)  # warm: the server, imports, the first flow
        with counter.measure() as box:
            before = sessions[0]
            started = time.perf_counter()
            state = programme_flow(args.programme, return_state=True)
            regie_seconds = time.perf_counter() - started
            used = sessions[0] - before
        # the same shape: 6 phase subflows with 1 evaluation + 2 announcements + 1 task per point, and the overview
        per_phase = {n: 3 for n in range(6)}
        for dp in report["decision_points"]:
            per_phase[dp["phase"]] += 1
        phases = [bare_phase(n, k) for n, k in per_phase.items()]

        @flow(name="kaal programma")
        def bare() -> int:
            total = nothing(0)
            for phase in phases:
                total += phase()
            return total

        bare()
        started = time.perf_counter()
        bare()
        bare_seconds = time.perf_counter() - started
    emit({"programme": args.programme, "completed": state.is_completed(), "regie_seconds": round(regie_seconds, 3),
          "bare_seconds": round(bare_seconds, 3), "ratio": round(regie_seconds / bare_seconds, 2),
          "statements": box["statements"], "register_sessions": used})


if __name__ == "__main__":
    main()
