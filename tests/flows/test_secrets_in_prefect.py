"""No channel secret reaches what Prefect keeps: logs, artifacts, runs' names, parameters and states."""

from __future__ import annotations

import datetime as dt

import yaml
from prefect import get_client
from prefect.client.schemas.filters import LogFilter
from prefect.logging.handlers import APILogWorker

from flows.reminders import reminder_flow
from tests.flows.helpers import record_all
from tests.receivers import SmtpReceiver

SECRETS = ["geheim", "PATHtoken123secret", "HDRsecret42", "QuerySecretValue", "LettersOnlySecretToken",
           "PayloadSecretValue"]


def _all(read, **filters) -> list:
    """Every row of a Prefect API listing (it gives at most 200 at a time)."""
    rows, offset = [], 0
    while True:
        page = read(limit=200, offset=offset, **filters)
        rows += page
        if len(page) < 200:
            return rows
        offset += 200


def test_no_secret_in_prefect_logs_artifacts_or_runs(flow_env, tmp_path, monkeypatch):
    hook = flow_env
    with SmtpReceiver() as smtp:
        path = tmp_path / "recipients.yaml"
        path.write_text(yaml.safe_dump({"recipients": [
            {"name": "Secretaris Winterswijk", "role": "secretary", "body": "winterswijk",
             "urls": [smtp.url("winterswijk@sda.test")]},  # user:password in the URL
            {"name": "Projectleider", "role": "procurement-lead",
             "urls": [f"json://127.0.0.1:{hook.port}/hooks/PATHtoken123secret"]},  # a token in the path
            {"name": "Programmabureau", "role": "programme-office",
             "urls": [f"json://127.0.0.1:{hook.port}/office?+Authorization=Bearer%20HDRsecret42",  # a header
                      f"json://127.0.0.1:{hook.port}/x?a=1&-token=QuerySecretValue",  # a query token
                      f"json://127.0.0.1:{hook.port}/hooks/LettersOnlySecretToken",  # a path token, no digit
                      f"json://127.0.0.1:{hook.port}/y?%3Asecret=PayloadSecretValue"]},  # a payload field
        ]}), encoding="utf-8")
        monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(path))
        record_all(skip={("go-no-go", "winterswijk")})
        started = dt.datetime.now(dt.timezone.utc)
        reminder_flow(as_of=dt.date(2024, 11, 6), dry_run=True)
        totals = reminder_flow(as_of=dt.date(2024, 11, 6))
        assert totals.get("sent", 0) >= 2 and smtp.messages and hook.messages  # it really went out
        smtp.down = True
        reminder_flow(as_of=dt.date(2024, 11, 13))  # failures write errors too
    APILogWorker.drain_all(timeout=10)  # logs go to the API in batches: all of them, before they are read
    with get_client(sync_client=True) as client:
        runs = [r for r in _all(client.read_flow_runs) if r.created and r.created >= started]
        run_ids = {r.id for r in runs}
        logs = [log.message for log in _all(client.read_logs, log_filter=LogFilter(flow_run_id={"any_": list(run_ids)}))]
        artifacts = [str(a.data) + str(a.description) for a in _all(client.read_artifacts) if a.flow_run_id in run_ids]
        tasks = _all(client.read_task_runs)
    texts = {
        "logs": logs,
        "artifacts": artifacts,
        "runs": [f"{r.name} {r.parameters} {r.state.message if r.state else ''}" for r in runs],
        "task runs": [f"{t.name} {t.state.message if t.state else ''}" for t in tasks if t.flow_run_id in run_ids],
    }
    assert texts["logs"] and texts["artifacts"]
    assert any("mailto://regie:****@" in t for t in texts["logs"])  # channels are named, masked
    for secret in SECRETS:
        for where, found in texts.items():
            assert not [t for t in found if secret in t], (secret, where)
