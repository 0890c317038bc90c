"""One overview of every programme in the register, for the programme office: per programme (and its
contracts' track) the phase, what is late and from whom, what is due in the next 7 and 30 days, the next
gate, and the contracts with their end and the next option's deadline. The register is read once for all
programmes; each is judged by the one evaluation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models.core import clock
from models.core.batch import many_at_once
from models.core.inputs import clip
from models.facts.snapshot import body_names, load_snapshots
from models.core.vocabulary import Status
from models.rules.decisions import current_phase, describe_bodies
from models.rules.evaluation import Evaluation, evaluate_snapshot, who_short

HORIZONS = (7, 30)


def programme_overview(ev: Evaluation) -> dict:
    """One programme's line in the overview, from its evaluation."""
    phase = current_phase(ev.gates)
    names = {ph.number: ph.name for ph in ev.snapshot.phases}
    done = all(g.ok for g in ev.gates.values())
    rows = []
    for dp, spec, v in ev.points:  # every open point, also one that waits on an earlier one
        if v.ok or dp.key in ev.passed_over or v.status in (Status.REJECTED, Status.STOPPED, Status.LAPSED):
            continue
        waiting = list(v.missing) or [f.body for f in v.open_reservations] or list(spec.required_bodies)
        left = (dp.planned_date - ev.as_of).days
        late = ev.as_of > clock.met_by(dp.planned_date)
        if left < 0 and not late:
            left = 0  # due on a day off: met on the first working day after it
        rows.append({
            "title": dp.title, "who": describe_bodies(waiting, ev.names),
            "who_short": who_short(waiting, spec.required_bodies, ev.names) or describe_bodies(waiting, ev.names),
            "due": dp.planned_date.isoformat(), "due_nl": clock.dutch_date(dp.planned_date), "days_left": left,
            "when": (f"{-left} {'dag' if left == -1 else 'dagen'} te laat" if late else "vandaag" if left == 0
                     else f"nog {left} {'dag' if left == 1 else 'dagen'}"),
            "late": late, "track": dp.track, "waits_on": ev.blocked.get(dp.key),
        })
    rows.sort(key=lambda r: (r["due"], r["title"]))
    late = [r for r in rows if r["late"]]
    soon = {h: [r for r in rows if not r["late"] and r["days_left"] <= h] for h in HORIZONS}
    gate = ev.gates.get(phase)
    contracts = None
    if ev.contracts is not None:
        c = ev.contracts
        nxt = next((o for o in c.options if not o.lapsed and o.missing), None)
        contracts = {
            "end": c.end.isoformat(), "end_nl": clock.dutch_date(c.end), "end_settled": c.settled,
            "next_option": ({"title": f"optie {nxt.number} ({nxt.years} jaar)", "due": nxt.due.isoformat(),
                             "due_nl": clock.dutch_date(nxt.due), "missing": list(nxt.missing)} if nxt else None),
            "lots": [{"lot": t.name, "providers": t.winners, "signed_on": t.signed_on.isoformat() if t.signed_on else None,
                      "end": c.end.isoformat()}
                     for t in ev.tender if t.winners and (t.signed_on or t.definitive_on)],
        }
    return {
        "programme": ev.programme, "name": ev.name,
        "phase": phase, "phase_name": names.get(phase, ""),
        "state": "alle fasen afgerond" if done else f"fase {phase} (van 0-5): {names.get(phase, '')}",
        "next_gate": None if done or gate is None else {"phase": phase, "open": gate.ok, "reason": gate.reason},
        "late": late, "due_7": soon[7], "due_30": soon[30],
        "contracts": contracts,
    }


@many_at_once
def overview(session: Session, as_of: dt.date | None = None, programmes: list[str] | None = None) -> dict:
    """Every programme in the register (or those named) on `as_of`: one read, one evaluation each."""
    as_of = as_of or clock.today()
    snapshots = load_snapshots(session, programmes)
    names = body_names(session)
    lines = [programme_overview(evaluate_snapshot(snap, as_of, names)) for snap in snapshots.values()]
    return {
        "as_of": as_of.isoformat(), "as_of_nl": clock.dutch_date(as_of),
        "programmes": lines,
        "late": sum(len(x["late"]) for x in lines),
        "due_7": sum(len(x["due_7"]) for x in lines),
        "due_30": sum(len(x["due_30"]) for x in lines),
    }


def overview_markdown(report: dict) -> str:
    """The overview as the artifact 'Regie overzicht' in the Prefect UI shows it."""
    out = [f"# Regie overzicht, stand op {report['as_of_nl']}", "",
           f"{len(report['programmes'])} programma's; {report['late']} te laat, {report['due_7']} binnen 7 dagen, "
           f"{report['due_30']} binnen 30 dagen.", ""]
    for p in report["programmes"]:
        out += [f"## {p['name']} ({p['programme']})", "", f"**Stand:** {p['state']}", ""]
        if p["next_gate"]:
            out += [f"**Volgende poort** (uitgang fase {p['next_gate']['phase']}): {clip(p['next_gate']['reason'], 300)}",
                    ""]
        for label, items in (("Te laat", p["late"]), ("Binnen 7 dagen", p["due_7"]),
                             ("Binnen 30 dagen", [i for i in p["due_30"] if i not in p["due_7"]])):
            if items:
                # narrow columns first, who last and in a few words: the table fits the UI at 1440 px
                out += [f"**{label}**", "", "| Nog / te laat | Uiterlijk | Wat | Wie |", "|---|---|---|---|"]
                out += [f"| {i['when']} | {clock.short_dutch_date(dt.date.fromisoformat(i['due']))} | {clip(i['title'], 56)} | "
                        f"{clip(i.get('who_short') or i['who'], 40)} |" for i in items]
                out.append("")
        c = p["contracts"]
        if c:
            tense = "liepen" if c["end"] < report["as_of"] else "lopen"  # an end already past, in the past tense
            line = f"**Contracten:** {tense} tot en met {c['end_nl']}{'' if c['end_settled'] else ' (zover besloten)'}"
            if c["next_option"]:
                line += (f"; {c['next_option']['title']}: besluit uiterlijk {c['next_option']['due_nl']} "
                         f"({', '.join(c['next_option']['missing'])})")
            out += [line, ""]
            if c["lots"]:
                out += ["| Perceel | Getekend | Einde | Aanbieders |", "|---|---|---|---|"]
                out += [f"| {x['lot']} | "
                        f"{clock.short_dutch_date(dt.date.fromisoformat(x['signed_on'])) if x['signed_on'] else '—'} | "
                        f"{clock.short_dutch_date(dt.date.fromisoformat(c['end']))} | "
                        f"{', '.join(x['providers'])} |" for x in c["lots"]]
                out.append("")
    return "\n".join(out)
