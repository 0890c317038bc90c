"""The bodies of the `regie` commands: each opens one transaction and prints Dutch text or JSON."""

from __future__ import annotations

import datetime as dt
import sys

from sqlalchemy import select

from cli.output import EXIT_GATE_SHUT, EXIT_NOT_ALL, emit_json
from models.core import clock
from models.access.session import register_session
from models.core.errors import InputError
from models.core.inputs import os_reason
from models.facts.entities import Programme
from models.facts.lookup import get_programme
from models.views.status import decision_history, gate_verdict, status_report
from models.core.vocabulary import OUTCOME_LABELS, STATUS_LABELS, Status


def cmd_programmes(args) -> int:
    with register_session(read_only=True) as session:
        rows = [
            {
                "key": p.key,
                "name": p.name,
                "procedure": p.procedure,
                "penvoerder": p.penvoerder.slug,
                "phases": len(p.phases),
                "lots": len(p.lots),
                "decision_points": len(p.decision_points),
                "source_file": p.source_file,
            }
            for p in session.scalars(select(Programme).order_by(Programme.key))
        ]
    if args.json:
        emit_json(rows)
        return 0
    for row in rows:
        print(f"{row['key']:<14} {row['name']}")
        print(f"{'':<14} {row['procedure']}; penvoerder {row['penvoerder']}; "
              f"{row['lots']} percelen, {row['decision_points']} besluitpunten")
    return 0


def cmd_status(args) -> int:
    from cli.status_text import show_status

    with register_session(read_only=True) as session:
        report = status_report(session, args.programme, args.as_of)
    return show_status(report, args.json)


def cmd_risico(args) -> int:
    from cli.risk_text import risk_for
    from models.facts.reader import Reader

    if args.calibrate:
        return _calibrate(args)
    with register_session(read_only=True) as session:
        return risk_for(Reader.of(session), args)


def _calibrate(args) -> int:
    """The arrival model fitted to the decisions of every programme in the register, printed as a model file
    (save it and pass it with --model); nothing is written."""
    import yaml

    from models.facts.reader import Reader, read_snapshots
    from models.rules.arrival import ARRIVAL_FILE, arrival_model, calibrate
    from models.rules.planning import planning_model

    base = arrival_model(args.model or ARRIVAL_FILE)
    with register_session(read_only=True) as session:
        reader = Reader.of(session)
        read_snapshots(reader, [args.programme])  # an unknown programme is refused, naming the known ones
        snapshots = [s for s in read_snapshots(reader).values() if s.planning]

    def meetings_of(snapshot, body):
        planning = planning_model(snapshot.planning)
        return planning.body_meetings.get(body, planning.meetings)

    model, learned = calibrate(base, snapshots, meetings_of)
    if args.json:
        emit_json({"learned": learned, "model": model.model_dump(mode="json")})
        return 0
    kinds = ", ".join(f"{k}: {n}" for k, n in learned["per_kind"].items())
    print(f"# Gekalibreerd op {learned['decisions']} besluiten ({learned['pairs']} eerste besluiten per punt en "
          f"orgaan; {kinds}) en {learned['milestones']} mijlpalen in {learned['programmes']} programma's.")
    print(f"# Daarvan aangehouden: {learned['deferrals']}, met een voorbehoud dat geen later punt opheft: "
          f"{learned['reservations']}, no-go of afgewezen: {learned['negatives']}.")
    print("# Bewaar dit als bestand en gebruik het met: regie risico PROGRAMMA --model BESTAND")
    data = model.model_dump(mode="json", exclude_none=True)
    data["kinds"] = {k: {f: v for f, v in a.items() if v is not None} for k, a in data["kinds"].items()}
    print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110), end="")
    return 0


