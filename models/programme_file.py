"""A programme as a data file: read the YAML, validate it, and say exactly what is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from models.errors import InputError
from models.planning import PlanningError, PlanningIn, Plan, PointInfo
from models.reminders import PolicySet
from models.vocabulary import BESTUURDERS, DecidedBy, FundingType, Kind  # noqa: F401

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "programmes"


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
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{value}' is geen geldige datum (verwacht JJJJ-MM-DD)")


StrictDate = Annotated[dt.date, BeforeValidator(_strict_date)]
Slug = Annotated[str, Field(pattern=SLUG, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhaseIn(_Strict):
    number: int = Field(ge=0, le=5)
    name: str = Field(min_length=1)
    start: StrictDate
    end: StrictDate
    note: str | None = None


class Participation(_Strict):
    """Who takes part; by default every municipality of the programme."""

    participants: list[Slug] | None = None
    not_participating: list[Slug] = []


class SegmentIn(Participation):
    key: Slug
    name: str = Field(min_length=1)
    domain: Literal["jeugd", "wmo", "wonen", "huishouden"]
    funding: FundingType | None = None
    funding_note: str | None = None
    subsegments: list[str] = []
    spend_2023_eur: int | None = Field(default=None, ge=0)
    clients_2023: int | None = Field(default=None, ge=0)
    spend_2023_by_municipality: dict[Slug, int] = {}


class LotIn(Participation):
    key: Slug
    number: int | None = Field(default=None, ge=1)
    name: str = Field(min_length=1)
    segments: list[Slug] = []
    funding: FundingType | None = None
    funding_note: str | None = None
    spend_2023_eur: int | None = Field(default=None, ge=0)
    clients_2023: int | None = Field(default=None, ge=0)


class DecisionPointIn(_Strict):
    key: Slug
    kind: Kind
    title: str = Field(min_length=1)
    phase: int = Field(ge=0, le=5)
    date: StrictDate
    date_note: str | None = None
    decided_by: DecidedBy
    scope: list[Slug] = []
    providers: bool = False  # providers are reminded too (only before publication)


class ProgrammeIn(_Strict):
    key: Slug
    name: str = Field(min_length=1)
    procedure: str = Field(min_length=1)
    penvoerder: Slug
    source: str | None = None
    municipalities: dict[Slug, str] = Field(min_length=1)
    phases: list[PhaseIn] = Field(min_length=6, max_length=6)
    segments: list[SegmentIn] = []
    lots: list[LotIn] = []
    decision_points: list[DecisionPointIn] = Field(min_length=1)
    reminders: PolicySet = PolicySet()
    planning: PlanningIn | None = None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
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


def parse_programme_text(text: str, path: Path | str) -> ProgrammeIn:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ProgrammeFileError(path, [("", f"geen geldige YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise ProgrammeFileError(path, [("", "verwacht een programma (een mapping met key, name, ...)")])
    try:
        programme = ProgrammeIn.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "ontbreekt (verplicht veld)"
            elif err["type"] == "extra_forbidden":
                message = "onbekend veld"
            problems.append((_loc(err["loc"], data), message))
        raise ProgrammeFileError(path, problems) from None
    problems = cross_check(programme)
    if problems:
        raise ProgrammeFileError(path, problems)
    return programme


def read_programme_file(path: Path | str) -> tuple[ProgrammeIn, str]:
    """Parse and validate one file; returns the programme and the file's SHA-256."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProgrammeFileError(path, [("", f"kan het bestand niet lezen: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProgrammeFileError(path, [("", "het bestand is geen UTF-8")]) from None
    return parse_programme_text(text, path), hashlib.sha256(raw).hexdigest()


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
        for j, slug in enumerate(getattr(item, field_name) or []):
            if slug not in known:
                problems.append((f"{where}.{field_name}[{j}]", f"onbekende gemeente '{slug}'"))
    if item.participants is not None and item.not_participating:
        problems.append((where, "gebruik participants óf not_participating, niet beide"))
    return problems


def cross_check(p: ProgrammeIn) -> list[tuple[str, str]]:
    """What the field types alone cannot see: references, uniqueness, order of dates."""
    problems: list[tuple[str, str]] = []
    known = set(p.municipalities)
    if BESTUURDERS in known:
        problems.append(("municipalities", f"'{BESTUURDERS}' is geen gemeente"))
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
    for i, dp in enumerate(p.decision_points):
        where = f"decision_points[{i}] ({dp.key})"
        if dp.phase not in phase_numbers:
            problems.append((f"{where}.phase", f"fase {dp.phase} staat niet in phases"))
        for j, unit in enumerate(dp.scope):
            if unit not in segment_keys | lot_keys:
                problems.append((f"{where}.scope[{j}]", f"onbekend perceel of segment '{unit}'"))
    if p.planning is not None and not problems:
        try:
            Plan.build(p.planning, [
                PointInfo(dp.key, dp.title, dp.kind.value, dp.date, (), dp.kind is not Kind.MILESTONE, dp.providers)
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
