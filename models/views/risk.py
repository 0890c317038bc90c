"""`regie risico`: the chance that a programme's contracts start on time, from the register as it stood on a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.core import clock
from models.core.errors import InputError
from models.facts.reader import Reader, read_body_names, read_snapshots
from models.rules.arrival import ARRIVAL_FILE, arrival_model
from models.rules.evaluation import evaluate_snapshot
from models.rules.risk import build_setup, risk_report

MAX_RUNS = 1_000_000


def plain_risk_report(reader: Reader, key: str, as_of: dt.date | None = None, runs: int = 10_000, seed: int = 1,
                      model_path: Path | str | None = None) -> dict:
    """The risk document of one programme on `as_of` (default today): the register read once, then N runs."""
    if not 1 <= runs <= MAX_RUNS:
        raise InputError(f"--runs: {runs} ligt niet tussen 1 en {MAX_RUNS}")
    model_path = model_path or ARRIVAL_FILE
    model = arrival_model(model_path)  # a bad model file is refused before anything else is done
    snapshot = read_snapshots(reader, [key])[key]
    ev = evaluate_snapshot(snapshot, as_of or clock.today(), read_body_names(reader))
    setup = build_setup(ev, model)
    report = risk_report(setup, runs, seed)
    report["model"] = {"path": str(model_path), "version": model.version, "source": model.source,
                       "learned_from": model.learned_from}
    return report
