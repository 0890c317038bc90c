"""Award and rejection letters per provider and lot, in Dutch, as HTML and PDF.

A rejection letter says what the law asks of it (Aanbestedingswet 2012, art. 2.130): the reasons, the
scores of the provider and of the winners per criterion, the winners' names and their advantages, and
the end of the standstill. PDF is drawn by fpdf2 (pure Python, from PyPI) from the same HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from models.core import clock
from models.core.errors import InputError
from models.core.inputs import os_reason, printable
from models.core.clock import first_signing_day, standstill_end
from models.commands.tender import LATEST
from models.rules.lots import STANDSTILL_SOURCE
from models.rules.ranking import LotRanking, Ranked, fmt
from models.rules.offers_file import TenderRules
from models.views.tender import lot_states, lot_states_ranks
from notifications.rendering import environment

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


@dataclass(frozen=True)
class Letter:
    provider: str
    lot: str
    kind: str  # "gunning" or "afwijzing"
    html: str
    stem: str  # the file name without extension


class _Row:
    """One provider's figures as a letter shows them."""

    def __init__(self, r: Ranked, criteria):
        self.provider, self.valid, self.reason, self.rank = r.provider, r.valid, r.reason, r.rank
        self.tied_with = list(r.tied_with)
        self.scores = {c.key: f"{r.scores[c.key]:g}".replace(".", ",") if c.key in r.scores else "-" for c in criteria}
        self.weighted = {c.key: fmt(r.weighted[c.key]) if c.key in r.weighted else "-" for c in criteria}
        self.total_nl = fmt(r.total) if r.valid else "niet beoordeeld"
        self.raw_weighted = {c.key: r.weighted.get(c.key) for c in criteria}
        self.total = r.total

    def advantages(self, me: "_Row", criteria) -> list[str]:
        """This (winning) offer against `me`, criterion by criterion: where it scored more, equal or less, and
        by how many points after weighting (art. 2.130: the relative advantages of the chosen offer)."""
        out = []
        for c in criteria:
            theirs, mine = self.raw_weighted.get(c.key), me.raw_weighted.get(c.key)
            if theirs is None or mine is None:
                continue
            diff = theirs - mine
            if abs(diff) < 0.005:
                verdict = "gelijk"
            elif diff > 0:
                verdict = f"{fmt(diff)} {'punt' if fmt(diff) == '1,00' else 'punten'} hoger"
            else:
                verdict = f"{fmt(-diff)} {'punt' if fmt(-diff) == '1,00' else 'punten'} lager"
            out.append(f"{c.name}: score {self.scores[c.key]} tegen uw {me.scores[c.key]} "
                       f"({self.weighted[c.key]} tegen {me.weighted[c.key]} punten na weging, {verdict})")
        return out

    def cell(self, key: str) -> str:
        return f"{self.scores[key]} ({self.weighted[key]})" if self.scores[key] != "-" else "-"


