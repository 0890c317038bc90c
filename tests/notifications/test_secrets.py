"""No secret of a channel shows anywhere a person or a log can read it."""

from __future__ import annotations

import logging

import yaml
from sqlalchemy import text

from cli.main import main
from models.facts.db import get_engine
from tests.receivers import HttpReceiver, SmtpReceiver

SECRETS = ["geheim", "PATHtoken123secret", "HDRsecret42", "QuerySecretValue", "LettersOnlySecretToken",
           "PayloadSecretValue"]


def test_no_secret_in_output_ledger_outbox_or_logs(env_db, tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    with HttpReceiver() as hook, SmtpReceiver() as smtp:
        path = tmp_path / "recipients.yaml"
        path.write_text(yaml.safe_dump({"recipients": [
            {"name": "Secretaris Aalten", "role": "secretary", "body": "aalten",
             "urls": [smtp.url("aalten@sda.test")]},  # user:password in the URL
            {"name": "Projectleider", "role": "procurement-lead",
             "urls": [f"json://127.0.0.1:{hook.port}/hooks/PATHtoken123secret"]},  # a token in the path
            {"name": "Programmabureau", "role": "programme-office",
             "urls": [f"json://127.0.0.1:{hook.port}/office?+Authorization=Bearer%20HDRsecret42",  # a header
                      f"json://127.0.0.1:{hook.port}/x?a=1&-token=QuerySecretValue",  # a query token
                      f"json://127.0.0.1:{hook.port}/hooks/LettersOnlySecretToken",  # a path token, no digit
                      f"json://127.0.0.1:{hook.port}/y?%3Asecret=PayloadSecretValue"]},  # a payload field
        ]}), encoding="utf-8")
        monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(path))
        monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
        for argv in (["recipients", "inkoop-2026"], ["recipients", "inkoop-2026", "--json"],
                     ["remind", "--as-of", "2024-10-22", "--dry-run"], ["remind", "--as-of", "2024-10-22"],
                     ["remind", "--as-of", "2024-11-06", "--json"],
                     ["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on",
                      "2024-11-05", "--by", "Secretaris Aalten"]):
            assert main(argv) in (0, 3), argv
        smtp.down = True
        hook.down = True
        main(["remind", "--as-of", "2024-11-13"])  # failed sends write errors too
        seen = capsys.readouterr()
        assert smtp.messages and hook.messages  # it really went out
    with get_engine().connect() as conn:
        dump = [str(row) for table in ("notifications", "outbox", "decisions")
                for row in conn.execute(text(f"SELECT * FROM {table}"))]
    logs = [record.getMessage() for record in caplog.records]
    for secret in SECRETS:
        for where, texts in (("output", [seen.out, seen.err]), ("register", dump), ("logs", logs)):
            assert not [t for t in texts if secret in t], (secret, where)
