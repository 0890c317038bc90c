"""`regie overzicht` over N programmes, in process: wall and CPU seconds, SQL statements, peak memory.

    python benchmarks/overview.py --programmes 1000 [--database postgresql+psycopg://...]

N copies of inkoop-2026 are loaded into a scratch register (not timed); the overview of 22 October 2024 is
then built once to warm up and once timed. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import StatementCounter, emit, peak_rss_mb, programme_copies, scratch_register


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programmes", type=int, default=100)
    parser.add_argument("--database", help="a PostgreSQL URL; default a scratch SQLite file")
    parser.add_argument("--as-of", default="2024-10-22")
    args = parser.parse_args()

    scratch_register(args.database)
    from models.access.loader import load_programmes
    from models.access.session import register_session
    from models.facts.db import get_engine
    from models.views.overview import overview

    with register_session() as session:
        load_programmes(session, programme_copies(args.programmes))
    as_of = dt.date.fromisoformat(args.as_of)
    counter = StatementCounter(get_engine())
    with register_session(read_only=True) as session:
        overview(session, as_of)  # warm: imports, the holiday table
    with counter.measure() as box:
        start, cpu = time.perf_counter(), time.process_time()
        with register_session(read_only=True) as session:
            report = overview(session, as_of)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    emit({"programmes": len(report["programmes"]), "database": "postgresql" if args.database else "sqlite",
          "as_of": args.as_of, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
          "statements": box["statements"], "late": report["late"], "due_30": report["due_30"],
          "peak_rss_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