def _slug(text: str) -> str:
    """'Coöperatie Samen Sterk' -> 'cooperatie-samen-sterk' (accents dropped, not the letters that carry them)."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.removeprefix("voorbeeld: ")).strip("-")[:60] or "aanbieder"


def provider_id(provider: str) -> str:
    """A provider's name for files and references: readable, and unique per exact name ("Zorg & Co" and
    "Zorg Co" read alike but are two providers: a short hash of the whole name tells them apart)."""
    import hashlib

    return f"{_slug(provider)}-{hashlib.sha256(provider.encode('utf-8')).hexdigest()[:6]}"


def build_letters(session: Session, programme: str, lot: str, sent_on: dt.date | None = None) -> list[Letter]:
    """The letters for one lot whose award is recorded; the date of sending is the recorded one, or `sent_on`."""
    from models.facts.lookup import get_programme

    prog = get_programme(session, programme)
    rules = TenderRules.of(prog)
    ranks = {r.lot: r for r in lot_states_ranks(session, prog)}
    if lot not in ranks:
        raise InputError(f"--lot: onbekend perceel '{printable(lot, 40)}' in {programme} (of onderhands gegund)")
    state = next(t for t in lot_states(session, prog, LATEST) if t.lot == lot)
    if not state.award_on:
        raise InputError(f"perceel {lot}: nog geen gunning vastgelegd (regie tender record {programme} award --lot {lot})")
    ranking: LotRanking = ranks[lot]
    if state.withdrawn:
        raise InputError(f"perceel {lot}: {state.withdrawn}; er zijn geen brieven zolang er niet opnieuw is gegund")
    if sent_on is not None and sent_on > clock.today():
        raise InputError(f"--on: {clock.dutch_date(sent_on)} ligt in de toekomst; brieven dragen de dag van verzending")
    sent = state.letters_on or sent_on or clock.today()
    if sent < state.award_on:
        raise InputError(f"--on: {clock.dutch_date(sent)} ligt voor het gunningsbesluit ({clock.dutch_date(state.award_on)})")
    by_name = {r.provider: r for r in ranking.ranked}
    missing = [w for w in state.winners if w not in by_name]
    if missing:
        raise InputError(f"perceel {lot}: gegund aan {', '.join(missing)}, maar die staan niet in de laatste import")
    criteria = [type("C", (), {"key": c.key, "name": c.name, "weight_nl": f"{c.weight:g}".replace(".", ","),
                                "max_score": c.max_score}) for c in rules.criteria]
    winners = [_Row(by_name[w], rules.criteria) for w in state.winners]
    lot_row = next(x for x in prog.lots if x.key == lot)
    label = f"{lot_row.number} - {lot_row.name}" if lot_row.number else lot_row.name
    common = {
        "programme": {"name": prog.name, "key": prog.key},
        "authority": f"Gemeente {prog.penvoerder.name}, penvoerder van het Sociaal Domein Achterhoek",
        "penvoerder": prog.penvoerder.name,
        "lot": {"key": lot, "name": lot_row.name, "label": label},
        "award_on": state.award_on, "sent_on": sent, "standstill_end": standstill_end(sent),
        "first_day_after": first_signing_day(sent),
        "standstill_source": STANDSTILL_SOURCE, "places": ranking.places, "criteria": criteria,
        "winners": winners, "winners_text": ", ".join(w.provider for w in winners),
        "last_winner_total": winners[-1].total_nl if winners else "-",
        "column_width": max(10, 44 // max(1, len(winners))),
        "tie_break_note": rules.tie_break_note, "lottery": ranking.lottery,
        "signatory": (prog.tender or {}).get("signatory")
                     or f"het college van burgemeester en wethouders van {prog.penvoerder.name}, penvoerder",
        "contact": (prog.tender or {}).get("contact")
                   or (f"het inkoopteam van het Sociaal Domein Achterhoek, via het aanbestedingsplatform "
                       f"{(prog.tender or {}).get('platform') or ''}, onder vermelding van het kenmerk").replace("  ", " "),
        "tie_break": ", dan ".join(c.name.lower() for k in rules.tie_break for c in rules.criteria if c.key == k)
                     or "geen", "platform": (prog.tender or {}).get("platform"),
    }
    env = environment()
    out = []
    for r in ranking.ranked:
        me = _Row(r, rules.criteria)
        kind = "gunning" if r.provider in state.winners else "afwijzing"
        html = env.get_template(f"letters/{kind}.html").render(
            common | {"provider": r.provider, "me": me,
                      "reference": f"{prog.key}/{lot}/{provider_id(r.provider)}"})
        out.append(Letter(r.provider, lot, kind, html, f"{lot}-{kind}-{provider_id(r.provider)}"))
    return out


def _font(pdf) -> str:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
    return "helvetica"


_LATIN1 = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "€": "EUR", "…": "..."})


KEEP_TOGETHER = "<!-- samen -->"  # in a letter's template: from here to the end stays on one page


def pdf_bytes(html: str) -> bytes:
    """The letter as an A4 PDF. Its last block (the standstill, the closing, the signatory and the contact)
    stays together: where it would not fit on the page, it starts the next one, so a closing never stands
    alone on a page of its own."""
    from fpdf import FPDF

    def new_pdf():
        pdf = FPDF(format="A4")
        pdf.set_margins(20, 18, 20)
        family = _font(pdf)
        pdf.add_page()
        pdf.set_font(family, size=10)
        return pdf, family

    body = re.sub(r"(?s)^.*?<body>|</body>.*$", "", html)
    pdf, family = new_pdf()
    if family == "helvetica":  # the core fonts know Latin-1 only
        body = body.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
    head, marker, tail = body.partition(KEEP_TOGETHER)
    pdf.write_html(head, font_family=family)
    if marker:
        scratch, _ = new_pdf()  # how tall the last block is, drawn on a page of its own
        top = scratch.get_y()
        scratch.write_html(tail, font_family=family)
        # with a line to spare: the block's own spacing falls a little differently after other text
        if scratch.page_no() == 1 and pdf.get_y() + (scratch.get_y() - top) + 6 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.write_html(tail, font_family=family)
    return bytes(pdf.output())


def _replace(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: a symlink or a half-written file is never followed."""
    import os
    import tempfile

    if path.is_dir() and not path.is_symlink():
        raise InputError(f"--out: {printable(path, 200)} is een map; kies een lege map voor de brieven")
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".brief-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_letters(letters: list[Letter], out_dir: Path | str) -> list[Path]:
    """Write each letter as HTML and PDF into `out_dir` (made if needed, readable by its owner only);
    returns the paths. The letters hold scores: they are confidential."""
    if not str(out_dir).strip():
        raise InputError("--out: noem een map voor de brieven")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
        paths = []
        for letter in letters:
            html_path, pdf_path = out / f"{letter.stem}.html", out / f"{letter.stem}.pdf"
            _replace(html_path, letter.html.encode("utf-8"))
            _replace(pdf_path, pdf_bytes(letter.html))
            paths += [html_path, pdf_path]
    except OSError as exc:
        raise InputError(f"--out: kan de brieven niet schrijven in {printable(out, 200)}: {os_reason(exc)}") from None
    return paths


