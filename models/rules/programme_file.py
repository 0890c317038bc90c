"""A programme as a data file: read the YAML, validate it, and say exactly what is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from models.core.clock import add_months, contract_terms
from models.core.errors import InputError
from models.core.inputs import os_reason
from models.rules.planning import PlanningError, PlanningIn, Plan, PointInfo
from models.rules.reminders import PolicySet
from models.core.vocabulary import BESTUURDERS, DecidedBy, FundingType, Kind  # noqa: F401
from models.core.validation_nl import dutch_message

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "programmes"


class ProgrammeFileError(InputError):
    """A programme file that cannot be used; the message names the file, the field and the fault."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: {where}: {what}" if where else f"{self.path}: {what}" for where, what in problems]
        super().__init__("\n".join(lines))


def _strict_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{value}' is een tijdstip, verwacht een datum (JJJJ-MM-DD)")
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if 1990 <= day.year <= 2100:
                return day
            raise ValueError(f"{day.isoformat()} ligt buiten 1990-2100")
    raise ValueError(f"'{str(value)[:40]}' is geen geldige datum (verwacht JJJJ-MM-DD)")


StrictDate = Annotated[dt.date, BeforeValidator(_strict_date)]
Slug = Annotated[str, Field(pattern=SLUG, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhaseIn(_Strict):
    number: int = Field(ge=0, le=5)
    name: str = Field(min_length=1, max_length=200)
    start: StrictDate
    end: StrictDate
    note: str | None = None


class Participation(_Strict):
    """Who takes part; by default every municipality of the programme."""

    participants: list[Slug] | None = Field(default=None, min_length=1, max_length=50)
    not_participating: list[Slug] = Field(default=[], max_length=50)


class SegmentIn(Participation):
    key: Slug
    name: str = Field(min_length=1, max_length=200)
    domain: Literal["jeugd", "wmo", "wonen", "huishouden"]
    funding: FundingType | None = None
    funding_note: str | None = None
    subsegments: list[str] = []
    spend_2023_eur: int | None = Field(default=None, ge=0, le=2_000_000_000)
    clients_2023: int | None = Field(default=None, ge=0, le=10_000_000)
    spend_2023_by_municipality: dict[Slug, Annotated[int, Field(ge=0, le=2_000_000_000)]] = {}


class LotIn(Participation):
    key: Slug
    number: int | None = Field(default=None, ge=1, le=1000)
    name: str = Field(min_length=1, max_length=200)
    segments: list[Slug] = []
    funding: FundingType | None = None
    funding_note: str | None = None
    spend_2023_eur: int | None = Field(default=None, ge=0, le=2_000_000_000)
    clients_2023: int | None = Field(default=None, ge=0, le=10_000_000)


class DecisionPointIn(_Strict):
    key: Slug
    kind: Kind
    title: str = Field(min_length=1, max_length=300)
    phase: int = Field(ge=0, le=5)
    date: StrictDate
    date_note: str | None = None
    decided_by: DecidedBy
    # Lots or segments; `all` for the whole programme (required in a programme with lots).
    scope: list[Slug] | Literal["all"] | None = None
    providers: bool = False  # providers are reminded too (only before publication)
    via_platform: bool = False  # a dialogue inside the tender, through the platform (allowed after publication)
    reservation_lifted_by: Slug | None = None  # the later point whose decision lifts a reservation made here
    owner: Literal["projectteam", "beoordelingsteam", "penvoerder", "colleges", "regie"] | None = None
    track: Literal["programme", "contract"] = "programme"

    @property
    def scope_keys(self) -> list[str]:
        return [] if self.scope in (None, "all") else list(self.scope)


class SpendNote(_Strict):
    """A known difference between the spend per municipality and the stated total, explained."""

    segment: Slug
    note: str = Field(min_length=1, max_length=2000)


class CriterionIn(_Strict):
    """An award (or selection) criterion: scores run from 0 to `max_score`, weighed by `weight` (percent)."""

    key: Slug
    name: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0, le=100)
    max_score: float = Field(default=10, gt=0, le=1000)


class SelectionIn(_Strict):
    """A restricted procedure's preselection: the top X candidates per lot are invited to tender."""

    criteria: list[CriterionIn] = Field(min_length=1, max_length=30)
    invite_per_lot: int = Field(ge=1, le=100)
    legal_minimum: int = Field(default=5, ge=0, le=100)
    legal_source: str = ("Aanbestedingswet 2012, art. 2.99 (niet-openbare procedure: ten minste vijf gegadigden "
                         "uitnodigen, als er genoeg geschikte zijn), met Richtlijn 2014/24/EU, art. 65 lid 2")
    tie_break: list[Slug] = []


class TenderIn(_Strict):
    """The tender's rules: criteria with weights, how many providers per lot, the tie-break, the clocks."""

    platform: str | None = Field(default=None, max_length=100)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=30)
    award_per_lot: int = Field(default=1, ge=1, le=100)  # the best X per lot are awarded
    award_per_lot_by_lot: dict[Slug, Annotated[int, Field(ge=1, le=100)]] = {}
    min_valid_offers: int = Field(default=1, ge=1, le=100)  # fewer valid offers: decide what to do with the lot
    tie_break: list[Slug] = []  # criteria in order; what is still level after them is said, not guessed
    tie_break_note: str = Field(default="bij gelijke stand na deze criteria beslist loting onder toezicht van een "
                                        "notaris", max_length=500)
    award_notice_days: int = Field(default=30, ge=1, le=365)
    selection: SelectionIn | None = None
    example_offers: str | None = Field(default=None, max_length=300)  # a demo file beside the programme file
    signatory: str | None = Field(default=None, max_length=200)  # who signs the letters (default: the penvoerder's college)
    contact: str | None = Field(default=None, max_length=300)  # the letters' contact (default: the team, via the platform)
    note: str | None = Field(default=None, max_length=2000)


