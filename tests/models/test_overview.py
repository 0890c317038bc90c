"""`regie overzicht`: every programme on one page, from the one evaluation of each (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from models.core import clock
from models.views.overview import overview, overview_markdown
from models.views.status import evaluate
from tests.models.test_register import decide

SEVEN = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre", "oude-ijsselstreek"]


def test_the_overview_shows_each_programme_its_late_and_due_points_and_its_contracts(session):
    with clock.frozen(dt.date(2024, 10, 22)):
        decide(session, "market-consultation-2", "projectteam", "approved", on="2024-09-13")
        for body in SEVEN:  # Winterswijk has not decided the tariffs
            decide(session, "tariffs", body, "approved", on="2024-10-08")
    with session.begin():
        report = overview(session, dt.date(2024, 10, 22))
        ev = evaluate(session, "inkoop-2026", dt.date(2024, 10, 22))
    lines = {p["programme"]: p for p in report["programmes"]}
    assert set(lines) == {"inkoop-2022", "inkoop-2026"}
    p = lines["inkoop-2026"]
    assert p["phase"] == 2
    assert p["state"] == "fase 2 (van 0-5): Dialoog, uitwerken aanbestedingsdocumenten"
    assert [(i["title"], i["who"], i["when"]) for i in p["late"]] == [
        ("Tarieven vastgesteld door de colleges", "het college van Winterswijk", "14 dagen te laat")]
    assert [i["title"] for i in p["due_7"]] == []
    assert [(i["title"], i["when"]) for i in p["due_30"]] == [
        ("Besluitvorming door colleges: go/no-go", "nog 14 dagen"),
        ("Publicatie aanbestedingen via Mercell", "nog 16 dagen")]
    assert p["next_gate"]["phase"] == 2 and not p["next_gate"]["open"]
    assert p["next_gate"]["reason"] == ev.gates[2].reason  # the one evaluation's words
    assert p["contracts"]["end"] == "2028-12-31" and p["contracts"]["next_option"]["due"] == "2028-06-27"
    # the 2022 contracts: they end with 2024 as far as decided, option 1 is due on 25 June 2024, option 2 lapses
    c = lines["inkoop-2022"]["contracts"]
    assert c["end"] == "2024-12-31" and not c["end_settled"] and c["next_option"]["due"] == "2024-06-25"
    assert report["late"] == sum(len(x["late"]) for x in report["programmes"]) > 1
    text = overview_markdown(report)
    assert text.startswith("# Regie overzicht, stand op dinsdag 22 oktober 2024")
    # narrow columns first, headers capitalised like the other tables, who in a few words where many
    assert "| Nog / te laat | Uiterlijk | Wat | Wie |" in text
    assert ("| 14 dagen te laat | di 8 okt 2024 | Tarieven vastgesteld door de colleges | het college van Winterswijk |"
            in text)
    assert "| nog 14 dagen | di 5 nov 2024 | Besluitvorming door colleges: go/no-go | alle 8 colleges |" in text


def test_the_overview_cuts_after_a_whole_word_and_tells_past_contracts_in_the_past_tense(session):
    """On 6 December 2026: the 2022 contracts ended with 2024 ('liepen'), the 2026 ones run ('lopen'); a long
    gate reason is cut after a whole word, never mid-word."""
    with session.begin():
        report = overview(session, dt.date(2026, 12, 6))
    text = overview_markdown(report)
    assert "**Contracten:** liepen tot en met dinsdag 31 december 2024" in text
    assert "**Contracten:** lopen tot en met zondag 31 december 2028" in text
    long = {**report, "programmes": [dict(p, next_gate={"phase": 2, "open": False, "reason": "wacht op " + " ".join(
        ["de vaststelling van 8 colleges"] * 20)}) for p in report["programmes"]]}
    line = next(x for x in overview_markdown(long).splitlines() if x.startswith("**Volgende poort**"))
    assert line.endswith("…") and len(line) < 360
    assert line[:-1].split()[-1] in {"de", "vaststelling", "van", "8", "colleges"}, line[-40:]  # a whole word


def test_nu_aan_zet_names_many_colleges_in_a_few_words(session):
    """'Nu aan zet' fits 1440 px: seven colleges read '7 colleges (alle behalve Aalten)', not seven names."""
    from models.rules.evaluation import to_act
    from tasks.artifacts import to_act_table

    decide(session, "market-consultation-2", "projectteam", outcome="approved", on="2024-09-13")
    decide(session, "tariffs", "aalten", outcome="approved", on="2024-10-08")
    with session.begin():
        rows = to_act(evaluate(session, "inkoop-2026", dt.date(2024, 10, 9)))
    tariffs = next(r for r in to_act_table(rows) if r["Besluitpunt"] == "Tarieven vastgesteld door de colleges")
    assert tariffs["Aan zet"] == "7 colleges (alle behalve Aalten)"
    full = next(r for r in rows if r["key"] == "tariffs")["who"]
    assert full.startswith("het college van Berkelland, het college van Bronckhorst")  # the full list stays in the row


def test_the_decision_points_table_is_in_date_order_with_short_columns_and_no_bare_dash(session):
    """'Besluitpunten' reads like 'Nu aan zet': date first and in date order, the kind in the title's words,
    many missing colleges in a few words, and an empty cell a dash the UI does not turn into a bullet."""
    from models.views.status import status_report
    from tasks.artifacts import NONE, points_table

    decide(session, "market-consultation-2", "projectteam", outcome="approved", on="2024-09-13")
    decide(session, "tariffs", "aalten", outcome="approved", on="2024-10-08")
    with session.begin():
        table = points_table(status_report(session, "inkoop-2026", dt.date(2024, 10, 9)))
    assert list(table[0]) == ["Uiterlijk", "Besluitpunt", "Fase", "Status", "Ontbreekt"]
    dates = [dt.date.fromisoformat(p) for p in _due_dates(session)]
    assert len(table) == len(dates)
    assert [r["Uiterlijk"] for r in table] == [clock.short_dutch_date(d).split(" ", 1)[1] for d in sorted(dates)]
    assert all(len(str(v)) <= 60 for r in table for v in r.values())  # short cells: no column off screen
    tariffs = next(r for r in table if r["Besluitpunt"] == "Besluit: Tarieven vastgesteld door de colleges")
    assert tariffs["Ontbreekt"] == "7 colleges (alle behalve Aalten)"
    assert all(r["Ontbreekt"] != "-" for r in table) and any(r["Ontbreekt"] == NONE for r in table)
    assert any(r["Besluitpunt"].startswith("Mijlpaal: ") for r in table)


def _due_dates(session) -> list[str]:
    from models.views.status import status_report

    with session.begin():
        return [dp["due"] for dp in status_report(session, "inkoop-2026", dt.date(2024, 10, 9))["decision_points"]]
