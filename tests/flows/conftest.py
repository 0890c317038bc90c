"""Flow tests: one Prefect test server for the session, a fresh register and receivers per test."""

from __future__ import annotations

import pytest
import yaml

from models.facts.db import dispose_engines
from tests.receivers import HttpReceiver


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def webhook():
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def flow_env(tmp_path, monkeypatch, webhook):
    """A SQLite register and a recipients file whose programme office listens on a real HTTP receiver."""
    monkeypatch.setenv("REGIE_DATABASE_URL", f"sqlite:///{tmp_path / 'regie.db'}")
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(yaml.safe_dump({"recipients": [
        {"name": "Programmabureau", "role": "programme-office", "urls": [webhook.url("office")]},
        {"name": "Secretaris Winterswijk", "role": "secretary", "body": "winterswijk", "urls": [webhook.url("winterswijk")]},
        {"name": "Aanbieder X", "role": "provider", "urls": [webhook.url("provider")]},
    ]}), encoding="utf-8")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(recipients))
    monkeypatch.setenv("REGIE_PAUSE_POLL_SECONDS", "1")
    monkeypatch.setenv("REGIE_PAUSE_SECONDS", "300")
    yield webhook
    dispose_engines()
