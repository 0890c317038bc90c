"""The tender per lot: offers and their assessment as data, the ranking, and the steps after the award
(letters, the standstill, an objection, the definitive award, signing, the award notice).

Everything here is plain data out of the register; writes go through `import_offers` and
`record_step`, which check first and write nothing when something is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import clock
from models.entities import Decision, DecisionPoint, Offer, OfferImport, Programme, TenderRecord
from models.errors import InputError
from models.inputs import clean_text, printable
from models.vocabulary import POSITIVE, Kind, Outcome

MAX_CSV_BYTES = 5_000_000
MAX_ROWS = 20_000
STANDSTILL_DAYS = clock.STANDSTILL_DAYS
STANDSTILL_SOURCE = ("Aanbestedingswet 2012, art. 2.127 (opschortende termijn, 20 kalenderdagen), met de Algemene "
                     "termijnenwet")
TENDER_LOCK = 0x54454E44  # "TEND": one writer per programme's tender
LATEST = dt.date(2100, 12, 31)  # "everything recorded, whatever its date"
AWARD_NOTICE_SOURCE = ("Aanbestedingswet 2012, art. 2.134 (aankondiging van de gegunde opdracht binnen 30 dagen na "
                       "het sluiten van de overeenkomst)")
FIXED = ("perceel", "aanbieder", "voldoet", "reden")
YES = {"ja", "j", "yes", "y", "1", "true", "waar"}
NO = {"nee", "n", "no", "0", "false", "onwaar"}

EVENTS = {
    "award": "gegund (gunningsbeslissing)",
    "letters-sent": "gunningsbeslissing verzonden",
    "objection": "bezwaar / kort geding aangespannen",
    "ruling": "uitspraak in het kort geding",
    "definitive": "definitief gegund",
    "signed": "overeenkomsten getekend",
    "award-notice": "aankondiging van de gegunde opdracht gepubliceerd",
    "lot-decision": "besluit over een perceel met te weinig geldige inschrijvingen",
}
LOT_CHOICES = {"re-tender": "opnieuw aanbesteden", "private-award": "onderhands gunnen",
               "leave-open": "perceel openlaten"}
RULINGS = {"dismissed": "afgewezen (de gunning blijft)", "upheld": "toegewezen (opnieuw beoordelen)"}


class CsvError(InputError):
    """A file of offers that cannot be used; names the row and the column."""


# --------------------------------------------------------------------------------------------- the rules

@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: float
    max_score: float


@dataclass(frozen=True)
class TenderRules:
    criteria: tuple[Criterion, ...]
    award_per_lot: int
    by_lot: dict
    min_valid_offers: int
    tie_break: tuple[str, ...]
    tie_break_note: str
    award_notice_days: int
    selection_criteria: tuple[Criterion, ...] = ()
    invite_per_lot: int = 0
    legal_minimum: int = 0
    legal_source: str = ""
    selection_tie_break: tuple[str, ...] = ()

    @classmethod
    def of(cls, programme: Programme) -> TenderRules:
        t = programme.tender
        if not t:
            raise InputError(f"programma {programme.key} heeft geen aanbestedingsregels (tender: in het programmabestand)")
        sel = t.get("selection") or {}
        crit = lambda items: tuple(Criterion(c["key"], c["name"], float(c["weight"]), float(c.get("max_score", 10)))  # noqa: E731
                                   for c in items)
        return cls(crit(t["criteria"]), int(t.get("award_per_lot", 1)), dict(t.get("award_per_lot_by_lot") or {}),
                   int(t.get("min_valid_offers", 1)), tuple(t.get("tie_break") or ()), t.get("tie_break_note", ""),
                   int(t.get("award_notice_days", 30)), crit(sel.get("criteria", [])),
                   int(sel.get("invite_per_lot", 0)), int(sel.get("legal_minimum", 0)), sel.get("legal_source", ""),
                   tuple(sel.get("tie_break") or ()))

    def for_stage(self, stage: str) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
        if stage == "selection":
            return self.selection_criteria, self.selection_tie_break
        return self.criteria, self.tie_break

    def places(self, stage: str, lot: str) -> int:
        if stage == "selection":
            return self.invite_per_lot
        return int(self.by_lot.get(lot, self.award_per_lot))


def check_stage(programme: Programme, stage: str) -> None:
    if stage not in ("selection", "award"):
        raise InputError(f"--stage: '{printable(stage, 20)}' is geen fase van de beoordeling (selection of award)")
    if stage == "selection" and not (programme.tender or {}).get("selection"):
        raise InputError(f"programma {programme.key} kent geen voorselectie (geen niet-openbare procedure met "
                         "tender.selection in het programmabestand)")


# ------------------------------------------------------------------------------------------- the import

@dataclass(frozen=True)
class OfferRow:
    row: int
    lot: str
    provider: str
    requirements_met: bool
    reason: str | None
    scores: dict


def _number(text: str) -> float | None:
    text = text.strip().replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"-?[0-9]+([.,][0-9]+)?", text) is None:
        raise ValueError
    return float(text.replace(",", "."))


def _csv_rows(raw: bytes, name: str) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError(f"{name}: geen UTF-8 (sla het bestand op als CSV UTF-8)") from None
    if "\x00" in text:
        raise CsvError(f"{name}: bevat een NUL-teken; is dit wel een CSV-bestand?")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        why = str(exc)
        why = ("een cel is langer dan toegestaan" if "field larger" in why else
               "een aanhalingsteken is niet gesloten" if "unexpected end of data" in why or "EOF" in why else
               "een aanhalingsteken staat op een verkeerde plek" if "delimiter" in why or "quote" in why else
               "de regel is niet te lezen")
        raise CsvError(f"{name}: rij {reader.line_num}: geen geldige CSV ({why})") from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return f"datum {value}"  # refused by the checks below, with row and column
    return str(value)


def _xlsx_rows(raw: bytes, name: str) -> list[list[str]]:
    """The first sheet of a workbook, as text cells (the values as last calculated, not the formulas)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise CsvError(f"{name}: geen leesbaar Excel-werkboek (.xlsx): {printable(exc, 80)}") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        book.close()
    width = max((i + 1 for r in rows for i, c in enumerate(r) if c.strip()), default=0)
    return [r[:width] + [""] * (width - len(r[:width])) for r in rows]


