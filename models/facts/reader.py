"""The register read in plain SQL: programmes as plain rows in a fixed number of statements, with no ORM.

One reader for every read path. Inside a session it runs on the session's own connection and
transaction (`Reader.of(session)`: the statements still pass SQLAlchemy's events, so they are counted);
a read-only command on the default SQLite register opens the file itself (`quick_reader`), without
loading SQLAlchemy at all, which is what makes `regie status` start fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache

from models.core import clock
from models.core.errors import NotFound
from models.core.inputs import is_slug, shown
from models.core.vocabulary import BESTUURDERS, PROJECT_TEAM, Outcome
from models.facts.offers import OfferRow
from models.facts.rows import (
    BodyNames,
    DecisionFact,
    OfferBatch,
    OverrideRow,
    PhaseRow,
    PointRow,
    ProgrammeSnapshot,
    Successor,
    TenderStep,
    UnitRow,
)


class Reader:
    """Plain statements on one connection: `?` placeholders, `IN (?...)` expanded for a list."""

    def __init__(self, run, dialect: str):
        self._run = run  # (sql in the driver's style, params tuple) -> list of tuples
        self.dialect = dialect

    @classmethod
    def of(cls, session) -> Reader:
        """On a session's connection, in its transaction (and through its events)."""
        connection = session.connection()
        dialect = connection.dialect.name
        def run(sql: str, params: tuple) -> list[tuple]:
            # the driver's own rows (tuples): SQLAlchemy's Row objects cost a third of a large read
            result = connection.exec_driver_sql(sql, params)
            try:
                return result.cursor.fetchall()
            finally:
                result.close()

        return cls(run, dialect)

    def all(self, sql: str, *params) -> list[tuple]:
        flat: list = []
        parts = sql.split("?")
        out = [parts[0]]
        for value, rest in zip(params, parts[1:]):
            if isinstance(value, (list, tuple)):
                if not value:
                    out.append("NULL")  # IN (NULL): matches nothing
                else:
                    out.append(", ".join(["?"] * len(value)))
                    flat.extend(value)
            else:
                out.append("?")
                flat.append(value)
            out.append(rest)
        text = "".join(out)
        if self.dialect == "postgresql":
            text = text.replace("?", "%s")
        return self._run(text, tuple(flat))

    def value(self, sql: str, *params):
        rows = self.all(sql, *params)
        return rows[0][0] if rows else None

    def text(self, column: str) -> str:
        """A JSON column as its text (PostgreSQL's driver would otherwise parse it)."""
        return f"CAST({column} AS TEXT)"

    def joined(self, column: str) -> str:
        """The values of a group joined with commas, in this database's words."""
        if self.dialect == "postgresql":
            return f"string_agg(CAST({column} AS VARCHAR), ',')"
        return f"group_concat({column}, ',')"


def day(value) -> dt.date | None:
    """A date as the driver gives it: a date (PostgreSQL) or its ISO text (SQLite)."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def moment(value) -> dt.datetime | None:
    """A timestamp in UTC, aware, from a datetime (PostgreSQL) or the text SQLite keeps."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


@lru_cache(maxsize=4096)
def parsed(text: str | None):
    """JSON from the register, parsed once per distinct text (many programmes share their policy)."""
    return None if text is None or text == "null" else json.loads(text)


def _json(value):
    return parsed(value) if isinstance(value, str) else value


def programme_keys(reader: Reader) -> list[str]:
    return [k for (k,) in reader.all("SELECT key FROM programmes ORDER BY key")]


def read_body_names(reader: Reader) -> BodyNames:
    """Slug -> the short name a reason uses ('Aalten', 'bestuurders')."""
    names = BodyNames({BESTUURDERS: "bestuurders", PROJECT_TEAM: "projectteam"})
    names.update(dict(reader.all("SELECT b.slug, m.name FROM governing_bodies b "
                                 "JOIN municipalities m ON b.municipality_id = m.id")))
    return names


