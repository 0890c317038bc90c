"""The sweep reads the register a fixed number of times, however many programmes there are."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import event

from models.facts.db import get_engine
from models.access.session import register_session
from models.access.loader import load_programmes
from notifications.reminders import remind_all

TEMPLATE = (Path(__file__).resolve().parents[2] / "programmes" / "inkoop-2026.yaml").read_text(encoding="utf-8")


def _add_copies(start: int, count: int) -> None:
    folder = Path(tempfile.mkdtemp())
    paths = []
    for i in range(start, start + count):
        path = folder / f"kopie-{i}.yaml"
        path.write_text(TEMPLATE.replace("key: inkoop-2026", f"key: kopie-{i:03d}", 1), encoding="utf-8")
        paths.append(path)
    with register_session() as session:
        load_programmes(session, paths)


def _statements_of_a_dry_sweep() -> tuple[int, int]:
    seen = []
    engine = get_engine()
    listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        rows = remind_all(dt.date(2024, 10, 22), dry_run=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen), len(rows)


def test_the_sweep_statement_count_does_not_grow_with_the_programmes(env_db):
    _add_copies(0, 8)  # with the two built-in programmes: 10
    ten, rows_ten = _statements_of_a_dry_sweep()
    _add_copies(8, 40)  # 50
    fifty, rows_fifty = _statements_of_a_dry_sweep()
    assert rows_fifty > rows_ten * 4  # the sweep really did five times the work ...
    assert fifty == ten  # ... in the same number of statements