class ContractsIn(_Strict):
    """The contracts after the start: an initial term and options to extend, each decided by the colleges."""

    start: StrictDate | None = None  # default: the date of the point `contract-start`
    initial_years: int = Field(ge=1, le=20)
    options_years: list[Annotated[int, Field(ge=1, le=20)]] = Field(default=[], max_length=5)
    decide_months_before: int = Field(ge=1, le=36)
    interim_evaluation: StrictDate | None = None
    interim_note: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)


class ProgrammeIn(_Strict):
    key: Slug
    name: str = Field(min_length=1, max_length=200)
    procedure: str = Field(min_length=1, max_length=200)
    penvoerder: Slug
    source: str | None = None
    notes: list[str] = []
    spend_notes: list[SpendNote] = []
    municipalities: dict[Slug, Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=50)
    phases: list[PhaseIn] = Field(min_length=6, max_length=6)
    segments: list[SegmentIn] = Field(default=[], max_length=200)
    lots: list[LotIn] = Field(default=[], max_length=500)
    decision_points: list[DecisionPointIn] = Field(min_length=1, max_length=500)
    reminders: PolicySet = PolicySet()
    planning: PlanningIn | None = None
    tender: TenderIn | None = None
    contracts: ContractsIn | None = None
    follows: Slug | None = None  # the programme whose contracts this one replaces


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where installed
    """SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"een sleutel moet een woord zijn, geen lijst of mapping (regel {key_node.start_mark.line + 1})",
                key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"sleutel '{key}' staat twee keer in dezelfde lijst (regels {seen[key]} en {key_node.start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


# Dates stay text until the schema parses them, so an impossible date gets our message, not a crash.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _loc(loc: tuple, data: Any) -> str:
    """('decision_points', 2, 'date') -> 'decision_points[2] (go-no-go).date'."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("key"), str):
                    out += f" ({node['key']})"
            else:
                node = None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark is not None else ""


def parse_programme_text(text: str, path: Path | str) -> ProgrammeIn:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:  # ours are Dutch (a key twice, a list as a key)
        problem = exc.problem if exc.problem and exc.problem[:1].islower() and " " in exc.problem and \
            any(w in exc.problem for w in ("sleutel", "lijst")) else "onbekende constructie"
        raise ProgrammeFileError(path, [("", f"geen geldige YAML: {problem}{_where(exc)}")]) from None
    except yaml.YAMLError as exc:
        raise ProgrammeFileError(path, [("", f"geen geldige YAML{_where(exc)}")]) from None
    except RecursionError:
        raise ProgrammeFileError(path, [("", "geen geldige YAML: te diep genest")]) from None
    if not isinstance(data, dict):
        raise ProgrammeFileError(path, [("", "verwacht een programma (een mapping met key, name, ...)")])
    try:
        programme = ProgrammeIn.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            problems.append((_loc(err["loc"], data), dutch_message(err)))
        raise ProgrammeFileError(path, problems) from None
    problems = tender_problems(programme)
    if not problems:
        programme = with_contract_points(programme)
        problems = cross_check(programme)
    if problems:
        raise ProgrammeFileError(path, problems)
    return programme


