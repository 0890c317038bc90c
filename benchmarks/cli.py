"""Cold start of the read-only commands, beside `python -c pass`, `prefect --version` and `prefect flow-run ls`.

    python benchmarks/cli.py [--runs 5]

Each command runs as a new process on a register that already exists (first use is excluded).
Each is timed in pairs against `python -c pass` (A B A B ...), in wall and CPU seconds (the process and its
children, from the operating system's accounting); `regie status` is also paired against `prefect --version`
and `prefect flow-run ls` (an ephemeral Prefect API, as a new user without a server has). Prints one JSON
line with the medians and the median of the pairwise ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, emit, run_once

COMMANDS = {
    "status": ["status", "inkoop-2026", "--as-of", "2024-11-06"],
    "gate": ["gate", "inkoop-2026", "2", "--as-of", "2024-11-06"],
    "decisions": ["decisions", "inkoop-2026"],
    "programmes": ["programmes"],
    "check": ["check", "inkoop-2026", "--as-of", "2024-11-06"],
    "remind_dry_run": ["remind", "--dry-run", "--as-of", "2024-10-22"],
}


def paired(a: list[str], b: list[str], runs: int, env: dict) -> dict:
    """A and B in turn (A B A B ...), so a machine that slows down mid-way slows both: medians of each and
    the median of the ratios A/B taken pair by pair, in wall and in CPU seconds."""
    rows = []
    for _ in range(runs):
        rows.append((run_once(a, env), run_once(b, env)))
    med = statistics.median
    return {"wall": round(med(x[0][0] for x in rows), 3), "cpu": round(med(x[0][1] for x in rows), 3),
            "other_wall": round(med(x[1][0] for x in rows), 3), "other_cpu": round(med(x[1][1] for x in rows), 3),
            "ratio_wall": round(med(x[0][0] / x[1][0] for x in rows), 2),
            "ratio_cpu": round(med(x[0][1] / max(x[1][1], 1e-3) for x in rows), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, XDG_DATA_HOME=tempfile.mkdtemp(prefix="regie-cli-"))
    env.pop("REGIE_DATABASE_URL", None)
    regie = [sys.executable, "-m", "cli.main"]
    subprocess.run(regie + ["programmes"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # first use
    baseline = [sys.executable, "-c", "pass"]
    figures: dict = {"runs": args.runs}
    for name, argv in COMMANDS.items():  # each against `python -c pass`, in pairs
        pair = paired(regie + argv, baseline, args.runs, env)
        figures[name] = {"wall": pair["wall"], "cpu": pair["cpu"], "ratio_to_python_wall": pair["ratio_wall"]}
        figures["python_pass"] = {"wall": pair["other_wall"], "cpu": pair["other_cpu"]}
    prefect = Path(sys.executable).parent / "prefect"
    if prefect.exists():  # the goal's comparison: the office's status against Prefect's own listing of runs
        prefect_env = dict(env, PREFECT_HOME=tempfile.mkdtemp(prefix="regie-cli-prefect-"))
        prefect_env.pop("PREFECT_API_URL", None)
        for name, argv in (("prefect_version", [str(prefect), "--version"]),
                           ("prefect_flow_run_ls", [str(prefect), "flow-run", "ls"])):
            pair = paired(regie + COMMANDS["status"], argv, max(1, min(args.runs, 3)), prefect_env)
            figures[f"status_vs_{name}"] = {"status_wall": pair["wall"], "status_cpu": pair["cpu"],
                                            "other_wall": pair["other_wall"], "other_cpu": pair["other_cpu"],
                                            "ratio_wall": pair["ratio_wall"], "ratio_cpu": pair["ratio_cpu"]}
    emit(figures)


if __name__ == "__main__":
    main()