def read_snapshots(reader: Reader, keys: Iterable[str] | None = None) -> dict[str, ProgrammeSnapshot]:
    """Snapshots of the programmes named (all when None), in a fixed number of statements whatever their number."""
    t = reader.text
    head_sql = (f"SELECT p.id, p.key, p.name, m.slug, {t('p.planning')}, {t('p.reminder_policy')}, "
                f"{t('p.tender')}, {t('p.contracts')} FROM programmes p JOIN municipalities m ON p.penvoerder_id = m.id")
    wanted = None if keys is None else list(dict.fromkeys(keys))
    if wanted is not None:
        odd = [k for k in wanted if not is_slug(k)]
        if odd:
            raise NotFound(f"onbekend programma '{shown(odd[0])}' (bekend: {', '.join(programme_keys(reader)) or 'geen'})")
        heads = {row[0]: row for row in reader.all(head_sql + " WHERE p.key IN (?) ORDER BY p.key", wanted)}
        missing = [k for k in wanted if k not in {h[1] for h in heads.values()}]
        if missing:
            raise NotFound(f"onbekend programma '{missing[0]}' (bekend: {', '.join(programme_keys(reader)) or 'geen'})")
    else:
        heads = {row[0]: row for row in reader.all(head_sql + " ORDER BY p.key")}
    ids = list(heads)
    slug = dict(reader.all("SELECT id, slug FROM municipalities"))
    # which programmes' rows: where all are read, no condition (a list of every id only costs the database work)
    scope = () if wanted is None else (ids,)

    def among(column: str) -> str:
        return "1 = 1" if wanted is None else f"{column} IN (?)"

    def grouped(sql: str, *params) -> dict[int, list]:
        out: dict[int, list] = defaultdict(list)
        for owner, *rest in reader.all(sql, *params):
            out[owner].append(rest)
        return out

    def member_lists(table: str, owner: str, owners: str) -> dict[int, tuple[str, ...]]:
        """Per segment or lot the slugs taking part, aggregated in the database (one row per owner)."""
        rows = reader.all(f"SELECT x.{owner}, {reader.joined('x.municipality_id')} FROM {table} x "
                          f"JOIN {owners} o ON o.id = x.{owner} WHERE {among('o.programme_id')} GROUP BY x.{owner}", *scope)
        seen: dict[str, tuple[str, ...]] = {}  # many lots share their colleges: each list is parsed once
        out = {}
        for owner_id, joined in rows:
            if joined not in seen:
                seen[joined] = tuple(sorted(slug[int(m)] for m in joined.split(",")))
            out[owner_id] = seen[joined]
        return out

    members = grouped(f"SELECT programme_id, municipality_id FROM programme_municipalities WHERE {among('programme_id')}",
                      *scope)
    phases = grouped("SELECT programme_id, number, name, planned_start, planned_end FROM phases "
                     f"WHERE {among('programme_id')} ORDER BY number", *scope)
    seg_members = member_lists("segment_municipalities", "segment_id", "segments")
    segments = grouped(f"SELECT programme_id, id, key, name FROM segments WHERE {among('programme_id')} "
                       "ORDER BY position", *scope)
    lot_members = member_lists("lot_municipalities", "lot_id", "lots")
    lots = grouped(f"SELECT programme_id, id, key, name, {t('segment_keys')}, funding_type FROM lots "
                   f"WHERE {among('programme_id')} ORDER BY position", *scope)
    points = grouped(
        f"SELECT programme_id, key, kind, title, phase, position, planned_date, date_note, decided_by, "
        f"{t('scope')}, providers, via_platform, reservation_lifted_by, track, owner FROM decision_points "
        f"WHERE {among('programme_id')} ORDER BY position", *scope)
    decisions = grouped(
        "SELECT p.programme_id, p.key, b.slug, d.id, d.outcome, d.decided_on, d.reservation, d.lifts_id, "
        "d.supersedes_id, d.extra_meeting, d.reservation_lifted_by FROM decisions d "
        "JOIN decision_points p ON d.decision_point_id = p.id JOIN governing_bodies b ON d.body_id = b.id "
        f"WHERE {among('p.programme_id')} ORDER BY d.id", *scope)
    overrides = grouped(f"SELECT programme_id, to_phase, {t('overridden_points')}, recorded_at FROM phase_overrides "
                        f"WHERE {among('programme_id')} ORDER BY id", *scope)
    # the programme that follows each (its contract start ends these contracts' options)
    successors = {follows: Successor(key, day(start)) for follows, key, start in reader.all(
        "SELECT p.follows, p.key, d.planned_date FROM programmes p LEFT OUTER JOIN decision_points d "
        "ON d.programme_id = p.id AND d.key = 'contract-start' WHERE p.follows IN (?) ORDER BY p.key DESC",
        [h[1] for h in heads.values()])}

    tendering = [pid for pid, head in heads.items() if parsed(head[6])]
    steps = grouped(
        f'SELECT programme_id, id, lot_key, event, "on", reference, {t("detail")}, decision_id FROM tender_records '
        "WHERE programme_id IN (?) ORDER BY id", tendering) if tendering else {}
    batches = grouped("SELECT programme_id, id, recorded_at FROM offer_imports WHERE programme_id IN (?) "
                      "AND stage = 'award' ORDER BY id", tendering) if tendering else {}
    offers: dict[int, dict[str, list[OfferRow]]] = defaultdict(lambda: defaultdict(list))
    batch_ids = [bid for rows in batches.values() for bid, _ in rows]
    if batch_ids:
        for bid, row, lot, provider, met, reason, scores in reader.all(
                f"SELECT import_id, row_number, lot_key, provider, requirements_met, reason, {t('scores')} FROM offers "
                "WHERE import_id IN (?) ORDER BY import_id, row_number", batch_ids):
            offers[bid][lot].append(OfferRow(row, lot, provider, bool(met), reason, dict(parsed(scores) or {})))

    # Programmes from one file have the same colleges, phases, segments and lots, row for row: each distinct list
    # is built once and shared (equal values; the same objects are also quick to compare for the rules that
    # keep what they derive from them), and each distinct date text is parsed once.
    shared: dict[tuple, tuple] = {}

    def once(key: tuple, build) -> tuple:
        found = shared.get(key)
        if found is None:
            found = shared[key] = build()
        return found

    on_day = lru_cache(maxsize=None)(day)  # this read's dates: a few hundred distinct ones
    out = {}
    for pid, head in heads.items():
        facts: dict[str, list[DecisionFact]] = defaultdict(list)
        for point_key, body, did, outcome, on, reservation, lifts, supersedes, extra, lifted_by in decisions.get(pid, []):
            facts[point_key].append(DecisionFact(did, body, Outcome(outcome), on_day(on), reservation, lifts,
                                                 supersedes, bool(extra), lifted_by))
        rows = tuple(m for (m,) in members.get(pid, []))
        colleges = once(("colleges", rows), lambda: tuple(sorted(slug[m] for m in rows)))
        rows = tuple(map(tuple, phases.get(pid, [])))
        phase_rows = once(("phases", rows), lambda: tuple(PhaseRow(n, name, on_day(s), on_day(e))
                                                          for n, name, s, e in rows))
        rows = tuple((k, n, seg_members.get(sid, ())) for sid, k, n in segments.get(pid, []))
        segment_rows = once(("segments", rows), lambda: tuple(UnitRow(k, n, m) for k, n, m in rows))
        rows = tuple((k, n, lot_members.get(lid, ()), sk, funding) for lid, k, n, sk, funding in lots.get(pid, []))
        lot_rows = once(("lots", rows), lambda: tuple(UnitRow(k, n, m, tuple(parsed(sk) or ()),
                                                              funding == "private-award")
                                                      for k, n, m, sk, funding in rows))
        rows = tuple(map(tuple, points.get(pid, [])))
        point_rows = once(("points", rows), lambda: tuple(
            PointRow(key, kind, title, phase, position, on_day(on), note, by, tuple(parsed(scope_) or ()),
                     bool(providers), bool(platform), lifted_by, track or "programme", owner)
            for key, kind, title, phase, position, on, note, by, scope_, providers, platform, lifted_by, track, owner
            in rows))
        out[head[1]] = ProgrammeSnapshot(
            id=pid, key=head[1], name=head[2], penvoerder=head[3],
            municipalities=colleges,
            planning=parsed(head[4]), planning_text=head[4] if parsed(head[4]) else None,
            reminder_policy=parsed(head[5]),
            phases=phase_rows,
            segments=segment_rows,
            lots=lot_rows,
            points=point_rows,
            facts=dict(facts),
            overrides=tuple(OverrideRow(to, tuple(_json(passed) or ()), clock.local_date(moment(at)))
                            for to, passed, at in overrides.get(pid, [])),
            tender=parsed(head[6]),
            tender_steps=tuple(TenderStep(sid, lot, event, day(on), ref, dict(parsed(detail) or {}), did)
                               for sid, lot, event, on, ref, detail, did in steps.get(pid, [])),
            offer_batches=tuple(OfferBatch(bid, clock.local_date(moment(at)),
                                           {k: tuple(v) for k, v in offers[bid].items()})
                                for bid, at in batches.get(pid, [])),
            contracts=parsed(head[7]),
            successor=successors.get(head[1]),
        )
    return out


