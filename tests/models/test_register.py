"""The decision register on a real database: the one path for decisions, its checks, its history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from models.core import clock
from models.facts.entities import Decision
from models.core.errors import InputError, NotFound
from models.access.loader import load_programme
from models.commands.register import record_decision
from models.views.status import decision_history, evaluate, gate_verdict, status_report
from tests.conftest import DATA

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]


def decide(session, point, body, outcome="go", on="2024-11-05", programme="inkoop-2026", **kw):
    with session.begin():
        return record_decision(session, programme=programme, point=point, body=body, outcome=outcome,
                               decided_on=on, recorded_by=kw.pop("by", "Secretaris"), **kw)


def count(session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(Decision))


def point_state(session, key, as_of, programme="inkoop-2026"):
    with session.begin():
        report = status_report(session, programme, as_of)
    return next(dp for dp in report["decision_points"] if dp["key"] == key)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(dt.date(2025, 4, 1)):
        yield


def test_go_no_go_overdue_then_satisfied_after_eight_go(session):
    state = point_state(session, "go-no-go", dt.date(2024, 11, 6))
    assert state["status"] == "overdue"
    assert state["missing_bodies"] == COLLEGES
    assert state["required_bodies"] == COLLEGES
    for body in COLLEGES:
        decide(session, "go-no-go", body, reference=f"B&W-{body}-2024-77")
    state = point_state(session, "go-no-go", dt.date(2024, 11, 6))
    assert state["status"] == "satisfied"
    assert state["missing_bodies"] == []


def test_award_2026_needs_only_the_penvoerder(session):
    state = point_state(session, "award", dt.date(2025, 3, 1))
    assert state["required_bodies"] == ["doetinchem"]
    with pytest.raises(InputError, match="het college van Aalten hoeft niet te besluiten over 'Besluitvorming gunning door college penvoerder'"):
        decide(session, "award", "aalten", outcome="approved", on="2025-03-24")
    assert count(session) == 0
    decide(session, "award", "doetinchem", outcome="approved", on="2025-03-24")
    assert point_state(session, "award", dt.date(2025, 3, 25))["status"] == "satisfied"


def test_scope_without_oude_ijsselstreek_needs_seven_colleges(session):
    with session.begin():
        load_programme(session, DATA / "regio-test.yaml")
    state = point_state(session, "ambulant-lots", dt.date(2025, 2, 1), programme="regio-test")
    assert len(state["required_bodies"]) == 7 and "oude-ijsselstreek" not in state["required_bodies"]
    assert len(point_state(session, "all-lots", dt.date(2025, 2, 1), programme="regio-test")["required_bodies"]) == 8
    assert point_state(session, "five", dt.date(2025, 2, 1), programme="regio-test")["required_bodies"] == [
        "aalten", "berkelland", "bronckhorst", "oost-gelre", "winterswijk"]
    with pytest.raises(InputError, match="Oude IJsselstreek hoeft niet te besluiten over 'Perceelindeling ambulant'"):
        decide(session, "ambulant-lots", "oude-ijsselstreek", outcome="approved", on="2025-02-20", programme="regio-test")
    assert count(session) == 0


BAD_INPUT = [
    (dict(programme="inkoop-2030"), NotFound, "onbekend programma 'inkoop-2030' (bekend: inkoop-2022, inkoop-2026)"),
    (dict(point="go-go"), NotFound, "onbekend besluitpunt 'go-go'"),
    (dict(body="lochem"), NotFound, "onbekend bestuursorgaan 'lochem'"),
    (dict(outcome="maybe"), InputError, "onbekende uitkomst 'maybe'"),
    (dict(outcome="approved"), InputError, "past niet bij een go/no-go"),
    (dict(on="2025-04-02"), InputError, "ligt in de toekomst"),
    (dict(on="5-11-2024"), InputError, "'5-11-2024' is geen geldige datum"),
    (dict(on="2024-02-30"), InputError, "geen geldige datum"),
    (dict(by="  "), InputError, "naam ontbreekt"),
    (dict(outcome="go", reservation="eerst geld"), InputError, "voorbehoud hoort alleen bij"),
]


@pytest.mark.parametrize("change, error, words", BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_written(session, change, error, words):
    args = dict(point="go-no-go", body="aalten")
    args.update(change)
    with pytest.raises(error) as info:
        decide(session, **args)
    assert words in str(info.value)
    assert count(session) == 0


def test_lifts_or_supersedes_naming_a_decision_of_another_point(session):
    first = decide(session, "tariffs", "aalten", outcome="approved", on="2024-10-08")
    for flag in ("lifts", "supersedes"):
        with pytest.raises(InputError, match=f"--{flag} {first.decision_id}: dat besluit hoort bij 'Tarieven vastgesteld door de colleges' \\(tariffs\\)"):
            decide(session, "go-no-go", "aalten", **{flag: first.decision_id})
    assert count(session) == 1


def test_double_submit_writes_one_row(session):
    a = decide(session, "go-no-go", "aalten", reference="2024-77")
    b = decide(session, "go-no-go", "aalten", reference="2024-77")
    assert a.created and not b.created and a.decision_id == b.decision_id
    assert count(session) == 1
    # a different second entry for a body that already decided is refused, not added
    with pytest.raises(InputError, match="heeft over 'Besluitvorming door colleges: go/no-go' al besloten"):
        decide(session, "go-no-go", "aalten", reference="2024-78")
    assert count(session) == 1


def test_supersede_keeps_history_readable(session):
    wrong = decide(session, "go-no-go", "aalten", outcome="no-go", on="2024-11-05")
    with session.begin():
        assert "no-go door het college van Aalten" in gate_verdict(session, "inkoop-2026", 2, dt.date(2024, 11, 6)).reason
    right = decide(session, "go-no-go", "aalten", outcome="go", on="2024-11-05", supersedes=wrong.decision_id,
                   reference="correctie")
    with session.begin():
        history = decision_history(session, "inkoop-2026", "go-no-go")
    assert [(h["id"], h["outcome"], h["state"], h["ended_by"]) for h in history] == [
        (wrong.decision_id, "no-go", "superseded", right.decision_id),
        (right.decision_id, "go", "standing", None),
    ]
    assert history[1]["supersedes"] == wrong.decision_id


def test_reservation_stays_open_until_lifted(session):
    reserved = None
    for body in COLLEGES:
        outcome = "approved-with-reservation" if body == "berkelland" else "approved"
        r = decide(session, "segments-funding", body, outcome=outcome, on="2021-02-02", programme="inkoop-2022",
                   reservation="volledige financiële doorrekening" if body == "berkelland" else None)
        reserved = r if body == "berkelland" else reserved
    state = point_state(session, "segments-funding", dt.date(2021, 2, 10), programme="inkoop-2022")
    assert state["status"] == "reserved"
    assert "open voorbehoud 'volledige financiële doorrekening' van het college van Berkelland" in state["reason"]
    with session.begin():
        verdict = gate_verdict(session, "inkoop-2022", 2, dt.date(2021, 2, 10))
    assert not verdict.ok and "open voorbehoud" in verdict.reason
    lift = decide(session, "segments-funding", "berkelland", outcome="approved", on="2021-03-02",
                  programme="inkoop-2022", lifts=reserved.decision_id)
    state = point_state(session, "segments-funding", dt.date(2021, 3, 3), programme="inkoop-2022")
    assert state["status"] == "satisfied"
    with session.begin():
        history = decision_history(session, "inkoop-2022", "segments-funding")
    lifted = next(h for h in history if h["id"] == reserved.decision_id)
    assert (lifted["state"], lifted["ended_by"], lifted["reservation"]) == ("lifted", lift.decision_id,
                                                                            "volledige financiële doorrekening")


def test_the_database_refuses_updates_and_deletes(session, engine):
    decide(session, "go-no-go", "aalten")
    for statement in ("UPDATE decisions SET outcome = 'no-go'", "DELETE FROM decisions"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    with session.begin():
        assert session.scalar(select(Decision.outcome)) == "go"


def test_current_phase_follows_the_register(session):
    with session.begin():
        assert status_report(session, "inkoop-2026", dt.date(2024, 11, 6))["current_phase"] == 1
    decide(session, "market-consultation-2", "projectteam", outcome="approved", on="2024-09-13")
    with session.begin():
        ev = evaluate(session, "inkoop-2026", dt.date(2024, 11, 6))
        assert ev.gates[1].ok and not ev.gates[2].ok
        assert status_report(session, "inkoop-2026", dt.date(2024, 11, 6))["current_phase"] == 2


def test_unknown_phase_for_gate(session):
    with session.begin(), pytest.raises(InputError, match="fase 7 bestaat niet"):
        gate_verdict(session, "inkoop-2026", 7)


def test_two_simultaneous_submissions_for_one_body_write_one_row(engine, session):
    """Two secretaries press 'save' at once with different references: the register keeps one."""
    import threading

    from models.facts.db import session_factory

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(reference: str) -> None:
        s = session_factory(engine)()
        barrier.wait()
        try:
            with clock.frozen(dt.date(2025, 4, 1)), s.begin():
                record_decision(s, programme="inkoop-2026", point="go-no-go", body="aalten", outcome="go",
                                decided_on="2024-11-05", recorded_by="x", reference=reference)
            outcomes.append("written")
        except InputError as exc:
            outcomes.append(str(exc))
        finally:
            s.close()

    threads = [threading.Thread(target=submit, args=(ref,)) for ref in ("A-1", "A-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o if o == "written" else "refused" for o in outcomes) == ["refused", "written"]
    assert count(session) == 1


def test_a_refusal_names_only_fields_the_form_has(session):
    """A college that decided already and answers its inbox again is told where a correction is made: the
    record-decision form, by that form's field; the inbox has no such field (a walk found it named as if it had).
    The record-decision form itself is pointed at its own field."""
    from models.commands.forms import ELSEWHERE, record_typed

    decide(session, "go-no-go", "bronckhorst", outcome="go", on="2024-10-29")
    typed = {"body": "bronckhorst", "outcome": "No-go", "decided_on": "2024-10-29", "recorded_by": "Secretaris"}
    with session.begin():
        result, inbox, _ = record_typed(session, programme="inkoop-2026", point="go-no-go", payload=dict(typed),
                                        via="formulier")
    assert result == "refused" and "al besloten" in inbox, inbox
    assert f"{ELSEWHERE} (veld 'Vervangt besluit nr.')" in inbox and "--" not in inbox
    assert "met het veld 'Vervangt besluit nr.'" not in inbox
    with session.begin():
        result, own, _ = record_typed(session, programme="inkoop-2026", point="go-no-go", payload=dict(typed),
                                      via="deployment")
    assert result == "refused" and "met het veld 'Vervangt besluit nr.'" in own and ELSEWHERE not in own
    assert count(session) == 1  # nothing written