def cmd_decide(args) -> int:
    from models.commands.register import record_decision
    from notifications import events

    with register_session() as session:
        recorded = record_decision(
            session,
            programme=args.programme,
            point=args.point,
            body=args.body,
            outcome=args.outcome,
            decided_on=args.decided_on,
            recorded_by=args.recorded_by,
            reference=args.reference,
            reservation=args.reservation,
            lifts=args.lifts,
            supersedes=args.supersedes,
            via="cli",
            extra_meeting=args.extra_meeting,
            lifted_by=args.lifted_by,
        )
        point_state = next(
            dp for dp in status_report(session, args.programme)["decision_points"] if dp["key"] == args.point
        )
        from models.commands.identity import current_actor

        # on an open register the command sends whatever is owed; a person of the register sends their own
        own = None if current_actor(session).open else [recorded.decision_id]
    from cli.stack import use_known_api
    from notifications import prefect_events

    use_known_api()  # a running server hears of the decision (its event) and resumes what waits on it
    sends = events.deliver_owed([args.programme], own)  # owed since the commit above; a crash leaves it owed
    resumed = resume_waiting(args.programme, args.point, recorded.body)
    prefect_events.flush()
    if args.json:
        emit_json({"decision_id": recorded.decision_id, "created": recorded.created, "point": point_state,
                   "resumed_runs": resumed, "notifications": [o.status for o in sends]})
        return 0
    if recorded.created:
        who = point_state["body_names"].get(recorded.body, recorded.body)
        if point_state["word"] == "Mijlpaal":
            print(f"Mijlpaal '{point_state['title']}': {OUTCOME_LABELS[recorded.outcome]} door {who} "
                  f"(#{recorded.decision_id} vastgelegd).")
        else:
            print(f"Besluit #{recorded.decision_id} vastgelegd: {who} over '{point_state['title']}': "
                  f"{OUTCOME_LABELS[recorded.outcome]}.")
    else:
        print(f"Dit besluit stond al in het register als #{recorded.decision_id}; niets nieuws vastgelegd.")
    print(f"{point_state['title']}: {STATUS_LABELS[Status(point_state['status'])]} - {point_state['reason']}")
    _print_sends(sends)
    _print_resumed(resumed)
    return 0


def _print_sends(sends) -> None:
    for o in sends:
        if o.status == "failed":
            print(f"Bericht aan {o.recipient} via {o.channel} mislukt: {o.error}", file=sys.stderr)


def _print_resumed(resumed: list[str] | None) -> None:
    if resumed is None:
        print("Geen Prefect-server bekend (regie up draait niet); de dagelijkse controle zet wachtende runs voort.")
    for name in resumed or []:
        print(f"Wachtende run {name} hervat.")


def resume_waiting(programme: str, point: str | None, body: str | None = None) -> list[str] | None:
    """Resume the runs waiting on this point, if a Prefect server is known; None when there is none."""
    from cli.stack import use_known_api

    if use_known_api() is None:
        return None
    try:
        from tasks.runs import resume, waiting_runs

        return [run.name for run in waiting_runs(programme, point, body) if resume(run)]
    except Exception as exc:  # noqa: BLE001 - the decision stands; the sweep resumes later
        print(f"Wachtende runs niet hervat ({type(exc).__name__}); de dagelijkse controle doet dat later.",
              file=sys.stderr)
        return []


def cmd_advance(args) -> int:
    from models.commands.overrides import advance_phase

    with register_session() as session:
        advanced = advance_phase(session, programme=args.programme, to_phase=args.to_phase, reason=args.reason,
                                 recorded_by=args.recorded_by)
    resumed = resume_waiting(args.programme, None)
    if resumed is not None:
        from notifications import prefect_events

        prefect_events.emit(prefect_events.MANUAL_TRANSITION, args.programme, f"overgang-{advanced.override_id}",
                            payload={"naar_fase": advanced.to_phase, "reden": args.reason,
                                     "overgeslagen": list(advanced.passed_over)})
        prefect_events.flush()
    if args.json:
        emit_json({"override_id": advanced.override_id, "created": advanced.created, "to_phase": advanced.to_phase,
                   "passed_over": list(advanced.passed_over), "resumed_runs": resumed})
        return 0
    with register_session() as session:  # titles, not keys, for the person who reads it
        titles = {dp.key: dp.title for dp in get_programme(session, args.programme).decision_points}
    passed = ", ".join(titles.get(k, k) for k in advanced.passed_over) or "geen"
    word = "vastgelegd" if advanced.created else "stond al in het register"
    print(f"Overgang #{advanced.override_id} naar fase {advanced.to_phase} {word}; niet afgewacht: {passed}.")
    _print_resumed(resumed)
    return 0


def cmd_demo(args) -> int:
    from cli.demo import run_demo

    return run_demo(args.scenario, args.seconds_per_day, args.port, args.stop, regie=args.regie)


def cmd_replay(args) -> int:
    from cli.replay import run_replay

    return run_replay(args.scenario)


def cmd_up(args) -> int:
    from cli.stack import run_stack

    return run_stack(args.host, args.port)


