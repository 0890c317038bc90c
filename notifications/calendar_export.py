"""The programme as an iCalendar file: decision points, agenda cut-offs and phases, with stable UIDs.

A UID names the programme and the item, never a date, so importing a newer export updates the
events people already have; SEQUENCE counts the plan revisions of a point.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from models.core import clock
from models.rules.planning import PlanningError
from models.commands.replanning import programme_plan
from models.views.status import evaluate, status_report
from models.core.vocabulary import STATUS_LABELS, Status

DOMAIN = "regie.sociaaldomeinachterhoek.nl"


def _event(uid: str, summary: str, start: dt.date, end: dt.date, description: str, sequence: int = 0) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end + dt.timedelta(days=1))  # all-day events end the day after, exclusively
    event.add("dtstamp", clock.utcnow())
    event.add("sequence", sequence)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def programme_ics(session: Session, key: str) -> bytes:
    ev = evaluate(session, key, clock.today())  # one evaluation: the points, the options, the contracts' end
    report = status_report(session, key, ev=ev)
    revisions: dict[str, int] = {}
    for revision in report["plan_revisions"]:
        revisions[revision["point"]] = revisions.get(revision["point"], 0) + 1
    try:
        plan = programme_plan(session, key)
    except PlanningError:
        plan = None

    cal = Calendar()
    cal.add("prodid", "-//Regie//Sociaal Domein Achterhoek//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{report['name']} ({key})")
    cal.add("x-wr-timezone", clock.TIMEZONE)
    for phase in report["phases"]:
        start, end = clock.parse_date(phase["planned_start"]), clock.parse_date(phase["planned_end"])
        cal.add_component(_event(
            f"{key}-fase-{phase['number']}@{DOMAIN}", f"Fase {phase['number']} - {phase['name']}", start, end,
            f"{report['name']}: fase {phase['number']}, {clock.dutch_date(start)} tot en met {clock.dutch_date(end)}.",
        ))
    for dp in report["decision_points"]:
        if dp["status"] == Status.LAPSED.value:
            continue  # an option that no longer exists has no deadline
        due = clock.parse_date(dp["due"])
        status = STATUS_LABELS[Status(dp["status"])]
        cal.add_component(_event(
            f"{key}-besluit-{dp['key']}@{DOMAIN}", f"{dp['word']}: {dp['title']}", due, due,
            f"{report['name']}, fase {dp['phase']}. Uiterlijk {clock.dutch_date(due)}. Wie: {dp['who']}. Stand: {status}.",
            sequence=revisions.get(dp["key"], 0),
        ))
        point = plan.points.get(dp["key"]) if plan else None
        if point is not None and point.body_decision and point.bodies:
            meetings = plan.meetings_of(point.bodies[0])
            meeting = plan.meeting_date(point, due)
            cutoff = meetings.agenda_cutoff(meeting)
            cal.add_component(_event(
                f"{key}-agendasluiting-{dp['key']}@{DOMAIN}", f"Agendasluiting: {dp['title']}", cutoff, cutoff,
                f"Voorstel binnen voor de vergadering van {clock.dutch_date(meeting)}: {dp['title']}.",
                sequence=revisions.get(dp["key"], 0),
            ))
    from models.facts.entities import Programme
    from sqlalchemy import select

    prog = session.scalar(select(Programme).where(Programme.key == key))
    if prog is not None and prog.tender:  # each standstill as it runs, per lot (from the letters' date)
        from models.views.tender import LATEST, lot_states

        terms: dict[tuple[dt.date, dt.date], list[str]] = {}
        for t in lot_states(session, prog, LATEST):
            if t.letters_on:  # from the day after sending to its last day (run on past a weekend or holiday)
                terms.setdefault((t.letters_on + dt.timedelta(days=1), t.standstill_end), []).append(t.name)
        for (begin, end), names in sorted(terms.items()):
            cal.add_component(_event(
                f"{key}-opschortende-termijn-{min(names)}@{DOMAIN}".replace(" ", "-"),
                f"Opschortende termijn tot en met {clock.dutch_date(end)} ({len(names)} "
                f"{'perceel' if len(names) == 1 else 'percelen'})", begin, end,
                f"Alcatel-termijn (Aanbestedingswet 2012, art. 2.127): geen overeenkomst voor "
                f"{clock.dutch_date(end + dt.timedelta(days=1))}. Percelen: {', '.join(names)}.",
            ))
    if ev.contracts is not None:
        c = ev.contracts
        cal.add_component(_event(
            f"{key}-contracteinde@{DOMAIN}", f"Einde contracten{'' if c.settled else ' (zover besloten)'}",
            c.end, c.end, f"{report['name']}: de contracten lopen tot en met {clock.dutch_date(c.end)}; uiterlijk "
                          f"{clock.dutch_date(c.terms[-1][1])} met alle opties.",
        ))
    return cal.to_ical()


def all_programmes_ics(session: Session) -> bytes:
    """One feed with every programme in the register: each programme's events, with the same UIDs as its own
    file, so a subscription to the feed and an imported programme file update the same events."""
    from sqlalchemy import select

    from models.facts.entities import Programme

    cal = Calendar()
    cal.add("prodid", "-//Regie//Sociaal Domein Achterhoek//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Regie: alle programma's")
    cal.add("x-wr-timezone", clock.TIMEZONE)
    for key in session.scalars(select(Programme.key).order_by(Programme.key)):
        for event in Calendar.from_ical(programme_ics(session, key)).walk("VEVENT"):
            cal.add_component(event)
    return cal.to_ical()
