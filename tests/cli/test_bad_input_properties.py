"""Generated bad decisions, through the command line and through the form of a waiting run: every one
ends in a clear Dutch refusal and writes nothing. The number of examples is a setting
(REGIE_PROPERTY_EXAMPLES, per database and path; CI runs 250, so 1,000 in all)."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cli.main import main
from models.access.session import register_session
from models.facts.entities import Decision, FormInput

EXAMPLES = int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "250"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

GOOD = {"point": "go-no-go", "body": "aalten", "outcome": "go", "on": "2024-11-05", "by": "Secretaris Aalten"}
odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300)
BAD = {
    "point": st.one_of(st.sampled_from(["go-go", "GO-NO-GO", "", "go-no-go\n", "award'; DROP TABLE x;--"]), odd_text),
    "body": st.one_of(st.sampled_from(["lochem", "Aalten", "", "projectteam", "bestuurders", "aalten\x00"]), odd_text),
    "outcome": st.one_of(st.sampled_from(["ja", "GO", "approved", "", "no go"]), odd_text),
    "on": st.one_of(st.sampled_from(["2024-11-02", "2024-12-25", "2099-01-01", "0001-01-01", "9999-12-31",
                                     "2024-02-30", "20241105", "5 november 2024", "", "2014-11-04"]), odd_text),
    "by": st.one_of(st.sampled_from(["", "   ", "x" * 201, "Naam\nmet regel", "tab\there", "\x00"]),
                    st.text(min_size=201, max_size=400)),
    "lifts": st.one_of(st.integers(min_value=-10, max_value=0), st.integers(min_value=2**31, max_value=2**70),
                       st.integers(min_value=1, max_value=10**6)),
    "reference": st.text(min_size=201, max_size=400),
}


def _surely_bad(field: str, value) -> bool:
    """Drop the rare generated value that happens to be valid for its field."""
    valid = {"point": {"go-no-go", "tariffs", "award", "publication"}, "outcome": {"go", "no-go", "deferred"},
             "body": {"aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
                      "oude-ijsselstreek", "winterswijk"}}
    if field == "body":  # a college may be named as a person types it ("Aalten", "het college van Aalten")
        from models.facts.lookup import body_key

        return body_key(str(value)) not in valid[field]
    if field in valid:
        return str(value).strip() not in valid[field]
    if field == "on":
        return str(value).strip() != "2024-11-05"
    return True


def _count() -> int:
    with register_session() as session:
        return session.scalar(select(func.count()).select_from(Decision))


@pytest.fixture
def register(env_db, monkeypatch):
    monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
    assert _count() == 0
    return env_db


@SETTINGS
@given(field=st.sampled_from(sorted(BAD)), data=st.data())
def test_a_bad_decision_on_the_command_line(register, capsys, field, data):
    value = data.draw(BAD[field])
    if not _surely_bad(field, value):
        return
    args = dict(GOOD)
    args[field] = value
    argv = ["decide", "inkoop-2026", str(args["point"]), "--body", str(args["body"]), "--outcome",
            str(args["outcome"]), "--on", str(args["on"]), "--by", str(args["by"])]
    if field in ("lifts", "reference"):
        argv += [f"--{field}", str(value)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, (field, value)
    assert "Traceback" not in err and err.startswith("regie: fout")
    assert _count() == 0


@SETTINGS
@given(field=st.sampled_from(["body", "outcome", "on", "by", "reference"]), data=st.data())
def test_a_bad_decision_through_the_form(register, field, data):
    from models.commands.forms import handle_form_input

    value = data.draw(BAD[field])
    if not _surely_bad(field, value):
        return
    payload = {"body": GOOD["body"], "outcome": GOOD["outcome"], "decided_on": GOOD["on"],
               "recorded_by": GOOD["by"]}
    payload[{"on": "decided_on", "by": "recorded_by"}.get(field, field)] = value
    with register_session() as session:
        run = f"run-{abs(hash((field, str(value)))) % 10**12}"
        result = handle_form_input(session, flow_run_id=run, pause_key=f"k-{run}", programme="inkoop-2026",
                                   point="go-no-go", payload=payload)
        assert result.result in ("refused", "empty") and result.decision_id is None, (field, value, result)
        assert result.message and "Traceback" not in result.message
        session.rollback()  # the form's own record is not the point here
    assert _count() == 0
    with register_session() as session:
        assert session.scalar(select(func.count()).select_from(FormInput)) == 0


valid_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=200)


@settings(max_examples=max(EXAMPLES // 2, 20), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(by=valid_text, reference=valid_text)
def test_odd_but_valid_text_is_recorded_the_same_on_both_databases(register, by, reference):
    """Long, unicode and odd texts that are allowed are stored and read back as typed (then undone)."""
    from models.core import clock
    from models.commands.register import record_decision

    if not by.strip() or not reference.strip():
        return
    with register_session() as session:
        with clock.frozen(clock.parse_date("2024-11-06")):
            recorded = record_decision(session, programme="inkoop-2026", point="go-no-go", body="aalten",
                                       outcome="go", decided_on="2024-11-05", recorded_by=by, reference=reference)
        row = session.get(Decision, recorded.decision_id)
        assert (row.recorded_by, row.reference) == (by.strip(), reference.strip())
        session.rollback()
