"""Planning by the rules: period rules with their sources, checks, backward planning and cascades.

Pure functions over plain data; the dates come in and go out, nothing here reads a clock or a table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pendulum
import yaml
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.core import clock
from models.core.errors import InputError

RULES_FILE = Path(__file__).resolve().parents[2] / "programmes" / "rules" / "periods.yaml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class PlanningError(InputError):
    """A plan that cannot be made or changed as asked; the message says why."""


class Gap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(default=0, ge=0, le=1000)
    working_days: int = Field(default=0, ge=0, le=500)
    months: int = Field(default=0, ge=0, le=36)
    # a term the law defines in full (models/clock.py), read as it is: "standstill" is the last day of the
    # opschortende termijn, run on past a weekend or holiday; other parts of the gap are added after it
    term: Literal["standstill"] | None = None

    def after(self, day: dt.date) -> dt.date:
        """The earliest date that keeps this gap after `day`."""
        if self.term == "standstill":
            day = clock.standstill_end(day)
        out = pendulum.date(day.year, day.month, day.day).add(months=self.months, days=self.days)
        out = dt.date(out.year, out.month, out.day)
        return clock.add_working_days(out, self.working_days) if self.working_days else out

    def before(self, day: dt.date) -> dt.date:
        """The latest date that keeps this gap before `day`."""
        out = clock.add_working_days(day, -self.working_days) if self.working_days else day
        out = pendulum.date(out.year, out.month, out.day).subtract(months=self.months, days=self.days)
        out = dt.date(out.year, out.month, out.day)
        if self.term == "standstill":
            sent = out - dt.timedelta(days=clock.STANDSTILL_DAYS)
            while clock.standstill_end(sent) > out:
                sent -= dt.timedelta(days=1)
            out = sent
        return out

    def describe(self) -> str:
        parts = []
        if self.term == "standstill":
            parts.append(f"{clock.STANDSTILL_DAYS} kalenderdagen vanaf de dag na verzending, tot na een weekend of "
                         "feestdag (Algemene termijnenwet)")
        if self.months:
            parts.append(f"{self.months} {'maand' if self.months == 1 else 'maanden'}")
        if self.days:
            parts.append(f"{self.days} {'dag' if self.days == 1 else 'dagen'}")
        if self.working_days:
            parts.append(f"{self.working_days} {'werkdag' if self.working_days == 1 else 'werkdagen'}")
        return " en ".join(parts) or "0 dagen"


class PeriodRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    title: str
    description: str
    gap: Gap
    procedures: tuple[str, ...]
    source: str
    version: str
    statutory: bool = False  # a minimum set by law: a programme may lengthen it, never shorten it


class CheckRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    title: str
    description: str
    source: str
    version: str


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    rules: tuple[PeriodRule, ...]
    checks: tuple[CheckRule, ...]

    def rule(self, key: str) -> PeriodRule:
        found = _rules_by_key(self).get(key)
        if found is None:
            raise PlanningError(f"onbekende regel '{key}' (bekend: {', '.join(r.key for r in self.rules)})")
        return found

    def check(self, key: str) -> CheckRule:
        return next(c for c in self.checks if c.key == key)


_BY_KEY: dict[int, tuple[RuleBook, dict[str, PeriodRule]]] = {}


def _rules_by_key(book: RuleBook) -> dict[str, PeriodRule]:
    """A rule book's rules by key (a plan is built per programme and asks for each of its dependencies); kept
    per book object, not by its value: hashing a frozen model walks all of it, on every call."""
    found = _BY_KEY.get(id(book))
    if found is None or found[0] is not book:
        found = _BY_KEY[id(book)] = (book, {r.key: r for r in book.rules})
    return found[1]


@lru_cache(maxsize=1)
def rule_book(path: Path = RULES_FILE) -> RuleBook:
    return RuleBook.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Meetings(BaseModel):
    """When a body meets: the weekdays, and how many working days before the agenda closes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekdays: tuple[Literal["monday", "tuesday", "wednesday", "thursday", "friday"], ...] = Field(
        default=("tuesday",), min_length=1, max_length=5)
    agenda_cutoff_working_days: int = Field(default=10, ge=0, le=60)

    def meets_on(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.weekdays and clock.is_working_day(day)

    def meeting_on_or_before(self, day: dt.date) -> dt.date:
        for back in range(0, 400):
            candidate = day - dt.timedelta(days=back)
            if self.meets_on(candidate):
                return candidate
        raise PlanningError(f"geen vergaderdag gevonden voor {day}")

    def meeting_on_or_after(self, day: dt.date) -> dt.date:
        for ahead in range(0, 400):
            candidate = day + dt.timedelta(days=ahead)
            if self.meets_on(candidate):
                return candidate
        raise PlanningError(f"geen vergaderdag gevonden na {day}")

    def agenda_cutoff(self, meeting: dt.date) -> dt.date:
        return clock.add_working_days(meeting, -self.agenda_cutoff_working_days)


@lru_cache(maxsize=16384)
def _last_meeting(meetings: tuple[Meetings, ...], day: dt.date) -> dt.date:
    """The earliest of each body's last meeting on or before `day` (the meeting days and the calendar are fixed)."""
    return min(m.meeting_on_or_before(day) for m in meetings)


class Dependency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    before: str = Field(alias="from")
    after: str = Field(alias="to")
    rules: tuple[str, ...] = Field(min_length=1)


class PlanningIn(BaseModel):
    """A programme's planning: its procedure, its chain of dependencies, the bodies' meetings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    procedure: str = Field(pattern=r"^(open|restricted|sas)$")
    anchor: str
    meetings: Meetings = Meetings()
    body_meetings: dict[str, Meetings] = {}
    overrides: dict[str, Gap] = {}
    dependencies: tuple[Dependency, ...] = ()
    # Points whose date is a calendar date, not a working day (a contract start on 1 January).
    calendar_dates: tuple[str, ...] = ()


def planning_model(planning: Mapping) -> PlanningIn:
    """A programme's planning section, validated once per distinct content."""
    return _planning_from_json(json.dumps(planning, sort_keys=True))


@lru_cache(maxsize=1024)
def _planning_from_json(text: str) -> PlanningIn:
    return PlanningIn.model_validate_json(text)


def shared_plan(planning: Mapping, points: Sequence[PointInfo], text: str | None = None) -> Plan:
    """The plan of these points under this planning, built once per distinct pair (both immutable as keyed:
    the planning's JSON text, the frozen points) and shared by every caller that asks the same: a sweep's
    programmes built from one file share it. Read it; a cascade belongs on a plan of its own (`Plan.build`).
    `text`: the planning's JSON text where the caller has it (as the register holds it)."""
    return _shared_plan(text or json.dumps(planning, sort_keys=True), tuple(points))


@lru_cache(maxsize=256)
def _shared_plan(text: str, points: tuple[PointInfo, ...]) -> Plan:
    return Plan.build(_planning_from_json(text), points)


@dataclass(frozen=True)
class PointInfo:
    key: str
    title: str
    kind: str
    date: dt.date
    bodies: tuple[str, ...]  # who decides; empty for nobody in particular
    body_decision: bool  # a college, the penvoerder's college or the bestuurders must meet for it
    providers: bool = False
    decided: bool = False  # a decided point does not move
    via_platform: bool = False  # a dialogue inside the tender, through the platform


@dataclass(frozen=True)
class Edge:
    before: str
    after: str
    rules: tuple[PeriodRule, ...]

    def gap_after(self, day: dt.date) -> dt.date:
        for rule in self.rules:
            day = rule.gap.after(day)
        return day

    def gap_before(self, day: dt.date) -> dt.date:
        for rule in reversed(self.rules):
            day = rule.gap.before(day)
        return day

    def describe(self) -> str:
        return " + ".join(f"{r.title} ({r.gap.describe()})" for r in self.rules)

    def broken_rule(self, earlier: dt.date, later: dt.date) -> PeriodRule:
        """The rule a `later` date too close to `earlier` breaks: the first whose gap it does not keep."""
        if len(self.rules) == 1:
            return self.rules[0]
        return next((r for r in self.rules if r.gap.after(earlier) > later), self.rules[-1])


@dataclass(frozen=True)
class Violation:
    rule: str
    title: str
    source: str
    version: str
    points: tuple[str, ...]
    dates: tuple[dt.date, ...]
    message: str
    basis: str = "gepland"  # "gepland": the plan's dates; "vastgelegd": the dates in the register

    @classmethod
    def of(cls, rule: PeriodRule | CheckRule, points: tuple[str, ...], dates: tuple[dt.date, ...], message: str,
           basis: str = "gepland") -> Violation:
        return cls(rule.key, rule.title, rule.source, rule.version, points, dates, message, basis)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "title": self.title, "source": self.source, "version": self.version,
                "points": list(self.points), "dates": [d.isoformat() for d in self.dates], "message": self.message,
                "basis": self.basis}