def contract_start(p: ProgrammeIn) -> dt.date | None:
    if p.contracts is None:
        return None
    if p.contracts.start is not None:
        return p.contracts.start
    return next((dp.date for dp in p.decision_points if dp.key == "contract-start"), None)


def with_contract_points(p: ProgrammeIn) -> ProgrammeIn:
    """The contracts' points, made from the `contracts` section: an option decision per option, a set
    period before the running term ends, on the colleges' last meeting day by then, and the interim
    evaluation. They are reminded like every point, but are no part of a phase's exit gate."""
    from models.core.clock import dutch_date
    from models.rules.planning import Meetings

    start = contract_start(p)
    if start is None or p.contracts is None:
        return p
    c = p.contracts
    meetings = p.planning.meetings if p.planning else Meetings()
    terms = contract_terms(start, c.initial_years, c.options_years)
    points: list[DecisionPointIn] = []
    deps = []
    for number, years in enumerate(c.options_years, start=1):
        running_end = terms[number - 1][1]
        deadline = add_months(running_end + dt.timedelta(days=1), -c.decide_months_before) - dt.timedelta(days=1)
        day = meetings.meeting_on_or_before(deadline)
        key = f"contract-option-{number}"
        points.append(DecisionPointIn(
            key=key, kind=Kind.OPTION, phase=5, date=day, decided_by=DecidedBy.COLLEGES, scope="all",
            track="contract", owner="colleges",
            title=f"Optie {number}: contracten verlengen met {years} jaar (tot en met {dutch_date(terms[number][1])})",
            date_note=(f"Uiterlijk {c.decide_months_before} maanden voor het einde van de lopende termijn "
                       f"({dutch_date(running_end)}), dus uiterlijk {dutch_date(deadline)}; de laatste "
                       "collegevergadering op of voor die dag. Akkoord: verlengen; afgewezen: niet verlengen, "
                       "de contracten eindigen dan met de lopende termijn."),
        ))
        if number > 1:
            deps.append({"from": f"contract-option-{number - 1}", "to": key, "rules": ["decision-order"]})
    if c.interim_evaluation is not None:
        points.append(DecisionPointIn(
            key="interim-evaluation", kind=Kind.MILESTONE, phase=5, date=c.interim_evaluation,
            decided_by=DecidedBy.PROJECT_TEAM, scope="all", track="contract", owner="projectteam",
            title="Tussentijdse evaluatie van de contracten afgerond",
            date_note=c.interim_note or "De evaluatie kan leiden tot aanpassingen van de contracten.",
        ))
    taken = {dp.key for dp in p.decision_points}
    points = [dp for dp in points if dp.key not in taken]  # a point the file writes itself wins
    update: dict[str, Any] = {"decision_points": [*p.decision_points, *points]}
    if p.planning is not None and deps:
        from models.rules.planning import Dependency

        known = {(d.before, d.after) for d in p.planning.dependencies}
        extra = [Dependency.model_validate(d) for d in deps if (d["from"], d["to"]) not in known
                 and {d["from"], d["to"]} <= {dp.key for dp in update["decision_points"]}]
        update["planning"] = p.planning.model_copy(update={"dependencies": (*p.planning.dependencies, *extra)})
    return p.model_copy(update=update)


