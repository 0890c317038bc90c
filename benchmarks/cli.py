"""Cold start of the read-only commands, beside `python -c pass` and `prefect --version`.

    python benchmarks/cli.py [--runs 5]

Each command runs as a new process on a register that already exists (first use is excluded).
Prints one JSON line with the median seconds of each and its ratio to `python -c pass`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, emit

COMMANDS = {
    "status": ["status", "inkoop-2026", "--as-of", "2024-11-06"],
    "gate": ["gate", "inkoop-2026", "2", "--as-of", "2024-11-06"],
    "decisions": ["decisions", "inkoop-2026"],
    "programmes": ["programmes"],
    "check": ["check", "inkoop-2026", "--as-of", "2024-11-06"],
    "remind_dry_run": ["remind", "--dry-run", "--as-of", "2024-10-22"],
}


def median_seconds(argv: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, XDG_DATA_HOME=tempfile.mkdtemp(prefix="regie-cli-"))
    env.pop("REGIE_DATABASE_URL", None)
    regie = [sys.executable, "-m", "cli.main"]
    subprocess.run(regie + ["programmes"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # first use
    baseline = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
    figures = {"runs": args.runs, "python_pass": round(baseline, 3)}
    prefect = Path(sys.executable).parent / "prefect"
    if prefect.exists():
        figures["prefect_version"] = round(median_seconds([str(prefect), "--version"], args.runs, env), 3)
    for name, argv in COMMANDS.items():
        seconds = median_seconds(regie + argv, args.runs, env)
        figures[name] = round(seconds, 3)
        figures[f"{name}_ratio"] = round(seconds / baseline, 1)
    emit(figures)


if __name__ == "__main__":
    main()
