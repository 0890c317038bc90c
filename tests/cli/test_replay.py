"""`regie replay --scenario`: the shipped scenarios state what is right on their days, and the replay checks
it in one process; a wrong expectation is named with what Regie said instead."""

from __future__ import annotations

import pytest

from cli.scenarios import SCENARIOS
from cli.main import main

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_states_expectations_and_each_holds(name, capsys):
    code = main(["replay", "--scenario", name])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("ok", "FOUT"))]
    assert code == 0, out
    assert len(lines) >= 3 and all(line.startswith("ok") for line in lines), out
    assert out.splitlines()[-1] == f"{len(lines)} van {len(lines)} dagen zoals verwacht"


def test_a_wrong_expectation_fails_the_replay_and_says_what_regie_said(tmp_path, capsys):
    text = (SCENARIOS / "inkoop-2026-uitstel.yaml").read_text(encoding="utf-8")
    text = text.replace("    points: {go-no-go: besloten, publication: te laat}",
                        "    points: {go-no-go: aangehouden, publication: te laat}\n"
                        "    reminders: {Secretaris Winterswijk: geen}")
    path = tmp_path / "fout.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["replay", "--scenario", str(path)]) == 1
    out = capsys.readouterr().out
    assert ("FOUT dinsdag 12 november 2024: 'Besluitvorming door colleges: go/no-go' aangehouden; 'Publicatie "
            "aanbestedingen via Mercell' te laat; Secretaris Winterswijk: geen") in out
    assert "'Besluitvorming door colleges: go/no-go': verwacht aangehouden, Regie zegt besloten" in out
    assert out.splitlines()[-1] == "4 van 5 dagen zoals verwacht; 1 niet"


@pytest.mark.parametrize("expect, words", [
    ("  - {on: 2024-11-06, gates: {2: half}}", "een uitgang is open of dicht, niet 'half'"),
    ("  - {on: 2024-11-06, reminders: {Inkoopleider: mail}}", "herinnering, te laat of geen, niet 'mail'"),
    ("  - {on: 2031-01-01, phase: 3}", "ligt buiten het scenario"),
    ("  - {on: 2024-11-06, fase: 3}", "onbekend veld fase"),
])
def test_a_malformed_expectation_is_refused_before_anything_runs(tmp_path, capsys, expect, words):
    text = (SCENARIOS / "inkoop-2026-uitstel.yaml").read_text(encoding="utf-8")
    text = text[:text.index("expect:")] + "expect:\n" + expect + "\n"
    path = tmp_path / "vorm.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["replay", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "verwachting 1" in err


def test_the_demo_clock_is_never_read_half_written(tmp_path, monkeypatch):
    """The demo moves its clock file while its stack reads it: a reader once got an empty file (a traceback in
    the demo's message sink)."""
    import datetime as dt
    import threading

    from cli.demo import _set_day
    from models.core import clock

    path = tmp_path / "vandaag.txt"
    _set_day(path, dt.date(2024, 10, 28))
    monkeypatch.delenv("REGIE_TODAY", raising=False)
    monkeypatch.setenv("REGIE_TODAY_FILE", str(path))
    stop, errors, seen = threading.Event(), [], set()

    def read():
        while not stop.is_set():
            clock._file_day.clear()  # read the file every time, not the day remembered
            try:
                seen.add(clock.today())
            except Exception as exc:  # noqa: BLE001 - what the reader would have died of
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(3000):
            _set_day(path, dt.date(2024, 10, 28) + dt.timedelta(days=i % 17))
    finally:
        stop.set()
        reader.join(30)
    assert errors == [] and len(seen) > 1