def tender_problems(p: ProgrammeIn) -> list[tuple[str, str]]:
    """The tender's and contracts' sections: weights that add up, criteria and lots that exist."""
    problems: list[tuple[str, str]] = []
    lot_keys = {lot.key for lot in p.lots}
    t = p.tender
    if t is not None:
        for where, criteria, tie_break in (("tender", t.criteria, t.tie_break),) + (
                (("tender.selection", t.selection.criteria, t.selection.tie_break),) if t.selection else ()):
            problems += _duplicates(criteria, "key", f"{where}.criteria")
            total = sum(c.weight for c in criteria)
            if abs(total - 100) > 1e-6:
                problems.append((f"{where}.criteria", f"de wegingen tellen op tot {total:g}, niet tot 100"))
            keys = {c.key for c in criteria}
            for i, c in enumerate(criteria):
                if c.key in ("perceel", "aanbieder", "voldoet", "reden"):
                    problems.append((f"{where}.criteria[{i}].key", f"'{c.key}' is al een kolom van het "
                                                                   "beoordelingsbestand; kies een andere sleutel"))
            for i, key in enumerate(tie_break):
                if key not in keys:
                    problems.append((f"{where}.tie_break[{i}]", f"onbekend criterium '{key}'"))
        for key in t.award_per_lot_by_lot:
            if key not in lot_keys:
                problems.append((f"tender.award_per_lot_by_lot.{key}", f"onbekend perceel '{key}'"))
        procedure = p.planning.procedure if p.planning else None
        if t.selection is not None and procedure != "restricted":
            problems.append(("tender.selection", "een voorselectie hoort bij een niet-openbare procedure "
                                                 "(planning.procedure: restricted)"))
        if t.selection is not None and t.selection.invite_per_lot < t.selection.legal_minimum:
            problems.append(("tender.selection.invite_per_lot",
                             f"{t.selection.invite_per_lot} is minder dan het wettelijke minimum "
                             f"{t.selection.legal_minimum} ({t.selection.legal_source})"))
    c = p.contracts
    if c is not None:
        if c.start is None and not any(dp.key == "contract-start" for dp in p.decision_points):
            problems.append(("contracts.start", "ontbreekt, en er is geen besluitpunt 'contract-start' om van uit "
                                                "te gaan"))
        start = contract_start(p)
        if c.options_years and c.decide_months_before >= 12 * c.initial_years:
            problems.append(("contracts.decide_months_before",
                             f"{c.decide_months_before} maanden voor het einde van een eerste looptijd van "
                             f"{c.initial_years} jaar valt voor de start van de contracten"))
        if start is not None and c.interim_evaluation is not None:
            end = contract_terms(start, c.initial_years, c.options_years)[-1][1]
            if not start <= c.interim_evaluation <= end:
                problems.append(("contracts.interim_evaluation",
                                 f"{c.interim_evaluation} ligt buiten de looptijd van de contracten ({start} t/m {end})"))
    return problems


MAX_FILE_BYTES = 2_000_000  # a programme file is a few tens of kilobytes


def read_file_bytes(path: Path | str) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ProgrammeFileError(path, [("", f"het bestand is groter dan {MAX_FILE_BYTES // 1_000_000} MB")])
        return path.read_bytes()
    except OSError as exc:
        raise ProgrammeFileError(path, [("", f"kan het bestand niet lezen: {os_reason(exc)}")]) from None


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_programme_file(path: Path | str, raw: bytes | None = None) -> tuple[ProgrammeIn, str]:
    """Parse and validate one file; returns the programme and the file's SHA-256."""
    raw = read_file_bytes(path) if raw is None else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProgrammeFileError(path, [("", "het bestand is geen UTF-8")]) from None
    return parse_programme_text(text, path), file_sha256(raw)


def _duplicates(items: list, attr: str, where: str) -> list[tuple[str, str]]:
    seen: dict[Any, int] = {}
    problems = []
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if value is None:
            continue
        if value in seen:
            problems.append((f"{where}[{i}].{attr}", f"'{value}' komt dubbel voor (ook {where}[{seen[value]}])"))
        else:
            seen[value] = i
    return problems


def _participation_problems(item: Participation, where: str, known: set[str]) -> list[tuple[str, str]]:
    problems = []
    for field_name in ("participants", "not_participating"):
        seen: set[str] = set()
        for j, slug in enumerate(getattr(item, field_name) or []):
            if slug not in known:
                problems.append((f"{where}.{field_name}[{j}]", f"onbekende gemeente '{slug}'"))
            elif slug in seen:
                problems.append((f"{where}.{field_name}[{j}]", f"gemeente '{slug}' staat er twee keer in"))
            seen.add(slug)
    if item.participants is not None and item.not_participating:
        problems.append((where, "gebruik participants óf not_participating, niet beide"))
    return problems


