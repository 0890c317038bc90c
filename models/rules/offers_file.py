"""The tender's rules (criteria, weights, top X, tie-break) and the file of offers (CSV or XLSX) read into
plain rows, or refused with its row and column: no database."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the ORM only for the type: the rules run without it
    from models.facts.entities import Programme

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from models.core.errors import InputError
from models.core.inputs import clean_line, printable
from models.facts.offers import OfferRow


MAX_CSV_BYTES = 5_000_000


MAX_ROWS = 5_000  # a tender of the region has some hundreds of offers; far more is not an assessment


# A workbook is a zip of XML: bounded before anything is unpacked or parsed (a small file can unpack to
# gigabytes, or declare a sheet of a million columns).
MAX_XLSX_ENTRIES = 200
MAX_XLSX_UNPACKED = 20_000_000
MAX_COLUMNS = 60
MAX_XLSX_SECONDS = 20.0


FIXED = ("perceel", "aanbieder", "voldoet", "reden")


YES = {"ja", "j", "yes", "y", "1", "true", "waar"}


NO = {"nee", "n", "no", "0", "false", "onwaar"}


class CsvError(InputError):
    """A file of offers that cannot be used; names the row and the column."""


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
    """The first sheet of a workbook, as text cells (the values as last calculated, not the formulas).

    Bounded before parsing: the number of parts, their unpacked size, the columns read, the rows, and the
    time; a truncated or empty workbook is refused with one line, like any other fault."""
    import time
    import zipfile
    from xml.etree.ElementTree import ParseError

    def refused(why: str) -> CsvError:
        return CsvError(f"{name}: geen leesbaar Excel-werkboek (.xlsx): {why}")

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_XLSX_ENTRIES:
                raise refused(f"{len(parts)} onderdelen (ten hoogste {MAX_XLSX_ENTRIES})")
            unpacked = sum(p.file_size for p in parts)
            if unpacked > MAX_XLSX_UNPACKED:
                raise refused(f"uitgepakt {unpacked // 1_000_000} MB (ten hoogste {MAX_XLSX_UNPACKED // 1_000_000} MB)")
            broken = archive.testzip()
            if broken is not None:
                raise refused(f"onderdeel '{printable(broken, 60)}' is beschadigd")
    except zipfile.BadZipFile:
        raise refused("het bestand is afgebroken of geen werkboek") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise refused(printable(exc, 80)) from None

    from openpyxl import load_workbook

    started = time.monotonic()
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except ParseError:
        raise refused("een onderdeel is afgebroken of geen geldige XML") from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise refused(printable(exc, 80)) from None
    try:
        if not book.worksheets:
            raise refused("het werkboek heeft geen werkblad")
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
            if len(rows) % 200 == 0 and time.monotonic() - started > MAX_XLSX_SECONDS:
                raise refused(f"na {MAX_XLSX_SECONDS:g} seconden nog niet gelezen; sla het op als CSV")
    except CsvError:
        raise
    except ParseError:
        raise refused("het werkblad is afgebroken of geen geldige XML") from None
    except (KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise refused(printable(exc, 80)) from None
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
            provider = clean_line(cell["aanbieder"], "aanbieder", 200)
            reason = clean_line(cell["reden"], "reden", 2000)
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
