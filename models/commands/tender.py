"""The tender's steps after the award, per lot (the award, letters, an objection and its ruling, the definitive
award, signing, the award notice, a lot's own decision): `record_step` checks every lot first and writes
nothing when one is wrong; `settle_standstill` notes what a standstill that ran out brought."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.commands.identity import authorize, current_actor, stamp
from models.commands.register import _fingerprint, record_decision
from models.core import clock
from models.core.errors import InputError
from models.core.inputs import clean_line, printable
from models.core.vocabulary import POSITIVE, Kind, Outcome, Status
from models.facts.chain import seal
from models.facts.entities import Decision, DecisionPoint, Programme, TenderRecord
from models.facts.lookup import get_programme
from models.rules.lots import EVENTS, LOT_CHOICES, RULINGS, STANDSTILL_POINT, STANDSTILL_SOURCE
from models.views.status import evaluate
from models.views.tender import LATEST, lot_states

TENDER_LOCK = 0x54454E44  # "TEND": one writer per programme's tender


def _award_decision(session: Session, programme: Programme, lot: str, on: dt.date) -> Decision:
    """The award decision that covers this lot, complete (every body that must decide did) on `on`.

    A lot with its own award point (the 2022 dyslexia track) is decided there, not by the general one."""
    covering = [dp for dp in programme.decision_points if dp.kind == Kind.AWARD.value
                and (not dp.scope or lot in dp.scope or _lot_in_segments(programme, lot, dp.scope))]
    covering.sort(key=lambda dp: not dp.scope)  # the lot's own point first
    if covering:
        ev = evaluate(session, programme.key, on)
        dp = covering[0]
        if ev.verdict(dp.key).status is Status.SATISFIED:
            positive = [f for f in ev.facts.get(dp.key, []) if f.decided_on <= on and f.outcome in POSITIVE]
            return session.get(Decision, max(positive, key=lambda f: (f.decided_on, f.id)).id)
        raise InputError(f"perceel {lot}: het gunningsbesluit '{dp.title}' is op {clock.dutch_date(on)} niet "
                         f"genomen ({ev.verdict(dp.key).reason}); leg eerst het besluit vast (regie decide)")
    raise InputError(f"perceel {lot}: er is geen gunningsbesluit (akkoord) op of voor {clock.dutch_date(on)}; "
                     "leg eerst het besluit van het college vast (regie decide ... award)")


def _lot_in_segments(programme: Programme, lot: str, scope) -> bool:
    row = next((x for x in programme.lots if x.key == lot), None)
    return row is not None and bool(set(row.segment_keys) & set(scope))


def tender_lock(session: Session, prog: Programme) -> None:
    """One writer per programme's tender at a time (PostgreSQL; SQLite writes one at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":  # an advisory lock: no UPDATE right on programmes needed
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :id)"), {"space": TENDER_LOCK, "id": prog.id})


