"""The `regie status` document from a plain reader: the same for a session and for the quick read-only path."""

from __future__ import annotations

import datetime as dt

from models.core import clock
from models.facts.reader import Reader, read_body_names, read_overrides, read_pending, read_revisions, read_snapshots
from models.rules.evaluation import Evaluation, evaluate_snapshot, status_document


def plain_status_report(reader: Reader, key: str, as_of: dt.date | None = None, ev: Evaluation | None = None) -> dict:
    """The programme on `as_of` with its plan revisions, manual transitions and owed announcements."""
    if ev is None:
        snapshot = read_snapshots(reader, [key])[key]  # an unknown programme is refused here, with the known ones
        ev, programme_id = evaluate_snapshot(snapshot, as_of or clock.today(), read_body_names(reader)), snapshot.id
    else:
        programme_id = reader.value("SELECT id FROM programmes WHERE key = ?", key)
    return {
        "programme": ev.programme,
        "name": ev.name,
        "plan_revisions": read_revisions(reader, programme_id),
        "overrides": read_overrides(reader, programme_id, ev.as_of),
        "owed_messages": read_pending(reader, key),  # announcements not delivered yet (retried with growing pauses)
    } | status_document(ev)
