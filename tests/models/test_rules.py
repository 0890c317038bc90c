"""The rules on plain facts: every status, every refusal, the gate and the current phase."""

from __future__ import annotations

import datetime as dt

import pytest

from models.facts.snapshot import DecisionFact
from models.rules.decisions import (
    DecisionRefused,
    PointSpec,
    Verdict,
    check_decision,
    current_decisions,
    current_phase,
    describe_bodies,
    exit_gate,
    point_status,
    required_bodies,
)
from models.core.vocabulary import DecidedBy, Kind, Outcome, Status

D = dt.date
NAMES = {"aalten": "Aalten", "berkelland": "Berkelland", "doetinchem": "Doetinchem", "bestuurders": "bestuurders"}
THREE = ("aalten", "berkelland", "doetinchem")


def spec(kind=Kind.GO_NO_GO, bodies=THREE, due=D(2024, 11, 5)):
    return PointSpec("go-no-go", kind, "Go/no-go", 2, due, bodies, NAMES)


def f(id, body, outcome, on=D(2024, 11, 1), **kw):
    return DecisionFact(id, body, Outcome(outcome), on, **kw)


@pytest.mark.parametrize(
    "decided_by, participants, expected",
    [
        (DecidedBy.COLLEGES, ["winterswijk", "aalten", "aalten"], ("aalten", "winterswijk")),
        (DecidedBy.PENVOERDER, ["aalten", "winterswijk"], ("doetinchem",)),
        (DecidedBy.BESTUURDERS, ["aalten"], ("bestuurders",)),
    ],
)
def test_required_bodies(decided_by, participants, expected):
    assert required_bodies(decided_by, participants=participants, penvoerder="doetinchem") == expected


@pytest.mark.parametrize(
    "slugs, text",
    [
        (["aalten"], "het college van Aalten"),
        (["aalten", "berkelland"], "2 colleges: Aalten, Berkelland"),
        (["bestuurders"], "de bestuurders"),
    ],
)
def test_describe_bodies(slugs, text):
    assert describe_bodies(slugs, NAMES) == text


STATUS_TABLE = [
    # (facts, as_of, status, missing, words in the reason)
    ([], D(2024, 11, 5), Status.OPEN, THREE, ["wacht op het go/no-go-besluit van 3 colleges"]),
    ([], D(2024, 11, 6), Status.OVERDUE, THREE, ["te laat sinds dinsdag 5 november 2024"]),
    ([f(1, "aalten", "go"), f(2, "berkelland", "go")], D(2024, 11, 1), Status.OPEN, ("doetinchem",),
     ["het college van Doetinchem"]),
    ([f(1, "aalten", "go"), f(2, "berkelland", "go"), f(3, "doetinchem", "go")], D(2024, 12, 1),
     Status.SATISFIED, (), ["genomen door 3 colleges"]),
    ([f(1, "aalten", "no-go"), f(2, "berkelland", "go")], D(2024, 11, 1), Status.REJECTED, ("doetinchem",),
     ["no-go door het college van Aalten (besluit #1"]),
    ([f(1, "aalten", "deferred")], D(2024, 11, 1), Status.DEFERRED, THREE, ["aangehouden door het college van Aalten"]),
    ([f(1, "aalten", "deferred")], D(2024, 11, 6), Status.OVERDUE, THREE, ["te laat", "aangehouden"]),
    # a deferral followed by a go: the go stands
    ([f(1, "aalten", "deferred", D(2024, 10, 1)), f(2, "aalten", "go", D(2024, 10, 8)), f(3, "berkelland", "go"),
      f(4, "doetinchem", "go")], D(2024, 11, 6), Status.SATISFIED, (), []),
    # a superseded no-go no longer counts
    ([f(1, "aalten", "no-go"), f(2, "aalten", "go", supersedes_id=1), f(3, "berkelland", "go"),
      f(4, "doetinchem", "go")], D(2024, 11, 6), Status.SATISFIED, (), []),
    # a decision by a body that is not required is ignored
    ([f(1, "winterswijk", "no-go")], D(2024, 11, 1), Status.OPEN, THREE, []),
]


@pytest.mark.parametrize("facts, as_of, status, missing, words", STATUS_TABLE)
def test_point_status(facts, as_of, status, missing, words):
    verdict = point_status(spec(), facts, as_of)
    assert verdict.status is status
    assert verdict.missing == missing
    for word in words:
        assert word in verdict.reason


RESERVED = [f(1, "aalten", "approved-with-reservation", reservation="financiële doorrekening"),
            f(2, "berkelland", "approved"), f(3, "doetinchem", "approved")]


def test_open_reservation_keeps_point_reserved_and_says_which():
    verdict = point_status(spec(Kind.APPROVAL), RESERVED, D(2024, 11, 4))
    assert verdict.status is Status.RESERVED
    assert not verdict.ok
    assert "open voorbehoud 'financiële doorrekening' van het college van Aalten (besluit #1)" in verdict.reason


def test_status_on_a_date_before_the_decisions_counts_none_of_them():
    verdict = point_status(spec(Kind.APPROVAL), RESERVED, D(2024, 10, 31))
    assert verdict.status is Status.OPEN and set(verdict.missing) == {"aalten", "berkelland", "doetinchem"}


def test_lifted_reservation_satisfies():
    facts = RESERVED + [f(4, "aalten", "approved", D(2024, 11, 5), lifts_id=1)]
    assert point_status(spec(Kind.APPROVAL), facts, D(2024, 11, 5)).status is Status.SATISFIED
    assert point_status(spec(Kind.APPROVAL), facts, D(2024, 11, 4)).status is Status.RESERVED


