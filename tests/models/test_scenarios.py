"""The demo scenarios that ship are data a programme office could have lived: every decision in them,
replayed in date order through the register's one path, is accepted; and the stories they tell happen."""

from __future__ import annotations

import pytest

from cli.scenarios import SCENARIOS, load_scenario
from models.core import clock
from models.core.errors import InputError
from models.views.status import status_report


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_every_decision_of_a_shipped_scenario_is_accepted(env_db, name):
    """Each day's decisions and tender steps through the register's one path (what `regie replay` plays)."""
    from cli.replay import play
    from models.access.session import register_session
    from models.views.tender import tender_report

    scenario = load_scenario(name)
    programme = scenario["programme"]
    play(scenario)  # a refusal of any row raises, naming its day
    with clock.frozen(scenario["end"]), register_session() as session:
        report = status_report(session, programme)
    if scenario["tender"]:  # the tender told in the scenario ends with every lot done or decided
        with clock.frozen(scenario["end"]), register_session() as session:
            lots = tender_report(session, programme)["lots"]
        states = {lot["lot"]: lot["state"] for lot in lots}
        assert states.pop("jeugd-11") == "besloten: opnieuw aanbesteden"
        assert set(states.values()) == {"afgerond: aankondiging gegunde opdracht gepubliceerd"}
        assert report["current_phase"] == 5 and all(ph["exit_gate"] == "open" for ph in report["phases"])
    assert not report["stopped"]
    if name == "inkoop-2022-dyslexie":  # one lot stops, the rest is awarded
        states = {lot["key"]: lot["state"] for lot in report["lots"]}
        assert states.pop("dyslexie") == "gestopt" and set(states.values()) == {"gegund"}


def test_a_bad_scenario_is_named_clearly(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("programme: inkoop-2026\nstart: 2024-10-01\nend: 2024-09-01\ndecisions: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="start 2024-10-01 ligt niet vóór end 2024-09-01"):
        load_scenario(str(path))
    with pytest.raises(InputError, match="scenario 'bestaat-niet' bestaat niet \\(ingebouwd: inkoop-2022-dyslexie, "
                                         "inkoop-2026, inkoop-2026-uitstel\\)"):
        load_scenario("bestaat-niet")