def cross_check(p: ProgrammeIn) -> list[tuple[str, str]]:
    """What the field types alone cannot see: references, uniqueness, order of dates."""
    problems: list[tuple[str, str]] = []
    known = set(p.municipalities)
    for reserved in (BESTUURDERS, "projectteam"):
        if reserved in known:
            problems.append(("municipalities", f"'{reserved}' is geen gemeente"))
    if p.penvoerder not in known:
        problems.append(("penvoerder", f"onbekende gemeente '{p.penvoerder}'"))

    problems += _duplicates(p.phases, "number", "phases")
    if sorted(ph.number for ph in p.phases) == list(range(6)):
        ordered = sorted(p.phases, key=lambda ph: ph.number)
        for i, ph in enumerate(p.phases):
            if ph.end < ph.start:
                problems.append((f"phases[{i}].end", f"{ph.end} ligt voor het begin {ph.start}"))
        for prev, nxt in zip(ordered, ordered[1:]):
            if nxt.start < prev.start:
                problems.append(("phases", f"fase {nxt.number} begint voor fase {prev.number}"))
    elif not problems:
        problems.append(("phases", "verwacht precies de fasen 0 tot en met 5"))

    problems += _duplicates(p.segments, "key", "segments")
    problems += _duplicates(p.lots, "key", "lots")
    problems += _lot_number_problems(p)
    problems += _duplicates(p.decision_points, "key", "decision_points")
    segment_keys = {s.key for s in p.segments}
    lot_keys = {lot.key for lot in p.lots}
    for clash in sorted(segment_keys & lot_keys):
        problems.append(("lots", f"'{clash}' is zowel een segment als een perceel; kies verschillende sleutels"))
    for i, seg in enumerate(p.segments):
        problems += _participation_problems(seg, f"segments[{i}] ({seg.key})", known)
        for slug in seg.spend_2023_by_municipality:
            if slug not in known:
                problems.append((f"segments[{i}] ({seg.key}).spend_2023_by_municipality.{slug}",
                                 f"onbekende gemeente '{slug}'"))
    for i, lot in enumerate(p.lots):
        problems += _participation_problems(lot, f"lots[{i}] ({lot.key})", known)
        for j, seg in enumerate(lot.segments):
            if seg not in segment_keys:
                problems.append((f"lots[{i}] ({lot.key}).segments[{j}]", f"onbekend segment '{seg}'"))
    phase_numbers = {ph.number for ph in p.phases}
    point_dates = {dp.key: dp.date for dp in p.decision_points}
    for i, dp in enumerate(p.decision_points):
        where = f"decision_points[{i}] ({dp.key})"
        if dp.phase not in phase_numbers:
            problems.append((f"{where}.phase", f"fase {dp.phase} staat niet in phases"))
        for j, unit in enumerate(dp.scope_keys):
            if unit not in segment_keys | lot_keys:
                problems.append((f"{where}.scope[{j}]", f"onbekend perceel of segment '{unit}'"))
        if p.lots and dp.scope is None:
            problems.append((f"{where}.scope", "ontbreekt: dit programma heeft percelen; schrijf 'scope: all' "
                                               "voor het hele programma of noem de percelen of segmenten"))
        if (dp.kind is Kind.MILESTONE) != (dp.decided_by is DecidedBy.PROJECT_TEAM):
            problems.append((f"{where}.decided_by",
                             "een mijlpaal wordt bevestigd door het projectteam (decided_by: projectteam); "
                             "een besluit door colleges, penvoerder of bestuurders"))
        if dp.reservation_lifted_by is not None:
            later = point_dates.get(dp.reservation_lifted_by)
            if later is None:
                problems.append((f"{where}.reservation_lifted_by", f"onbekend besluitpunt '{dp.reservation_lifted_by}'"))
            elif later <= dp.date:
                problems.append((f"{where}.reservation_lifted_by",
                                 f"'{dp.reservation_lifted_by}' ({later}) ligt niet na dit besluitpunt ({dp.date})"))
    for i, note in enumerate(p.spend_notes):
        if note.segment not in segment_keys:
            problems.append((f"spend_notes[{i}].segment", f"onbekend segment '{note.segment}'"))
    if p.planning is not None:
        for body in p.planning.body_meetings:
            if body not in known and body != BESTUURDERS:
                problems.append((f"planning.body_meetings.{body}", f"onbekend orgaan '{body}'"))
    if p.planning is not None and not problems:
        try:
            Plan.build(p.planning, [
                PointInfo(dp.key, dp.title, dp.kind.value, dp.date, (), dp.kind is not Kind.MILESTONE, dp.providers,
                          via_platform=dp.via_platform)
                for dp in p.decision_points
            ])
        except PlanningError as exc:
            problems.append(("planning", str(exc)))
    return problems