def record_step(session: Session, *, programme: str, lots: list[str] | str, event: str, on: dt.date,
                reference: str | None = None, detail: dict | None = None, recorded_by: str | None = None,
                as_of: dt.date | None = None, system: bool = False) -> list[TenderRecord]:
    """Record one step of the tender for one or more lots; all lots pass the checks, or nothing is written.

    The checks look at every step recorded for a lot, whatever its date, and a lot's steps come in the
    order of their dates: a step dated before the lot's last one is refused."""
    prog = get_programme(session, programme)
    if event not in EVENTS:
        raise InputError(f"stap: '{printable(event, 30)}' is onbekend; kies uit {', '.join(EVENTS)}")
    if not prog.tender:
        raise InputError(f"programma {programme} heeft geen aanbestedingsregels (tender: in het programmabestand)")
    reference = clean_line(reference, "kenmerk (--reference)", 200)
    detail = dict(detail or {})
    today = as_of or clock.today()
    if on > today:
        raise InputError(f"--on: {clock.dutch_date(on)} ligt in de toekomst; leg een stap vast als hij gezet is")
    known = {x.key for x in prog.lots if x.funding_type != "private-award"}
    every = lots == "all" or lots == ["all"]
    if every:
        if event in ("objection", "ruling", "lottery", "participation"):
            raise InputError(f"--lot: een {EVENTS[event]} geldt voor één perceel; noem het")
        lots = [x.key for x in prog.lots if x.key in known]
    lots = list(dict.fromkeys(lots))
    if not lots:
        raise InputError("--lot: noem ten minste één perceel (of all)")
    for lot in lots:
        if lot not in known:
            raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme}")
    if system:
        actor = current_actor(session)
        name = actor.name or "Regie"
    else:
        _, name = authorize(session, "tender", typed_name=recorded_by, field="door (--by)",
                            required="naam ontbreekt (--by)")
    tender_lock(session, prog)
    if event in ("signed", "award-notice"):
        # what the day brought is noted first, as the sweep would: the definitive awards and the standstill,
        # so the milestone that the last signing confirms finds the standstill confirmed before it
        settle_standstill(session, prog.key, today)
    now = evaluate(session, prog.key, today)
    stopped = {x.key: x.reason for x in now.lots if x.state == "gestopt"}
    if every:
        lots = [lot for lot in lots if lot not in stopped]
    for lot in lots:
        if lot in stopped and event != "participation":  # going on without a college revives a stopped lot
            raise InputError(f"perceel {lot} is gestopt ({stopped[lot]}); daar gebeurt in de aanbesteding niets meer")
    latest = evaluate(session, prog.key, LATEST)  # everything recorded, whatever its date
    states = {t.lot: t for t in latest.tender}
    ranks = {r.lot: r for r in latest.ranks}
    if every:  # all lots where this step fits now
        fits = {
            "award": lambda t: not ranks[t.lot].too_few and not ranks[t.lot].open_tie and not t.lot_decision
                               and (not t.letters_on or t.upheld),
            "letters-sent": lambda t: bool(t.award_on) and not t.letters_on,
            "definitive": lambda t: bool(t.letters_on) and not t.definitive_recorded,
            "signed": lambda t: bool(t.definitive_on) and t.definitive_on <= on and not t.signed_on,
            "award-notice": lambda t: bool(t.signed_on) and not t.notice_on,
            "lot-decision": lambda t: ranks[t.lot].too_few and not t.award_on and not t.lot_decision,
        }[event]
        candidates, lots = lots, [lot for lot in lots if fits(states[lot])]
        done_on = {"letters-sent": "letters_on", "signed": "signed_on", "award-notice": "notice_on"}.get(event)
        if not lots and done_on and any(getattr(states[lot], done_on) == on for lot in candidates):
            return []  # the same step on the same day, already recorded (a retry after a kill): nothing new
        if not lots:
            raise InputError(f"geen perceel waarvoor de stap '{EVENTS[event]}' nu past")
    d_ = clock.dutch_date
    rows = []
    for lot in lots:
        t = states[lot]
        decision_id = None
        d = dict(detail)
        if t.last_on is not None and on < t.last_on and not (event == "ruling" and t.objection):
            raise InputError(f"perceel {lot}: {d_(on)} ligt voor de laatste stap van dit perceel "
                             f"({t.last_event}, {d_(t.last_on)}); stappen komen in volgorde van hun datum")
        if t.withdrawn and event != "award":
            raise InputError(f"perceel {lot}: {t.withdrawn}; gun eerst opnieuw")
        if event == "award":
            r = ranks[lot]
            if t.lot_decision:
                raise InputError(f"perceel {lot}: er is al besloten wat er met dit perceel gebeurt "
                                 f"({LOT_CHOICES[t.lot_decision['choice']]}, {t.lot_decision['reference']})")
            if r.too_few:
                raise InputError(f"perceel {lot}: {r.note}; leg daarvoor een besluit vast (stap lot-decision)")
            if r.open_tie:
                raise InputError(f"perceel {lot}: {r.open_tie}; leg eerst de loting vast (stap lottery, met --order en --reference)")
            if t.letters_on and not t.upheld:
                raise InputError(f"perceel {lot}: de gunningsbeslissing is al verzonden ({d_(t.letters_on)}); "
                                 "opnieuw gunnen kan alleen na een toegewezen kort geding")
            decision = _award_decision(session, prog, lot, on)
            decision_id = decision.id
            d = {"winners": [w.provider for w in r.chosen]}
            if t.award_on and not t.upheld and not t.withdrawn:
                if t.winners == d["winners"]:
                    continue  # the same award again: already recorded
                if decision_id == t.award_decision_id:
                    raise InputError(f"perceel {lot}: de winnaars zouden veranderen ({', '.join(d['winners'])}); "
                                     "daarvoor is een nieuw gunningsbesluit nodig")
            if (t.upheld or t.withdrawn) and decision.decided_on < (t.last_on or on) and decision_id == t.award_decision_id:
                raise InputError(f"perceel {lot}: na {'de uitspraak' if t.upheld else 'het intrekken'} is een nieuw "
                                 "gunningsbesluit nodig (regie decide ... award --supersedes ...)")
        elif event == "letters-sent":
            if not t.award_on:
                raise InputError(f"perceel {lot}: nog niet gegund; verzend de brieven na de stap award")
            if t.letters_on:
                if t.letters_on == on:
                    continue
                raise InputError(f"perceel {lot}: de gunningsbeslissing is al verzonden op {d_(t.letters_on)}")
            if on < t.award_on:
                raise InputError(f"perceel {lot}: brieven verzonden op {d_(on)}, voor de gunning "
                                 f"({d_(t.award_on)})")
        elif event == "objection":
            if not t.letters_on:
                raise InputError(f"perceel {lot}: er loopt geen opschortende termijn (brieven niet verzonden)")
            if on > t.standstill_end:
                raise InputError(f"perceel {lot}: de opschortende termijn eindigde op {d_(t.standstill_end)};"
                                 f" een kort geding van {d_(on)} houdt de gunning niet meer op")
            if t.definitive_recorded or t.signed_on:
                raise InputError(f"perceel {lot}: al definitief gegund op {d_(t.definitive_on or t.signed_on)}")
            if t.objection and not t.ruling:
                raise InputError(f"perceel {lot}: er is al een kort geding aanhangig ({t.objection['reference']})")
            if not reference:
                raise InputError("kenmerk (--reference) ontbreekt: noem de zaak (bijv. het zaaknummer van de rechtbank)")
        elif event == "ruling":
            outcome = d.get("outcome")
            if outcome not in RULINGS:
                raise InputError(f"--outcome: '{printable(outcome, 20)}' past niet bij een uitspraak; kies dismissed "
                                 "(afgewezen: de gunning blijft) of upheld (toegewezen: opnieuw beoordelen)")
            if not t.objection or t.ruling:
                raise InputError(f"perceel {lot}: er is geen kort geding aanhangig")
            if on < dt.date.fromisoformat(t.objection["on"]):
                raise InputError(f"perceel {lot}: uitspraak voor het kort geding zelf")
        elif event == "definitive":
            if not t.letters_on:
                raise InputError(f"perceel {lot}: de gunningsbeslissing is niet verzonden")
            if on <= t.standstill_end:
                raise InputError(f"perceel {lot}: de opschortende termijn loopt tot en met "
                                 f"{d_(t.standstill_end)} ({STANDSTILL_SOURCE})")
            if t.objection and not t.ruling:
                raise InputError(f"perceel {lot}: een kort geding is aanhangig; wacht de uitspraak af")
            if t.upheld:
                raise InputError(f"perceel {lot}: het kort geding is toegewezen; eerst opnieuw beoordelen en gunnen")
            if t.definitive_recorded:
                continue
        elif event == "signed":
            if t.objection and not t.ruling:
                raise InputError(f"perceel {lot}: een kort geding is aanhangig; tekenen kan pas na de uitspraak")
            if t.upheld:
                raise InputError(f"perceel {lot}: het kort geding is toegewezen; eerst opnieuw beoordelen en gunnen")
            if not t.definitive_on or on < t.definitive_on:
                raise InputError(f"perceel {lot}: nog niet definitief gegund; tekenen kan pas daarna "
                                 f"({STANDSTILL_SOURCE})")
            if t.signed_on:
                continue
        elif event == "award-notice":
            if not t.signed_on:
                raise InputError(f"perceel {lot}: de overeenkomsten zijn nog niet getekend")
            if t.notice_on:
                continue
        elif event == "lottery":
            r = ranks.get(lot)
            order = [str(x).strip() for x in (d.get("order") or []) if str(x).strip()]
            if r is not None and r.lottery:
                if r.lottery["order"] == order:
                    continue
                raise InputError(f"perceel {lot}: de gelijke stand is al beslist door {r.lottery['said']}")
            if r is None or not r.open_tie:
                raise InputError(f"perceel {lot}: er is geen gelijke stand aan de rand van de gegunde plaatsen; "
                                 "loten is niet nodig")
            if t.award_on:
                raise InputError(f"perceel {lot}: al gegund op {d_(t.award_on)}; loot vóór de gunning")
            if sorted(order) != sorted(r.tied):
                raise InputError(f"--order: noem precies de gelijk geëindigde aanbieders, in de volgorde van de "
                                 f"loting, gescheiden door ';' ({'; '.join(r.tied)})")
            if not reference:
                raise InputError("kenmerk (--reference) ontbreekt: noem het proces-verbaal van de loting")
            d = {"order": order}
        elif event == "participation":
            from models.facts.lookup import body_key

            taking_part = next(x.municipalities for x in now.snapshot.lots if x.key == lot)
            typed = d.get("without") or []
            without = sorted({body_key(x) for x in typed})
            if not without:
                raise InputError("--without ontbreekt: noem het college (of de colleges) zonder wie het perceel verder gaat")
            odd = [x for x in typed if body_key(x) not in taking_part]
            if odd:
                raise InputError(f"--without: {printable(str(odd[0]), 40)} neemt niet (meer) deel aan perceel {lot} "
                                 f"(deelnemers: {', '.join(now.names.get(m, m) for m in taking_part)})")
            if not set(taking_part) - set(without):
                raise InputError(f"perceel {lot}: zonder {', '.join(now.names.get(m, m) for m in without)} neemt "
                                 "niemand meer deel; stop het perceel dan")
            if t.award_on:
                raise InputError(f"perceel {lot}: al gegund op {d_(t.award_on)}; de deelname verandert niet meer")
            reason = clean_line(d.get("reason"), "reden (--reason)", 300)
            if not reason:
                raise InputError("reden (--reason) ontbreekt: waarom gaat het perceel verder zonder dit college?")
            if not reference:
                raise InputError("kenmerk (--reference) ontbreekt: noem het besluit om zonder dit college verder te gaan")
            d = {"without": without, "reason": reason}
        elif event == "lot-decision":
            choice = d.get("choice")
            if choice not in LOT_CHOICES:
                raise InputError(f"--choice: '{printable(choice, 20)}' is onbekend; kies re-tender (opnieuw "
                                 "aanbesteden), private-award (onderhands gunnen) of leave-open (openlaten)")
            r = ranks.get(lot)
            if r is None or not r.too_few:
                raise InputError(f"perceel {lot}: heeft genoeg geldige inschrijvingen; dit besluit is alleen voor een "
                                 "perceel met te weinig")
            if not reference:
                raise InputError("kenmerk (--reference) ontbreekt: noem het besluit van het college")
            if t.lot_decision:
                if t.lot_decision["choice"] == choice:
                    continue
                raise InputError(f"perceel {lot}: al besloten op {d_(dt.date.fromisoformat(t.lot_decision['on']))}: "
                                 f"{LOT_CHOICES[t.lot_decision['choice']]} ({t.lot_decision['reference']})")
        login, now = stamp(session)
        fingerprint = _fingerprint(kind="tender", programme=prog.key, lot=lot, event=event, on=on.isoformat(),
                                   detail=json.dumps(d, sort_keys=True), reference=reference or "")
        if session.scalar(select(TenderRecord.id).where(TenderRecord.fingerprint == fingerprint)) is not None:
            continue
        row = TenderRecord(programme_id=prog.id, lot_key=lot, event=event, on=on, reference=reference, detail=d,
                           decision_id=decision_id, recorded_by=name, recorded_as=login, recorded_at=now,
                           fingerprint=fingerprint)
        seal(session, row)
        session.add(row)
        session.flush()
        rows.append(row)
    if event == "letters-sent" and rows:
        _confirm(session, prog, "award-letters", on, name, f"gunningsbeslissing verzonden voor {len(rows)} perceel/percelen")
    if event in ("signed", "award-notice") and rows:  # the last lot's step completes the tender's milestone
        done = [t for t in lot_states(session, prog, LATEST) if t.award_on and not t.withdrawn]
        field, point, words = (("signed_on", "contracts-signed", "overeenkomsten getekend") if event == "signed"
                               else ("notice_on", "award-notice", "aankondiging gepubliceerd"))
        if done and all(getattr(t, field) for t in done):
            last = max(getattr(t, field) for t in done)
            _confirm(session, prog, point, last, name, f"{words} voor alle {len(done)} gegunde percelen", quiet=True)
    return rows