def test_current_decisions_follow_chain():
    facts = [f(1, "aalten", "no-go"), f(2, "aalten", "go", supersedes_id=1), f(3, "berkelland", "deferred")]
    standing = current_decisions(facts)
    assert {b: x.id for b, x in standing.items()} == {"aalten": 2, "berkelland": 3}


REFUSALS = [
    # (kind, earlier facts, kwargs, words in the refusal)
    (Kind.GO_NO_GO, [], dict(body="winterswijk", outcome=Outcome.GO), "hoeft niet te besluiten"),
    (Kind.GO_NO_GO, [], dict(body="aalten", outcome=Outcome.APPROVED), "past niet bij een go/no-go"),
    (Kind.MILESTONE, [], dict(body="aalten", outcome=Outcome.REJECTED), "kies uit: approved (akkoord), deferred (aangehouden)"),
    (Kind.GO_NO_GO, [], dict(body="aalten", outcome=Outcome.GO, decided_on=D(2024, 11, 7)), "in de toekomst"),
    (Kind.APPROVAL, [], dict(body="aalten", outcome=Outcome.APPROVED_WITH_RESERVATION), "tekst van het voorbehoud"),
    (Kind.APPROVAL, [], dict(body="aalten", outcome=Outcome.APPROVED, reservation="x"), "alleen bij"),
    (Kind.GO_NO_GO, [f(1, "aalten", "go")], dict(body="aalten", outcome=Outcome.GO), "al besloten"),
    (Kind.GO_NO_GO, [f(1, "aalten", "go")], dict(body="aalten", outcome=Outcome.GO, supersedes=9), "geen besluit"),
    (Kind.GO_NO_GO, [f(1, "aalten", "no-go"), f(2, "aalten", "go", supersedes_id=1)],
     dict(body="aalten", outcome=Outcome.GO, supersedes=1), "al vervangen"),
    (Kind.GO_NO_GO, [f(1, "aalten", "go")], dict(body="aalten", outcome=Outcome.GO, lifts=1), "geen voorbehoud"),
    (Kind.GO_NO_GO, [f(1, "aalten", "go")], dict(body="berkelland", outcome=Outcome.GO, lifts=1),
     "dat is een besluit van het college van Aalten; alleen dat orgaan kan het opheffen"),
    (Kind.APPROVAL, RESERVED, dict(body="aalten", outcome=Outcome.REJECTED, lifts=1), "--supersedes"),
    (Kind.APPROVAL, RESERVED, dict(body="aalten", outcome=Outcome.APPROVED, lifts=1, supersedes=1), "niet beide"),
    # superseding Aalten's entry with one for Berkelland: Berkelland must still be missing
    (Kind.APPROVAL, RESERVED, dict(body="berkelland", outcome=Outcome.APPROVED, supersedes=1),
     "alleen dat orgaan kan het vervangen"),
    (Kind.APPROVAL, [f(1, "aalten", "approved")], dict(body="berkelland", outcome=Outcome.APPROVED, supersedes=1),
     "alleen dat orgaan kan het vervangen"),
]


@pytest.mark.parametrize("kind, facts, kwargs, words", REFUSALS)
def test_check_decision_refuses(kind, facts, kwargs, words):
    kwargs = {"decided_on": D(2024, 11, 5), "today": D(2024, 11, 6), **kwargs}
    with pytest.raises(DecisionRefused) as info:
        check_decision(spec(kind), facts, **kwargs)
    assert words in str(info.value)


ADMITTED = [
    (Kind.GO_NO_GO, [], dict(body="aalten", outcome=Outcome.GO)),
    (Kind.GO_NO_GO, [f(1, "aalten", "deferred")], dict(body="aalten", outcome=Outcome.GO)),
    (Kind.GO_NO_GO, [f(1, "aalten", "go")], dict(body="aalten", outcome=Outcome.NO_GO, supersedes=1)),
    (Kind.APPROVAL, RESERVED, dict(body="aalten", outcome=Outcome.APPROVED, lifts=1)),
    (Kind.GO_NO_GO, [], dict(body="aalten", outcome=Outcome.GO, decided_on=D(2024, 11, 6))),
]


@pytest.mark.parametrize("kind, facts, kwargs", ADMITTED)
def test_check_decision_admits(kind, facts, kwargs):
    kwargs = {"decided_on": D(2024, 11, 5), "today": D(2024, 11, 6), **kwargs}
    assert check_decision(spec(kind), facts, **kwargs) is None


def test_exit_gate():
    ok = point_status(spec(), [f(i, b, "go") for i, b in enumerate(THREE)], D(2024, 11, 1))
    shut = point_status(spec(), [], D(2024, 11, 6))
    assert exit_gate(2, []).ok
    assert exit_gate(2, [ok]).ok
    verdict = exit_gate(2, [ok, shut])
    assert not verdict.ok
    assert verdict.reason.startswith("go-no-go: te laat sinds")


@pytest.mark.parametrize(
    "gates, expected",
    [
        ({0: True, 1: False, 2: False}, 1),
        ({0: True, 1: True, 2: True}, 2),
        ({0: False, 1: True}, 0),
    ],
)
def test_current_phase(gates, expected):
    assert current_phase({n: Verdict(ok, "") for n, ok in gates.items()}) == expected
