"""Loading programme files: first use, idempotent reloads, plan changes that leave decisions alone."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from models.core import clock
from models.facts.entities import Decision, DecisionPoint, Lot, Programme
from models.core.errors import InputError
from models.access.loader import load_builtin_if_empty, load_programme
from models.rules.programme_file import BUILTIN_DIR
from models.commands.register import record_decision
from models.views.status import status_report


def test_builtin_programmes_load_on_first_use_only(session):
    with session.begin():
        assert load_builtin_if_empty(session) == []
        keys = session.scalars(select(Programme.key).order_by(Programme.key)).all()
        assert keys == ["inkoop-2022", "inkoop-2026"]
        oij_lots = session.scalars(select(Lot.key).join(Lot.programme).where(Programme.key == "inkoop-2026")).all()
        assert len(oij_lots) == 29


def test_participation_matrix_2026(session):
    with session.begin():
        lots = {lot.key: [m.slug for m in lot.municipalities] for lot in
                session.scalars(select(Lot).join(Lot.programme).where(Programme.key == "inkoop-2026"))}
    assert lots["jeugd-1"] == ["aalten"] and lots["wmo-7"] == ["winterswijk"]  # local lots are local
    assert "oude-ijsselstreek" not in lots["jeugd-8"] and len(lots["jeugd-8"]) == 7
    assert len(lots["jeugd-14"]) == 8 and len(lots["jeugd-16"]) == 8 and len(lots["wonen-3"]) == 8


def _copy(tmp_path, name="inkoop-2026.yaml"):
    path = tmp_path / name
    shutil.copy(BUILTIN_DIR / name, path)
    return path


def test_reload_is_idempotent_and_changed_plans_update_without_touching_decisions(session, tmp_path):
    path = _copy(tmp_path)
    with session.begin():
        first = load_programme(session, path)
    assert first.action == "unchanged"  # same content as the built-in already loaded
    with session.begin():
        assert load_programme(session, path).action == "unchanged"
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="aalten", outcome="go",
                        decided_on="2024-11-05", recorded_by="Secretaris Aalten")
        before = [(d.id, d.outcome, d.decided_on, d.decision_point_id) for d in session.scalars(select(Decision))]
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2024-11-05", "date: 2024-11-12"), encoding="utf-8")
    with session.begin():
        result = load_programme(session, path)
    assert result.action == "updated"
    assert result.changes == ("besluitpunt go-no-go: 2024-11-05 -> 2024-11-12",)
    with session.begin():
        after = [(d.id, d.outcome, d.decided_on, d.decision_point_id) for d in session.scalars(select(Decision))]
        report = status_report(session, "inkoop-2026", dt.date(2024, 11, 6))
        points = session.scalar(select(func.count()).select_from(DecisionPoint))
    assert after == before
    go = next(dp for dp in report["decision_points"] if dp["key"] == "go-no-go")
    assert go["due"] == "2024-11-12" and go["status"] == "open" and "aalten" not in go["missing_bodies"]
    assert points == 24 + 20  # 2022 and 2026, with the tender's steps and the contracts' points


def test_a_point_with_decisions_cannot_disappear_from_its_file(session, tmp_path):
    path = _copy(tmp_path)
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        record_decision(session, programme="inkoop-2026", point="tariffs", body="aalten", outcome="approved",
                        decided_on="2024-10-08", recorded_by="x")
    text = path.read_text(encoding="utf-8")
    start = text.index("  - key: tariffs")
    end = text.index("  - key: go-no-go")
    text = text[:start] + text[end:]
    text = "\n".join(line for line in text.splitlines() if "to: tariffs" not in line and "from: tariffs" not in line)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="besluitpunt 'tariffs' ontbreekt in het bestand, maar heeft 1 vastgelegde"):
        with session.begin():
            load_programme(session, path)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(DecisionPoint)) == 44


def test_a_bad_file_writes_nothing(session, tmp_path):
    path = _copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2024-11-05", "date: 2024-11-31"), encoding="utf-8")
    with pytest.raises(InputError, match="decision_points\\[2\\] \\(go-no-go\\).date"):
        with session.begin():
            load_programme(session, path)
    with session.begin():
        dp = session.scalar(select(DecisionPoint).join(DecisionPoint.programme).where(
            Programme.key == "inkoop-2026", DecisionPoint.key == "go-no-go"))
        assert dp.planned_date == dt.date(2024, 11, 5)


def test_a_new_programme_whose_lot_names_a_college_twice_is_refused_with_the_field(session, tmp_path):
    """It once reached the database and failed there (IntegrityError, a traceback); now the file is refused."""
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8").replace("key: inkoop-2026", "key: inkoop-2030", 1)
    assert "participants: [aalten]}" in text
    path.write_text(text.replace("participants: [aalten]}", "participants: [aalten, aalten]}", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"lots\[0\] \(jeugd-1\).participants\[1\]: gemeente 'aalten' staat er twee keer in"):
        with session.begin():
            load_programme(session, path)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Programme).where(Programme.key == "inkoop-2030")) == 0


def test_a_reload_cannot_change_who_decides_a_point_that_has_decisions(session, tmp_path):
    path = _copy(tmp_path)
    with session.begin():
        load_programme(session, path)
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="oude-ijsselstreek",
                        outcome="no-go", decided_on="2024-11-05", recorded_by="x")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    date: 2024-11-05\n    decided_by: colleges", "    date: 2024-11-05\n    decided_by: penvoerder"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="'go-no-go' heeft 1 vastgelegde besluiten; wie besluit kan dan niet meer"):
        with session.begin():
            load_programme(session, path)
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        go = next(p for p in status_report(session, "inkoop-2026")["decision_points"] if p["key"] == "go-no-go")
    assert go["status"] == "rejected" and len(go["required_bodies"]) == 8  # nothing changed


BAD_LOADS = [
    ("a lot with no participants", ("participants: [aalten]}", "participants: []}"), "te kort"),
    ("a municipality called projectteam", ("  winterswijk: Winterswijk\n", "  winterswijk: Winterswijk\n  projectteam: X\n"),
     "'projectteam' is geen gemeente"),
    ("a statutory period shortened", ("  anchor: contract-start\n", "  anchor: contract-start\n  overrides: {alcatel-standstill: {days: 5}}\n"),
     "korter dan de wettelijke termijn"),
    ("a weekday in Dutch", ("meetings: {weekdays: [tuesday]", "meetings: {weekdays: [dinsdag]"), "ongeldige waarde 'dinsdag'"),
]


@pytest.mark.parametrize("name, change, words", BAD_LOADS, ids=[b[0] for b in BAD_LOADS])
def test_bad_content_is_refused_with_its_reason(session, tmp_path, name, change, words):
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8").replace("key: inkoop-2026", "key: kopie", 1)
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputError, match=words), session.begin():
        load_programme(session, path)
    with session.begin():
        assert session.scalar(select(Programme).where(Programme.key == "kopie")) is None


def test_a_file_cannot_rename_a_municipality_for_every_programme(session, tmp_path):
    path = _copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("key: inkoop-2026", "key: kopie", 1)
                    .replace("  aalten: Aalten\n", "  aalten: Gemeente Xyz\n"), encoding="utf-8")
    with pytest.raises(InputError, match="heet in het register 'Aalten'"), session.begin():
        load_programme(session, path)


def test_a_statutory_period_may_be_lengthened(session, tmp_path):
    path = _copy(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("key: inkoop-2026", "key: kopie", 1).replace(
        "  anchor: contract-start\n", "  anchor: contract-start\n  overrides: {alcatel-standstill: {days: 25}}\n"),
        encoding="utf-8")
    with session.begin():
        assert load_programme(session, path).action == "created"