def read_revisions(reader: Reader, programme_id: int) -> list[dict]:
    """The plan revisions of a programme, oldest first, as `regie status` shows them."""
    return [
        {"change": change, "point": point, "old": day(old).isoformat(), "new": day(new).isoformat(), "cause": cause,
         "mode": mode, "reason": reason, "recorded_by": by, "recorded_at": moment(at).isoformat()}
        for change, point, old, new, cause, mode, reason, by, at in reader.all(
            "SELECT change, point_key, old_date, new_date, cause, mode, reason, recorded_by, recorded_at "
            "FROM plan_revisions WHERE programme_id = ? ORDER BY id", programme_id)
    ]


def read_overrides(reader: Reader, programme_id: int, as_of: dt.date | None = None) -> list[dict]:
    """The manual transitions of a programme up to `as_of`, oldest first."""
    out = []
    for oid, to, reason, passed, by, at in reader.all(
            f"SELECT id, to_phase, reason, {reader.text('overridden_points')}, recorded_by, recorded_at "
            "FROM phase_overrides WHERE programme_id = ? ORDER BY id", programme_id):
        at = moment(at)
        if as_of is None or clock.local_date(at) <= as_of:
            out.append({"id": oid, "to_phase": to, "reason": reason, "passed_over": list(_json(passed) or ()),
                        "recorded_by": by, "recorded_at": at.isoformat()})
    return out