def cmd_decisions(args) -> int:
    with register_session(read_only=True) as session:
        rows = decision_history(session, args.programme, args.point)
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        print("Nog geen besluiten vastgelegd.")
        return 0
    for row in rows:
        state = {"standing": "", "superseded": f"  [vervangen door #{row['ended_by']}]",
                 "lifted": f"  [voorbehoud opgeheven door #{row['ended_by']}]"}[row["state"]]
        links = ""
        if row["supersedes"]:
            links += f" (vervangt #{row['supersedes']})"
        if row["lifts"]:
            links += f" (heft voorbehoud van #{row['lifts']} op)"
        day = clock.dutch_date(clock.parse_date(row["decided_on"]))
        print(f"#{row['id']:<4} {row['point_title']}")
        print(f"      {row['body_name']}: {row['outcome_nl']} op {day}{links}{state}")
        details = [f"ref. {row['reference']}" if row["reference"] else "",
                   f"voorbehoud: {row['reservation']}" if row["reservation"] else "",
                   "in een extra vergadering" if row["extra_meeting"] else "",
                   f"vastgelegd door {row['recorded_by']}"
                   + (f" (aangemeld als {row['recorded_as']})" if row["recorded_as"] else "")
                   + f" via {row['via']}"]
        print(f"      {'; '.join(d for d in details if d)}")
    return 0


def cmd_gate(args) -> int:
    with register_session(read_only=True) as session:
        verdict = gate_verdict(session, args.programme, args.phase, args.as_of)
    if args.json:
        emit_json({"programme": args.programme, "phase": args.phase, "open": verdict.ok, "reason": verdict.reason})
    else:
        state = "open" if verdict.ok else "dicht"
        print(f"Uitgang van fase {args.phase} is {state}: {verdict.reason}")
    return 0 if verdict.ok else EXIT_GATE_SHUT


def cmd_load(args) -> int:
    from models.access.loader import load_programmes
    from models.rules.programme_file import builtin_files

    files = args.files or [str(p) for p in builtin_files()]
    with register_session() as session:
        results = load_programmes(session, files, strict=args.strict)
    if args.json:
        emit_json([{"programme": r.programme, "action": r.action, "changes": list(r.changes)} for r in results])
        return 0
    words = {"created": "aangemaakt", "updated": "bijgewerkt", "unchanged": "ongewijzigd"}
    for r in results:
        print(f"{r.programme}: {words[r.action]}")
        for change in r.changes:
            print(f"  {change}")
    return 0


STATUS_WORDS = {"sent": "verzonden", "failed": "mislukt", "skipped": "overgeslagen", "would-send": "zou verzenden"}


def cmd_remind(args) -> int:
    from notifications.reminders import remind_all
    from notifications.risk import warn_all
    from models.rules.reminders import step_words

    as_of = args.as_of or clock.today()
    settled = []
    if not args.dry_run:  # a standstill that ran out ends by itself (never ahead of the real date)
        from models.access.jobs import settle_all

        settled = settle_all(min(as_of, clock.today()))
    for key in sorted({line.split(":", 1)[0] for line in settled if "opschortende termijn verstreken" in line}):
        _after_milestone(key, "standstill")  # the standstill ended: the run that waited on it moves on
    rows = remind_all(as_of, dry_run=args.dry_run, programmes=args.programmes)
    rows += warn_all(as_of, dry_run=args.dry_run, programmes=args.programmes)  # the weekly schedule-risk warning
    if args.json:
        emit_json({"as_of": as_of.isoformat(), "dry_run": args.dry_run, "rows": [r.as_dict() for r in rows]})
        return 0
    title = "Proefrun" if args.dry_run else "Herinneringen"
    for line in settled:
        print(f"Opschortende termijn: {line}")
    print(f"{title} voor {clock.dutch_date(as_of)}: {len(rows)} regels")
    for r in rows:
        reason = f" - {r.reason}" if r.reason else ""
        if r.point == "-":  # the programme as a whole: why nothing was sent
            print(f"  {r.programme}: {STATUS_WORDS[r.status]}{reason}")
            continue
        who = r.recipient if r.recipient != "-" else "niemand"
        print(f"  {r.programme} {r.title or r.point}: {who}, {STATUS_WORDS[r.status]}{reason}")
        if r.channel != "-":
            print(f"      via {r.channel} ({step_words(r.step)})")
    failed = sum(r.status == "failed" for r in rows)
    broken = [r.programme for r in rows if r.status == "failed" and r.point == "-"]
    if failed:
        print(f"{failed} bericht(en) mislukt; de volgende run probeert ze opnieuw.", file=sys.stderr)
    if broken:
        print(f"Niet verwerkt: {', '.join(broken)}; de andere programma's wel.", file=sys.stderr)
        return EXIT_NOT_ALL
    return 0


