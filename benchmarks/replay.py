"""A day-by-day replay of a programme in one process: status and a reminder dry run for every day.

    python benchmarks/replay.py --programme inkoop-2026 [--database URL]

The documents' decisions are recorded on their dates first (not timed). The replay then reads the
register once and evaluates every day in memory, as a schedule-risk simulation would. Prints one
JSON line: days, seconds, statements for the whole replay and per day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import StatementCounter, emit, peak_rss_mb, scratch_register

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]
DECISIONS = {
    "inkoop-2026": (dt.date(2024, 7, 1), dt.date(2026, 1, 2), [
        ("market-consultation-2", ["projectteam"], "approved", "2024-09-13"),
        ("tariffs", COLLEGES, "approved", "2024-10-08"),
        ("go-no-go", COLLEGES, "go", "2024-11-05"),
        ("publication", ["projectteam"], "approved", "2024-11-07"),
        ("lumpsum-dialogue", ["projectteam"], "approved", "2024-12-13"),
        ("qa-rounds", ["projectteam"], "approved", "2024-12-20"),
        ("submission", ["projectteam"], "approved", "2025-02-07"),
        ("award", ["doetinchem"], "approved", "2025-03-24"),
        ("contract-start", ["projectteam"], "approved", "2026-01-01"),
    ]),
    "inkoop-2022": (dt.date(2020, 9, 25), dt.date(2022, 1, 2), [
        ("replan-2022", ["bestuurders"], "approved", "2020-09-25"),
        ("principles", COLLEGES, "approved", "2020-11-24"),
        ("dyslexia-start", COLLEGES, "approved", "2020-11-24"),
        ("inkoop-2021", COLLEGES, "approved", "2020-12-15"),
        ("segments-funding", COLLEGES, "approved", "2021-02-02"),
        ("financial", COLLEGES, "approved", "2021-03-02"),
        ("tender-documents", COLLEGES, "approved", "2021-03-30"),
        ("publication", ["projectteam"], "approved", "2021-04-01"),
        ("award-dyslexia", COLLEGES, "approved", "2021-04-20"),
        ("contract-start-dyslexia", ["projectteam"], "approved", "2021-08-01"),
        ("award", COLLEGES, "approved", "2021-09-28"),
        ("contract-start", ["projectteam"], "approved", "2022-01-01"),
    ]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programme", default="inkoop-2026", choices=sorted(DECISIONS))
    parser.add_argument("--database", help="a PostgreSQL URL; default a scratch SQLite file")
    args = parser.parse_args()
    scratch_register(args.database)

    from models.core import clock
    from models.facts.db import get_engine, open_session
    from models.access.session import register_session
    from models.commands.register import record_decision
    from models.facts.snapshot import body_names, load_snapshot
    from models.rules.evaluation import evaluate_snapshot, status_document
    from notifications.recipients import Recipient, Role
    from notifications.reminders import remind

    start_day, end_day, decisions = DECISIONS[args.programme]
    with clock.frozen(end_day), register_session() as session:
        for point, bodies, outcome, on in decisions:
            for body in bodies:
                record_decision(session, programme=args.programme, point=point, body=body, outcome=outcome,
                                decided_on=on, recorded_by="replay")
    people = [Recipient(name=f"Secretaris {c}", role=Role.SECRETARY, body=c, urls=[f"json://127.0.0.1:9/{c}"])
              for c in COLLEGES] + [Recipient(name="Projectleider", role=Role.PROCUREMENT_LEAD,
                                              urls=["json://127.0.0.1:9/lead"])]

    # warm: imports, template compilation, the holiday table (a snapshot of its own, thrown away: nothing the
    # timed replay derives is computed here)
    from notifications.dispatch import mask

    mask("json://127.0.0.1:9/opwarmen")  # Apprise loads its plugins on the first URL it reads
    with register_session(read_only=True) as session, clock.frozen(start_day):
        warm = load_snapshot(session, args.programme)
        remind(session, args.programme, start_day, dry_run=True, recipients=people, snapshot=warm,
               names=body_names(session), sent={}, ev=evaluate_snapshot(warm, start_day, body_names(session)))
    counter = StatementCounter(get_engine())
    with counter.measure() as box:
        started, cpu = time.perf_counter(), time.process_time()
        session = open_session()
        try:
            with session.begin():
                snapshot = load_snapshot(session, args.programme)
                names = body_names(session)
            days = phases = messages = 0
            day = start_day
            while day <= end_day:
                with clock.frozen(day):
                    ev = evaluate_snapshot(snapshot, day, names)
                    phases += status_document(ev)["current_phase"]
                    rows = remind(session, args.programme, day, dry_run=True, recipients=people,
                                  snapshot=snapshot, names=names, sent={}, ev=ev)
                    messages += sum(r.status == "would-send" for r in rows)
                days += 1
                day += dt.timedelta(days=1)
        finally:
            session.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    emit({"programme": args.programme, "database": "postgresql" if args.database else "sqlite", "days": days,
          "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "statements": box["statements"],
          "statements_per_day": round(box["statements"] / days, 3), "would_send_rows": messages,
          "peak_rss_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
