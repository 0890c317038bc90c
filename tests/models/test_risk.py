"""Schedule risk (`regie risico`): the simulation reads the register through the same evaluation as `regie status`
and the same plan as `regie plan`; these tests hold it to that, on SQLite and PostgreSQL where it reads a register."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from models.access.loader import load_programmes
from models.commands.register import record_decision
from models.core import clock
from models.core.errors import InputError
from models.core.vocabulary import Kind
from models.facts.reader import Reader
from models.rules.arrival import ARRIVAL_FILE, arrival_model, outcome_table, parse_arrival_text
from models.rules.risk import body_days, build_setup, on_time, planned_draw, simulate
from models.views.risk import plain_risk_report
from models.views.status import evaluate

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2024, 10, 1)


def risk(session, as_of=AS_OF, runs=500, seed=1, programme="inkoop-2026", model=None) -> dict:
    with session.begin():
        return plain_risk_report(Reader.of(session), programme, as_of, runs, seed, model)


def setup_of(session, as_of=AS_OF, programme="inkoop-2026"):
    with session.begin():
        return build_setup(evaluate(session, programme, as_of), arrival_model())


def record_planned_draw(session, setup) -> dict[str, dt.date]:
    """Every open decision recorded on the day the 'all at the first meeting' draw gives it; the points' days."""
    forced = planned_draw(setup)
    runs = simulate(setup, 1, seed=0, forced=forced)
    per_body = body_days(setup, runs, 0, forced)
    kinds = {dp.key: dp.kind for dp, _, _ in setup.ev.points}
    for (key, body), day in sorted(per_body.items(), key=lambda kv: (kv[1], setup.order.index(kv[0][0]))):
        with session.begin():
            record_decision(session, programme=setup.ev.programme, point=key, body=body,
                            outcome="go" if kinds[key] == Kind.GO_NO_GO.value else "approved",
                            decided_on=clock.met_by(day) if body == "projectteam" else day,
                            recorded_by="Secretaris", via="scenario")
    return {key: dt.date.fromordinal(runs.days[key][0]) for key in setup.order}


# --- the model file -----------------------------------------------------------------------------------------

def test_the_shipped_model_states_its_source_and_is_valid():
    model = arrival_model()
    assert "aanname" in model.source.lower()
    assert "REGIONALE AANNAME" in ARRIVAL_FILE.read_text(encoding="utf-8")
    for kind in ("go-no-go", "approval", "award", "replan"):
        table = outcome_table(model, kind, "aalten", planned_lift=False, stops_programme=True)
        assert abs(sum(p for p, _, _ in table) - 1) < 1e-9


GOOD = ARRIVAL_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("change, field, words", [
    (("delay_meetings: [0.75, 0.13, 0.07, 0.03, 0.02]", "delay_meetings: [0.75, 0.13]"),
     "default.delay_meetings", "tellen op tot 0.88, niet tot 1"),
    (("  deferral: 0.05\n", "  deferral: veel\n"), "default.deferral", "getal"),
    (("  negative: 0.002\n", "  negative: 1.5\n"), "default.negative", "ten hoogste 1"),
    (("kinds:\n", "kinds:\n  gunning: {deferral: 0.1}\n"), "kinds", "onbekende soort besluit 'gunning'"),
    (("  reservation: 0.04\n", "  reservation: 0.04\n  kleur: rood\n"), "default.kleur", "onbekend veld"),
    (("go-no-go: {deferral: 0.08, negative: 0.005}", "go-no-go: {deferral: 0.6, negative: 0.5}"),
     "kinds.go-no-go", "samen zijn meer dan 1"),
    (("source: ", "bron: "), "source", "ontbreekt"),
])
def test_a_bad_model_file_is_refused_naming_the_field(change, field, words):
    old, new = change
    assert old in GOOD
    with pytest.raises(InputError) as caught:
        parse_arrival_text(GOOD.replace(old, new, 1), "model.yaml")
    message = str(caught.value)
    assert message.startswith("model.yaml: ") and f": {field}: " in message and words in message, message