def cmd_recipients(args) -> int:
    from notifications.dispatch import mask
    from notifications.recipients import load_recipients

    with register_session(read_only=True) as session:
        programme = get_programme(session, args.programme).key
    rows = [
        {"name": r.name, "role": r.role.value, "body": r.body, "channels": [mask(u) for u in r.urls]}
        for r in load_recipients()
        if r.serves(programme)
    ]
    if args.json:
        emit_json(rows)
        return 0
    if not rows:
        print("Geen ontvangers ingesteld (recipients.yaml of REGIE_NOTIFY_URLS).")
    for row in rows:
        body = f" ({row['body']})" if row["body"] else ""
        print(f"{row['name']}: {row['role']}{body}")
        for channel in row["channels"]:
            print(f"  {channel}")
    return 0


def _violations_text(violations) -> None:
    if not violations:
        print("Geen overtredingen van de termijnregels.")
    for v in violations:
        print(f"- {v.title} ({v.basis}): {v.message}")
        print(f"  bron: {v.source} ({v.version})")


def cmd_check(args) -> int:
    from models.commands.replanning import check_programme

    with register_session(read_only=True) as session:
        violations = check_programme(session, args.programme, args.as_of)
    if args.json:
        emit_json({"programme": args.programme, "violations": [v.as_dict() for v in violations]})
    else:
        _violations_text(violations)
    return 0 if not violations else EXIT_GATE_SHUT


def cmd_plan(args) -> int:
    from models.commands.replanning import plan_backwards

    with register_session(read_only=True) as session:
        result = plan_backwards(session, args.template, args.contract_start, args.as_of)
    if args.json:
        emit_json(result)
        return 0 if result["reachable"] else EXIT_GATE_SHUT
    print(f"Terugplanning {result['template']} ({result['procedure']}) vanaf contractstart "
          f"{clock.dutch_date(args.contract_start)}, gerekend vanaf {clock.dutch_date(clock.parse_date(result['as_of']))}")
    for row in result["points"]:
        if row["latest"] is None:
            print(f"  {row['title']}: los van de keten (gepland {row['planned']})")
            continue
        latest = clock.dutch_date(clock.parse_date(row["latest"]))
        rule = ", ".join(r["title"] for r in row["binding"]["rules"]) if row["binding"] else "anker"
        if row["unreachable"]:
            slack = f"ONHAALBAAR: {row['why_unreachable']}"
        elif row["slack_days"]:
            slack = f"speling {row['slack_days']} dagen ({row['slack_working_days']} werkdagen)"
        else:
            slack = "geen speling"
        print(f"  {row['title']}")
        print(f"      uiterlijk {latest}; {slack}; bepaald door: {rule}")
        if row["agenda_cutoff"]:
            print(f"      agendasluiting {clock.dutch_date(clock.parse_date(row['agenda_cutoff']))}")
    titles = {row["key"]: row["title"] for row in result["points"]}
    print("Kritiek pad: " + " -> ".join(titles.get(k, k) for k in result["critical_path"]))
    if not result["reachable"]:
        print("Deze contractstart is niet meer haalbaar.")
    return 0 if result["reachable"] else EXIT_GATE_SHUT


def _words(session, programme: str) -> dict[str, str]:
    """What a person reads for each point and phase edge of a programme: its title, 'einde fase 3 (...)'."""
    from models.facts.lookup import get_programme

    prog = get_programme(session, programme)
    words = {dp.key: dp.title for dp in prog.decision_points}
    for ph in prog.phases:
        words[f"fase-{ph.number}-begin"] = f"begin fase {ph.number} ({ph.name})"
        words[f"fase-{ph.number}-einde"] = f"einde fase {ph.number} ({ph.name})"
    return words


