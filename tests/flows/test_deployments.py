"""The deployments `regie up` serves and those `prefect deploy` makes from prefect.yaml are the same."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect._vendor.croniter import croniter  # the engine the server schedules with
import datetime as dt

from deployments.definitions import build_deployments

ROOT = Path(__file__).resolve().parents[2]


def test_served_and_deployed_schedules_agree_and_the_resume_sweep_runs_every_five_minutes_in_working_hours():
    served = {d.name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules or []] for d in build_deployments()}
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployed = {d["name"]: [(s["cron"], s["timezone"]) for s in d.get("schedules", [])] for d in spec["deployments"]}
    assert served == deployed
    (cron, _), = served["resume-sweep"]
    start = dt.datetime(2024, 11, 5, 6, 0)  # a Tuesday
    runs = croniter(cron, start)
    times = [runs.get_next(dt.datetime) for _ in range(145)]
    assert times[0] == dt.datetime(2024, 11, 5, 7, 0) and times[1] - times[0] == dt.timedelta(minutes=5)
    assert times[143] == dt.datetime(2024, 11, 5, 18, 55) and times[144] == dt.datetime(2024, 11, 6, 7, 0)


def test_the_leads_forms_have_dutch_titles_and_the_programme_and_phase_are_chosen_from_a_list(flow_env):
    from models.access.session import register_session

    with register_session(read_only=True):
        pass  # the register exists, with its built-in programmes
    by_name = {d.name: d._parameter_openapi_schema.model_dump() for d in build_deployments()}
    advance = by_name["advance-phase"]["properties"]
    assert advance["programme"]["enum"] == ["inkoop-2022", "inkoop-2026"] and advance["programme"]["title"] == "Programma"
    assert advance["to_phase"]["enum"] == ["1 - Herijken aanpak, besluiten nemen, dialoog",
                                           "2 - Dialoog, uitwerken aanbestedingsdocumenten",
                                           "3 - Uitvoeren aanbesteding", "4 - Implementatie",
                                           "5 - Start nieuwe contracten"] and advance["to_phase"]["title"] == "Naar fase"
    record = by_name["record-decision"]["properties"]
    assert "Besluitvorming door colleges: go/no-go" in record["point"]["enum"]  # chosen by title, not typed as a key
    assert not any("-" in t and " " not in t for t in record["point"]["enum"])
    assert [advance[k]["title"] for k in ("reason", "login", "code", "recorded_by")] == [
        "Reden", "Gebruikersnaam", "Eenmalige code", "Uw naam"]
    assert by_name["programme"]["properties"]["programme"]["enum"] == ["inkoop-2022", "inkoop-2026"]


def test_a_burst_of_sweeps_waits_its_turn_instead_of_leaving_cancelled_runs():
    served = {d.name: d for d in build_deployments()}
    spec = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]}
    limit = served["resume-sweep"].concurrency_options
    assert served["resume-sweep"].concurrency_limit == 1 and limit.collision_strategy.value == "ENQUEUE"
    assert spec["resume-sweep"]["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}


def test_the_forms_checks_before_submit_speak_dutch_with_the_fields_titles(flow_env):
    """The UI asks the server to check a form before Submit and shows its words under each field; they were
    jsonschema's English ("'programme' is a required property", "'' is not a 'date'")."""
    from prefect.server.api.ui import schemas as ui
    from prefect.utilities.schema_tools.validation import preprocess_schema, validate

    from deployments.prefect_server import dutch_form_checks
    from models.access.session import register_session

    with register_session(read_only=True):
        pass  # the register exists, with its built-in programmes
    dutch_form_checks()
    by_name = {d.name: d._parameter_openapi_schema.model_dump() for d in build_deployments()}

    def said(name: str, values: dict) -> dict[str, list[str]]:
        schema = preprocess_schema(by_name[name])
        found = ui.build_error_obj(validate(values, schema, preprocess=False))
        return {e["property"]: e["errors"] for e in found["errors"]}

    empty = said("record-decision", {"decided_on": ""})
    assert empty["programme"] == ["Programma: ontbreekt (verplicht veld)"]
    assert empty["point"] == ["Besluitpunt: ontbreekt (verplicht veld)"]
    assert empty["decided_on"] == ["Besluitdatum: verwacht een datum (JJJJ-MM-DD)"]
    lead = said("advance-phase", {"programme": "inkoop-2026", "reason": ""})
    assert lead == {"to_phase": ["Naar fase: ontbreekt (verplicht veld)"], "reason": ["Reden: mag niet leeg zijn"]}
    assert "required" not in str(empty) + str(lead) and "is not" not in str(empty) + str(lead)
    assert said("record-decision", {"programme": "inkoop-2026", "point": "Besluitvorming door colleges: go/no-go",
                                    "body": "het college van Aalten", "outcome": "Go", "decided_on": "2024-11-05",
                                    "supersedes": -1}) == {"supersedes": ["Vervangt besluit nr.: moet ten minste 0 zijn"]}
    assert said("record-decision", {"programme": "inkoop-2026", "point": "Besluitvorming door colleges: go/no-go",
                                    "body": "het college van Aalten", "outcome": "misschien",
                                    "decided_on": "2024-11-05"}) == {"outcome": ["Uitkomst: kies een waarde uit de lijst"]}