def parse_offers(raw: bytes, programme: Programme, stage: str, name: str = "bestand") -> list[OfferRow]:
    """Read a CSV (or the first sheet of an XLSX) of offers or requests with their assessment; every fault
    names its row and column."""
    rules = TenderRules.of(programme)
    criteria, _ = rules.for_stage(stage)
    if len(raw) > MAX_CSV_BYTES:
        raise CsvError(f"{name}: groter dan {MAX_CSV_BYTES // 1_000_000} MB")
    rows = _xlsx_rows(raw, name) if raw[:4] == b"PK\x03\x04" else _csv_rows(raw, name)
    if not rows or not any(c.strip() for c in rows[0]):
        raise CsvError(f"{name}: leeg; verwacht een kopregel met {', '.join(FIXED)} en de criteria")
    header = [c.strip().lower() for c in rows[0]]
    wanted = list(FIXED) + [c.key for c in criteria]
    for i, col in enumerate(header, start=1):
        if col not in wanted:
            raise CsvError(f"{name}: rij 1, kolom {i} '{printable(col, 40)}': onbekende kolom; verwacht "
                           f"{', '.join(wanted)}")
        if header.count(col) > 1:
            raise CsvError(f"{name}: rij 1: kolom '{col}' staat er twee keer in")
    missing = [c for c in wanted if c not in header]
    if missing:
        raise CsvError(f"{name}: rij 1: kolom {', '.join(repr(m) for m in missing)} ontbreekt")
    if len(rows) - 1 > MAX_ROWS:
        raise CsvError(f"{name}: meer dan {MAX_ROWS} rijen")
    lots = {lot.key: lot for lot in programme.lots}
    private = {lot.key for lot in programme.lots if lot.funding_type == "private-award"}
    out: list[OfferRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # an empty line
        if len(cells) != len(header):
            raise CsvError(f"{name}: rij {number}: {len(cells)} kolommen, de kopregel heeft er {len(header)}")
        cell = dict(zip(header, cells))

        def fault(col: str, what: str) -> CsvError:
            return CsvError(f"{name}: rij {number}, kolom '{col}': {what}")

        lot = cell["perceel"].strip()
        if lot not in lots:
            raise fault("perceel", f"onbekend perceel '{printable(lot, 40)}'")
        if lot in private:
            raise fault("perceel", f"perceel '{lot}' wordt onderhands gegund, buiten de aanbesteding")
        try:
            if not cell["aanbieder"].strip():
                raise InputError("aanbieder: leeg")
            provider = _clean(cell["aanbieder"], "aanbieder", 200)
            reason = _clean(cell["reden"], "reden", 2000)
        except InputError as exc:
            col = "aanbieder" if str(exc).startswith("aanbieder") else "reden"
            raise fault(col, str(exc).removeprefix(f"{col}: ")) from None
        met_text = cell["voldoet"].strip().lower()
        if met_text not in YES | NO:
            raise fault("voldoet", f"'{printable(met_text, 20)}' is geen ja of nee")
        met = met_text in YES
        if not met and not reason:
            raise fault("reden", "ontbreekt: wie niet aan de minimumeisen voldoet, krijgt de reden in de brief")
        scores = {}
        for c in criteria:
            try:
                value = _number(cell[c.key])
            except ValueError:
                raise fault(c.key, f"'{printable(cell[c.key], 20)}' is geen getal") from None
            if value is None:
                if met:
                    raise fault(c.key, "score ontbreekt (de inschrijving voldoet aan de eisen en wordt beoordeeld)")
                continue
            if not 0 <= value <= c.max_score:
                raise fault(c.key, f"{value:g} ligt buiten 0 tot en met {c.max_score:g}")
            scores[c.key] = value
        key = (lot, provider.casefold())
        if key in seen:
            raise CsvError(f"{name}: rij {number}, kolom 'aanbieder': {printable(provider)} staat voor perceel {lot} "
                           f"al in rij {seen[key]}")
        seen[key] = number
        out.append(OfferRow(number, lot, provider, met, reason, scores))
    if not out:
        raise CsvError(f"{name}: geen enkele inschrijving onder de kopregel")
    return out


def content_hash(rows: list[OfferRow]) -> str:
    plain = [[r.lot, r.provider, r.requirements_met, r.reason, sorted(r.scores.items())] for r in rows]
    return hashlib.sha256(json.dumps(plain, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Imported:
    import_id: int
    created: bool
    rows: int
    lots: tuple[str, ...]


def import_offers(session: Session, *, programme: str, path: Path | str, stage: str = "award",
                  recorded_by: str | None = None, raw: bytes | None = None) -> Imported:
    """Store one file of offers; the same content twice is one import. Nothing is written on a fault."""
    from models.chain import seal
    from models.identity import authorize, stamp
    from models.register import get_programme

    prog = get_programme(session, programme)
    check_stage(prog, stage)
    path = Path(path)
    if raw is None:
        try:
            if not path.is_file():
                raise CsvError(f"{printable(path, 200)}: geen gewoon bestand (verwacht een CSV- of XLSX-bestand)")
            with path.open("rb") as handle:  # never more than the limit, whatever stat() said
                raw = handle.read(MAX_CSV_BYTES + 1)
        except OSError as exc:
            raise CsvError(f"{printable(path, 200)}: kan het bestand niet lezen: {exc.strerror}") from None
    if path.suffix.lower() in (".xls", ".ods"):
        raise CsvError(f"{path.name}: Regie leest CSV en XLSX (sla het werkblad op als .xlsx of 'CSV UTF-8')")
    rows = parse_offers(raw, prog, stage, path.name)
    _, name = authorize(session, "tender", typed_name=recorded_by, field="door (--by)",
                        required="naam ontbreekt (--by)")
    _lock(session, prog)  # two imports of one file at once: one import
    digest = content_hash(rows)
    existing = session.scalar(select(OfferImport).where(
        OfferImport.programme_id == prog.id, OfferImport.stage == stage, OfferImport.content_sha256 == digest))
    if existing is not None:
        return Imported(existing.id, False, existing.rows, tuple(existing.lots))
    login, now = stamp(session)
    lots = sorted({r.lot for r in rows})
    batch = OfferImport(programme_id=prog.id, stage=stage, file_name=printable(path.name, 300),
                        content_sha256=digest, lots=lots, rows=len(rows), recorded_by=name, recorded_as=login,
                        recorded_at=now)
    seal(session, batch)
    session.add(batch)
    session.flush()
    session.add_all(Offer(import_id=batch.id, row_number=r.row, lot_key=r.lot, provider=r.provider,
                          requirements_met=r.requirements_met, reason=r.reason, scores=r.scores) for r in rows)
    session.flush()
    return Imported(batch.id, True, len(rows), tuple(lots))


# ------------------------------------------------------------------------------------------- the ranking

@dataclass(frozen=True)
class Ranked:
    provider: str
    valid: bool
    reason: str | None
    scores: dict  # criterion -> raw score
    weighted: dict  # criterion -> weighted points (of the criterion's weight)
    total: float  # 0-100
    rank: int | None  # 1 = best; None when not valid
    chosen: bool  # among the top X
    tied_with: tuple[str, ...] = ()  # still level after the tie-break


@dataclass(frozen=True)
class LotRanking:
    lot: str
    name: str
    places: int
    ranked: tuple[Ranked, ...]
    valid: int
    too_few: bool
    open_tie: str | None  # a tie at the edge of the top X that the tie-break does not settle
    note: str

    @property
    def chosen(self) -> list[Ranked]:
        return [r for r in self.ranked if r.chosen]


def latest_offers(session: Session, programme: Programme, stage: str) -> dict[str, list[Offer]]:
    """Per lot, the offers of the latest import that holds that lot."""
    out: dict[str, list[Offer]] = {}
    batches = session.scalars(select(OfferImport).where(OfferImport.programme_id == programme.id,
                                                        OfferImport.stage == stage).order_by(OfferImport.id.desc()))
    for batch in batches:
        for lot in batch.lots:
            if lot in out:
                continue
            out[lot] = list(session.scalars(select(Offer).where(Offer.import_id == batch.id, Offer.lot_key == lot)
                                            .order_by(Offer.row_number)))
    return out


def rank_lot(lot: str, name: str, offers: list, rules: TenderRules, stage: str) -> LotRanking:
    criteria, tie_break = rules.for_stage(stage)
    places = rules.places(stage, lot)

    def weighted(scores: dict) -> dict:
        return {c.key: round(scores.get(c.key, 0) / c.max_score * c.weight, 6) for c in criteria}

    items = []
    for o in offers:
        w = weighted(o.scores or {}) if o.requirements_met else {}
        items.append((o, w, round(sum(w.values()), 6)))
    valid = [i for i in items if i[0].requirements_met]

    def key(item):
        o, w, total = item
        return (-total, *(-w.get(k, 0) for k in tie_break))

    valid.sort(key=lambda i: (key(i), i[0].provider.casefold()))
    ranked: list[Ranked] = []
    rank = 0
    groups: dict[tuple, list[str]] = {}
    for o, w, total in valid:
        groups.setdefault(key((o, w, total)), []).append(o.provider)
    previous = None
    for position, (o, w, total) in enumerate(valid, start=1):
        k = key((o, w, total))
        if k != previous:
            rank = position
        previous = k
        ranked.append(Ranked(o.provider, True, None, dict(o.scores or {}), w, total, rank, rank <= places,
                             tuple(p for p in groups[k] if p != o.provider)))
    open_tie = None
    # a tie at the edge: some of a level group fall inside the top X and some outside
    for k, members in groups.items():
        inside = [r for r in ranked if r.provider in members and r.rank is not None]
        if len(members) > 1 and inside and inside[0].rank <= places < inside[0].rank + len(members) - 1:
            open_tie = (f"{', '.join(members)} staan gelijk op plaats {inside[0].rank} na de tie-break "
                        f"({', '.join(tie_break) or 'geen'}): {rules.tie_break_note}")
            ranked = [replace_chosen(r, False) if r.provider in members else r for r in ranked]
    for o, _, _ in items:
        if not o.requirements_met:
            ranked.append(Ranked(o.provider, False, o.reason, dict(o.scores or {}), {}, 0.0, None, False))
    minimum = rules.min_valid_offers if stage == "award" else 1
    too_few = len(valid) < minimum
    if too_few:  # nobody is awarded until the lot's own decision says what happens
        ranked = [replace_chosen(r, False) for r in ranked]
    if stage == "selection":
        if not valid:
            note = "geen geschikte gegadigden: een besluit over dit perceel is nodig"
            too_few = True
        elif len(valid) < rules.legal_minimum:
            note = (f"{len(valid)} geschikte gegadigden, minder dan het minimum van {rules.legal_minimum} "
                    f"({rules.legal_source}); alle geschikte worden uitgenodigd")
        elif len(valid) <= places:
            note = f"alle {len(valid)} geschikte gegadigden worden uitgenodigd"
        else:
            note = f"de beste {places} van {len(valid)} geschikte gegadigden worden uitgenodigd"
    elif too_few:
        note = (f"{len(valid)} geldige inschrijving(en), minder dan {minimum}: een besluit is nodig (opnieuw "
                "aanbesteden, onderhands gunnen of het perceel openlaten)")
    else:
        note = f"de beste {places} van {len(valid)} geldige inschrijvingen worden gegund"
    if open_tie:
        note += f"; {open_tie}"
    return LotRanking(lot, name, places, tuple(ranked), len(valid), too_few, open_tie, note)


def replace_chosen(r: Ranked, chosen: bool) -> Ranked:
    from dataclasses import replace

    return replace(r, chosen=chosen)


def rankings(session: Session, programme: str, stage: str = "award", lot: str | None = None) -> list[LotRanking]:
    """The ranking of every lot in the tender (lots without offers too), or of one lot."""
    from models.register import get_programme

    prog = get_programme(session, programme)
    check_stage(prog, stage)
    rules = TenderRules.of(prog)
    offers = latest_offers(session, prog, stage)
    lots = [x for x in prog.lots if x.funding_type != "private-award"]
    if lot is not None:
        lots = [x for x in lots if x.key == lot]
        if not lots:
            raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme} "
                             "(of een perceel dat onderhands wordt gegund)")
    return [rank_lot(x.key, x.name, offers.get(x.key, []), rules, stage) for x in lots]


def award_proposal(ranks: list[LotRanking]) -> list[str]:
    """The proposal for the award decision, one line per lot, in Dutch."""
    lines = []
    for r in ranks:
        if r.too_few:
            lines.append(f"{r.name} ({r.lot}): niet gunnen; {r.note}")
        elif r.open_tie:
            lines.append(f"{r.name} ({r.lot}): eerst loting; {r.open_tie}")
        else:
            winners = ", ".join(f"{w.provider} ({fmt(w.total)})" for w in r.chosen)
            lines.append(f"{r.name} ({r.lot}): gunnen aan {winners}")
    return lines


def fmt(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


# -------------------------------------------------------------------------------- the steps after the award

@dataclass
class LotTender:
    """Where one lot stands in the tender on a day."""

    lot: str
    name: str
    state: str
    winners: list[str] = field(default_factory=list)
    award_on: dt.date | None = None
    letters_on: dt.date | None = None
    standstill_end: dt.date | None = None
    objection: dict | None = None
    ruling: dict | None = None
    definitive_on: dt.date | None = None  # recorded, or derived on the day the standstill ran out unopposed
    definitive_recorded: bool = False  # the register holds the definitive award (a sweep or a writer noticed it)
    signed_on: dt.date | None = None
    notice_due: dt.date | None = None
    notice_on: dt.date | None = None
    lot_decision: dict | None = None
    owed: str | None = None  # what someone must do next for this lot
    award_decision_id: int | None = None  # the register's award decision the award rests on
    withdrawn: str | None = None  # that decision was replaced since: why the award no longer stands
    last_on: dt.date | None = None  # the date of the lot's last step, and which step it was
    last_event: str | None = None

    @property
    def upheld(self) -> bool:
        return bool(self.ruling and self.ruling["outcome"] == "upheld")

    def as_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = v.isoformat() if isinstance(v, dt.date) else v
        return out


def records_of(session: Session, programme: Programme) -> list[TenderRecord]:
    return list(session.scalars(select(TenderRecord).where(TenderRecord.programme_id == programme.id)
                                .order_by(TenderRecord.id)))


def lot_states(session: Session, programme: Programme, as_of: dt.date,
               ranks: list[LotRanking] | None = None) -> list[LotTender]:
    rules = TenderRules.of(programme) if programme.tender else None
    if ranks is None and rules is not None:
        offers = latest_offers(session, programme, "award")
        ranks = [rank_lot(x.key, x.name, offers.get(x.key, []), rules, "award")
                 for x in programme.lots if x.funding_type != "private-award"]
    by_lot = {r.lot: r for r in ranks or []}
    recs: dict[str, list[TenderRecord]] = {}
    for rec in records_of(session, programme):
        if rec.on <= as_of:
            recs.setdefault(rec.lot_key, []).append(rec)
    # an award decision replaced since (a correction, or withdrawn) no longer carries the lots it awarded
    replaced = {sup: new for new, sup in session.execute(
        select(Decision.id, Decision.supersedes_id).join(DecisionPoint, Decision.decision_point_id == DecisionPoint.id)
        .where(DecisionPoint.programme_id == programme.id, Decision.supersedes_id.is_not(None),
               Decision.decided_on <= as_of)).all()}
    out = []
    for lot in programme.lots:
        if lot.funding_type == "private-award":
            continue
        t = LotTender(lot.key, lot.name, "in aanbesteding")
        r = by_lot.get(lot.key)
        for rec in recs.get(lot.key, []):
            if t.last_on is None or rec.on >= t.last_on:
                t.last_on, t.last_event = rec.on, EVENTS[rec.event]
            if rec.event == "award":
                t.award_on, t.winners = rec.on, list(rec.detail.get("winners", []))
                t.award_decision_id = rec.decision_id
                t.withdrawn = None
                t.letters_on = t.standstill_end = t.objection = t.ruling = t.definitive_on = None
                t.definitive_recorded = False
            elif rec.event == "letters-sent":
                t.letters_on, t.standstill_end = rec.on, clock.standstill_end(rec.on)
            elif rec.event == "objection":
                t.objection, t.ruling = {"on": rec.on.isoformat(), "reference": rec.reference}, None
            elif rec.event == "ruling":
                t.ruling = {"on": rec.on.isoformat(), "outcome": rec.detail.get("outcome"), "reference": rec.reference}
            elif rec.event == "definitive":
                t.definitive_on, t.definitive_recorded = rec.on, True
            elif rec.event == "signed":
                t.signed_on = rec.on
                t.notice_due = clock.award_notice_due(rec.on, rules.award_notice_days if rules else clock.AWARD_NOTICE_DAYS)
            elif rec.event == "award-notice":
                t.notice_on = rec.on
            elif rec.event == "lot-decision":
                t.lot_decision = {"choice": rec.detail.get("choice"), "on": rec.on.isoformat(),
                                  "reference": rec.reference}
        if t.award_decision_id in replaced and not (t.definitive_on or t.signed_on):
            t.withdrawn = (f"het gunningsbesluit #{t.award_decision_id} is vervangen door besluit "
                           f"#{replaced[t.award_decision_id]}")
        if not t.withdrawn and not t.definitive_on:
            t.definitive_on = definitive_day(t, as_of)  # derived on the day it holds, not when a sweep wrote it
        _judge(t, r, as_of)
        out.append(t)
    return out


def definitive_day(t: LotTender, as_of: dt.date) -> dt.date | None:
    """The day a lot's award became definitive by itself, if it did by `as_of`: the day after the standstill's
    last day (or after a dismissed court case), with no case pending and none upheld."""
    if not t.letters_on or (t.objection and not t.ruling) or t.upheld:
        return None
    day = t.standstill_end + dt.timedelta(days=1)
    if t.ruling:
        day = max(day, dt.date.fromisoformat(t.ruling["on"]))
    return day if day <= as_of else None


def _judge(t: LotTender, r: LotRanking | None, as_of: dt.date) -> None:
    d = clock.dutch_date
    if t.withdrawn:
        t.state = "gunning vervallen: " + t.withdrawn
        t.owed = "opnieuw gunnen op het nieuwe besluit (of het perceel laten)"
        return
    if t.lot_decision and not t.award_on:
        t.state = f"besloten: {LOT_CHOICES.get(t.lot_decision['choice'], t.lot_decision['choice'])}"
        return
    if t.notice_on:
        t.state = "afgerond: aankondiging gegunde opdracht gepubliceerd"
    elif t.signed_on:
        t.state = "getekend"
        t.owed = f"aankondiging van de gegunde opdracht publiceren, uiterlijk {d(t.notice_due)}"
    elif t.definitive_on:
        t.state = "definitief gegund"
        t.owed = "overeenkomsten tekenen"
    elif t.objection and not t.ruling:
        t.state = "aangehouden: kort geding aanhangig"
        t.owed = f"uitspraak in het kort geding afwachten (aangespannen {d(dt.date.fromisoformat(t.objection['on']))})"
    elif t.ruling and t.ruling["outcome"] == "upheld":
        t.state = "opnieuw beoordelen: kort geding toegewezen"
        t.owed = "opnieuw beoordelen, een nieuwe beoordeling importeren en opnieuw gunnen"
    elif t.letters_on:
        if as_of <= t.standstill_end:
            t.state = f"opschortende termijn loopt tot en met {d(t.standstill_end)}"
        else:
            t.state = "opschortende termijn verstreken"
            t.owed = "definitief gunnen (Regie legt dit vast bij de volgende ronde)"
    elif t.award_on:
        t.state = "gegund, gunningsbeslissing nog niet verzonden"
        t.owed = "gunnings- en afwijzingsbrieven verzenden (regie letters)"
    elif r is not None and r.too_few and r.valid + len([x for x in r.ranked if not x.valid]) > 0:
        t.state = f"te weinig geldige inschrijvingen ({r.valid})"
        t.owed = "besluit: opnieuw aanbesteden, onderhands gunnen of het perceel openlaten"
    elif r is not None and r.ranked:
        t.state = "beoordeeld" + ("; loting nodig" if r.open_tie else "")
    elif r is not None and (r.too_few and not r.ranked):
        t.state = "geen inschrijvingen"


def _award_decision(session: Session, programme: Programme, lot: str, on: dt.date) -> Decision:
    """The award decision that covers this lot, complete (every body that must decide did) on `on`.

    A lot with its own award point (the 2022 dyslexia track) is decided there, not by the general one."""
    from models.status import evaluate
    from models.vocabulary import Status

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


def _lock(session: Session, prog: Programme) -> None:
    """One writer per programme's tender at a time (PostgreSQL; SQLite writes one at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":  # an advisory lock: no UPDATE right on programmes needed
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :id)"), {"space": TENDER_LOCK, "id": prog.id})


def _clean(value: str | None, field: str, limit: int) -> str | None:
    """Typed text with invisible or direction-changing characters refused and runs of spaces made one."""
    text = clean_text(value, field, limit)
    if text is None:
        return None
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        raise InputError(f"{field}: bevat een onzichtbaar opmaak- of richtingsteken; gebruik gewone tekst")
    return " ".join(text.split())


def record_step(session: Session, *, programme: str, lots: list[str] | str, event: str, on: dt.date,
                reference: str | None = None, detail: dict | None = None, recorded_by: str | None = None,
                as_of: dt.date | None = None, system: bool = False) -> list[TenderRecord]:
    """Record one step of the tender for one or more lots; all lots pass the checks, or nothing is written.

    The checks look at every step recorded for a lot, whatever its date, and a lot's steps come in the
    order of their dates: a step dated before the lot's last one is refused."""
    from models.chain import seal
    from models.identity import authorize, stamp
    from models.register import _fingerprint, get_programme
    from models.status import evaluate

    prog = get_programme(session, programme)
    if event not in EVENTS:
        raise InputError(f"stap: '{printable(event, 30)}' is onbekend; kies uit {', '.join(EVENTS)}")
    if not prog.tender:
        raise InputError(f"programma {programme} heeft geen aanbestedingsregels (tender: in het programmabestand)")
    reference = _clean(reference, "kenmerk (--reference)", 200)
    detail = dict(detail or {})
    today = as_of or clock.today()
    if on > today:
        raise InputError(f"--on: {clock.dutch_date(on)} ligt in de toekomst; leg een stap vast als hij gezet is")
    known = {x.key for x in prog.lots if x.funding_type != "private-award"}
    every = lots == "all" or lots == ["all"]
    if every:
        if event in ("objection", "ruling"):
            raise InputError(f"--lot: een {EVENTS[event]} geldt voor één perceel; noem het")
        lots = [x.key for x in prog.lots if x.key in known]
    lots = list(dict.fromkeys(lots))
    if not lots:
        raise InputError("--lot: noem ten minste één perceel (of all)")
    for lot in lots:
        if lot not in known:
            raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme}")
    if system:
        from models.identity import current_actor

        actor = current_actor(session)
        name = actor.name or "Regie"
    else:
        _, name = authorize(session, "tender", typed_name=recorded_by, field="door (--by)",
                            required="naam ontbreekt (--by)")
    _lock(session, prog)
    if event in ("signed", "award-notice"):
        # what the day brought is noted first, as the sweep would: the definitive awards and the standstill,
        # so the milestone that the last signing confirms finds the standstill confirmed before it
        settle_standstill(session, prog.key, today)
    stopped = {x.key: x.reason for x in evaluate(session, prog.key, today).lots if x.state == "gestopt"}
    if every:
        lots = [lot for lot in lots if lot not in stopped]
    for lot in lots:
        if lot in stopped:
            raise InputError(f"perceel {lot} is gestopt ({stopped[lot]}); daar gebeurt in de aanbesteding niets meer")
    states = {t.lot: t for t in lot_states(session, prog, LATEST)}  # everything recorded, whatever its date
    ranks = {r.lot: r for r in lot_states_ranks(session, prog)} if event in ("award", "lot-decision") else {}
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
        lots = [lot for lot in lots if fits(states[lot])]
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
                raise InputError(f"perceel {lot}: {r.open_tie}; importeer de beoordeling na de loting opnieuw")
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
    from models.register import record_decision

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


def lot_states_ranks(session: Session, prog: Programme) -> list[LotRanking]:
    rules = TenderRules.of(prog)
    offers = latest_offers(session, prog, "award")
    return [rank_lot(x.key, x.name, offers.get(x.key, []), rules, "award")
            for x in prog.lots if x.funding_type != "private-award"]


STANDSTILL_POINT = "standstill"


def settle_standstill(session: Session, programme: str, as_of: dt.date) -> list[str]:
    """The standstill ends by itself: record the definitive award of every lot whose term has passed with no
    objection pending, and confirm the point `standstill` once no lot's term still runs. Returns what it did."""
    from models.register import get_programme, record_decision

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
        from models.identity import current_actor

        actor = current_actor(session)  # the sweep's own login: the term ran out, nobody decided it
        record_decision(session, programme=prog.key, point=STANDSTILL_POINT, body="projectteam",
                        outcome=Outcome.APPROVED, decided_on=last, recorded_by=actor.name or "Regie",
                        reference=f"opschortende termijn verstreken; alle gegunde percelen definitief op "
                                  f"{clock.dutch_date(last)}"[:200], via="regie",
                        verified=(actor.login, actor.name or "Regie"))
        done.append(f"opschortende termijn verstreken voor alle gegunde percelen (de laatste definitief op "
                    f"{clock.dutch_date(last)})")
    return done


def tender_report(session: Session, programme: str, as_of: dt.date | None = None) -> dict:
    from models.register import get_programme

    prog = get_programme(session, programme)
    as_of = as_of or clock.today()
    ranks = lot_states_ranks(session, prog) if prog.tender else []
    states = lot_states(session, prog, as_of, ranks) if prog.tender else []
    rank_by = {r.lot: r for r in ranks}
    return {
        "programme": prog.key,
        "as_of": as_of.isoformat(),
        "lots": [t.as_dict() | {"valid_offers": rank_by[t.lot].valid if t.lot in rank_by else 0,
                                "ranking_note": rank_by[t.lot].note if t.lot in rank_by else ""}
                 for t in states],
        "proposal": award_proposal([r for r in ranks if r.ranked or r.too_few]),
    }


def settle_all(as_of: dt.date | None = None) -> list[str]:
    """End every standstill that has run out, in every programme with a tender (one transaction each)."""
    from models.db import register_session

    as_of = min(as_of or clock.today(), clock.today())
    with register_session(read_only=True) as session:
        keys = list(session.scalars(select(Programme.key).where(Programme.tender.is_not(None)).order_by(Programme.key)))
    done = []
    for key in keys:
        with register_session() as session:
            done += [f"{key}: {line}" for line in settle_standstill(session, key, as_of)]
    return done


def check_statutory_order(session: Session, prog: Programme, ev, point: str, day: dt.date,
                          positive: bool = True, body: str | None = None) -> None:
    """The standstill is the law, not a plan: the point `standstill` cannot be confirmed before it has run
    out, and contracts cannot be signed (nor their award announced) before the standstill is over. A
    contract's option is decided after the option before it was taken."""
    verdicts = {dp.key: v for dp, _, v in ev.points}
    facts = ev.facts
    if point.startswith("contract-option-") and point[16:].isdigit() and int(point[16:]) > 1:
        from models.rules import as_of_facts, current_decisions

        before = f"contract-option-{int(point[16:]) - 1}"
        mine = current_decisions(as_of_facts(facts.get(before, []), day)).get(body)
        if before in verdicts and (mine is None or mine.outcome not in POSITIVE):
            said = ("heeft optie " + str(int(point[16:]) - 1) + " niet genomen; de contracten van dit college "
                    "eindigen dan" if mine is not None else "besluit eerst over optie " + str(int(point[16:]) - 1))
            raise InputError(f"{prog.key}: over optie {point[16:]} besluit een college nadat het optie "
                             f"{int(point[16:]) - 1} nam; {body}: {said}")
        return
    if not positive:
        return
    if point == STANDSTILL_POINT:
        sent = [f for f in facts.get("award-letters", []) if f.outcome in POSITIVE and f.decided_on <= day]
        if sent:
            end = clock.standstill_end(max(f.decided_on for f in sent))
            if day <= end:
                raise InputError(f"{prog.key}: de opschortende termijn loopt tot en met {clock.dutch_date(end)} "
                                 f"({STANDSTILL_SOURCE}); bevestigen kan vanaf {clock.dutch_date(end + dt.timedelta(days=1))}")
        elif "award-letters" in verdicts:
            raise InputError(f"{prog.key}: de gunningsbeslissing is nog niet verzonden (award-letters); "
                             "de opschortende termijn is dus nog niet begonnen")
        if prog.tender:
            states = [t for t in lot_states(session, prog, day) if t.award_on and not t.withdrawn]
            unsent = [t for t in states if not t.letters_on]
            if unsent:
                raise InputError(f"{prog.key}: de gunningsbeslissing van {len(unsent)} gegunde perce(e)l(en) is nog "
                                 f"niet verzonden (o.a. {unsent[0].name}); hun opschortende termijn is niet begonnen")
            running = [t for t in states if day <= t.standstill_end]
            if running:
                raise InputError(f"{prog.key}: de opschortende termijn van {running[0].name} loopt tot en met "
                                 f"{clock.dutch_date(running[0].standstill_end)}")
            held = [t for t in states if not t.definitive_on or t.definitive_on > day]
            if held:
                raise InputError(f"{prog.key}: {held[0].name} is nog niet definitief gegund ({held[0].state})")
    elif point in ("contracts-signed", "award-notice") and STANDSTILL_POINT in verdicts:
        done = [f for f in facts.get(STANDSTILL_POINT, []) if f.outcome in POSITIVE and f.decided_on <= day]
        if not done:
            raise InputError(f"{prog.key}: de opschortende termijn is op {clock.dutch_date(day)} nog niet verstreken "
                             f"(standstill); een overeenkomst wordt pas daarna gesloten ({STANDSTILL_SOURCE})")