def _replan_output(args, result, words: dict[str, str] | None = None) -> int:
    if args.json:
        emit_json({"change": result.change, "moved": [
            {"point": m.point, "old": m.old.isoformat(), "new": m.new.isoformat()} for m in result.moved],
            "phases": [{"phase": m.point, "old": m.old.isoformat(), "new": m.new.isoformat()} for m in result.phases],
            "adjustments": [{"point": a.point, "shifted": a.shifted.isoformat(), "date": a.date.isoformat(),
                             "why": a.why} for a in result.adjustments],
            "violations": [v.as_dict() for v in result.violations]})
        return 0
    head = "Herplanning vastgelegd" if result.change else "Wat als (niets vastgelegd)"
    said = lambda key: (words or {}).get(key, key)  # noqa: E731
    print(f"{head}: {said(args.point)} naar {clock.dutch_date(args.to_date)}")
    for m in (*result.moved, *result.phases):
        print(f"  {said(m.point)}: {clock.dutch_date(m.old)} -> {clock.dutch_date(m.new)}")
    for a in result.adjustments:
        if a.shifted != a.date:
            print(f"  aangepast: {said(a.point)} niet op {clock.dutch_date(a.shifted)} maar {clock.dutch_date(a.date)} "
                  f"({a.why})")
        else:
            print(f"  let op: {said(a.point)}: {a.why}")
    _violations_text(result.violations)
    return 0


def cmd_replan(args) -> int:
    from models.commands.replanning import replan

    with register_session() as session:
        result = replan(session, programme=args.programme, point=args.point, to=args.to_date, reason=args.reason,
                        recorded_by=args.recorded_by, mode=args.mode)
        words = _words(session, args.programme)
    return _replan_output(args, result, words)


def cmd_whatif(args) -> int:
    from models.commands.replanning import what_if

    with register_session() as session:  # loads the built-in programmes like every other command
        words = _words(session, args.programme)
        result = what_if(session, args.programme, args.point, args.to_date, args.mode, args.as_of)
        session.rollback()
    return _replan_output(args, result, words)


def cmd_calendar(args) -> int:
    from notifications.calendar_export import all_programmes_ics, programme_ics

    with register_session(read_only=True) as session:
        data = programme_ics(session, args.programme) if args.programme else all_programmes_ics(session)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0


def cmd_overzicht(args) -> int:
    from models.views.overview import overview

    with register_session(read_only=True) as session:
        report = overview(session, args.as_of)
    if args.json:
        emit_json(report)
        return 0
    print(f"Regie overzicht, stand op {report['as_of_nl']}: {len(report['programmes'])} programma's; "
          f"{report['late']} te laat, {report['due_7']} binnen 7 dagen, {report['due_30']} binnen 30 dagen")
    for p in report["programmes"]:
        print(f"\n{p['name']} ({p['programme']}): {p['state']}")
        if p["next_gate"]:
            print(f"  volgende poort (uitgang fase {p['next_gate']['phase']}): {p['next_gate']['reason'][:200]}")
        for label, items in (("te laat", p["late"]), ("binnen 7 dagen", p["due_7"]),
                             ("binnen 30 dagen", [i for i in p["due_30"] if i not in p["due_7"]])):
            for i in items:
                print(f"  {label}: {i['title']} (uiterlijk {i['due_nl']}, {i['when']}); {i['who']}")
        c = p["contracts"]
        if c:
            line = f"  contracten lopen tot en met {c['end_nl']}{'' if c['end_settled'] else ' (zover besloten)'}"
            if c["next_option"]:
                line += f"; {c['next_option']['title']}: besluit uiterlijk {c['next_option']['due_nl']}"
            print(line)
            for x in c["lots"]:
                print(f"    {x['lot']}: {', '.join(x['providers'])}")
    return 0


def cmd_timeline(args) -> int:
    from notifications.timeline import programme_svg

    with register_session(read_only=True) as session:
        svg = programme_svg(session, args.programme)
    try:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(svg)
    except OSError as exc:
        raise InputError(f"kan {args.out} niet schrijven: {os_reason(exc)}") from None
    print(f"Tijdlijn geschreven naar {args.out}")
    return 0


