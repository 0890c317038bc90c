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


# ---- beyond the chains: the rows no chain covers, and an anchor outside the register -------------------

def _check(session):
    from models.views.integrity import check

    with session.begin():
        return check(session)


def _relink(session, start: int) -> None:
    """What someone who knows the code (not a key) can do: recompute the chain from a changed row on."""
    from models.facts.chain import GENESIS, link
    from models.facts.entities import Decision

    postgres = session.get_bind().dialect.name == "postgresql"
    with session.begin():
        rows = session.query(Decision).order_by(Decision.id).all()
        links, previous = {}, GENESIS
        for row in rows:
            previous = link(previous, row) if row.id >= start else row.chain
            links[row.id] = previous
        session.expunge_all()
        if postgres:
            session.execute(text("ALTER TABLE decisions DISABLE TRIGGER USER"))
        for row_id, chain in links.items():
            if row_id >= start:
                session.execute(text("UPDATE decisions SET chain = :c WHERE id = :i"), {"c": chain, "i": row_id})
        if postgres:
            session.execute(text("ALTER TABLE decisions ENABLE TRIGGER USER"))


def test_the_newest_decision_deleted_shows_against_the_anchor_of_the_last_check(filled, tmp_path, monkeypatch):
    """Deleting the newest row leaves a chain whose every link holds: once `regie verify` said "de keten klopt"."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "verifier"))
    first = _check(filled)
    assert first["clean"] and first["previous"] is None
    _bypass(filled, "DELETE FROM decisions WHERE id = 8")
    second = _check(filled)
    assert {r.what: r.broken_at for r in second["chains"]}["besluit"] is None  # the chain alone sees nothing
    assert not second["clean"]
    reasons = [(f.what, f.reason) for f in second["anchored"]]
    assert [what for what, _ in reasons] == ["besluit", "besluit"]
    assert reasons[0][1].startswith("regel #8, de nieuwste bij de controle van ") and reasons[0][1].endswith(
        "is verwijderd")
    assert reasons[1][1].startswith("1 van de 8 regels van de controle van ")
    assert "de nieuwste bij de controle van" in second["anchored"][0].reason
    assert _check(filled)["anchored"]  # the anchor was kept: it stays seen


def test_a_decision_changed_and_its_chain_recomputed_without_a_key_shows_against_the_anchor(filled, tmp_path,
                                                                                             monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "verifier"))
    assert _check(filled)["clean"]
    _bypass(filled, "UPDATE decisions SET outcome = 'rejected' WHERE id = 4")
    _relink(filled, 4)
    result = _check(filled)
    assert {r.what: r.broken_at for r in result["chains"]}["besluit"] is None  # recomputed: every link holds
    assert [f.what for f in result["anchored"]] == ["besluit"]
    assert "is herberekend sinds de controle van" in result["anchored"][0].reason


def test_rows_no_chain_covers_are_checked_against_the_programme_file_and_the_plan_revisions(filled, tmp_path,
                                                                                             monkeypatch):
    """Who decides a point, a planned date moved by a day outside a replan, a college renamed: once unseen."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "verifier"))
    assert _check(filled)["clean"]  # the replan of go-no-go (a plan revision) explains its date
    point = "(SELECT id FROM programmes WHERE key = 'inkoop-2026')"
    with filled.begin():
        filled.execute(text(f"UPDATE decision_points SET decided_by = 'penvoerder' WHERE key = 'tariffs' "
                            f"AND programme_id = {point}"))
        filed = filled.scalar(text(f"SELECT planned_date FROM decision_points WHERE key = 'market-consultation-2' "
                                   f"AND programme_id = {point}"))
        filed = filed if isinstance(filed, dt.date) else dt.date.fromisoformat(filed)
        filled.execute(text(f"UPDATE decision_points SET planned_date = :d WHERE key = 'market-consultation-2' "
                            f"AND programme_id = {point}"), {"d": filed + dt.timedelta(days=1)})  # one day on
        filled.execute(text(f"UPDATE decision_points SET planned_date = :d WHERE key = 'go-no-go' "
                            f"AND programme_id = {point}"), {"d": dt.date(2024, 11, 13)})
        filled.execute(text("UPDATE municipalities SET name = 'Aalten (gewijzigd)' WHERE slug = 'aalten'"))
    result = _check(filled)
    found = {(f.what, f.reason) for f in result["definition"]}
    assert ("besluitpunt inkoop-2026/tariffs",
            "wie besluit: 'penvoerder' in het register, 'colleges' in het programmabestand") in found
    assert any(w == "besluitpunt inkoop-2026/market-consultation-2" and "wijkt af van het programmabestand" in r
               for w, r in found)
    assert any(w == "besluitpunt inkoop-2026/go-no-go" and "wijkt af van de laatste herplanning (dinsdag 12 november"
               in r for w, r in found)
    assert any(w == "gemeente aalten" and "heet 'Aalten (gewijzigd)' in het register" in r for w, r in found)
    assert not result["clean"]


def test_a_replan_after_the_anchor_is_explained_by_its_plan_revision(filled, tmp_path, monkeypatch):
    """A sandbox's clock may lie years before the anchor's own moment: the revision counts by its place in the
    chain, not by its time."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "verifier"))
    assert _check(filled)["clean"]
    with clock.frozen(dt.date(2024, 11, 14)), filled.begin():
        replan(filled, programme="inkoop-2026", point="publication", to=dt.date(2024, 12, 10), reason="later",
               recorded_by="Projectleider")
    result = _check(filled)
    assert result["clean"], (result["definition"], result["anchored"])
