"""The deployments `regie up` serves and those `prefect deploy` makes from prefect.yaml are the same."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect._vendor.croniter import croniter  # the engine the server schedules with
import datetime as dt

from deployments.definitions import build_deployments

ROOT = Path(__file__).resolve().parents[2]


def test_served_and_deployed_schedules_agree_and_the_resume_sweep_runs_every_five_minutes_in_working_hours():
    served = {d.name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules or []] for d in build_deployments()}
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployed = {d["name"]: [(s["cron"], s["timezone"]) for s in d.get("schedules", [])] for d in spec["deployments"]}
    assert served == deployed
    (cron, _), = served["resume-sweep"]
    start = dt.datetime(2024, 11, 5, 6, 0)  # a Tuesday
    runs = croniter(cron, start)
    times = [runs.get_next(dt.datetime) for _ in range(145)]
    assert times[0] == dt.datetime(2024, 11, 5, 7, 0) and times[1] - times[0] == dt.timedelta(minutes=5)
    assert times[143] == dt.datetime(2024, 11, 5, 18, 55) and times[144] == dt.datetime(2024, 11, 6, 7, 0)
