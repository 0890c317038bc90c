"""The demo scenarios that ship are data a programme office could have lived: every decision in them,
replayed in date order through the register's one path, is accepted; and the stories they tell happen."""

from __future__ import annotations

import pytest

from cli.demo import SCENARIOS, load_scenario
from models import clock
from models.errors import InputError
from models.register import record_decision
from models.status import status_report


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_every_decision_of_a_shipped_scenario_is_accepted(session, name):
    scenario = load_scenario(name)
    for row in sorted(scenario["decisions"], key=lambda d: d["on"]):  # stable: a day's order is the file's
        with clock.frozen(row["on"]), session.begin():
            record_decision(session, programme=scenario["programme"], point=row["point"], body=row["body"],
                            outcome=row["outcome"], decided_on=row["on"], recorded_by=row["by"],
                            reservation=row.get("reservation"))
    with clock.frozen(scenario["end"]), session.begin():
        report = status_report(session, scenario["programme"])
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
