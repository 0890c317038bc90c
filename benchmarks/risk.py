"""`regie risico inkoop-2026 --as-of 2024-10-01 --runs 10000` as a new process, and the simulation in process.

    python benchmarks/risk.py [--runs 10000] [--repeat 3]

The command runs on a register that already exists (its first use, which loads the built-in programmes, is not
timed), pinned to one core (`taskset -c 0` where the system has it); wall and CPU seconds are the medians of
`--repeat` runs. In process: the register read and evaluated once, then the N runs alone. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, emit, peak_rss_mb, run_once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="regie-risk-")
    env = dict(os.environ, XDG_DATA_HOME=folder)
    env.pop("REGIE_DATABASE_URL", None)
    regie = [sys.executable, "-m", "cli.main"]
    subprocess.run(regie + ["programmes"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # first use
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    argv = pin + regie + ["risico", "inkoop-2026", "--as-of", "2024-10-01", "--runs", str(args.runs)]
    timings = [run_once(argv, env, check=True) for _ in range(args.repeat)]
    chance = subprocess.run(argv + ["--json"], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    os.environ["XDG_DATA_HOME"] = folder
    from models.facts.reader import quick_reader, read_body_names, read_snapshots
    from models.rules.arrival import arrival_model
    from models.rules.evaluation import evaluate_snapshot
    from models.rules.risk import build_setup, simulate

    with quick_reader() as reader:
        started = time.perf_counter()
        ev = evaluate_snapshot(read_snapshots(reader, ["inkoop-2026"])["inkoop-2026"], dt.date(2024, 10, 1),
                               read_body_names(reader))
        setup = build_setup(ev, arrival_model())
        prepared = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    simulate(setup, args.runs, 1)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    doc = json.loads(chance)
    emit({"runs": args.runs, "one_core": bool(pin),
          "command_wall": round(statistics.median(t[0] for t in timings), 3),
          "command_cpu": round(statistics.median(t[1] for t in timings), 3),
          "prepare_seconds": round(prepared, 3), "simulate_seconds": round(seconds, 3),
          "simulate_cpu": round(cpu, 3), "open_draws": len(setup.draws), "chance": doc["chance"],
          "start": doc["start"], "peak_rss_mb": peak_rss_mb()})


if __name__ == "__main__":
    main()