@dataclass(frozen=True)
class Adjustment:
    """A date the planner set other than the plain shift gave, and why."""

    point: str
    shifted: dt.date
    date: dt.date
    why: str


def shift_date(day: dt.date, months: int, days: int) -> dt.date:
    """Move by calendar months (1 April stays 1 April, across leap days) and then by days."""
    out = pendulum.date(day.year, day.month, day.day).add(months=months, days=days)
    return dt.date(out.year, out.month, out.day)


def shift_between(old: dt.date, new: dt.date) -> tuple[int, int]:
    """(months, days): whole calendar months when the day of the month is kept, else days."""
    if old.day == new.day:
        return (new.year - old.year) * 12 + new.month - old.month, 0
    return 0, (new - old).days


@dataclass
class Plan:
    """A programme's points and the dependencies between them, by the rules of its procedure."""

    planning: PlanningIn
    points: dict[str, PointInfo]
    edges: list[Edge] = field(default_factory=list)
    book: RuleBook = field(default_factory=rule_book)

    @classmethod
    def build(cls, planning: PlanningIn, points: Sequence[PointInfo], book: RuleBook | None = None) -> Plan:
        book = book or rule_book()
        plan = cls(planning, {p.key: p for p in points}, [], book)
        for dep in planning.dependencies:
            for key in (dep.before, dep.after):
                if key not in plan.points:
                    raise PlanningError(f"afhankelijkheid {dep.before} -> {dep.after}: onbekend besluitpunt '{key}'")
            rules = []
            for key in dep.rules:
                rule = book.rule(key)
                if planning.procedure not in rule.procedures:
                    raise PlanningError(
                        f"regel '{key}' geldt niet voor procedure '{planning.procedure}' "
                        f"(alleen: {', '.join(rule.procedures)})"
                    )
                if key in planning.overrides:
                    longer = planning.overrides[key]
                    probe = dt.date(2024, 1, 1)  # any day: compare how far each gap reaches
                    if rule.statutory and longer.after(probe) < rule.gap.after(probe):
                        raise PlanningError(
                            f"overrides.{key}: {longer.describe()} is korter dan de wettelijke termijn "
                            f"({rule.gap.describe()}, {rule.source}); een programma mag die alleen verlengen")
                    rule = rule.model_copy(update={"gap": longer})
                rules.append(rule)
            plan.edges.append(Edge(dep.before, dep.after, tuple(rules)))
        if planning.anchor not in plan.points:
            raise PlanningError(f"anker '{planning.anchor}' is geen besluitpunt")
        plan.order()  # refuses a cycle
        return plan

    def meetings_of(self, body: str) -> Meetings:
        return self.planning.body_meetings.get(body, self.planning.meetings)

    def order(self) -> list[str]:
        """Points in dependency order; a cycle is refused with the points that form it."""
        cached = self.__dict__.get("_order")
        if cached is not None and cached[0] == (tuple(self.points), len(self.edges)):
            return list(cached[1])
        self.__dict__["_order"] = ((tuple(self.points), len(self.edges)), self._order())
        return list(self.__dict__["_order"][1])

    def _order(self) -> list[str]:
        outgoing: dict[str, list[str]] = {k: [] for k in self.points}
        for e in self.edges:
            outgoing[e.before].append(e.after)
        state: dict[str, int] = {}
        out: list[str] = []
        trail: list[str] = []

        def visit(key: str) -> None:
            if state.get(key) == 2:
                return
            if state.get(key) == 1:
                cycle = trail[trail.index(key):] + [key]
                raise PlanningError(f"cyclus in de afhankelijkheden: {' -> '.join(cycle)}")
            state[key] = 1
            trail.append(key)
            for nxt in outgoing[key]:
                visit(nxt)
            trail.pop()
            state[key] = 2
            out.append(key)

        for key in self.points:
            visit(key)
        return list(reversed(out))

    # --- checking -------------------------------------------------------------------------------

    def meeting_date(self, point: PointInfo, date: dt.date) -> dt.date:
        """The date a body decision is really taken: the last meeting of every deciding body by `date`."""
        if not point.body_decision or not point.bodies:
            return date
        memo = self.__dict__.setdefault("_meetings_by", {})  # the meetings never change with a cascade
        key = (point.bodies, date)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _last_meeting(tuple(self.meetings_of(b) for b in point.bodies), date)
        return found

    def title(self, key: str) -> str:
        return self.points[key].title if key in self.points else key

    def check(self, dates: Mapping[str, dt.date] | None = None) -> list[Violation]:
        """The planned dates (or `dates`) against the period rules, meetings, working days and the dialogue."""
        dates = dict(dates or {k: p.date for k, p in self.points.items()})
        t = self.title
        found: list[Violation] = []
        for e in self.edges:
            earlier, later = dates[e.before], dates[e.after]
            needed = e.gap_after(earlier)
            if later < needed:
                found.append(Violation.of(
                    e.broken_rule(earlier, later), (e.before, e.after), (earlier, later),
                    f"{t(e.after)} ({clock.dutch_date(later)}) moet ten minste {e.describe()} na {t(e.before)} "
                    f"({clock.dutch_date(earlier)}) liggen: op zijn vroegst {clock.dutch_date(needed)}",
                ))
                continue
            effective = self.meeting_date(self.points[e.after], later)
            if effective < needed:
                found.append(Violation.of(
                    self.book.check("college-meeting"), (e.after,), (later, effective),
                    f"{t(e.after)}: de laatste vergadering tot {clock.dutch_date(later)} is "
                    f"{clock.dutch_date(effective)}, te vroeg na {t(e.before)} ({clock.dutch_date(earlier)})",
                ))
        rule = self.book.check("working-day")
        for p in self.points.values():
            day = dates[p.key]
            calendar = p.key in self.planning.calendar_dates or p.key == self.planning.anchor
            if not p.body_decision and not calendar and not clock.is_working_day(day):
                why = clock.holiday_name(day) or WEEKDAY_NL[day.weekday()]
                found.append(Violation.of(rule, (p.key,), (day,),
                                          f"{p.title} valt op {clock.dutch_date(day)}, geen werkdag ({why})"))
        return found + self._dialogue(dates, "gepland")

    def check_recorded(self, recorded: Mapping[str, dt.date]) -> list[Violation]:
        """The dates in the register against the same rules, and points recorded out of order."""
        t = self.title
        found: list[Violation] = []
        for e in self.edges:
            later = recorded.get(e.after)
            if later is None:
                # a step recorded late leaves its successor's planned date too early: say so before it is due
                earlier = recorded.get(e.before)
                planned = self.points[e.after].date if earlier is not None and e.after in self.points else None
                if planned is not None and planned < e.gap_after(earlier):
                    found.append(Violation.of(
                        e.broken_rule(earlier, planned), (e.before, e.after), (earlier, planned),
                        f"{t(e.before)} is vastgelegd op {clock.dutch_date(earlier)}; {t(e.after)}, gepland op "
                        f"{clock.dutch_date(planned)}, moet ten minste {e.describe()} daarna liggen: op zijn vroegst "
                        f"{clock.dutch_date(e.gap_after(earlier))}", "vastgelegd"))
                continue
            earlier = recorded.get(e.before)
            if earlier is None:
                found.append(Violation.of(
                    self.book.check("recorded-order"), (e.before, e.after), (later,),
                    f"{t(e.after)} is vastgelegd op {clock.dutch_date(later)}, maar {t(e.before)}, waar het op wacht, "
                    "staat nog niet in het register", "vastgelegd"))
                continue
            needed = e.gap_after(earlier)
            if later < needed:
                found.append(Violation.of(
                    e.broken_rule(earlier, later), (e.before, e.after), (earlier, later),
                    f"{t(e.after)} is vastgelegd op {clock.dutch_date(later)}, maar moet ten minste {e.describe()} na "
                    f"{t(e.before)} (vastgelegd op {clock.dutch_date(earlier)}) liggen: op zijn vroegst "
                    f"{clock.dutch_date(needed)}", "vastgelegd"))
        return found + self._dialogue(recorded, "vastgelegd")

    def _dialogue(self, dates: Mapping[str, dt.date], basis: str) -> list[Violation]:
        """Providers involved after the publication, other than through the platform."""
        publication = dates.get("publication")
        if publication is None:
            return []
        rule = self.book.check("dialogue-stops")
        return [
            Violation.of(rule, (p.key, "publication"), (dates[p.key], publication),
                         f"{p.title} ({basis} {clock.dutch_date(dates[p.key])}) betrekt zorgaanbieders na de "
                         f"publicatie ({basis} {clock.dutch_date(publication)})", basis)
            for p in self.points.values()
            if p.providers and not p.via_platform and p.key in dates and dates[p.key] > publication
        ]

    # --- backward planning ----------------------------------------------------------------------

    def backward(self, anchor_date: dt.date) -> dict[str, tuple[dt.date | None, Edge | None]]:
        """The latest date of every point that keeps all rules before the anchor, and the binding edge."""
        latest: dict[str, tuple[dt.date | None, Edge | None]] = {self.planning.anchor: (anchor_date, None)}
        for key in reversed(self.order()):
            if key == self.planning.anchor:
                continue
            best: tuple[dt.date | None, Edge | None] = (None, None)
            for e in (e for e in self.edges if e.before == key):
                succ = latest.get(e.after, (None, None))[0]
                if succ is None:
                    continue
                bound = self.snap_back(self.points[key], e.gap_before(self.meeting_date(self.points[e.after], succ)))
                if best[0] is None or bound < best[0]:
                    best = (bound, e)
            latest[key] = best
        return latest

    def snap_back(self, point: PointInfo, date: dt.date) -> dt.date:
        if point.body_decision and point.bodies:
            return self.meeting_date(point, date)
        return clock.previous_working_day(date)

    def snap_forward(self, point: PointInfo, date: dt.date) -> dt.date:
        if point.body_decision and point.bodies:
            return max(self.meetings_of(b).meeting_on_or_after(date) for b in point.bodies)
        return clock.next_working_day(date)

    # --- moving a date --------------------------------------------------------------------------

    def snap_deadline(self, point: PointInfo, date: dt.date) -> dt.date:
        """A date a point can really have: a meeting of its bodies, or a working day for a milestone."""
        if point.key in self.planning.calendar_dates or point.key == self.planning.anchor:
            return date
        if point.body_decision and point.bodies:
            return self.meeting_date(point, date)
        return clock.previous_working_day(date)

    def cascade(self, key: str, new_date: dt.date, mode: str = "minimal") -> dict[str, tuple[dt.date, dt.date]]:
        """Move `key` to `new_date` and every dependent date as the rules require (decided points stay).

        minimal: later points move only as far as their gaps need. shift: every undecided point
        connected to `key` moves by the same calendar months (or days), then to its body's last
        meeting on or before that date, or a milestone to a working day (`self.adjustments` says
        which). The point asked for is never moved to another date: where the rules want it later,
        check() says so with the earliest possible date. The anchor (the contract start) moves only
        when it is the point asked for; otherwise a squeeze shows up as a violation of check().
        """
        self.adjustments: list[Adjustment] = []
        if key not in self.points:
            raise PlanningError(f"onbekend besluitpunt '{key}'")
        point = self.points[key]
        if point.decided:
            raise PlanningError(f"'{key}' is al besloten; een genomen besluit verschuift niet")
        if point.body_decision and not clock.is_working_day(new_date):
            why = clock.holiday_name(new_date) or WEEKDAY_NL[new_date.weekday()]
            raise PlanningError(
                f"{clock.dutch_date(new_date)} is geen werkdag ({why}); een college vergadert dan niet"
            )
        if point.body_decision and point.bodies and self.meeting_date(point, new_date) != new_date:
            meeting = self.meeting_date(point, new_date)
            self.adjustments.append(Adjustment(key, new_date, new_date, (
                f"gevraagde datum blijft; het besluit valt in de vergadering van {clock.dutch_date(meeting)}")))
        dates = {k: p.date for k, p in self.points.items()}
        dates[key] = new_date
        if mode == "shift":
            months, days = shift_between(point.date, new_date)
            for other in self.connected(key):
                p = self.points[other]
                if other == key or p.decided or other == self.planning.anchor:
                    continue
                shifted = shift_date(p.date, months, days)
                dates[other] = self.snap_deadline(p, shifted)
                if dates[other] != shifted:
                    why = ("laatste vergadering op of voor die datum" if p.body_decision
                           else "laatste werkdag op of voor die datum")
                    self.adjustments.append(Adjustment(other, shifted, dates[other], why))
        elif mode != "minimal":
            raise PlanningError(f"onbekende manier van herplannen '{mode}' (minimal of shift)")
        for current in self.order():
            for e in (e for e in self.edges if e.before == current):
                nxt = self.points[e.after]
                needed = e.gap_after(dates[current])
                if self.meeting_date(nxt, dates[e.after]) < needed:
                    if nxt.decided or e.after == key or (e.after == self.planning.anchor and key != e.after):
                        continue  # reported by check(): decided points, the asked date and the anchor stay
                    dates[e.after] = self.snap_forward(nxt, needed)
        return {k: (p.date, dates[k]) for k, p in self.points.items() if dates[k] != p.date}

    def descendants(self, key: str) -> list[str]:
        """Points that hang on `key` through the dependencies, in plan order."""
        stamp = (tuple(self.points), tuple(self.edges))  # kept while the points and edges stay the same
        cached = self.__dict__.get("_below")
        if cached is None or cached[0] != stamp:
            cached = self.__dict__["_below"] = (stamp, {})
        if key not in cached[1]:
            cached[1][key] = self._descendants(key)
        return list(cached[1][key])

    def _descendants(self, key: str) -> list[str]:
        below = self._reach(key, downward=True)
        return [k for k in self.order() if k in below]

    def ancestors(self, key: str) -> set[str]:
        """The points `key` waits on through the dependencies, and `key` itself."""
        return self._reach(key, downward=False) | {key}

    def _reach(self, key: str, downward: bool) -> set[str]:
        """Every point reached from `key` along the dependencies, later ones (downward) or earlier ones."""
        found, todo = set(), [key]
        while todo:
            current = todo.pop()
            for e in self.edges:
                near, far = (e.before, e.after) if downward else (e.after, e.before)
                if near == current and far not in found:
                    found.add(far)
                    todo.append(far)
        return found

    def connected(self, key: str) -> set[str]:
        links: dict[str, set[str]] = {k: set() for k in self.points}
        for e in self.edges:
            links[e.before].add(e.after)
            links[e.after].add(e.before)
        seen, todo = {key}, [key]
        while todo:
            for nxt in links[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen
