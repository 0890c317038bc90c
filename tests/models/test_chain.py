"""Tamper evidence: the register proves it was not changed, and the ways around the triggers are closed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models.core import clock
from models.facts.chain import verify
from models.commands.overrides import advance_phase
from models.commands.register import record_decision
from models.commands.replanning import replan

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]


@pytest.fixture
def filled(session):
    with clock.frozen(dt.date(2024, 10, 1)), session.begin():
        replan(session, programme="inkoop-2026", point="go-no-go", to=dt.date(2024, 11, 12), reason="agenda vol",
               recorded_by="Projectleider")
    with clock.frozen(dt.date(2024, 11, 13)), session.begin():
        advance_phase(session, programme="inkoop-2026", to_phase=2, reason="consultatie gehouden",
                      recorded_by="Projectleider")
        for body in COLLEGES:
            record_decision(session, programme="inkoop-2026", point="tariffs", body=body, outcome="approved",
                            decided_on="2024-10-08", recorded_by=f"Secretaris {body}")
    return session


def broken(session) -> dict[str, int | None]:
    with session.begin():
        return {r.what: r.broken_at for r in verify(session)}


def test_an_untouched_register_verifies(filled):
    with filled.begin():
        reports = {r.what: r for r in verify(filled)}
    assert reports["besluit"].rows == 8 and reports["besluit"].broken_at is None
    assert reports["handmatige overgang"].rows == 1 and reports["handmatige overgang"].broken_at is None
    assert reports["herplanning"].rows >= 2 and reports["herplanning"].broken_at is None


def _bypass(session, sql: str) -> None:
    """What the owner of the tables can do: switch the triggers off, change a row, switch them on."""
    dialect = session.get_bind().dialect.name
    with session.begin():
        if dialect == "postgresql":
            session.execute(text("ALTER TABLE decisions DISABLE TRIGGER USER"))
            session.execute(text(sql))
            session.execute(text("ALTER TABLE decisions ENABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER decisions_no_update"))
            session.execute(text("DROP TRIGGER decisions_no_delete"))
            session.execute(text(sql))


def test_verify_names_a_decision_changed_behind_the_triggers(filled):
    _bypass(filled, "UPDATE decisions SET outcome = 'rejected' WHERE id = 4")
    assert broken(filled)["besluit"] == 4


def test_verify_notices_a_removed_decision(filled):
    _bypass(filled, "DELETE FROM decisions WHERE id = 3")
    assert broken(filled)["besluit"] == 4  # the row after the gap no longer links


def test_the_ways_around_the_append_only_triggers_are_closed(filled):
    dialect = filled.get_bind().dialect.name
    statement = ("INSERT OR REPLACE INTO decisions SELECT * FROM decisions WHERE id = 2" if dialect == "sqlite"
                 else "TRUNCATE decisions CASCADE")
    with pytest.raises(DBAPIError, match="append-only"), filled.begin():
        filled.execute(text(statement))
    assert broken(filled)["besluit"] is None
