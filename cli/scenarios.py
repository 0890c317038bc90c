"""The scenarios of `programmes/scenarios/`: a programme's decisions and tender steps on their days, read and
checked for shape. `regie demo` plays them against a stack, `regie replay` in one process."""

from __future__ import annotations

from pathlib import Path

import yaml

from models.core import clock
from models.core.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "programmes" / "scenarios"
COLLEGES = ("aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk")
COLLEGE_NAMES = {"aalten": "Aalten", "berkelland": "Berkelland", "bronckhorst": "Bronckhorst",
                 "doetinchem": "Doetinchem", "montferland": "Montferland", "oost-gelre": "Oost Gelre",
                 "oude-ijsselstreek": "Oude IJsselstreek", "winterswijk": "Winterswijk"}


def load_scenario(name: str) -> dict:
    """A scenario by name (programmes/scenarios/<name>.yaml) or path; refused clearly when wrong."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else SCENARIOS / f"{name}.yaml"
    known = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError(f"scenario '{name}' bestaat niet (ingebouwd: {known})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"scenario {path}: geen geldige YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not {"programme", "start", "end", "decisions"} <= set(data):
        raise InputError(f"scenario {path}: programme, start, end en decisions zijn verplicht")
    start, end = clock.parse_date(data["start"], field="start"), clock.parse_date(data["end"], field="end")
    if not start <= end or (end - start).days > 1500:
        raise InputError(f"scenario {path}: start {start} ligt niet vóór end {end} (of meer dan 1500 dagen ervoor)")
    decisions = []
    for i, row in enumerate(data["decisions"] or [], 1):
        if isinstance(row, dict) and True in row:  # YAML 1.1 reads the key `on` as true
            row = {("on" if k is True else k): v for k, v in row.items()}
        if not isinstance(row, dict) or not {"on", "point", "body", "outcome", "by"} <= set(row):
            raise InputError(f"scenario {path}: besluit {i} mist on, point, body, outcome of by")
        if row.get("via", "cli") not in ("cli", "formulier"):
            raise InputError(f"scenario {path}: besluit {i}: via is cli of formulier, niet {row['via']!r}")
        decisions.append(dict(row, on=clock.parse_date(row["on"], field=f"besluit {i}: on"), via=row.get("via", "cli")))
    steps = []
    for i, row in enumerate(data.get("tender") or [], 1):
        if isinstance(row, dict) and True in row:
            row = {("on" if k is True else k): v for k, v in row.items()}
        if not isinstance(row, dict) or "on" not in row or "by" not in row or not ({"offers"} <= set(row) or
                                                                                  {"step", "lot"} <= set(row)):
            raise InputError(f"scenario {path}: aanbestedingsstap {i} mist on, by, en offers of step en lot")
        steps.append(dict(row, on=clock.parse_date(row["on"], field=f"aanbestedingsstap {i}: on")))
    return {"programme": str(data["programme"]), "start": start, "end": end, "decisions": decisions, "path": path,
            "tender": steps}