def test_a_bad_model_file_writes_nothing_and_exits_2(env_db, tmp_path, capsys):
    from cli.main import main

    bad = tmp_path / "model.yaml"
    bad.write_text(GOOD.replace("  deferral: 0.05\n", "  deferral: -1\n"), encoding="utf-8")
    assert main(["risico", "inkoop-2026", "--as-of", "2024-10-01", "--model", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "model.yaml: default.deferral: moet ten minste 0 zijn" in err


# --- the four promises --------------------------------------------------------------------------------------

def test_the_simulation_and_status_agree_on_every_day_for_the_planned_draw(session):
    """Each decision drawn at its first meeting is recorded on that day; then `regie status` says each point is
    settled from exactly the day the simulation says, late on exactly the days it is, and the start is on time."""
    setup = setup_of(session)
    simulated = record_planned_draw(session, setup)
    start = simulated[setup.anchor]
    assert start == dt.date(2026, 1, 1)
    titles = {dp.key: dp.title for dp, _, _ in setup.ev.points}
    due = {dp.key: dp.planned_date for dp, _, _ in setup.ev.points}
    day, wrong = AS_OF, []
    with session.begin():
        while day <= start + dt.timedelta(days=3):
            ev = evaluate(session, "inkoop-2026", day)
            for dp, spec, verdict in ev.points:
                if dp.key not in simulated:
                    continue
                settled = clock.met_by(simulated[dp.key]) if dp.key == setup.anchor else simulated[dp.key]
                if verdict.ok != (day >= settled):
                    wrong.append(f"{day} {titles[dp.key]}: status {verdict.status.value}, simulatie {settled}")
                late = verdict.status.value == "overdue"
                if late != (day > clock.met_by(due[dp.key]) and day < settled):
                    wrong.append(f"{day} {titles[dp.key]}: te laat volgens status: {late}")
            day += dt.timedelta(days=1)
    assert wrong == []


def test_a_programme_whose_decisions_are_all_taken_has_chance_1_and_no_spread(session):
    setup = setup_of(session)
    record_planned_draw(session, setup)
    report = risk(session, as_of=dt.date(2026, 1, 5), runs=200)
    assert report["chance"] == 1.0
    assert report["start"] == {"p10": "2026-01-01", "p50": "2026-01-01", "p90": "2026-01-01", "never": 0}
    assert report["points"] == [] and report["colleges"] == [] and report["bottlenecks"] == []


def test_a_college_that_cannot_meet_in_time_gives_chance_0_and_is_named(session, tmp_path):
    """Winterswijk's agenda closes 60 working days before its meeting: seen from 1 May 2025, its first reachable
    meeting comes after the last go/no-go that still keeps 1 January 2026 (the plan read backwards)."""
    text = (ROOT / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")
    text = text.replace("key: inkoop-2026", "key: traag-2026", 1).replace(
        "    doetinchem: {weekdays: [monday, tuesday], agenda_cutoff_working_days: 10}\n",
        "    doetinchem: {weekdays: [monday, tuesday], agenda_cutoff_working_days: 10}\n"
        "    winterswijk: {weekdays: [tuesday], agenda_cutoff_working_days: 60}\n", 1).replace(
        "follows: inkoop-2022\n", "")
    path = tmp_path / "traag-2026.yaml"
    path.write_text(text, encoding="utf-8")
    with session.begin():
        load_programmes(session, [path])
    report = risk(session, as_of=dt.date(2025, 5, 1), runs=300, programme="traag-2026")
    assert report["chance"] == 0.0
    assert report["start"]["p10"] > "2026-01-01"
    assert any("het college van Winterswijk vergadert niet meer op tijd voor 'Besluitvorming door colleges: "
               "go/no-go'" in line for line in report["bottlenecks"]), report["bottlenecks"]
    assert not any("Aalten" in line for line in report["bottlenecks"])
    winterswijk = next(c for c in report["colleges"] if c["body"] == "winterswijk" and c["next"])
    assert winterswijk["latest_meeting"] is None and "Winterswijk" in winterswijk["why_none"]


def test_the_same_seed_gives_the_same_answer(session):
    first, again = risk(session, seed=7), risk(session, seed=7)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert 0 < first["chance"] < 1
    assert first["start"]["p50"] == "2026-01-01"


def test_on_time_is_exactly_every_draw_by_its_latest_day(session):
    """What names the decisions that matter (each draw against its latest day) says the same as the dates the
    runs walk through the plan: for every run, whether the start is on its planned day."""
    for as_of in (AS_OF, dt.date(2025, 2, 1)):
        setup = setup_of(session, as_of=as_of)
        runs = simulate(setup, 2000, seed=5)
        assert [start <= setup.planned_start for start in runs.starts] == [on_time(setup, f) for f in runs.each]
        assert 0 < sum(start > setup.planned_start for start in runs.starts)


def test_the_command_prints_the_figures_and_json(env_db, capsys):
    from cli.main import main

    assert main(["risico", "inkoop-2026", "--as-of", "2024-10-01", "--runs", "300", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Kans dat de contracten starten op donderdag 1 januari 2026: " in out
    assert "Start van de contracten: 10% op" in out
    assert "Besluit: Besluitvorming door colleges: go/no-go" in out
    assert "Laatste vergadering per orgaan die de start op 90% houdt" in out
    assert main(["risico", "inkoop-2026", "--as-of", "2024-10-01", "--runs", "300", "--seed", "3", "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["risico", "inkoop-2026", "--as-of", "2024-10-01", "--runs", "300", "--seed", "3", "--json"]) == 0
    assert capsys.readouterr().out == first
    doc = json.loads(first)
    assert doc["runs"] == 300 and doc["seed"] == 3 and doc["planned_start"] == "2026-01-01"
    assert main(["risico", "inkoop-2026", "--runs", "0"]) == 2
    assert "--runs: 0 ligt niet tussen 1 en" in capsys.readouterr().err


def test_the_trend_gives_each_week_the_chance_of_that_day_and_refuses_a_start_after_the_day(env_db, session, capsys):
    """--since: the chance on every seventh day up to --as-of, each the same figure as asking that day alone;
    a go/no-go recorded on 5 November shows in the weeks after it, not before."""
    from cli.main import main

    with session.begin():
        for body in ("aalten", "berkelland"):
            record_decision(session, programme="inkoop-2026", point="go-no-go", body=body, outcome="go",
                            decided_on="2024-11-05", recorded_by="Secretaris")
    args = ["risico", "inkoop-2026", "--runs", "300", "--seed", "2", "--json"]
    assert main(args + ["--as-of", "2024-11-12", "--since", "2024-10-27"]) == 0
    trend = json.loads(capsys.readouterr().out)["trend"]
    assert [t["as_of"] for t in trend] == ["2024-10-29", "2024-11-05", "2024-11-12"]
    for t in trend:
        assert main(args + ["--as-of", t["as_of"]]) == 0
        assert json.loads(capsys.readouterr().out)["chance"] == t["chance"]
    assert trend[0]["chance"] < trend[-1]["chance"]  # two colleges' go: fewer decisions that can go wrong
    assert main(["risico", "inkoop-2026", "--as-of", "2024-11-12", "--since", "2024-10-27", "--runs", "300"]) == 0
    out = capsys.readouterr().out
    assert "Verloop: de kans op de start van donderdag 1 januari 2026" in out
    assert "  dinsdag 29 oktober 2024: " in out and "  dinsdag 12 november 2024: " in out
    assert main(["risico", "inkoop-2026", "--as-of", "2024-11-12", "--since", "2024-11-13"]) == 2
    assert "--since: woensdag 13 november 2024 ligt na de stand (dinsdag 12 november 2024)" in capsys.readouterr().err


def test_calibrate_learns_from_the_decisions_in_the_register_and_says_how_many(session):
    from models.facts.reader import read_snapshots
    from models.rules.arrival import calibrate
    from models.rules.planning import planning_model

    setup = setup_of(session)
    record_planned_draw(session, setup)
    with session.begin():
        snapshots = [s for s in read_snapshots(Reader.of(session)).values() if s.facts]

    def meetings_of(snapshot, body):
        planning = planning_model(snapshot.planning)
        return planning.body_meetings.get(body, planning.meetings)

    model, learned = calibrate(arrival_model(), snapshots, meetings_of)
    colleges = sum(len(setup.draws_of[k]) for k in setup.order if setup.draws[setup.draws_of[k][0]].body != "projectteam")
    assert learned["decisions"] == colleges == 17  # 8 tariffs, 8 go/no-go, Doetinchem's award
    assert model.learned_from["decisions"] == 17 and "17 besluiten" in model.source
    # the consultation, due 13 September, was not confirmed by 1 October: drawn on 2 October, it holds the tariffs
    # 14 days (consultation-period): to Tuesday 22 October, two meetings after the planned 8 October, and for
    # Doetinchem (Mondays and Tuesdays) to Monday 21 October, three meetings after it
    assert model.default.delay_meetings == (round(9 / 17, 4), 0.0, round(7 / 17, 4), round(1 / 17, 4))
    assert model.default.deferral == 0 and model.default.negative == 0
    assert model.milestones.delay_working_days[0] > 0.5  # most milestones on their planned day


def test_regie_remind_warns_like_the_daily_run_when_the_chance_is_below_the_threshold(env_db, session, tmp_path,
                                                                                      monkeypatch, capsys):
    """`regie remind` does what the reminders run does: on a working day a programme whose file sets a threshold
    above its chance gets the weekly warning for the lead and the programme office (here a dry run lists it);
    inkoop-2026 (90 %) is above it, and on a Saturday nothing is warned."""
    import yaml

    from cli.main import main

    text = (ROOT / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")
    path = tmp_path / "krap-2026.yaml"
    path.write_text(text.replace("key: inkoop-2026", "key: krap-2026", 1).replace("follows: inkoop-2022\n", "")
                    .replace("  risk_warning_below: 0.9\n", "  risk_warning_below: 0.99\n"), encoding="utf-8")
    with session.begin():
        load_programmes(session, [path])
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(yaml.safe_dump({"recipients": [
        {"name": "Programmabureau", "role": "programme-office", "urls": ["json://127.0.0.1:9/office"]},
        {"name": "Secretaris Aalten", "role": "secretary", "body": "aalten", "urls": ["json://127.0.0.1:9/aalten"]},
    ]}), encoding="utf-8")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(recipients))

    def warnings(day: str) -> list[dict]:
        assert main(["remind", "--dry-run", "--as-of", day, "--json"]) == 0
        return [r for r in json.loads(capsys.readouterr().out)["rows"] if r["point"] == "risico"]

    rows = warnings("2024-10-01")
    assert [(r["programme"], r["step"], r["recipient"], r["status"]) for r in rows] == [
        ("krap-2026", "2024-W40", "Programmabureau", "would-send")]
    expected = risk(session, runs=2000, programme="krap-2026")["chance"]
    assert rows[0]["title"] == "Risico: kans op tijdige start " + f"{expected * 100:.1f}%".replace(".", ",")
    assert warnings("2024-10-05") == []  # a Saturday
    assert main(["remind", "--dry-run", "--as-of", "2024-10-01", "--programme", "krap-2026"]) == 0
    out = capsys.readouterr().out
    assert "  krap-2026 Risico: kans op tijdige start " in out and "(week 40 van 2024)" in out


@pytest.mark.parametrize("value, words", [("1.5", "mag ten hoogste 1 zijn"), ("veel", "verwacht een getal"),
                                          ("-0.1", "moet ten minste 0 zijn")])
def test_a_threshold_outside_0_to_1_is_refused_naming_the_field(session, tmp_path, value, words):
    text = (ROOT / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")
    path = tmp_path / "fout-2026.yaml"
    path.write_text(text.replace("key: inkoop-2026", "key: fout-2026", 1).replace("follows: inkoop-2022\n", "")
                    .replace("  risk_warning_below: 0.9\n", f"  risk_warning_below: {value}\n"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        with session.begin():
            load_programmes(session, [path])
    assert "reminders.risk_warning_below" in str(caught.value) and words in str(caught.value), str(caught.value)
    from sqlalchemy import select

    from models.facts.entities import Programme

    with session.begin():  # nothing written
        assert session.scalar(select(Programme.id).where(Programme.key == "fout-2026")) is None