def _lot_number_problems(p: ProgrammeIn) -> list[tuple[str, str]]:
    """Lot numbers are unique within a domain (2026 numbers youth, Wmo and Wonen lots from 1 each)."""
    domain_of = {s.key: s.domain for s in p.segments}
    seen: dict[tuple[str, int], int] = {}
    problems = []
    for i, lot in enumerate(p.lots):
        if lot.number is None:
            continue
        domain = domain_of.get(lot.segments[0], "") if lot.segments else ""
        if (domain, lot.number) in seen:
            problems.append(
                (f"lots[{i}] ({lot.key}).number",
                 f"perceelnummer {lot.number} komt dubbel voor (ook lots[{seen[domain, lot.number]}])")
            )
        else:
            seen[domain, lot.number] = i
    return problems


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


SPEND_TOLERANCE = 0.005  # totals in the documents are rounded to EUR 0.1 mln


def strict_check(p: ProgrammeIn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What a careful reader of the file would flag: (faults, explained notes)."""
    from models.rules.planning import WEEKDAY_NL, Meetings

    faults: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    all_slugs = sorted(p.municipalities)
    seg_part = {
        s.key: set(s.participants if s.participants is not None else
                   [m for m in all_slugs if m not in s.not_participating])
        for s in p.segments
    }
    lot_part: dict[str, set[str]] = {}
    for i, lot in enumerate(p.lots):
        inherited = set().union(*(seg_part.get(s, set()) for s in lot.segments)) if lot.segments else set(all_slugs)
        mine = set(lot.participants) if lot.participants is not None else inherited - set(lot.not_participating)
        lot_part[lot.key] = mine
        outside = sorted(mine - inherited)
        if outside:
            faults.append((f"lots[{i}] ({lot.key}).participants",
                           f"{', '.join(p.municipalities[m] for m in outside)} neemt niet deel aan het segment "
                           f"({', '.join(lot.segments)})"))
    if p.lots and not any(p.penvoerder in part for part in lot_part.values()):
        faults.append(("penvoerder", f"penvoerder {p.municipalities.get(p.penvoerder, p.penvoerder)} neemt aan geen "
                                     "enkel perceel deel"))

    windows = {ph.number: (ph.start, ph.end) for ph in p.phases}
    planning = p.planning
    for i, dp in enumerate(p.decision_points):
        where = f"decision_points[{i}] ({dp.key})"
        start, end = windows.get(dp.phase, (None, None))
        if start and dp.track == "programme" and not (start <= dp.date <= end):
            faults.append((f"{where}.date", f"{dp.date} ligt buiten fase {dp.phase} ({start} t/m {end})"))
        if dp.kind is Kind.MILESTONE:
            continue
        if dp.decided_by is DecidedBy.COLLEGES:
            bodies = sorted({m for unit in dp.scope_keys for m in (seg_part.get(unit) or lot_part.get(unit) or set())}
                            or all_slugs)
        elif dp.decided_by is DecidedBy.PENVOERDER:
            bodies = [p.penvoerder]
        else:
            bodies = [BESTUURDERS]
        for body in bodies:
            meetings = (planning.body_meetings.get(body, planning.meetings) if planning else Meetings())
            if not meetings.meets_on(dp.date):
                who = p.municipalities.get(body, body)
                faults.append((f"{where}.date",
                               f"{dp.date} ({WEEKDAY_NL[dp.date.weekday()]}) is geen vergaderdag van {who}"))
                break

    explained = {n.segment: n.note for n in p.spend_notes}
    for i, seg in enumerate(p.segments):
        if not seg.spend_2023_by_municipality or seg.spend_2023_eur is None:
            continue
        total = sum(seg.spend_2023_by_municipality.values())
        if abs(total - seg.spend_2023_eur) > SPEND_TOLERANCE * seg.spend_2023_eur:
            text = (f"uitgaven per gemeente tellen op tot EUR {total / 1e6:.1f} mln, het totaal is "
                    f"EUR {seg.spend_2023_eur / 1e6:.1f} mln").replace(".", ",")
            if seg.key in explained:
                notes.append((f"segments[{i}] ({seg.key})", f"{text} (toegelicht: {explained[seg.key]})"))
            else:
                faults.append((f"segments[{i}] ({seg.key}).spend_2023_by_municipality", text))
    return faults, notes
