"""The calendar export and the timeline chart, read back by independent parsers."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import vobject
from icalendar import Calendar

from models.core import clock
from models.commands.replanning import replan
from notifications.calendar_export import programme_ics
from notifications.timeline import programme_svg


def test_ics_parses_back_with_two_independent_parsers_and_keeps_uids_stable(session):
    with session.begin():
        first = programme_ics(session, "inkoop-2026")
    cal = Calendar.from_ical(first)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    go = events["inkoop-2026-besluit-go-no-go@regie.sociaaldomeinachterhoek.nl"]
    assert str(go["summary"]) == "Besluit: Besluitvorming door colleges: go/no-go"
    assert go.decoded("dtstart") == dt.date(2024, 11, 5) and go.decoded("dtend") == dt.date(2024, 11, 6)
    assert "dinsdag 5 november 2024" in str(go["description"])
    phase = events["inkoop-2026-fase-3@regie.sociaaldomeinachterhoek.nl"]
    assert str(phase["summary"]) == "Fase 3 - Uitvoeren aanbesteding"
    assert phase.decoded("dtend") == dt.date(2025, 3, 25)  # through the award decision of 24 March (all-day: exclusive end)
    cutoff = events["inkoop-2026-agendasluiting-go-no-go@regie.sociaaldomeinachterhoek.nl"]
    assert cutoff.decoded("dtstart") == dt.date(2024, 10, 22)  # 10 working days before the meeting
    assert len(events) == 6 + 20 + 5 + 1  # phases, points, agenda cut-offs (3 decisions, 2 options), the contract end

    parsed = vobject.readOne(first.decode())
    second = {e.uid.value: e for e in parsed.vevent_list}
    assert set(second) == set(events)
    assert second["inkoop-2026-besluit-award@regie.sociaaldomeinachterhoek.nl"].dtstart.value == dt.date(2025, 3, 24)

    with clock.frozen(dt.date(2024, 10, 1)), session.begin():
        replan(session, programme="inkoop-2026", point="go-no-go", to=dt.date(2024, 11, 12), reason="later",
               recorded_by="x")
        again = Calendar.from_ical(programme_ics(session, "inkoop-2026"))
    moved = {str(e["uid"]): e for e in again.walk("VEVENT")}
    assert set(moved) == set(events)  # same UIDs: a re-import updates, it does not duplicate
    updated = moved["inkoop-2026-besluit-go-no-go@regie.sociaaldomeinachterhoek.nl"]
    assert updated.decoded("dtstart") == dt.date(2024, 11, 12) and int(updated["sequence"]) == 1


def test_timeline_chart_is_written_with_phases_points_slack_and_today(session, tmp_path):
    with session.begin():
        svg = programme_svg(session, "inkoop-2026", today=dt.date(2024, 11, 6))
    path = tmp_path / "tijdlijn.svg"
    path.write_text(svg, encoding="utf-8")
    assert path.stat().st_size > 2000
    root = ET.parse(path).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall(".//s:rect[@class='phase']", ns)) == 6
    assert len(root.findall(".//s:path[@class='point']", ns)) == 20  # 17 steps and 3 points of the contracts
    assert len(root.findall(".//s:rect[@class='slack']", ns)) >= 1
    assert len(root.findall(".//s:line[@class='today']", ns)) == 1
    assert "vandaag (woensdag 6 november 2024)" in svg


def test_timeline_has_a_legend_titles_the_current_phase_and_no_slack_on_decided_points(session):
    from models.commands.register import record_decision
    from models.views.status import status_report

    ns = {"s": "http://www.w3.org/2000/svg"}
    with session.begin():
        before = programme_svg(session, "inkoop-2026", today=dt.date(2024, 11, 6))
        report = status_report(session, "inkoop-2026")
    root = ET.fromstring(before)
    legend = " ".join(t.text or "" for t in root.findall(".//s:g[@class='legend']/s:text", ns))
    for words in ("fase afgerond", "huidige fase", "fase gepland", "besloten / bevestigd", "open", "voorbehoud",
                  "aangehouden", "te laat of afgewezen", "speling tot de uiterste datum", "vandaag"):
        assert words in legend
    labels = [t.text for t in root.findall("s:text", ns)]
    assert "Besluitvorming door colleges: go/no-go" in labels and "go-no-go" not in labels  # titles, not keys
    fills = [r.get("fill") for r in root.findall(".//s:rect[@class='phase']", ns)]
    assert fills.count("#ffe082") == 1 and fills.index("#ffe082") == report["current_phase"]
    slack = {r.get("data-point") for r in root.findall(".//s:rect[@class='slack']", ns)}
    first = next(dp for dp in report["decision_points"] if dp["key"] in slack)  # the earliest, in plan order
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        for body in first["required_bodies"]:
            outcome = "go" if first["kind"] == "go-no-go" else "approved"
            record_decision(session, programme="inkoop-2026", point=first["key"], body=body, outcome=outcome,
                            decided_on=first["due"], recorded_by="Secretaris")
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        after = programme_svg(session, "inkoop-2026", today=dt.date(2024, 11, 6))
    slack_after = {r.get("data-point") for r in ET.fromstring(after).findall(".//s:rect[@class='slack']", ns)}
    assert first["key"] not in slack_after and slack_after  # decided: no slack drawn; the open ones keep theirs


def test_a_milestone_is_confirmed_and_a_deferral_is_named_in_the_messages():
    """A milestone's messages speak of the project team's confirmation, never of a decision or of 'organen';
    a late notice to a college that deferred names its deferral and its next meeting; a phase's
    announcement names its points by title, not by key."""
    import datetime as dt

    from notifications.rendering import render

    programme = {"key": "inkoop-2026", "name": "Inkoop 2026"}
    milestone = {"key": "publication", "title": "Publicatie via Mercell", "due": dt.date(2024, 11, 7),
                 "word": "Mijlpaal", "status_label": "bevestigd", "reason": "bevestigd door het projectteam",
                 "who": "het projectteam"}
    escalation = render("escalation", {"programme": programme, "point": milestone, "days_late": 3,
                                       "missing": ["het projectteam (inkoopprojectleider)"], "decided": [],
                                       "slips": [], "final": False})
    for text in (escalation.subject, escalation.text, escalation.html):
        assert "organen" not in text and "besloten" not in text, text
    assert "nog niet bevestigd door het projectteam (inkoopprojectleider)" in escalation.subject
    assert "had uiterlijk donderdag 7 november 2024 bevestigd moeten zijn" in escalation.text
    recorded = render("decision_recorded", {"programme": programme, "point": milestone, "decision": {
        "id": 12, "body_name": "het projectteam", "outcome_label": "Akkoord", "decided_on": dt.date(2024, 11, 7),
        "reference": None, "reservation": None, "recorded_by": "Inkoopleider"}})
    assert recorded.subject == "[inkoop-2026] Mijlpaal bevestigd: Publicatie via Mercell (het projectteam)"
    assert "Bevestigd op: donderdag 7 november 2024" in recorded.text and "Besluit #" not in recorded.text
    assert "Besluit #" not in recorded.html and "Bevestiging #12" in recorded.html

    decision = dict(milestone, key="go-no-go", title="Go/no-go", word="Besluit", due=dt.date(2024, 11, 5))
    late = render("overdue", {"programme": programme, "point": decision, "body": "winterswijk",
                              "body_name": "het college van Winterswijk", "days_late": 1, "slips": [], "final": False,
                              "deferred_on": dt.date(2024, 11, 5), "next_meeting": dt.date(2024, 11, 12),
                              "next_cutoff": dt.date(2024, 11, 7)})
    assert "ontbreekt nog" not in late.text
    assert "Uw college heeft dit besluit op dinsdag 5 november 2024 aangehouden." in late.text
    assert "Volgende vergadering: dinsdag 12 november 2024 (agendasluiting donderdag 7 november 2024)" in late.text
    assert "aangehouden" in late.html and "heeft nog niet besloten" not in late.html
    started = render("phase_started", {"programme": programme, "phase": {
        "number": 3, "name": "Uitvoeren aanbesteding", "planned_start": dt.date(2024, 11, 7),
        "planned_end": dt.date(2025, 5, 23)}, "points": [milestone]})
    assert "Publicatie via Mercell: uiterlijk" in started.text and "(publication)" not in started.text + started.html


@pytest.mark.parametrize("programme, today", [("inkoop-2026", "2024-11-06"), ("inkoop-2022", "2021-03-01")])
def test_the_timelines_axis_labels_do_not_overlap(session, programme, today):
    """Once the month labels ran into each other ("jan 2024apr 2024"); each now starts after the one before."""
    import re

    from notifications.timeline import label_width, programme_svg

    with session.begin():
        svg = programme_svg(session, programme, dt.date.fromisoformat(today))
    labels = [(float(x), text) for x, text in re.findall(r'<text class="axis" x="([\d.]+)"[^>]*>([^<]+)</text>', svg)]
    assert len(labels) >= 4, labels
    for (x1, first), (x2, _) in zip(labels, labels[1:]):
        assert x2 >= x1 + label_width(first), (first, x1, x2)


def test_long_titles_and_descriptions_are_cut_after_a_whole_word():
    from models.core.inputs import clip

    text = "Besluitvorming door colleges over de uitgangspunten en de financiële kaders van de aanbesteding"
    cut = clip(text, 48)
    assert len(cut) <= 48 and cut.endswith("…") and text.startswith(cut[:-1]) and text[len(cut) - 1] == " "
    assert clip("kort", 48) == "kort"


def test_a_list_in_a_description_shows_whole_items_and_says_how_many_more():
    """The aanbesteding artifact's proposal: never cut inside a provider's name (a walk found '…gunnen aan
    Voorbeeld: Het…'); whole lots, then how many more."""
    from models.core.inputs import join_whole

    items = [f"perceel jeugd-{n}: gunnen aan Voorbeeld: Het Baken Jeugdzorg, Jeugdpunt Oost" for n in range(27)]
    text = join_whole(items, 400)
    assert len(text) <= 400 and text.endswith("; en 22 meer"), text
    assert text.split("; en ")[0].split("; ") == items[:5]
    assert join_whole(items[:2], 400) == "; ".join(items[:2])
    assert join_whole(["x " * 300], 50).endswith("…")  # one item too long alone: cut after a whole word