def cmd_people(args) -> int:
    from models.facts.entities import Person
    from models.commands.identity import ROLE_LABELS, add_person, current_actor, deactivate_person

    if args.action in ("list", "whoami"):
        with register_session(read_only=True) as session:
            if args.action == "whoami":
                actor = current_actor(session)
                row = {"login": actor.login, "name": actor.name, "role": actor.role, "body": actor.body,
                       "open_register": actor.open}
                if args.json:
                    emit_json(row)
                elif actor.open:
                    print(f"U bent aangemeld als {actor.login}. Dit register kent nog geen personen: iedereen die "
                          "het kan openen mag alles, en de naam bij --by wordt naast uw gebruikersnaam bewaard.")
                else:
                    body = f" voor {actor.body}" if actor.body else ""
                    print(f"U bent {actor.name} ({actor.login}), {actor.role}{body}.")
                return 0
            rows = [{"login": p.login, "name": p.name, "role": p.role, "body": p.body_slug, "active": p.active,
                     "added_by": p.added_by, "added_at": p.added_at.isoformat()}
                    for p in session.scalars(select(Person).order_by(Person.role, Person.login))]
        if args.json:
            emit_json(rows)
        elif not rows:
            print("Dit register kent nog geen personen (een open register: één machine, één gebruiker).")
        for row in rows:
            body = f" voor {row['body']}" if row["body"] else ""
            state = "" if row["active"] else " [uitgeschakeld]"
            print(f"{row['login']:<20} {row['name']}: {ROLE_LABELS[row['role']].split(' (')[0]}{body}{state}")
        return 0
    if not args.login and args.action == "remove":
        raise InputError("regie people remove: geef --login")
    with register_session() as session:
        if not args.login:  # adding yourself: your own verified login
            from models.commands.identity import login_of

            args.login = login_of(session)
        if args.action == "remove":
            deactivate_person(session, args.login)
            added = None
        else:
            if not args.role:
                raise InputError("regie people add: geef --role (secretaris, projectteam, programmabureau, beheerder)")
            added = add_person(session, login=args.login, name=args.name, role=args.role, body=args.body,
                               totp=args.totp, db_role=args.db_role)
    if added is None:
        print(f"{args.login} is uitgeschakeld: kan niets meer vastleggen (eerdere besluiten blijven staan).")
        return 0
    if args.json:
        emit_json({"login": added.login, "name": added.name, "role": added.role, "body": added.body,
                   "totp_uri": added.totp_uri, "db_password": added.db_password})
        return 0
    body = f" voor {added.body}" if added.body else ""
    print(f"{added.name} ({added.login}) is {added.role}{body}.")
    if added.totp_uri:
        print("Eenmalige codes voor formulieren: scan deze regel als QR-code in een authenticator-app, of voer hem in "
              "(hij wordt maar één keer getoond):")
        print(f"  {added.totp_uri}")
    if added.db_password:
        print(f"Databaserol {added.login} aangemaakt; wachtwoord (wordt maar één keer getoond): {added.db_password}")
    return 0


def cmd_verify(args) -> int:
    from models.views.integrity import check

    with register_session(read_only=True) as session:
        result = check(session)
    reports = result["chains"]
    findings = [("definitie", f) for f in result["definition"]] + [("anker", f) for f in result["anchored"]]
    if args.json:
        emit_json([{"what": r.what, "rows": r.rows, "broken_at": r.broken_at, "reason": r.reason} for r in reports]
                  + [{"what": f"{kind}: {f.what}", "rows": None, "broken_at": f.what, "reason": f.reason}
                     for kind, f in findings])
    else:
        for r in reports:
            if r.broken_at is None:
                print(f"{r.what}: {r.rows} regels, de keten klopt")
            else:
                print(f"{r.what}: de keten breekt bij #{r.broken_at}: {r.reason}")
        for kind, f in findings:
            print(f"{f.what}: {f.reason}")
        for note in result["notes"]:
            print(f"let op: {note}")
        previous = clock.dutch_moment(dt.datetime.fromisoformat(result["previous"])) if result["previous"] else None
        if result["clean"]:
            print("besluitpunten en colleges kloppen met hun programmabestanden en herplanningen"
                  + (f"; niets verdwenen of herberekend sinds de controle van {previous}" if previous else ""))
            print(f"anker bijgewerkt: {result['anchor']}")
        else:
            print(f"anker niet bijgewerkt ({result['anchor']}): wat hierboven staat blijft zichtbaar tot het is "
                  "uitgezocht")
    return 0 if result["clean"] else EXIT_GATE_SHUT


