"""Messages: templates, routing, masking, and the ledger against real SMTP and HTTP receivers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.facts.entities import Notification
from models.views.status import phase_snapshot
from notifications import events
from notifications.dispatch import mask
from notifications.ledger import notify
from notifications.recipients import Recipient, Role, load_recipients
from notifications.rendering import render
from models.core.errors import InputError
from tests.receivers import HttpReceiver, SmtpReceiver

CONTEXT = {
    "programme": {"key": "inkoop-2026", "name": "Inkoop 2026"},
    "phase": {"number": 2, "name": "Dialoog", "planned_start": dt.date(2024, 10, 1), "planned_end": dt.date(2024, 11, 6)},
    "point": {"key": "go-no-go", "title": "Go/no-go", "due": dt.date(2024, 11, 5), "who": "8 colleges",
              "status_label": "te laat", "reason": "wacht"},
    "missing": ["het college van Winterswijk"],
    "reason": "wacht op het go/no-go-besluit van het college van Winterswijk",
}


def test_templates_render_dutch_text_and_html():
    message = render("gate_waiting", CONTEXT)
    assert message.subject == "[inkoop-2026] Wacht op Go/no-go: 1 orgaan nog niet besloten (uiterlijk dinsdag 5 november 2024)"
    assert "het college van Winterswijk" in message.text and "dinsdag 5 november 2024" in message.text
    assert "<li>het college van Winterswijk</li>" in message.html


def test_html_is_escaped_and_missing_values_fail_loudly():
    ctx = dict(CONTEXT, missing=["<script>x</script>"])
    assert "&lt;script&gt;" in render("gate_waiting", ctx).html
    with pytest.raises(Exception, match="missing"):
        render("gate_waiting", {k: v for k, v in CONTEXT.items() if k != "missing"})


@pytest.mark.parametrize(
    "url, secret",
    [
        ("mailto://regie:Geheim123@smtp.example.nl?to=a@example.nl", "Geheim123"),
        ("json://user:Wachtwoord9@127.0.0.1:8080/hook", "Wachtwoord9"),
        ("msteams://TokenA1234567/TokenB1234567/TokenC1234567/", "TokenB1234567"),
        # forms no plugin declares secret: a query token, a path token without a digit, a payload field
        ("json://hooks.example.nl/x?a=1&-token=QuerySecretValue", "QuerySecretValue"),
        ("json://hooks.example.nl/hooks/LettersOnlySecretToken", "LettersOnlySecretToken"),
        ("json://hooks.example.nl/x?a=1&%3Asecret=PayloadSecretValue", "PayloadSecretValue"),
        ("xml://hooks.example.nl/x?%3Asecret=PayloadSecretValue", "PayloadSecretValue"),
        ("json://hooks.example.nl/office?+Authorization=Bearer%20HeaderSecret", "HeaderSecret"),
        ("json://hooks.example.nl/x?apikey=KeyInAQueryParameter", "KeyInAQueryParameter"),
        ("slack://TokenA1234/TokenB5678/TokenC9abcdefghij", "TokenC9abcdefghij"),
        ("discord://123456789/WebhookTokenLettersOnly", "WebhookTokenLettersOnly"),
    ],
)
def test_urls_are_masked(url, secret):
    from notifications.dispatch import redact

    assert secret not in mask(url)
    assert secret not in redact(f"verzenden via {url} mislukt")  # an error text that quotes the URL


def test_routing_never_reaches_providers_and_only_the_missing_secretaries():
    people = [
        Recipient(name="Bureau", role=Role.PROGRAMME_OFFICE, urls=["json://127.0.0.1/a"]),
        Recipient(name="Sec A", role=Role.SECRETARY, body="aalten", urls=["json://127.0.0.1/b"]),
        Recipient(name="Sec W", role=Role.SECRETARY, body="winterswijk", urls=["json://127.0.0.1/c"]),
        Recipient(name="Aanbieder", role=Role.PROVIDER, urls=["json://127.0.0.1/d"]),
        Recipient(name="Ander programma", role=Role.PROGRAMME_OFFICE, programmes=["inkoop-2022"], urls=["json://x/e"]),
    ]
    names = [r.name for r in events.route("gate_waiting", "inkoop-2026", people, secretaries_of=("winterswijk",))]
    assert names == ["Bureau", "Sec W"]


def test_recipients_file_takes_secrets_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    path.write_text("recipients:\n  - {name: Bureau, role: programme-office, urls: ['mailto://u:${SMTP_PW}@h?to=a@b.nl']}\n")
    monkeypatch.delenv("SMTP_PW", raising=False)
    with pytest.raises(InputError, match=r"r.yaml: recipients.0.urls: omgevingsvariabele SMTP_PW is niet gezet"):
        load_recipients(path)
    monkeypatch.setenv("SMTP_PW", "s3cret")
    assert load_recipients(path)[0].urls == ["mailto://u:s3cret@h?to=a@b.nl"]


def test_email_arrives_once_through_a_real_smtp_server(session):
    with SmtpReceiver() as smtp:
        people = [Recipient(name="Bureau", role=Role.PROGRAMME_OFFICE, urls=[smtp.url("bureau@sda.test")])]
        with session.begin():
            snap = phase_snapshot(session, "inkoop-2026", 2, dt.date(2024, 11, 6))
        # messages are sent outside any register transaction: notify claims and completes on its own
        first = notify(session, programme="inkoop-2026", event="phase_started", scope="phase-2",
                       context={"programme": {"key": "inkoop-2026", "name": snap.programme_name},
                                "phase": {"number": 2, "name": snap.name, "planned_start": snap.planned_start,
                                          "planned_end": snap.planned_end},
                                "points": [events._point(p) for p in snap.points]},
                       recipients=people)
        second = notify(session, programme="inkoop-2026", event="phase_started", scope="phase-2",
                        context={}, recipients=people)
    assert [o.status for o in first] == ["sent"] and [o.status for o in second] == ["skipped"]
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["bureau@sda.test"]
    assert mail["subject"] == "[inkoop-2026] Fase 2 gestart: Dialoog, uitwerken aanbestedingsdocumenten"
    assert "dinsdag 8 oktober 2024" in mail["body"]
    with session.begin():
        row = session.scalar(select(Notification))
        assert "geheim" not in row.channel and row.status == "sent"


def test_a_receiver_that_is_down_is_recorded_as_failed_and_the_next_call_delivers(session):
    with HttpReceiver() as hook:
        people = [Recipient(name="Bureau", role=Role.PROGRAMME_OFFICE, urls=[hook.url("office")])]
        args = dict(programme="inkoop-2026", event="gate_waiting", scope="go-no-go|overdue|winterswijk",
                    context=CONTEXT, recipients=people)
        hook.down = True
        failed = notify(session, **args)
        assert failed[0].status == "failed" and "mislukt" in failed[0].error
        hook.down = False
        sent = notify(session, **args)
        again = notify(session, **args)
        with session.begin():
            row = session.scalar(select(Notification))
            assert (row.status, row.attempts) == ("sent", 2)
    assert [sent[0].status, again[0].status] == ["sent", "skipped"]
    assert len(hook.messages) == 1 and hook.messages[0]["title"].startswith("[inkoop-2026] Wacht op Go/no-go")
