"""A timeline chart as SVG: phases as bars, decision points as markers, today's line, slack shaded."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from models.core import clock
from models.rules.planning import PlanningError
from models.commands.replanning import programme_plan
from models.views.status import status_report
from models.core.inputs import clip

WIDTH, LEFT, RIGHT, ROW, TOP = 1100, 330, 60, 26, 50
COLOURS = {"satisfied": "#2e7d32", "reserved": "#f9a825", "rejected": "#c62828", "overdue": "#c62828",
           "deferred": "#ef6c00", "open": "#1565c0"}
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def programme_svg(session: Session, key: str, today: dt.date | None = None, report: dict | None = None,
                  ev=None) -> str:
    report = report or status_report(session, key, ev=ev)
    today = today or clock.today()
    latest: dict[str, dt.date] = {}
    try:
        plan = programme_plan(session, key, ev=ev)
        anchor = plan.points[plan.planning.anchor].date
        latest = {k: d for k, (d, _) in plan.backward(anchor).items() if d is not None}
    except PlanningError:
        pass
    phases = report["phases"]
    points = report["decision_points"]
    dates = [clock.parse_date(p["planned_start"]) for p in phases] + [clock.parse_date(p["planned_end"]) for p in phases]
    dates += [clock.parse_date(p["due"]) for p in points] + list(latest.values()) + [today]
    start, end = min(dates) - dt.timedelta(days=15), max(dates) + dt.timedelta(days=15)
    span = (end - start).days or 1

    def x(day: dt.date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    rows = len(phases) + len(points)
    height = TOP + ROW * rows + 40 + LEGEND_HEIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="Arial, sans-serif" font-size="12">',
        f'<title>Tijdlijn {escape(report["name"])}</title>',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="22" font-size="16" font-weight="bold">{escape(report["name"])} ({escape(key)})</text>',
    ]
    month = dt.date(start.year, start.month, 1)
    free_from = 0.0  # where the next axis label may begin: labels never overlap, however long the span
    while month <= end:
        if month >= start:
            out.append(f'<line x1="{x(month):.1f}" y1="{TOP - 8}" x2="{x(month):.1f}" y2="{height - 30}" stroke="#eee"/>')
            label = f"{MONTHS[month.month - 1]} {month.year}"
            if (month.month in (1, 4, 7, 10) or span < 400) and x(month) + 2 >= free_from:
                out.append(f'<text class="axis" x="{x(month) + 2:.1f}" y="{TOP - 12}" fill="#777">{label}</text>')
                free_from = x(month) + 2 + label_width(label) + 8
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    y = TOP
    current = report["current_phase"]
    for phase in phases:
        a, b = clock.parse_date(phase["planned_start"]), clock.parse_date(phase["planned_end"])
        # done before the current phase, the current one (also a period without points, like implementation)
        fill = PHASE_FILL["current"] if phase["number"] == current else (
            PHASE_FILL["done"] if phase["number"] < current and phase["exit_gate"] == "open" else PHASE_FILL["planned"])
        out.append(f'<text x="10" y="{y + 16}">Fase {phase["number"]} - {escape(phase["name"])}</text>')
        out.append(f'<rect class="phase" x="{x(a):.1f}" y="{y + 4}" width="{max(3.0, x(b) - x(a)):.1f}" height="{ROW - 8}" '
                   f'fill="{fill}" stroke="#607d8b"/>')
        y += ROW
    for dp in points:
        due = clock.parse_date(dp["due"])
        colour = COLOURS.get(dp["status"], "#1565c0")
        title = clip(dp["title"], 48)
        out.append(f'<text x="10" y="{y + 16}">{escape(title)}<title>{escape(dp["title"])}</title></text>')
        if dp["key"] in latest and latest[dp["key"]] > due and dp["status"] != "satisfied":  # slack only where open
            out.append(f'<rect class="slack" data-point="{escape(dp["key"])}" x="{x(due):.1f}" y="{y + 7}" width="{x(latest[dp["key"]]) - x(due):.1f}" '
                       f'height="{ROW - 14}" fill="#c8e6c9" opacity="0.8"><title>speling tot '
                       f'{escape(clock.dutch_date(latest[dp["key"]]))}</title></rect>')
        cx, cy = x(due), y + ROW / 2
        out.append(f'<path class="point" d="M{cx:.1f},{cy - 7} L{cx + 7:.1f},{cy} L{cx:.1f},{cy + 7} L{cx - 7:.1f},{cy} Z" '
                   f'fill="{colour}"><title>{escape(dp["title"])}: {escape(dp["due_nl"])} ({escape(dp["status_nl"])})</title></path>')
        y += ROW
    if start <= today <= end:
        out.append(f'<line class="today" x1="{x(today):.1f}" y1="{TOP - 8}" x2="{x(today):.1f}" y2="{y}" stroke="#d32f2f" '
                   'stroke-width="2" stroke-dasharray="5,3"/>')
        right = x(today) > WIDTH - 240  # near the right edge the label goes left of the line
        anchor = 'text-anchor="end" ' if right else ""
        label_x = x(today) - 4 if right else x(today) + 4
        out.append(f'<text {anchor}x="{label_x:.1f}" y="{y + 14}" fill="#d32f2f">vandaag ({escape(clock.dutch_date(today))})</text>')
    out += _legend(y + 30)
    out.append("</svg>")
    return "\n".join(out)


def label_width(text: str, size: float = 12) -> float:
    """About how wide a label is drawn in Arial (0.6 em a character: on the safe side of its average)."""
    return len(text) * size * 0.6


PHASE_FILL = {"done": "#90caf9", "current": "#ffe082", "planned": "#eceff1"}
LEGEND_HEIGHT = 50
LEGEND = (
    ("rect", PHASE_FILL["done"], "fase afgerond"), ("rect", PHASE_FILL["current"], "huidige fase"),
    ("rect", PHASE_FILL["planned"], "fase gepland"), ("diamond", COLOURS["satisfied"], "besloten / bevestigd"),
    ("diamond", COLOURS["open"], "open"), ("diamond", COLOURS["reserved"], "voorbehoud"),
    ("diamond", COLOURS["deferred"], "aangehouden"), ("diamond", COLOURS["overdue"], "te laat of afgewezen"),
    ("slack", "#c8e6c9", "speling tot de uiterste datum"), ("today", "#d32f2f", "vandaag"),
)


def _legend(top: float) -> list[str]:
    """What the colours and shapes mean, in two rows under the chart."""
    out = [f'<g class="legend"><text x="10" y="{top + 12}" font-weight="bold">Legenda</text>']
    for i, (shape, colour, label) in enumerate(LEGEND):
        col, row = i % 5, i // 5
        x0, y0 = 90 + col * 200, top + row * 20
        if shape == "diamond":
            out.append(f'<path d="M{x0 + 6},{y0 + 1} L{x0 + 12},{y0 + 7} L{x0 + 6},{y0 + 13} L{x0},{y0 + 7} Z" fill="{colour}"/>')
        elif shape == "today":
            out.append(f'<line x1="{x0 + 6}" y1="{y0}" x2="{x0 + 6}" y2="{y0 + 14}" stroke="{colour}" stroke-width="2" '
                       'stroke-dasharray="4,2"/>')
        else:
            out.append(f'<rect x="{x0}" y="{y0 + 1}" width="12" height="12" fill="{colour}" stroke="#607d8b"/>')
        out.append(f'<text x="{x0 + 18}" y="{y0 + 12}">{label}</text>')
    out.append("</g>")
    return out