def cmd_offers(args) -> int:
    from models.commands.offers import import_offers
    from models.rules.ranking import award_proposal, fmt
    from models.views.tender import rankings

    if args.action == "import":
        with register_session() as session:
            result = import_offers(session, programme=args.programme, path=args.file, stage=args.stage,
                                          recorded_by=args.recorded_by)
            ranks = rankings(session, args.programme, args.stage)
        if args.json:
            emit_json({"import_id": result.import_id, "created": result.created, "rows": result.rows,
                       "lots": list(result.lots)})
            return 0
        word = "geïmporteerd" if result.created else "was al geïmporteerd (zelfde inhoud), niets nieuws vastgelegd"
        print(f"import #{result.import_id}: {result.rows} inschrijvingen voor {len(result.lots)} percelen {word}")
        short = [r for r in ranks if r.lot in result.lots and (r.too_few or r.open_tie)]
        for r in short:
            print(f"  let op: {r.name} ({r.lot}): {r.note}")
        print(f"Rangorde: regie offers ranking {args.programme}" + (" --stage selection" if args.stage == "selection" else ""))
        return 0
    with register_session(read_only=True) as session:
        ranks = rankings(session, args.programme, args.stage, args.lot)
    if args.json:
        emit_json([{"lot": r.lot, "name": r.name, "places": r.places, "valid": r.valid, "too_few": r.too_few,
                    "open_tie": r.open_tie, "note": r.note,
                    "ranked": [{"provider": x.provider, "valid": x.valid, "reason": x.reason, "rank": x.rank,
                                "total": x.total, "chosen": x.chosen, "scores": x.scores, "weighted": x.weighted,
                                "tied_with": list(x.tied_with)} for x in r.ranked]}
                   for r in ranks] if args.lot else
                  {"lots": [{"lot": r.lot, "valid": r.valid, "too_few": r.too_few, "open_tie": r.open_tie,
                             "chosen": [x.provider for x in r.chosen]} for r in ranks],
                   "proposal": award_proposal(ranks)})
        return 0
    word = "uitnodigen" if args.stage == "selection" else "gunnen"
    for r in ranks:
        print(f"{r.name} ({r.lot}): {r.note}")
        for x in r.ranked:
            if x.valid:
                mark = f"-> {word}" if x.chosen else ""
                tie = f" (gelijk met {', '.join(x.tied_with)})" if x.tied_with else ""
                print(f"  {x.rank:>2}. {x.provider:<44} {fmt(x.total):>6} {mark}{tie}")
            else:
                print(f"   -  {x.provider:<44} voldoet niet: {x.reason}")
    if args.stage == "award":
        print("\nVoorstel voor het gunningsbesluit")
        for line in award_proposal(ranks):
            print(f"  {line}")
    return 0


def cmd_tender(args) -> int:
    from models.commands.tender import record_step
    from models.rules.lots import EVENTS
    from models.views.tender import tender_report

    if args.action == "status":
        with register_session(read_only=True) as session:
            report = tender_report(session, args.programme, args.as_of)
        if args.json:
            emit_json(report)
            return 0
        as_of = clock.parse_date(report["as_of"])
        print(f"Aanbesteding {report['programme']}, stand op {clock.dutch_date(as_of)}")
        for lot in report["lots"]:
            winners = f"; gegund aan {', '.join(lot['winners'])}" if lot["winners"] else ""
            print(f"  {lot['name']} ({lot['lot']}): {lot['state']}{winners}")
            if lot["owed"]:
                print(f"      te doen: {lot['owed']}")
        return 0
    lots = [x.strip() for x in args.lot.split(",") if x.strip()]
    detail = {}
    if args.outcome is not None:
        detail["outcome"] = args.outcome
    if args.choice is not None:
        detail["choice"] = args.choice
    if args.without is not None:
        detail["without"] = [x.strip() for x in args.without.split(",") if x.strip()]
    if args.reason is not None:
        detail["reason"] = args.reason
    if args.order is not None:
        detail["order"] = [x.strip() for x in args.order.split(";") if x.strip()]
    with register_session() as session:
        rows = record_step(session, programme=args.programme, lots=lots, event=args.step, on=args.on,
                                  reference=args.reference, detail=detail, recorded_by=args.recorded_by)
        if args.step == "participation":
            from models.facts.snapshot import body_names

            names = body_names(session)
    if rows and args.step == "letters-sent":  # it confirmed the milestone `award-letters`: tell, and move on
        _after_milestone(args.programme, "award-letters")
    if args.json:
        emit_json({"recorded": [{"id": r.id, "lot": r.lot_key, "event": r.event, "on": r.on.isoformat()} for r in rows]})
        return 0
    if not rows:
        print("niets nieuws: deze stap lag al vast")
    for r in rows:
        extra = ""
        if r.event == "letters-sent":
            extra = f"; opschortende termijn tot en met {clock.dutch_date(clock.standstill_end(r.on))}"
        if r.event == "award":
            extra = f"; aan {', '.join(r.detail.get('winners', []))}"
        if r.event == "participation":
            extra = f"; verder zonder {', '.join(names.get(b, b) for b in r.detail.get('without', []))}: {r.detail.get('reason')}"
        if r.event == "lottery":
            extra = f"; volgorde: {', '.join(r.detail.get('order', []))} ({r.reference})"
        print(f"#{r.id} {r.lot_key}: {EVENTS[r.event]} op {clock.dutch_date(r.on)}{extra}")
    return 0


