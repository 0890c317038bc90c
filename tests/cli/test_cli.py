"""The `regie` command line: its contract, exit codes and messages."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]


@pytest.fixture
def regie(env_db, capsys, monkeypatch):
    monkeypatch.setenv("REGIE_TODAY", "2025-04-01")

    def run(*argv):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_status_json_done_when(regie):
    code, out, _ = regie("status", "inkoop-2026", "--as-of", "2024-11-06", "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) >= {"programme", "as_of", "current_phase", "phases", "decision_points"}
    assert report["programme"] == "inkoop-2026" and report["as_of"] == "2024-11-06"
    go = next(dp for dp in report["decision_points"] if dp["key"] == "go-no-go")
    assert set(go) >= {"key", "kind", "title", "phase", "due", "status", "required_bodies", "missing_bodies"}
    assert (go["status"], go["missing_bodies"], go["due"]) == ("overdue", COLLEGES, "2024-11-05")
    for body in COLLEGES:
        code, out, err = regie("decide", "inkoop-2026", "go-no-go", "--body", body, "--outcome", "go",
                               "--on", "2024-11-05", "--by", "Secretaris", "--reference", f"{body}/2024/77")
        assert code == 0, err
        assert "vastgelegd" in out
    report = json.loads(regie("status", "inkoop-2026", "--as-of", "2024-11-06", "--json")[1])
    go = next(dp for dp in report["decision_points"] if dp["key"] == "go-no-go")
    assert (go["status"], go["missing_bodies"]) == ("satisfied", [])


def test_status_text_is_dutch(regie):
    code, out, _ = regie("status", "inkoop-2026", "--as-of", "2024-11-06")
    assert code == 0
    assert "stand op woensdag 6 november 2024" in out
    assert "dinsdag 5 november 2024" in out and "te laat" in out


def test_programmes(regie):
    code, out, _ = regie("programmes", "--json")
    assert code == 0
    assert [p["key"] for p in json.loads(out)] == ["inkoop-2022", "inkoop-2026"]


def test_gate_exit_codes(regie):
    code, out, _ = regie("gate", "inkoop-2026", "0")
    assert code == 0 and "open" in out
    code, out, _ = regie("gate", "inkoop-2026", "2", "--as-of", "2024-11-06", "--json")
    verdict = json.loads(out)
    assert code == 3 and verdict["open"] is False
    assert "Besluitvorming door colleges: go/no-go: te laat sinds dinsdag 5 november 2024" in verdict["reason"]


def test_decide_twice_is_one_decision_and_history_shows_it(regie):
    args = ("decide", "inkoop-2026", "award", "--body", "doetinchem", "--outcome", "approved",
            "--on", "2025-03-24", "--by", "Secretaris Doetinchem", "--reference", "2025/123")
    assert regie(*args)[0] == 0
    code, out, _ = regie(*args)
    assert code == 0 and "stond al in het register als #1" in out
    code, out, _ = regie("decisions", "inkoop-2026", "--json")
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["reference"] == "2025/123" and rows[0]["recorded_by"] == "Secretaris Doetinchem"
    code, out, _ = regie("decisions", "inkoop-2026", "--point", "award")
    assert "#1" in out and "maandag 24 maart 2025" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (("status", "inkoop-2030"), "onbekend programma 'inkoop-2030'"),
        (("status", "inkoop-2026", "--as-of", "morgen"), "'morgen' is geen geldige datum"),
        (("decide", "inkoop-2026", "award", "--body", "aalten", "--outcome", "approved", "--on", "2025-03-24",
          "--by", "x"), "hoeft niet te besluiten"),
        (("decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "approved", "--on", "2024-11-05",
          "--by", "x"), "past niet bij een go/no-go"),
        (("decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2030-01-01",
          "--by", "x"), "in de toekomst"),
        (("decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05"),
         "--by"),
        (("gate", "inkoop-2026", "9"), "ongeldige keuze: 9 (kies uit 0, 1, 2, 3, 4, 5)"),
        (("status",), "deze argumenten ontbreken: programma"),
        (("status", "inkoop-2026", "--bogus"), "onbekende argumenten: --bogus"),
        (("decide", "inkoop-2026", "go-no-go", "--body"), "argument --body: verwacht één waarde"),
        (("load", str(DATA / "missing.yaml")), "kan het bestand niet lezen: het bestand of de map bestaat niet"),
    ],
)
def test_bad_input_exits_2_with_one_line(regie, argv, words):
    code, out, err = regie(*argv)
    assert code == 2
    assert words in err
    assert not any(english in err for english in ("invalid", "choose from", "required", "No such", "expected"))
    assert err.count("\n") == 1
    code, out, _ = regie("decisions", "inkoop-2026", "--json")
    assert json.loads(out) == []


def test_load_a_third_programme(regie):
    code, out, _ = regie("load", str(DATA / "regio-test.yaml"))
    assert code == 0 and "regio-test: aangemaakt" in out
    code, out, _ = regie("load", str(DATA / "regio-test.yaml"))
    assert "regio-test: ongewijzigd" in out


def test_read_only_commands_do_not_import_prefect(env_db):
    probe = (
        "import sys; from cli.main import main; "
        "code = main(['status', 'inkoop-2026', '--json']); "
        "assert 'prefect' not in sys.modules, 'prefect imported'; sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=os.environ.copy(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["programme"] == "inkoop-2026"
    if env_db.startswith("sqlite"):  # the register exists now: status reads it without SQLAlchemy at all
        quick = probe.replace("'prefect imported'", "'prefect imported'; assert 'sqlalchemy' not in sys.modules")
        result = subprocess.run([sys.executable, "-c", quick], cwd=ROOT, env=os.environ.copy(),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr


def test_the_quick_status_and_the_full_one_print_the_same(regie, monkeypatch, capsys):
    """The quick read-only path (no SQLAlchemy) and the session's path read with the same reader: every day,
    with decisions, a replan, a manual transition and an owed announcement, the same text and the same JSON."""
    import argparse

    from cli import commands

    assert regie("decide", "inkoop-2026", "tariffs", "--body", "aalten", "--outcome", "approved", "--on",
                 "2024-10-08", "--by", "Secretaris Aalten")[0] == 0
    assert regie("decide", "inkoop-2026", "go-no-go", "--body", "berkelland", "--outcome", "deferred", "--on",
                 "2024-11-05", "--by", "Secretaris Berkelland")[0] == 0
    assert regie("replan", "inkoop-2026", "award-notice", "--to", "2025-05-27", "--reason", "agenda vol",
                 "--by", "Projectleider")[0] == 0
    assert regie("advance", "inkoop-2026", "--to", "2", "--reason", "gestart met de dialoog", "--by",
                 "Projectleider")[0] == 0
    for day in ("2024-07-01", "2024-11-06", "2025-03-25", "2026-02-01"):
        for extra in ([], ["--json"]):
            argv = ["status", "inkoop-2026", "--as-of", day, *extra]
            quick = regie(*argv)
            args = argparse.Namespace(programme="inkoop-2026", as_of=dt.date.fromisoformat(day), json=bool(extra))
            assert commands.cmd_status(args) == quick[0] == 0
            assert capsys.readouterr().out == quick[1], (day, extra)
    if os.environ["REGIE_DATABASE_URL"].startswith("sqlite"):  # and the quick path was the one that ran
        from cli.status_text import quick_status

        args = argparse.Namespace(programme="inkoop-2026", as_of=None, json=True)
        assert quick_status(args) == 0 and json.loads(capsys.readouterr().out)["programme"] == "inkoop-2026"


def test_installed_entry_point(env_db):
    regie_bin = Path(sys.executable).parent / "regie"
    if not regie_bin.exists():
        pytest.skip("the regie script is not installed next to this interpreter")
    result = subprocess.run([str(regie_bin), "gate", "inkoop-2026", "1", "--as-of", "2024-11-06"],
                            env=os.environ.copy(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "Uitgang van fase 1 is dicht" in result.stdout


def test_advance_refuses_to_skip_a_mandatory_decision_and_keeps_the_reason(regie):
    code, _, err = regie("advance", "inkoop-2026", "--to", "3", "--reason", "haast", "--by", "Projectleider")
    assert code == 2
    assert "verplichte besluiten overslaan: 'Tarieven vastgesteld door de colleges' (fase 2)" in err
    assert "'Besluitvorming door colleges: go/no-go' (fase 2)" in err and "tariffs" not in err
    code, _, err = regie("advance", "inkoop-2026", "--to", "2", "--reason", " ", "--by", "Projectleider")
    assert code == 2 and "reden ontbreekt" in err
    code, out, _ = regie("advance", "inkoop-2026", "--to", "2", "--reason", "consultatie gehouden op 12 september",
                         "--by", "Projectleider", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["passed_over"] == ["market-consultation-2"] and result["resumed_runs"] is None
    code, out, _ = regie("gate", "inkoop-2026", "1", "--json")
    assert code == 0 and "handmatig vrijgegeven" in json.loads(out)["reason"]
    code, out, _ = regie("status", "inkoop-2026")
    assert ("naar fase 2 door Projectleider: consultatie gehouden op 12 september "
            "(niet afgewacht: Tweede marktconsultatie gehouden)") in out


def test_decide_tells_the_programme_office(regie, tmp_path, monkeypatch):
    from tests.receivers import HttpReceiver

    with HttpReceiver() as hook:
        monkeypatch.setenv("REGIE_NOTIFY_URLS", hook.url("office"))
        code, out, err = regie("decide", "inkoop-2026", "award", "--body", "doetinchem", "--outcome", "approved",
                               "--on", "2025-03-24", "--by", "Secretaris Doetinchem")
        assert code == 0, err
        assert "Geen Prefect-server bekend" in out
        regie("decide", "inkoop-2026", "award", "--body", "doetinchem", "--outcome", "approved",
              "--on", "2025-03-24", "--by", "Secretaris Doetinchem")
    assert [m["title"] for m in hook.messages] == [
        "[inkoop-2026] Besluit vastgelegd: het college van Doetinchem over Besluitvorming gunning door college penvoerder: akkoord"]


def test_remind_dry_run_json_and_recipients(regie, monkeypatch, tmp_path):
    recipients = tmp_path / "r.yaml"
    recipients.write_text(
        "recipients:\n"
        "  - {name: Secretaris Winterswijk, role: secretary, body: winterswijk,"
        " urls: ['mailto://regie:${SMTP_PW}@127.0.0.1:9?to=w@sda.test']}\n", encoding="utf-8")
    monkeypatch.setenv("REGIE_RECIPIENTS_FILE", str(recipients))
    monkeypatch.setenv("SMTP_PW", "Wachtwoord77")
    code, out, _ = regie("remind", "--as-of", "2024-11-06", "--dry-run", "--json", "--programme", "inkoop-2026")
    assert code == 0
    rows = json.loads(out)["rows"]
    mine = [r for r in rows if r["recipient"] == "Secretaris Winterswijk" and r["point"] == "go-no-go"]
    assert [(r["step"], r["status"]) for r in mine] == [("overdue-1", "would-send")]
    assert "Wachtwoord77" not in out
    assert any(r["reason"].startswith("geen secretaris ingesteld voor het college van Aalten") for r in rows)
    code, out, _ = regie("recipients", "inkoop-2026")
    assert code == 0 and "Secretaris Winterswijk: secretary (winterswijk)" in out and "Wachtwoord77" not in out
    code, _, err = regie("remind", "--programme", "inkoop-2030")
    assert code == 2 and "onbekend programma" in err


def test_planning_commands(regie, tmp_path, monkeypatch):
    code, out, _ = regie("check", "inkoop-2026")
    assert code == 0 and "Geen overtredingen" in out
    monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
    code, out, _ = regie("whatif", "inkoop-2026", "award", "--to", "2025-10-15", "--json")
    result = json.loads(out)
    assert code == 0 and result["change"] is None
    assert [v["rule"] for v in result["violations"]] == ["implementation-period"]
    code, out, _ = regie("plan", "--template", "inkoop-2026", "--contract-start", "2026-01-01")
    assert code == 0 and "Kritiek pad: Tweede marktconsultatie gehouden -> Tarieven vastgesteld door de colleges ->" in out and "agendasluiting" in out
    code, _, err = regie("plan", "--template", "bestaat-niet", "--contract-start", "2026-01-01")
    assert code == 2 and "onbekend programma" in err
    code, out, _ = regie("replan", "inkoop-2026", "go-no-go", "--to", "2024-11-12", "--reason", "agenda vol",
                         "--by", "Projectleider")
    assert code == 0 and "Herplanning vastgelegd" in out and "Publicatie aanbestedingen via Mercell: donderdag 7 november 2024 -> " in out
    code, out, _ = regie("status", "inkoop-2026", "--json")
    assert [r["point"] for r in json.loads(out)["plan_revisions"]] == [
        "go-no-go", "publication", "fase-2-einde", "fase-3-begin"]  # the phase windows move along
    code, out, _ = regie("status", "inkoop-2026")
    assert "Herplanningen" in out and "dinsdag 5 november 2024 -> dinsdag 12 november 2024 (door Projectleider: agenda vol)" in out
    code, _, err = regie("replan", "inkoop-2026", "go-no-go", "--to", "2024-12-25", "--reason", "x", "--by", "y")
    assert code == 2 and "geen werkdag" in err
    code, out, _ = regie("calendar", "inkoop-2026")
    assert code == 0
    code, out, _ = regie("timeline", "inkoop-2026", "--out", str(tmp_path / "t.svg"))
    assert code == 0 and (tmp_path / "t.svg").read_text().startswith("<svg")


def test_process_rules_on_the_command_line(regie):
    # whatif on a fresh register loads the built-in programmes like every other command, and takes --as-of
    code, out, _ = regie("whatif", "inkoop-2026", "award", "--to", "2025-10-15", "--as-of", "2025-03-01")
    assert code == 0 and "Wat als (niets vastgelegd)" in out and "Implementatieperiode" in out
    code, out, _ = regie("whatif", "inkoop-2026", "publication", "--to", "2024-11-01", "--as-of", "2024-10-01")
    assert "op zijn vroegst woensdag 6 november 2024" in out
    # a latest date already past is unreachable: exit 3 and the days short
    code, out, _ = regie("plan", "--template", "inkoop-2026", "--contract-start", "2026-01-01", "--as-of", "2025-08-01")
    assert code == 3 and "ONHAALBAAR" in out and "niet meer haalbaar" in out
    # a college decision on a Saturday is refused, and accepted as an extra meeting
    code, _, err = regie("decide", "inkoop-2026", "tariffs", "--body", "aalten", "--outcome", "approved",
                         "--on", "2024-10-05", "--by", "Secretaris Aalten")
    assert code == 2 and "zaterdag" in err and "--extra-meeting" in err
    code, out, _ = regie("decide", "inkoop-2026", "tariffs", "--body", "aalten", "--outcome", "approved",
                         "--on", "2024-10-05", "--by", "Secretaris Aalten", "--extra-meeting", "--json")
    assert code == 0 and json.loads(out)["created"]
    # the status reads names and words, not keys
    code, out, _ = regie("status", "inkoop-2026", "--as-of", "2024-11-06")
    assert "Mijlpaal: Publicatie aanbestedingen via Mercell" in out and "Besluit: Tarieven vastgesteld" in out
    code, out, _ = regie("check", "inkoop-2026", "--as-of", "2024-11-06")
    assert code == 0 and "Geen overtredingen" in out  # one college's approval completes nothing yet


def test_load_strict_on_the_shipped_files(regie, tmp_path):
    code, out, _ = regie("load", "--strict")
    assert code == 0 and "opmerking" in out and "27,3 mln" in out
    broken = tmp_path / "kopie.yaml"
    broken.write_text((ROOT / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")
                      .replace("key: inkoop-2026", "key: kopie").replace("    date: 2024-11-05\n", "    date: 2024-11-06\n"),
                      encoding="utf-8")
    code, _, err = regie("load", "--strict", str(broken))
    assert code == 2 and "geen vergaderdag" in err
    code, out, _ = regie("programmes")
    assert "kopie" not in out


BAD_INPUTS = [
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05", "--by", "S",
      "--lifts", "99999999999999999999"], "geen bestaand besluitnummer"),
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05", "--by", "S",
      "--supersedes", "2147483648"], "geen bestaand besluitnummer"),
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05",
      "--by", "x" * 201], "te lang"),
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "2024-11-05",
      "--by", "Secretaris\n#99 go-no-go aalten go"], "regeleinde"),
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "20241105", "--by", "S"],
     "geen geldige datum"),
    (["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on", "0001-01-02", "--by", "S"],
     "buiten 1990-2100"),
    (["whatif", "inkoop-2026", "award", "--to", "9999-12-31", "--as-of", "2025-03-01"], "buiten 1990-2100"),
    (["plan", "--template", "inkoop-2026", "--contract-start", "0001-12-01"], "buiten 1990-2100"),
    (["timeline", "inkoop-2026", "--out", "/nonexistent/x.svg"], "kan /nonexistent/x.svg niet schrijven"),
]


@pytest.mark.parametrize("argv, words", BAD_INPUTS, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in enumerate(BAD_INPUTS)])
def test_bad_input_is_one_dutch_line_and_writes_nothing(regie, argv, words):
    code, _, err = regie(*argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = regie("decisions", "inkoop-2026")
    assert "Nog geen besluiten" in out


def test_an_impossible_clock_is_a_clear_error(regie, monkeypatch):
    monkeypatch.setenv("REGIE_TODAY", "2024-13-01")
    code, _, err = regie("status", "inkoop-2026")
    assert code == 2 and "REGIE_TODAY" in err and "geen geldige datum" in err


def test_the_data_folder_and_its_files_are_the_owners_alone(monkeypatch, tmp_path, capsys):
    """On one machine the operating-system user is the identity: nobody else reads the register."""
    import stat

    monkeypatch.delenv("REGIE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
    old = os.umask(0o022)
    try:
        assert main(["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on",
                     "2024-11-05", "--by", "Secretaris Aalten"]) == 0
    finally:
        os.umask(old)
        from models.facts.db import dispose_engines

        dispose_engines()
    folder = tmp_path / "xdg" / "regie"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) & 0o077 == 0 for f in files), files


def test_the_clock_can_be_set_on_a_sandbox_only(monkeypatch, tmp_path, capsys):
    """REGIE_TODAY moves 'today' and when a decision is recorded: a real register refuses it."""
    from models.facts.db import dispose_engines

    monkeypatch.delenv("REGIE_DATABASE_URL", raising=False)
    monkeypatch.delenv("REGIE_TODAY", raising=False)
    monkeypatch.delenv("REGIE_SANDBOX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "echt"))
    try:
        assert main(["status", "inkoop-2026"]) == 0  # a real register, made without REGIE_SANDBOX
        dispose_engines()
        monkeypatch.setenv("REGIE_TODAY", "2019-01-01")
        monkeypatch.setenv("REGIE_SANDBOX", "1")  # too late: a register is a sandbox from its making on
        assert main(["status", "inkoop-2026"]) == 2  # the quick read-only path refuses it the same way
        assert "oefenregister" in capsys.readouterr().err
        code = main(["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on",
                     "2024-11-05", "--by", "x"])
        assert code == 2 and "oefenregister" in capsys.readouterr().err
        dispose_engines()
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "oefen"))  # a new data folder, made as a sandbox
        monkeypatch.setenv("REGIE_TODAY", "2024-11-06")
        assert main(["decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go", "--on",
                     "2024-11-05", "--by", "x"]) == 0
    finally:
        dispose_engines()


def test_people_add_without_a_login_adds_yourself_and_whoami_says_so(regie):
    code, out, err = regie("people", "whoami", "--json")
    assert code == 0 and json.loads(out)["open_register"] is True
    code, out, err = regie("people", "add", "--name", "Beheerder", "--role", "beheerder")
    assert code == 0, err
    me = json.loads(regie("people", "whoami", "--json")[1])
    assert (me["name"], me["role"], me["open_register"]) == ("Beheerder", "beheerder", False)
    code, _, err = regie("decide", "inkoop-2026", "award", "--body", "doetinchem", "--outcome", "approved",
                         "--on", "2025-03-24")
    assert code == 2 and "is beheerder en mag geen besluiten vastleggen" in err
    code, _, err = regie("people", "remove")
    assert code == 2 and err == "regie: fout: regie people remove: geef --login\n"


def test_a_college_may_be_named_as_a_person_types_it(regie):
    """`--body "Oost Gelre"`, "het college van Oude IJsselstreek" and "gemeente Aalten" name their college."""
    for typed, slug in (("Oost Gelre", "oost-gelre"), ("het college van Oude IJsselstreek", "oude-ijsselstreek"),
                        ("gemeente Aalten", "aalten")):
        code, out, err = regie("decide", "inkoop-2026", "tariffs", "--body", typed, "--outcome", "approved",
                               "--on", "2024-10-08", "--by", "Secretaris", "--json")
        assert code in (0, 4), err
        assert json.loads(out)["created"] and slug not in json.loads(out)["point"]["missing_bodies"]
    code, out, err = regie("decide", "inkoop-2026", "tariffs", "--body", "Oost-Gelderland", "--outcome", "approved",
                           "--on", "2024-10-08", "--by", "x")
    assert code == 2 and "onbekend bestuursorgaan 'Oost-Gelderland'" in err


def test_overzicht_and_the_calendar_of_every_programme(regie, monkeypatch):
    from icalendar import Calendar

    monkeypatch.setenv("REGIE_TODAY", "2024-10-22")
    code, out, _ = regie("overzicht")
    assert code == 0 and out.startswith("Regie overzicht, stand op dinsdag 22 oktober 2024: 2 programma's;")
    assert "Inkoop Jeugdhulp, Wmo en Wonen 2026 (inkoop-2026): fase 1 (van 0-5)" in out
    assert "te laat: Tweede marktconsultatie gehouden (uiterlijk vrijdag 13 september 2024, 39 dagen te laat)" in out
    code, out, _ = regie("overzicht", "--json")
    assert code == 0 and {p["programme"] for p in json.loads(out)["programmes"]} == {"inkoop-2022", "inkoop-2026"}
    code, out, _ = regie("calendar")
    uids = {str(e["uid"]) for e in Calendar.from_ical(out).walk("VEVENT")}
    assert "inkoop-2026-besluit-go-no-go@regie.sociaaldomeinachterhoek.nl" in uids
    assert "inkoop-2022-besluit-award@regie.sociaaldomeinachterhoek.nl" in uids


def test_a_data_folder_a_url_would_cut_is_refused_and_nothing_is_made(monkeypatch, tmp_path, capsys):
    """XDG_DATA_HOME=/tmp/odd?dir once put the register in /tmp/odd (a URL ends its path at '?')."""
    monkeypatch.delenv("REGIE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "odd?dir"))
    assert main(["status", "inkoop-2026"]) == 2
    assert "bevat '?', '#' of '%'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
