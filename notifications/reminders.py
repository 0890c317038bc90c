"""The reminder sweep: for every open decision point, the step that is due, to exactly the right people."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models.core import clock
from models.core.batch import many_at_once
from models.rules.planning import PlanningError
from models.facts.snapshot import ProgrammeSnapshot, body_names, load_snapshot, load_snapshots
from models.rules.reminders import policy_set, step_on
from models.commands.replanning import recorded_dates
from models.rules.decisions import as_of_facts, current_decisions, describe_bodies
from models.rules.evaluation import Evaluation, evaluate_snapshot, read_plan
from models.core.vocabulary import OUTCOME_LABELS, PROJECT_TEAM, Kind, Status, point_word
from notifications.ledger import deliver, notify, sent_messages
from notifications.rendering import render_subject
from notifications.recipients import Recipient, Role, load_recipients

PUBLICATION = "publication"


@dataclass(frozen=True)
class ReminderRow:
    programme: str
    point: str
    step: str
    recipient: str
    channel: str
    status: str  # sent, failed, skipped, would-send
    reason: str
    title: str = ""  # the point's title, for people

    def as_dict(self) -> dict:
        return asdict(self)


def _nothing(programme: str, reason: str) -> list[ReminderRow]:
    return [ReminderRow(programme, "-", "-", "-", "-", "skipped", reason)]


def remind(
    session: Session, programme: str, as_of: dt.date, *, dry_run: bool = False,
    recipients: list[Recipient] | None = None, snapshot: ProgrammeSnapshot | None = None,
    names: dict[str, str] | None = None, sent: dict | None = None, ev: Evaluation | None = None,
) -> list[ReminderRow]:
    """Send (or, dry run, list) the reminders due on `as_of`; the ledger keeps each to once.

    Only where someone can act: no reminder about a point while a point it depends on is rejected
    or deferred. A college decision counts down to the agenda cut-off of its meeting. Where nothing
    is sent, one row says why. Give it a session outside `session.begin()`: each message is
    committed right after its send.
    """
    recipients = load_recipients() if recipients is None else recipients
    prog = snapshot or load_snapshot(session, programme)
    if not clock.is_working_day(as_of):
        why = clock.holiday_name(as_of) or "weekend"
        return _nothing(programme, f"geen werkdag ({why}); de volgende werkdag haalt in")
    policies = policy_set(prog.reminder_policy)
    if not policies.enabled:
        return _nothing(programme, "herinneringen staan uit voor dit programma (reminders.enabled: false)")
    names = names if names is not None else body_names(session)
    if not dry_run and session.in_transaction():
        session.rollback()  # only reads so far: end them, so no lock is held while messages go out
    if ev is None or ev.as_of != as_of:  # the caller's evaluation of this day, where it has one
        ev = evaluate_snapshot(prog, as_of, names)
    # lots whose assessment found too few valid offers and whose college has not said what happens
    short = [(t.lot, t.name) for t in ev.tender if t.needs_decision]
    notice_days = int((prog.tender or {}).get("award_notice_days", clock.AWARD_NOTICE_DAYS))
    titles = {dp.key: (dp.title, dp.planned_date) for dp, _, _ in ev.points}
    try:
        plan = read_plan(ev)  # built from the snapshot, no query; shared by the programmes of one file
    except PlanningError:
        plan = None  # no dependencies known: every later date may move
    end = titles[plan.planning.anchor][1] if plan else max(d for _, d in titles.values())
    limit = policies.defaults.overdue_limit
    # Long after the contract start only the contracts' own points (options, evaluation) are reminded.
    contracts_only = clock.working_days_between(end, as_of) > limit
    if contracts_only and not any(dp.track == "contract" for dp, _, _ in ev.points):
        return _nothing(programme, f"de contractstart ({clock.dutch_date(end)}) is meer dan {limit} werkdagen "
                                   "voorbij: geen herinneringen meer")
    verdicts = {dp.key: v for dp, _, v in ev.points}
    publication = next((dp for dp, _, _ in ev.points if dp.key == PUBLICATION), None)
    published = publication is not None and (
        verdicts[PUBLICATION].ok or as_of >= publication.planned_date
    )
    rows: list[ReminderRow] = []

    fixed = set(plan.planning.calendar_dates) | {plan.planning.anchor} if plan else set()

    def slips(point) -> list[dict]:
        """The later dates that hang on this point, in date order; not the contract start (fixed by law and
        policy: it moves only when it is itself re-planned)."""
        keys = plan.descendants(point.key) if plan else [k for k, (_, d) in titles.items() if d > point.planned_date]
        return sorted(({"title": titles[k][0], "due": titles[k][1]} for k in keys if k not in fixed),
                      key=lambda s: s["due"])

    recorded = recorded_dates(ev) if plan else {}
    # what each open point lifts: a college's approval of `financial` also lifts its February reservation
    lifted_here: dict[tuple[str, str], list[str]] = {}
    for dp, _, verdict in ev.points:
        for f in verdict.open_reservations:
            lifter = f.reservation_lifted_by or dp.reservation_lifted_by
            if lifter:
                lifted_here.setdefault((lifter, f.body), []).append(f"'{f.reservation}' ({dp.title})")

    def record(point: str, step: str, outcomes, fallback: str | None = None, catch_up: dt.date | None = None) -> None:
        for o in outcomes:
            reason = o.error or ""
            if o.status == "would-send" and catch_up is not None:
                reason += f" (inhaalmoment van {clock.dutch_date(catch_up)})"
            rows.append(ReminderRow(programme, point, step, o.recipient, o.channel, o.status, reason,
                                    titles[point][0]))
        if not outcomes and fallback:
            rows.append(ReminderRow(programme, point, step, "-", "-", "skipped", fallback, titles[point][0]))

    secretaries: dict[str, list[Recipient]] = {}  # per college, in the file's order: looked up for every point
    for r in recipients:
        if r.role is Role.SECRETARY and r.serves(programme):
            secretaries.setdefault(r.body, []).append(r)

    batch: list | None = None if dry_run else []  # real messages: claimed in bulk, then sent one by one
    for dp, spec, verdict in ev.points:
        if verdict.ok or verdict.status is Status.REJECTED or dp.key in ev.passed_over:
            continue
        if contracts_only and dp.track != "contract":
            continue
        if dp.owner == "regie":
            continue  # a term that ends by itself (the standstill): nobody to remind
        kind = KINDS[dp.kind]
        policy = policies.for_kind(kind)
        due = dp.planned_date
        if verdict.status is Status.RESERVED:
            lifters = {f.reservation_lifted_by or dp.reservation_lifted_by for f in verdict.open_reservations}
            if lifters and None not in lifters and all(not verdicts[k].ok for k in lifters if k in verdicts):
                continue  # the point that lifts it is still open: its reminder says it lifts this one too
        late_by = None
        if plan is not None and recorded:  # a predecessor settled late moves the earliest possible date along
            for e in plan.edges:
                if e.after == dp.key and e.before in recorded and e.gap_after(recorded[e.before]) > due:
                    due, late_by = e.gap_after(recorded[e.before]), e.before
        if dp.key == AWARD_NOTICE and SIGNED in recorded:  # the law's deadline, as the tender counts it
            due = min(due, clock.award_notice_due(recorded[SIGNED], notice_days))
        cutoff = meeting = None
        if plan is not None and kind is not Kind.MILESTONE and spec.required_bodies:
            info = plan.points[dp.key]
            meeting = plan.meeting_date(info, due)
            cutoff = plan.meetings_of(spec.required_bodies[0]).agenda_cutoff(meeting)
        step = step_on(due, policy, as_of, cutoff)
        if step is None:
            continue
        if dp.key in ev.blocked:
            record(dp.key, step.key, [], f"geen herinnering: {ev.blocked[dp.key]}")
            continue
        held = _held_by_court(ev, dp.key)
        if held and not step.overdue:
            record(dp.key, step.key, [], "geen herinnering: " + "; ".join(held))
            continue
        standing = current_decisions(as_of_facts(ev.facts.get(dp.key, []), as_of))
        targets = verdict.missing or tuple(f.body for f in verdict.open_reservations)
        decided = [
            f"{describe_bodies([b], names)}: {OUTCOME_LABELS[standing[b].outcome]} ({clock.dutch_date(standing[b].decided_on)})"
            for b in spec.required_bodies
            if b in standing and b not in verdict.missing
        ]
        countdown = cutoff or due
        deferred = {f.body: f for f in as_of_facts(ev.facts.get(dp.key, []), as_of)
                    if f.body in verdict.deferred and standing.get(f.body) == f}
        context = {
            "programme": {"key": prog.key, "name": prog.name},
            "point": {"key": dp.key, "title": dp.title, "due": due, "word": point_word(dp.kind)},
            "cutoff": cutoff,
            "cutoff_passed": cutoff is not None and as_of > cutoff,
            "meeting": meeting,
            "days_left": max(0, clock.working_days_between(as_of, countdown)),
            "when": _when(as_of, countdown),
            "days_late": max(0, clock.working_days_between(clock.met_by(due), as_of)),
            "moved_by": titles[late_by][0] if late_by else None,
            "final": step.key == "overdue-final",
            "decided": decided,
            "missing": [describe_bodies([b], names) + (" (aangehouden)" if b in deferred else "") for b in targets],
            "slips": slips(dp),
            "held": held,  # lots that wait on a court case, named with the case
            "held_lots": [h.split(":")[0] for h in held],
        }
        event = "overdue" if step.overdue else "reminder"
        subject = None  # the same for every body of this point and step (templates name no body in it)
        for body in targets:
            if body == PROJECT_TEAM and step.overdue:
                continue  # a late milestone: the escalation to the procurement lead says it once
            if body == PROJECT_TEAM:  # a milestone: the project team's work, not a college's
                people = [r for r in recipients if r.role is Role.PROCUREMENT_LEAD and r.serves(programme)]
                missing_text = None if people else "geen projectleider inkoop ingesteld"
            else:
                people = secretaries.get(body, [])
                missing_text = None if people else f"geen secretaris ingesteld voor {describe_bodies([body], names)}"
            reservation = standing[body].reservation if body in standing else None
            body_context = {**context, "body": body, "body_name": describe_bodies([body], names),
                            "reservation": reservation, "lifts": lifted_here.get((dp.key, body), []),
                            "deferred_on": deferred[body].decided_on if body in deferred else None,
                            "next_meeting": None, "next_cutoff": None}
            if body in deferred and plan is not None:  # the next meeting, and when its agenda closes
                meetings = plan.meetings_of(body)
                nxt = meetings.meeting_on_or_after(as_of + dt.timedelta(days=1))
                body_context["next_meeting"] = nxt
                body_context["next_cutoff"] = meetings.agenda_cutoff(nxt)
            if dry_run and people and subject is None:
                subject = render_subject(event, body_context)
            outcomes = notify(
                session, programme=programme, event=event, scope=f"{dp.key}|{step.key}|{body}",
                context=body_context, recipients=people, dry_run=dry_run, sent=sent,
                subject=subject, batch=batch, tag=(dp.key, step.key),
            )
            record(dp.key, step.key, outcomes, missing_text,
                   step.send_on if step.send_on < as_of else None)
        if step.overdue:
            leads = [r for r in recipients if r.role in (Role.PROCUREMENT_LEAD, Role.PROGRAMME_OFFICE)
                     and r.serves(programme)]
            outcomes = notify(session, programme=programme, event="escalation", scope=f"{dp.key}|{step.key}",
                              context=context, recipients=leads, dry_run=dry_run, sent=sent, batch=batch,
                              tag=(dp.key, step.key))
            record(dp.key, step.key, outcomes,
                   None if leads else "geen projectleider of programmabureau ingesteld voor escalatie")
        elif dp.providers:
            providers = [r for r in recipients if r.role is Role.PROVIDER and r.serves(programme)]
            if published:
                record(dp.key, step.key, [], "aanbieders krijgen na publicatie geen berichten (dialoog gestopt; "
                       "vragen via het aanbestedingsplatform)" if providers else None)
            else:
                outcomes = notify(session, programme=programme, event="provider_reminder",
                                  scope=f"{dp.key}|{step.key}", context=context, recipients=providers,
                                  dry_run=dry_run, sent=sent, batch=batch, tag=(dp.key, step.key))
                record(dp.key, step.key, outcomes)
    award = next((dp for dp, _, _ in ev.points if dp.key == "award"), None)
    stopped = award is None or verdicts["award"].status is Status.STOPPED
    for lot, name in [] if stopped else short:
        # a lot with too few valid offers: the penvoerder's college decides what happens to it, by the award
        step = step_on(award.planned_date, policies.for_kind(Kind.APPROVAL), as_of, None)
        if step is None:
            continue
        key = f"perceel:{lot}"
        titles[key] = (f"Besluit over perceel {name}: te weinig geldige inschrijvingen (opnieuw aanbesteden, "
                       "onderhands gunnen of openlaten)", award.planned_date)
        body = prog.penvoerder
        context = {
            "programme": {"key": prog.key, "name": prog.name},
            "point": {"key": key, "title": titles[key][0], "due": award.planned_date, "word": "Besluit"},
            "cutoff": None, "cutoff_passed": False, "meeting": None,
            "days_left": max(0, clock.working_days_between(as_of, award.planned_date)),
            "when": _when(as_of, award.planned_date),
            "days_late": max(0, clock.working_days_between(clock.met_by(award.planned_date), as_of)),
            "moved_by": None, "final": step.key == "overdue-final", "decided": [],
            "missing": [describe_bodies([body], names)], "slips": [],
            "body": body, "body_name": describe_bodies([body], names), "reservation": None, "lifts": [],
            "deferred_on": None, "next_meeting": None, "next_cutoff": None,
        }
        people = [r for r in recipients if r.serves(programme) and (
            (r.role is Role.SECRETARY and r.body == body) or r.role is Role.PROCUREMENT_LEAD)]
        event = "overdue" if step.overdue else "reminder"
        outcomes = notify(session, programme=programme, event=event, scope=f"{key}|{step.key}|{body}",
                          context=context, recipients=people, dry_run=dry_run, sent=sent, batch=batch,
                          tag=(key, step.key))
        record(key, step.key, outcomes, None if people else "geen secretaris van de penvoerder of projectleider ingesteld")
    for planned, outcome in deliver(session, batch or []):
        point_key, step_key = planned.tag
        rows.append(ReminderRow(programme, point_key, step_key, outcome.recipient, outcome.channel, outcome.status,
                                outcome.error or "", titles[point_key][0]))
    if not rows:
        return _nothing(programme, "vandaag valt geen herinneringsmoment voor een open punt")
    return rows


AWARD_NOTICE, SIGNED = "award-notice", "contracts-signed"
KINDS = {k.value: k for k in Kind}  # a point's kind as the register writes it


def _held_by_court(ev, point: str) -> list[str]:
    """Where every awarded lot that still owes this step (the signing, the award notice) waits on a court
    case: that lot is not reminded to sign, and a late step's escalation names the case. Empty otherwise."""
    if point not in (SIGNED, AWARD_NOTICE) or not ev.tender:
        return []
    owing = [t for t in ev.tender if t.award_on and not t.withdrawn
             and not (t.signed_on if point == SIGNED else t.notice_on)]
    held = [t for t in owing if (t.objection and not t.ruling) or t.upheld]
    if not owing or len(held) < len(owing):
        return []
    out = []
    for t in held:
        if t.upheld:
            out.append(f"{t.name}: het kort geding ({t.ruling['reference'] or 'zonder kenmerk'}) is toegewezen op "
                       f"{clock.dutch_date(dt.date.fromisoformat(t.ruling['on']))}; eerst opnieuw beoordelen en gunnen")
        else:
            out.append(f"{t.name}: wacht op de uitspraak in het kort geding "
                       f"({t.objection['reference'] or 'zonder kenmerk'}, aangespannen "
                       f"{clock.dutch_date(dt.date.fromisoformat(t.objection['on']))})")
    return out