def _after_milestone(programme: str, point: str) -> None:
    """A milestone that a tender step (or the clock) confirmed: its announcement goes out, a run moves on."""
    from notifications import events, prefect_events

    from cli.stack import use_known_api

    use_known_api()
    try:
        events.deliver_owed([programme])
    except Exception as exc:  # noqa: BLE001 - what is owed stays in the outbox; the next sweep sends it
        print(f"Berichten nog niet verzonden ({type(exc).__name__}); de volgende ronde verstuurt ze.", file=sys.stderr)
    try:
        resume_waiting(programme, point)
    finally:
        prefect_events.flush()


def cmd_letters(args) -> int:
    from notifications.letters import build_letters, write_letters

    with register_session(read_only=True) as session:
        letters = build_letters(session, args.programme, args.lot, args.on)
    paths = write_letters(letters, args.out)
    if args.json:
        emit_json({"letters": [{"provider": x.provider, "kind": x.kind, "stem": x.stem} for x in letters],
                   "files": [str(p) for p in paths]})
        return 0
    for x in letters:
        print(f"{x.kind:<10} {x.provider}: {x.stem}.html, {x.stem}.pdf")
    print(f"{len(letters)} brieven in {args.out}")
    return 0


def cmd_contracts(args) -> int:
    from models.views.contracts import contracts_report

    with register_session(read_only=True) as session:
        r = contracts_report(session, args.programme, args.as_of)
    if args.json:
        emit_json(r)
        return 0
    d = lambda text: clock.dutch_date(clock.parse_date(text))  # noqa: E731
    print(f"Contracten {r['programme']}, stand op {d(r['as_of'])}")
    print(f"  start {d(r['start'])}; {r['initial_years']} jaar + opties {' + '.join(str(y) for y in r['options_years'])} "
          f"jaar (uiterlijk tot en met {d(r['longest_end'])})")
    print(f"  eerste looptijd tot en met {d(r['initial_term'][1])}")
    for o in r["options"]:
        print(f"  optie {o['number']} ({o['years']} jaar, {d(o['term'][0])} t/m {d(o['term'][1])}), besluit uiterlijk "
              f"{o['due_nl']}: {o['state']}")
    if r["interim_evaluation"]:
        e = r["interim_evaluation"]
        print(f"  tussentijdse evaluatie uiterlijk {e['due_nl']}: {e['state']}")
    word = "einde" if r["end_settled"] else "einde zover besloten"
    print(f"  {word}: {d(r['end'])}")
    if len(set(r["ends"].values())) > 1:  # colleges that extended and colleges that did not
        for college, last in r["ends"].items():
            print(f"    {college}: tot en met {d(last)}")
    if r["gap"]:
        print(f"  let op: {r['gap']}")
    if r["follows"]:
        print(f"  volgt op: {r['follows']}")
    if r["followed_by"]:
        f = r["followed_by"]
        print(f"  opgevolgd door: {f['programme']}" + (f" (nieuwe contracten per {d(f['contract_start'])})"
                                                      if f["contract_start"] else ""))
    if r["contracts"]:
        print("  Contracten per perceel")
        for c in r["contracts"]:
            print(f"    {c['name']} ({c['lot']}): {', '.join(c['providers'])}")
    if r["due"]:
        print("Wat eraan komt")
        for x in r["due"]:
            days = f"nog {x['days']} dagen" if x["days"] >= 0 else f"{-x['days']} dagen te laat"
            print(f"  {x['what']}: uiterlijk {x['due_nl']} ({days}); {', '.join(x['who'])}")
    return 0