def _confirm(session: Session, prog: Programme, point: str, on: dt.date, name: str, reference: str,
             quiet: bool = False) -> None:
    """Confirm a milestone of the register that a tender step proves, once (the first such step). Quiet: where
    the register's rules refuse it now (the standstill not yet confirmed), the milestone waits for a person."""
    dp = next((x for x in prog.decision_points if x.key == point), None)
    if dp is None:
        return
    if session.scalar(select(Decision.id).where(Decision.decision_point_id == dp.id,
                                                Decision.outcome == Outcome.APPROVED.value)) is not None:
        return
    try:
        record_decision(session, programme=prog.key, point=point, body="projectteam", outcome=Outcome.APPROVED,
                        decided_on=on, recorded_by=name, reference=reference[:200], via="aanbesteding")
    except InputError:
        if not quiet:
            raise


def settle_standstill(session: Session, programme: str, as_of: dt.date) -> list[str]:
    """The standstill ends by itself: record the definitive award of every lot whose term has passed with no
    objection pending, and confirm the point `standstill` once no lot's term still runs. Returns what it did."""
    prog = get_programme(session, programme)
    if not prog.tender:
        return []
    done = []
    states = lot_states(session, prog, as_of)
    for t in states:
        if t.definitive_on and not t.definitive_recorded:  # derived on its day: the register notes the event
            day = t.definitive_on
            if record_step(session, programme=prog.key, lots=[t.lot], event="definitive", on=day, as_of=as_of,
                           system=True, reference="opschortende termijn verstreken"):
                done.append(f"{t.name}: definitief gegund op {clock.dutch_date(day)}")
    point = session.scalar(select(DecisionPoint).where(DecisionPoint.programme_id == prog.id,
                                                       DecisionPoint.key == STANDSTILL_POINT))
    # The point is the tender's as a whole: confirmed once every awarded lot is definitive (a lot held by
    # a court case, or sent back by one, keeps it open; the other lots go on meanwhile).
    states = [t for t in lot_states(session, prog, as_of) if t.award_on and not t.withdrawn]
    if point is None or not states or any(not t.definitive_on for t in states):
        return done
    already = session.scalar(select(Decision.id).where(Decision.decision_point_id == point.id,
                                                       Decision.outcome == Outcome.APPROVED.value))
    if already is None:
        last = max(t.definitive_on for t in states)
        actor = current_actor(session)  # the sweep's own login: the term ran out, nobody decided it
        record_decision(session, programme=prog.key, point=STANDSTILL_POINT, body="projectteam",
                        outcome=Outcome.APPROVED, decided_on=last, recorded_by=actor.name or "Regie",
                        reference=f"opschortende termijn verstreken; alle gegunde percelen definitief op "
                                  f"{clock.dutch_date(last)}"[:200], via="regie",
                        verified=(actor.login, actor.name or "Regie"))
        done.append(f"opschortende termijn verstreken voor alle gegunde percelen (de laatste definitief op "
                    f"{clock.dutch_date(last)})")
    return done


