"""`regie risico` as a person reads it (or as JSON): the chance of the planned contract start, the start's spread,
the decisions that matter most and each college's latest meeting. Read-only: on the SQLite register it reads the
file without SQLAlchemy, like `regie status`."""

from __future__ import annotations

import datetime as dt

from cli.output import emit_json
from models.core import clock
from models.core.vocabulary import WORD_DECISION, WORD_MILESTONE
from models.views.risk import chance_words, percent


def _date(text: str | None, never: str = "niet (het programma stopt)") -> str:
    return clock.dutch_date(clock.parse_date(text)) if text else never


def show_risk(report: dict, as_json: bool = False) -> int:
    if as_json:
        emit_json(report)
        return 0
    as_of = clock.parse_date(report["as_of"])
    planned = clock.parse_date(report["planned_start"])
    print(f"{report['name']} ({report['programme']}), stand op {clock.dutch_date(as_of)}")
    model = report["model"]
    learned = model.get("learned_from")
    basis = f"geleerd uit {learned['decisions']} besluiten" if learned else model["source"]
    print(f"Model: {model['path']} (versie {model['version']}; {basis})")
    print(f"{report['runs']:,}".replace(",", ".") + f" runs, seed {report['seed']}")
    print()
    if report["stopped"]:
        print(f"Kans dat de contracten starten op {clock.dutch_date(planned)}: 0% (het programma is gestopt: "
              f"{report['stopped']})")
        return 0
    start = report["start"]
    print(f"Kans dat de contracten starten op {clock.dutch_date(planned)}: {percent(report['chance'])}")
    print(f"Start van de contracten: 10% op {_date(start['p10'])}, 50% op {_date(start['p50'])}, "
          f"90% op {_date(start['p90'])}")
    if report["points"]:
        print("\nOpen besluitpunten en mijlpalen, wat het meest uitmaakt eerst")
        quiet = [p for p in report["points"] if p["milestone"] and p["gain"] <= 0]
        for p in report["points"]:
            if p in quiet:
                continue
            word = WORD_MILESTONE if p["milestone"] else WORD_DECISION
            gain = (f"+{p['gain'] * 100:.1f} procentpunt als het op de eerste mogelijke dag valt".replace(".", ",")
                    if p["gain"] > 0 else "geen winst als het op de eerste mogelijke dag valt")
            print(f"  {word}: {p['title']} ({p['who']})")
            print(f"      gepland {_date(p['planned'])}; 50% op {_date(p['p50'])}, 90% op {_date(p['p90'])}")
            print(f"      uiterlijk {_date(p['latest'], 'geen grens')} voor de start; {gain}")
        if quiet:
            print(f"  en {len(quiet)} {'mijlpaal' if len(quiet) == 1 else 'mijlpalen'} die de kans niet verhogen "
                  "(zie --json)")
    colleges = [c for c in report["colleges"] if c["next"]]
    if colleges:
        print("\nLaatste vergadering per orgaan die de start op 90% houdt (het eerstvolgende open besluit)")
        for c in colleges:
            if c["latest_meeting"]:
                print(f"  {c['name']}: '{c['point_title']}' uiterlijk in de vergadering van "
                      f"{_date(c['latest_meeting'])} (agendasluiting {_date(c['agenda_cutoff'])})")
            else:
                print(f"  {c['name']}: '{c['point_title']}': geen; {c['why_none']}")
    if report["bottlenecks"]:
        print("\nKnelpunten")
        for line in report["bottlenecks"]:
            print(f"  {line}")
    return 0


def risk_for(reader, args) -> int:
    """`regie risico` from a register reader: the day asked, and with --since the weeks before it too."""
    from models.core.errors import InputError
    from models.views.risk import risk_reports

    as_of = args.as_of or clock.today()
    days = [as_of]
    if getattr(args, "since", None):
        if args.since > as_of:
            raise InputError(f"--since: {clock.dutch_date(args.since)} ligt na de stand ({clock.dutch_date(as_of)})")
        days = [as_of - dt.timedelta(weeks=k) for k in range((as_of - args.since).days // 7, 0, -1)] + [as_of]
        if len(days) > 260:
            raise InputError(f"--since: {len(days)} weken is te lang; kies een verloop van ten hoogste 5 jaar")
    reports = risk_reports(reader, args.programme, days, args.runs, args.seed, args.model)
    if len(reports) == 1:
        return show_risk(reports[0], args.json)
    if args.json:
        emit_json(dict(reports[-1], trend=[{"as_of": r["as_of"], "chance": r["chance"], "stopped": r["stopped"],
                                            "chase": next((p["key"] for p in r["points"] if p["gain"] > 0), None)}
                                           for r in reports]))
        return 0
    show_risk(reports[-1])
    print(f"\nVerloop: de kans op de start van {_date(reports[-1]['planned_start'])}, het register zoals het toen stond")
    for r in reports:
        top = next((p for p in r["points"] if p["gain"] > 0), None)
        chance = chance_words(r)
        chase = f"; meest najagen: {top['title']} (+{top['gain'] * 100:.1f})".replace(".", ",") if top else ""
        print(f"  {_date(r['as_of'])}: {chance}{chase}")
    return 0


def quick_risk(args) -> int | None:
    """`regie risico` on the SQLite register without SQLAlchemy; None where the full path is needed."""
    from models.facts.reader import quick_reader

    with quick_reader() as reader:
        if reader is None:
            return None
        return risk_for(reader, args)