def read_pending(reader: Reader, programme: str) -> list[dict]:
    """Owed messages of a programme not delivered yet, for status."""
    return [{"event": event, "ref": ref, "attempts": attempts, "next_try_at": moment(at).isoformat(),
             "last_error": error}
            for event, ref, attempts, at, error in reader.all(
                "SELECT event, ref, attempts, next_try_at, last_error FROM outbox WHERE programme_key = ? "
                "AND done_at IS NULL ORDER BY id", programme)]


@contextlib.contextmanager
def quick_reader() -> Iterator[Reader | None]:
    """A reader on the SQLite register without SQLAlchemy, in one read transaction; None where the full path
    is needed (PostgreSQL, no register yet, an older schema to migrate, no programmes loaded yet)."""
    import sqlite3

    from models.facts.paths import LATEST_REVISION, SANDBOX_ONLY, busy_timeout, sqlite_file

    path = sqlite_file()
    if path is None:
        yield None
        return
    try:  # read-only, by URI (the path percent-encoded: a folder name may hold '?' or '#')
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout(),
                               isolation_level=None)
    except (sqlite3.Error, ValueError):
        yield None
        return
    try:
        reader = Reader(lambda sql, params: conn.execute(sql, params).fetchall(), "sqlite")
        try:
            conn.execute("BEGIN")  # one snapshot of the register for everything read below (WAL: no writer waits)
            ready = (reader.value("SELECT version_num FROM alembic_version") == LATEST_REVISION
                     and reader.value("SELECT id FROM programmes LIMIT 1") is not None)
        except sqlite3.Error:  # not readable this way (locked, damaged, not a register): the full path says why
            ready = False
        if ready and (os.environ.get("REGIE_TODAY") or os.environ.get("REGIE_TODAY_FILE")) and \
                reader.value("SELECT value FROM register_settings WHERE key = 'sandbox'") is None:
            from models.core.errors import InputError

            raise InputError(SANDBOX_ONLY)
        yield reader if ready else None
    finally:
        conn.close()