def pdf_text(path: Path | str) -> str:
    """The text of a PDF as a reader's program sees it (for checks)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def letter_markdown(html: str) -> str:
    """A letter as Markdown, to read in the Prefect UI: headings, paragraphs, lists and the score table."""
    import html as html_lib

    body = re.sub(r"(?s)^.*?<body>|</body>.*$", "", html)

    def table(match: re.Match) -> str:
        rows = []
        for i, row in enumerate(re.findall(r"(?s)<tr>(.*?)</tr>", match.group(0))):
            cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>", row)]
            rows.append("| " + " | ".join(cells) + " |")
            if i == 0:
                rows.append("|" + "---|" * len(cells))
        return "\n" + "\n".join(rows) + "\n"

    text = re.sub(r"(?s)<table.*?</table>", table, body)
    text = re.sub(r"(?s)<h1>(.*?)</h1>", r"\n## \1\n", text)
    text = re.sub(r"(?s)<h2>(.*?)</h2>", r"\n#### \1\n", text)
    text = re.sub(r"(?s)\s*<li>(.*?)</li>", lambda m: "\n- " + " ".join(m.group(1).split()), text)
    text = re.sub(r"<br\s*/?>", "\x00", text)  # a line break inside a paragraph, kept through the joining
    text = re.sub(r"(?s)<p[^>]*>(.*?)</p>", lambda m: "\n" + " ".join(m.group(1).split()) + "\n", text)
    text = re.sub(r" ?\x00 ?", "  \n", text)
    text = re.sub(r"</?(b|strong)>", "**", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def letter_link(programme: str, lot: str, file_name: str) -> str | None:
    """The download address of one letter file, where `regie up` serves them (cli/letters_server.py; its
    address reaches the deployments as REGIE_LETTERS_URL); None elsewhere."""
    import os
    from urllib.parse import quote

    base = os.environ.get("REGIE_LETTERS_URL", "").rstrip("/")
    if not base:
        return None
    return f"{base}/{quote(programme)}/{quote(lot)}/{quote(file_name)}"