def _when(today: dt.date, day: dt.date) -> str:
    """'vandaag', 'morgen', or 'nog 3 werkdagen' to `day`."""
    if day == today:
        return "vandaag"
    if day == today + dt.timedelta(days=1):
        return "morgen"
    left = max(0, clock.working_days_between(today, day))
    return f"nog {left} {'werkdag' if left == 1 else 'werkdagen'}"


@many_at_once
def remind_all(as_of: dt.date, *, dry_run: bool = False, programmes: list[str] | None = None) -> list[ReminderRow]:
    """The sweep over every programme (or those named): the register is read once for all of them.

    A dry run writes nothing and asks nothing more of the database. A real run sends each message
    and commits its ledger row right after (at-least-once), each programme in its own session.
    """
    from models.facts.db import open_session
    from models.access.session import register_session

    with register_session(read_only=True) as session:
        snapshots = load_snapshots(session, programmes)  # unknown keys fail here, before any send
        names = body_names(session)
        sent = sent_messages(session, list(snapshots))  # what went out before: no query per message for it
    recipients = load_recipients()
    rows: list[ReminderRow] = []
    if not dry_run:  # first what the register still owes (decisions announced after a crash or a failed send)
        from notifications.events import deliver_owed

        rows += [ReminderRow("-", "-", "verschuldigd", o.recipient, o.channel, o.status, o.error or "",
                             "besluit gemeld") for o in deliver_owed(list(snapshots))]
    if dry_run:  # nothing is written: one reader's session for the whole sweep
        with register_session(read_only=True) as session:
            for key, snap in snapshots.items():
                rows += _isolated(key, lambda: remind(session, key, as_of, dry_run=True, recipients=recipients,
                                                      snapshot=snap, names=names, sent=sent))
        return rows
    for key, snap in snapshots.items():
        session = open_session()
        try:
            rows += _isolated(key, lambda: remind(session, key, as_of, recipients=recipients, snapshot=snap,
                                                  names=names, sent=sent), session)
            session.commit()
        finally:
            session.close()
    return rows


def _isolated(programme: str, sweep, session: Session | None = None) -> list[ReminderRow]:
    """One programme's reminders; if it fails, say so in a row and let the other programmes go on."""
    try:
        return sweep()
    except Exception as exc:  # noqa: BLE001 - one broken programme must not silence the others
        if session is not None:
            session.rollback()
        reason = f"dit programma kon niet worden verwerkt ({type(exc).__name__}: {str(exc)[:200]})"
        return [ReminderRow(programme, "-", "-", "-", "-", "failed", reason)]
