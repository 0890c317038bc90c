"""Loading N programme files into a fresh register, then reloading them unchanged.

    python benchmarks/load.py --programmes 1000 [--database URL]

Prints one JSON line: seconds and statements for the first load and for the reload.
"""

from __future__ import annotations

import argparse
import time

from _common import StatementCounter, emit, peak_rss_mb, programme_copies, scratch_register


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programmes", type=int, default=100)
    parser.add_argument("--database", help="a PostgreSQL URL; default a scratch SQLite file")
    args = parser.parse_args()
    scratch_register(args.database)

    from models.facts.db import get_engine
    from models.access.session import register_session
    from models.access.loader import load_programmes

    paths = programme_copies(args.programmes)
    with register_session():
        pass  # the empty register gets its built-in programmes first, outside the figures
    counter = StatementCounter(get_engine())
    figures = {"programmes": args.programmes, "database": "postgresql" if args.database else "sqlite"}
    for phase in ("load", "reload"):
        with counter.measure() as box:
            started = time.perf_counter()
            with register_session() as session:
                results = load_programmes(session, paths)
            figures[f"{phase}_seconds"] = round(time.perf_counter() - started, 3)
        figures[f"{phase}_statements"] = box["statements"]
        figures[f"{phase}_unchanged"] = sum(r.action == "unchanged" for r in results)
    figures["peak_rss_mb"] = peak_rss_mb()
    emit(figures)


if __name__ == "__main__":
    main()
