"""Who may write: a verified login, people with roles, one-time codes on forms, and on PostgreSQL the
database's own security (real login roles, row level security, the server's clock)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from models.core import clock
from models.facts.chain import verify
from models.facts.db import make_engine, migrate, session_factory
from models.facts.entities import Decision, FormInput, PersonSecret, PhaseOverride
from models.core.errors import InputError
from models.commands.forms import handle_form_input
from models.commands.identity import add_person, deactivate_person, login_of
from models.access.loader import load_builtin_if_empty
from models.commands.overrides import advance_phase
from models.commands.register import record_decision
from tests.conftest import POSTGRES_URL, register_groups

ROOT = Path(__file__).resolve().parents[2]


def _decide(session, body="aalten", by=None, **extra):
    args = dict(programme="inkoop-2026", point="go-no-go", body=body, outcome="go", decided_on="2024-11-05",
                recorded_by=by, **extra)
    return record_decision(session, **args)


def _me(session) -> str:
    with session.begin():
        return login_of(session)


@pytest.fixture
def as_login(monkeypatch):
    """On SQLite the login is the operating-system user: play another one."""
    def switch(login: str) -> None:
        monkeypatch.setattr("models.commands.identity.os_login", lambda: login)
    return switch


def test_an_open_register_keeps_the_typed_name_next_to_the_verified_login(session):
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        recorded = _decide(session, by="Secretaris Aalten")
    row = session.get(Decision, recorded.decision_id)
    assert (row.recorded_by, row.recorded_as) == ("Secretaris Aalten", login_of(session))
    assert all(r.broken_at is None for r in verify(session))


def test_the_first_person_is_the_beheerder_who_runs_it(session):
    me = _me(session)
    with pytest.raises(InputError, match=f"voeg eerst uzelf toe als beheerder \\(--login {me} --role beheerder\\)"):
        with session.begin():
            add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten")
    with session.begin():
        add_person(session, login=me, name="Beheerder", role="beheerder")
    with pytest.raises(InputError, match="Beheerder \\(.*\\) is beheerder en mag geen besluiten vastleggen"):
        with clock.frozen(dt.date(2024, 11, 6)), session.begin():
            _decide(session)
    assert session.scalar(select(Decision.id)) is None


def test_a_secretary_records_for_their_own_college_only_and_never_under_another_name(tmp_path, as_login):
    # SQLite: the login is the operating-system user, played here; on PostgreSQL it is the database
    # role, with real roles in the test below
    db_url = f"sqlite:///{tmp_path / 'regie.db'}"
    migrate(make_engine(db_url))
    engine = make_engine(db_url)
    session = session_factory(engine)()
    as_login("beheerder")
    with session.begin():
        load_builtin_if_empty(session)
        add_person(session, login="beheerder", name="Beheerder", role="beheerder")
        add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten")
        add_person(session, login="lead", name="Inkoopleider", role="projectteam")
    as_login("sec_aalten")
    with clock.frozen(dt.date(2024, 11, 6)):
        with pytest.raises(InputError, match="secretaris voor 'aalten' en mag geen besluit van .*Berkelland"):
            with session.begin():
                _decide(session, body="berkelland")
        with pytest.raises(InputError, match="--by 'De Burgemeester' is niet wie u bent"):
            with session.begin():
                _decide(session, by="De Burgemeester")
        with pytest.raises(InputError, match="secretaris en mag geen handmatige overgangen vastleggen"):
            with session.begin():
                advance_phase(session, programme="inkoop-2026", to_phase=1, reason="r", recorded_by=None)
        with session.begin():
            recorded = _decide(session)
        as_login("iemand")
        with pytest.raises(InputError, match="aangemeld als 'iemand' en staat niet in de personen"):
            with session.begin():
                _decide(session, body="berkelland")
        as_login("beheerder")
        with session.begin():
            deactivate_person(session, "sec_aalten")
        as_login("sec_aalten")
        with pytest.raises(InputError, match="staat niet meer \\(uitgeschakeld\\)"):
            with session.begin():
                _decide(session, reference="2024/2")
    row = session.get(Decision, recorded.decision_id)
    assert (row.recorded_by, row.recorded_as, row.via) == ("Secretaris Aalten", "sec_aalten", "cli")
    assert session.scalar(select(Decision.id).where(Decision.id != recorded.decision_id)) is None
    session.close()
    engine.dispose()


def test_a_form_is_attributed_by_a_one_time_code_that_works_once(session):
    me = _me(session)
    with session.begin():
        add_person(session, login=me, name="Beheerder", role="beheerder")
        added = add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten",
                           totp=True)
    secret = pyotp.parse_uri(added.totp_uri).secret
    with session.begin():
        assert session.get(PersonSecret, "sec_aalten").totp_secret == secret
    code = pyotp.TOTP(secret).now()
    form = dict(body="aalten", outcome="go", decided_on="2024-11-05", login="sec_aalten", code=code)

    def submit(run, **changes):
        with clock.frozen(dt.date(2024, 11, 6)), session.begin():
            return handle_form_input(session, flow_run_id=run, pause_key="k", programme="inkoop-2026",
                                     point="go-no-go", payload=form | changes)

    wrong = submit("r1", code="000000" if code != "000000" else "111111")
    assert (wrong.result, wrong.message) == ("refused", "de eenmalige code klopt niet (of is verlopen); er is niets vastgelegd")
    other = submit("r2", body="berkelland")
    assert other.result == "refused" and "secretaris voor 'aalten' en mag geen besluit" in other.message
    unknown = submit("r3", login="De Burgemeester")
    assert unknown.result == "refused" and "onbekend" in unknown.message
    done = submit("r4")
    assert done.result == "recorded", done.message
    with session.begin():
        row = session.get(Decision, done.decision_id)
    assert (row.recorded_by, row.recorded_as, row.via) == ("Secretaris Aalten", "sec_aalten", "formulier")
    arabic = submit("r4b", code="١٢٣٤٥٦")  # digits, but not the six an authenticator shows
    assert (arabic.result, arabic.message) == ("refused", "de eenmalige code bestaat uit 6 cijfers (uit uw authenticator-app)")
    again = submit("r5", reference="een tweede besluit met dezelfde code")
    assert (again.result, again.message) == ("refused", "deze eenmalige code is al gebruikt; wacht op de volgende code")
    stored = session.scalar(select(FormInput).where(FormInput.flow_run_id == "r4"))
    assert stored.payload["code"] == "******" and code not in json.dumps(stored.payload)
    assert session.scalar(select(Decision.id).where(Decision.id != done.decision_id)) is None


def test_five_wrong_codes_in_a_row_block_the_login_for_a_quarter_of_an_hour(session):
    """Once a thousand wrong codes were answered one by one, with no lockout: a guesser had all day."""
    me = _me(session)
    with session.begin():
        add_person(session, login=me, name="Beheerder", role="beheerder")
        added = add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten",
                           totp=True)
    code = pyotp.TOTP(pyotp.parse_uri(added.totp_uri).secret).now()
    wrong_code = "000000" if code != "000000" else "111111"
    form = dict(body="aalten", outcome="go", decided_on="2024-11-05", login="sec_aalten")

    def submit(run, typed):
        with clock.frozen(dt.date(2024, 11, 6)), session.begin():
            return handle_form_input(session, flow_run_id=run, pause_key="k", programme="inkoop-2026",
                                     point="go-no-go", payload=form | {"code": typed})

    for attempt in range(4):
        assert submit(f"w{attempt}", wrong_code).message.startswith("de eenmalige code klopt niet")
    with session.begin():  # counted, although each form was refused
        assert session.get(PersonSecret, "sec_aalten").failures == 4
    assert submit("w4", wrong_code).message.startswith("de eenmalige code klopt niet")
    blocked = submit("ok-too-soon", code)  # the right code, but the login is blocked now
    assert blocked.result == "refused" and blocked.message.startswith(
        "te veel onjuiste eenmalige codes voor 'sec_aalten': geblokkeerd tot ")
    with session.begin():
        secret = session.get(PersonSecret, "sec_aalten")
        left = secret.locked_until - clock.utcnow_real()
        assert dt.timedelta(minutes=14) < left <= dt.timedelta(minutes=15)
        assert session.scalar(select(Decision.id)) is None
        secret.locked_until = clock.utcnow_real() - dt.timedelta(seconds=1)  # the quarter of an hour has passed
    done = submit("ok", code)
    assert done.result == "recorded", done.message
    with session.begin():
        assert session.get(PersonSecret, "sec_aalten").failures == 0


def test_a_code_is_used_up_even_when_the_register_refuses_the_decision(session):
    me = _me(session)
    with session.begin():
        add_person(session, login=me, name="Beheerder", role="beheerder")
        added = add_person(session, login="sec_aalten", name="Secretaris Aalten", role="secretaris", body="aalten",
                           totp=True)
    code = pyotp.TOTP(pyotp.parse_uri(added.totp_uri).secret).now()
    form = dict(body="aalten", outcome="go", decided_on="2024-11-09", login="sec_aalten", code=code)  # a Saturday
    with clock.frozen(dt.date(2024, 11, 11)), session.begin():
        first = handle_form_input(session, flow_run_id="r1", pause_key="k", programme="inkoop-2026", point="go-no-go",
                                  payload=form)
    assert first.result == "refused" and "vergadert niet op zaterdag" in first.message
    with clock.frozen(dt.date(2024, 11, 11)), session.begin():
        second = handle_form_input(session, flow_run_id="r2", pause_key="k", programme="inkoop-2026",
                                   point="go-no-go", payload=form | {"decided_on": "2024-11-05", "outcome": "no-go"})
    assert (second.result, second.message) == ("refused", "deze eenmalige code is al gebruikt; wacht op de volgende code")
    with session.begin():
        assert session.scalar(select(Decision.id)) is None


def test_the_last_beheerder_stays_one(session):
    me = _me(session)
    with session.begin():
        add_person(session, login=me, name="Beheerder", role="beheerder")
    with pytest.raises(InputError, match="is de laatste beheerder; maak eerst een andere beheerder"):
        with session.begin():
            add_person(session, login=me, name="Beheerder", role="secretaris", body="aalten")


def test_an_open_register_form_still_asks_a_name(session):
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        result = handle_form_input(session, flow_run_id="r", pause_key="k", programme="inkoop-2026", point="go-no-go",
                                   payload=dict(body="aalten", outcome="go", decided_on="2024-11-05"))
    assert (result.result, result.message) == ("refused", "Vastgelegd door: vul uw naam in; er is niets vastgelegd")
    assert "--by" not in result.message  # a form names its own fields, not the command line's


# ---- PostgreSQL: real login roles --------------------------------------------------------------

def _needs_postgres(postgres_state) -> None:
    """Skip without PostgreSQL, except in CI, where it must be there."""
    if postgres_state is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {postgres_state}")
        pytest.skip(postgres_state)


def _in_schema(url: str, schema: str) -> str:
    """The URL with its search path set to a register's schema."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

def _role_url(login: str, password: str, schema: str) -> str:
    base = POSTGRES_URL.split("://", 1)[1].split("@", 1)[1]  # host:port/db?...
    return _in_schema(f"postgresql+psycopg://{login}:{password}@{base}", schema)


def _regie(url: str, *argv: str, today: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("REGIE_TODAY", "REGIE_SANDBOX")}
    env.update(REGIE_DATABASE_URL=url)
    if today:
        env["REGIE_TODAY"] = today
    return subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_postgresql_roles_a_secretary_records_only_for_their_college_and_changes_nothing(postgres_state, monkeypatch):
    _needs_postgres(postgres_state)
    tag = uuid.uuid4().hex[:8]
    schema, login = f"regie_roles_{tag}", f"sec_aalten_{tag}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    owner_url = _in_schema(POSTGRES_URL, schema)
    monkeypatch.delenv("REGIE_SANDBOX")  # a real register: the server's clock counts, REGIE_TODAY is refused
    owner = make_engine(owner_url)
    try:
        migrate(owner)
        s = session_factory(owner)()
        with s.begin():
            load_builtin_if_empty(s)
            me = login_of(s)
            add_person(s, login=me, name="Beheerder", role="beheerder")
            added = add_person(s, login=login, name="Secretaris Aalten", role="secretaris", body="aalten",
                               db_role=True)
        url = _role_url(login, added.db_password, schema)

        ok = _regie(url, "decide", "inkoop-2026", "go-no-go", "--body", "aalten", "--outcome", "go",
                    "--on", "2024-11-05", "--json")
        assert ok.returncode == 0, ok.stderr
        decision_id = json.loads(ok.stdout)["decision_id"]
        row = s.get(Decision, decision_id)
        assert (row.recorded_by, row.recorded_as) == ("Secretaris Aalten", login)
        server_now = s.scalar(text("SELECT now()"))
        assert abs((server_now - row.recorded_at).total_seconds()) < 120  # the server's clock, not the client's
        s.rollback()

        other = _regie(url, "decide", "inkoop-2026", "go-no-go", "--body", "berkelland", "--outcome", "no-go",
                       "--on", "2024-11-05")
        assert other.returncode == 2 and "mag geen besluit van" in other.stderr and "Traceback" not in other.stderr
        clock_set = _regie(url, "status", "inkoop-2026", today="2019-01-01")
        assert clock_set.returncode == 2 and "REGIE_TODAY (en REGIE_TODAY_FILE) werkt alleen op een oefenregister" in clock_set.stderr

        # Around the application, straight at the database with the secretary's own role:
        role = create_engine(url)
        body = lambda slug: s.scalar(text("SELECT id FROM governing_bodies WHERE slug = :s"), {"s": slug})  # noqa: E731
        point = s.scalar(text("SELECT id FROM decision_points WHERE key = 'go-no-go' AND programme_id = "
                              "(SELECT id FROM programmes WHERE key = 'inkoop-2026')"))
        s.rollback()
        insert = ("INSERT INTO decisions (decision_point_id, body_id, outcome, decided_on, recorded_by, recorded_as, "
                  "recorded_at, via, extra_meeting, fingerprint) VALUES (:p, :b, 'no-go', '2024-11-05', 'x', :who, "
                  ":at, 'cli', false, :f)")
        attempts = {
            "another college": (insert, dict(p=point, b=body("berkelland"), who=login, at=None, f="f1")),
            "another name": (insert, dict(p=point, b=body("aalten"), who=me, at=None, f="f2")),
            "another time": (insert, dict(p=point, b=body("aalten"), who=login, at=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc), f="f3")),
            "update": ("UPDATE decisions SET outcome = 'no-go'", {}),
            "delete": ("DELETE FROM decisions", {}),
            "truncate": ("TRUNCATE decisions", {}),
            "disable a trigger": ("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only", {}),
            "a manual transition": ("INSERT INTO phase_overrides (programme_id, to_phase, reason, overridden_points, "
                                    "recorded_by, recorded_as, recorded_at, fingerprint) VALUES (1, 3, 'r', '[]', 'x', "
                                    ":who, now(), 'f4')", dict(who=login)),
            "a person": ("INSERT INTO people (login, name, role, active, added_by, added_at) VALUES "
                         "('x', 'x', 'beheerder', true, 'x', now())", {}),
            "the one-time-code secrets": ("SELECT * FROM person_secrets", {}),
        }
        for what, (sql, params) in attempts.items():
            with pytest.raises(DBAPIError) as refused:
                with role.begin() as conn:
                    if "at" in params and params["at"] is None:
                        params["at"] = conn.execute(text("SELECT date_trunc('second', now())")).scalar()
                    conn.execute(text(sql), params)
            assert refused.value.orig.sqlstate in ("42501", "42000"), (what, refused.value.orig)
        # the owner records Berkelland's no-go; the secretary cannot end it, nor sign with another name
        with owner.begin() as conn:
            other = conn.execute(text(
                "INSERT INTO decisions (decision_point_id, body_id, outcome, decided_on, recorded_by, recorded_as, "
                "recorded_at, via, extra_meeting, fingerprint) VALUES (:p, :b, 'no-go', '2024-11-05', 'Beheerder', "
                ":me, date_trunc('second', now()), 'cli', false, 'owner-1') RETURNING id"),
                dict(p=point, b=body("berkelland"), me=me)).scalar()
        s.rollback()
        more = {
            "another college's decision ended": (insert.replace(":f)", ":f)").replace(
                "extra_meeting, fingerprint)", "extra_meeting, fingerprint, supersedes_id)").replace(
                ":at, 'cli', false, :f)", ":at, 'cli', false, :f, :sup)"),
                dict(p=point, b=body("aalten"), who=login, at=None, f="f5", sup=other)),
            "a name that is not the person's": (insert.replace("'x'", "'De Burgemeester'"),
                                                dict(p=point, b=body("aalten"), who=login, at=None, f="f6")),
            "a point's kind": ("UPDATE decision_points SET kind = 'milestone'", {}),
            "a college's kind": ("UPDATE governing_bodies SET kind = 'projectteam'", {}),
            "a form's evidence": ("INSERT INTO form_inputs (flow_run_id, pause_key, programme_key, payload, result, "
                                  "handled_at) VALUES ('x', 'k', 'inkoop-2026', '{}', 'empty', now())", {}),
        }
        for what, (sql, params) in more.items():
            with pytest.raises(DBAPIError) as refused:
                with role.begin() as conn:
                    if "at" in params and params["at"] is None:
                        params["at"] = conn.execute(text("SELECT date_trunc('second', now())")).scalar()
                    conn.execute(text(sql), params)
            assert refused.value.orig.sqlstate in ("42501", "42000"), (what, refused.value.orig)
        with owner.begin() as conn:  # the message Berkelland's no-go owes
            conn.execute(text("INSERT INTO outbox (programme_key, event, ref, created_at, attempts, next_try_at) "
                              "VALUES ('inkoop-2026', 'decision_recorded', :ref, now(), 0, now())"), {"ref": other})
        with role.begin() as conn:  # others' messages are out of reach: nothing changes, nothing is added
            assert conn.execute(text("UPDATE outbox SET done_at = now() WHERE ref = :other"),
                                {"other": other}).rowcount == 0
        assert s.scalar(text("SELECT done_at FROM outbox WHERE ref = :other"), {"other": other}) is None
        s.rollback()
        with pytest.raises(DBAPIError) as refused:
            with role.begin() as conn:
                conn.execute(text(
                    "INSERT INTO notifications (ledger_key, programme_key, event, subject, recipient, channel, status, "
                    "attempts, first_tried_at) VALUES ('silence', 'inkoop-2026', 'overdue', 's', 'r', 'c', 'sent', 0, "
                    "now())"))
        assert refused.value.orig.sqlstate == "42501"
        groups = {r for r, in s.execute(text("SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = "
                                             "m.member JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = :r"),
                                        {"r": login})}
        from models.commands.identity import groups as register_group

        assert groups == {register_group(s)["secretaris"]}  # this register's group, no other's
        s.rollback()
        role.dispose()
        assert s.scalar(select(Decision.id).where(Decision.id.not_in([decision_id, other]))) is None
        assert s.scalar(select(PhaseOverride.id)) is None
        s.rollback()

        # The owner role can still change a row behind the triggers' back: `regie verify` sees it.
        with owner.begin() as conn:
            conn.execute(text("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only"))
            conn.execute(text("UPDATE decisions SET outcome = 'no-go' WHERE id = :id"), {"id": decision_id})
            conn.execute(text("ALTER TABLE decisions ENABLE TRIGGER decisions_append_only"))
        checked = _regie(url, "verify")
        assert checked.returncode == 3
        assert f"besluit: de keten breekt bij #{decision_id}" in checked.stdout

        # an existing role that is no person of this register is not taken over; a removed person logs in no more
        with admin.begin() as conn:
            conn.execute(text(f'CREATE ROLE "app_{tag}" LOGIN'))  # another application's role
        with pytest.raises(InputError, match="bestaat al en hoort bij geen persoon van dit register"):
            with s.begin():
                add_person(s, login=f"app_{tag}", name="X", role="secretaris", body="aalten", db_role=True)
        with s.begin():
            deactivate_person(s, login)
        gone = _regie(url, "status", "inkoop-2026")
        assert gone.returncode == 5 and "not permitted to log in" in gone.stderr
        s.close()
    finally:
        owner.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "app_{tag}"'))
            for group in register_groups(schema):
                conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        admin.dispose()


def test_postgresql_a_secretary_cannot_silence_another_colleges_announcement_nor_block_every_write(
        postgres_state, monkeypatch):
    """As Aalten's secretary, straight at the database: marking Berkelland's announcement sent, or adding ledger
    keys for decisions still to come, once worked (the policy let any role write 'decision_recorded' rows);
    holding the chain's advisory lock made Berkelland's `regie decide` wait for ever."""
    _needs_postgres(postgres_state)
    from models.facts.chain import CHAIN_LOCK

    tag = uuid.uuid4().hex[:8]
    schema = f"regie_quiet_{tag}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    monkeypatch.delenv("REGIE_SANDBOX")
    owner = make_engine(_in_schema(POSTGRES_URL, schema))
    try:
        migrate(owner)
        s = session_factory(owner)()
        with s.begin():
            load_builtin_if_empty(s)
            add_person(s, login=login_of(s), name="Beheerder", role="beheerder")
            aalten = add_person(s, login=f"sec_a_{tag}", name="Secretaris Aalten", role="secretaris",
                                body="aalten", db_role=True)
            berkel = add_person(s, login=f"sec_b_{tag}", name="Secretaris Berkelland", role="secretaris",
                                body="berkelland", db_role=True)
        url_a = _role_url(f"sec_a_{tag}", aalten.db_password, schema)
        url_b = _role_url(f"sec_b_{tag}", berkel.db_password, schema)
        office = "json://127.0.0.1:9/office"  # nobody listens: the send fails, the ledger row stays
        for url, body in ((url_b, "berkelland"), (url_a, "aalten")):
            done = subprocess.run(
                [sys.executable, "-m", "cli.main", "decide", "inkoop-2026", "go-no-go", "--body", body, "--outcome",
                 "go", "--on", "2024-11-05", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                env={**{k: v for k, v in os.environ.items() if k not in ("REGIE_TODAY", "REGIE_SANDBOX")},
                     "REGIE_DATABASE_URL": url, "REGIE_NOTIFY_URLS": office})
            assert done.returncode == 0, done.stderr
        theirs = s.scalar(text("SELECT d.id FROM decisions d JOIN governing_bodies b ON b.id = d.body_id "
                               "WHERE b.slug = 'berkelland'"))
        mine = s.scalar(text("SELECT d.id FROM decisions d JOIN governing_bodies b ON b.id = d.body_id "
                             "WHERE b.slug = 'aalten'"))
        s.rollback()
        role = create_engine(url_a)
        with role.begin() as conn:  # another college's announcement: out of reach, nothing changes
            changed = conn.execute(text("UPDATE notifications SET status = 'sent' WHERE event = 'decision_recorded' "
                                        "AND ledger_key LIKE :k"), {"k": f"%|decision-{theirs}|%"}).rowcount
            assert changed == 0
            own = conn.execute(text("UPDATE notifications SET attempts = attempts WHERE ledger_key LIKE :k"),
                               {"k": f"%|decision-{mine}|%"}).rowcount
            assert own == 1  # the secretary still completes the ledger rows of her own decision
        for future in range(theirs + mine + 1, theirs + mine + 4):  # ledger keys of decisions still to come
            with pytest.raises(DBAPIError) as refused, role.begin() as conn:
                conn.execute(text(
                    "INSERT INTO notifications (ledger_key, programme_key, event, subject, recipient, channel, "
                    "status, attempts, first_tried_at) VALUES (:k, 'inkoop-2026', 'decision_recorded', 's', "
                    "'Programmabureau', 'c', 'sent', 0, now())"),
                    {"k": f"inkoop-2026|decision_recorded|decision-{future}|Programmabureau|x"})
            assert refused.value.orig.sqlstate == "42501"
        assert s.scalar(text("SELECT status FROM notifications WHERE ledger_key LIKE :k"),
                        {"k": f"%|decision-{theirs}|%"}) == "failed"
        s.rollback()

        # the chain's lock held by Aalten's secretary: Berkelland's next decision gives up, exit 5, nothing written
        holder = role.connect()
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": CHAIN_LOCK})
        try:
            env = {**{k: v for k, v in os.environ.items() if k not in ("REGIE_TODAY", "REGIE_SANDBOX")},
                   "REGIE_DATABASE_URL": url_b, "REGIE_BUSY_TIMEOUT": "2"}
            waited = subprocess.run(
                [sys.executable, "-m", "cli.main", "decide", "inkoop-2026", "tariffs", "--body", "berkelland",
                 "--outcome", "approved", "--on", "2024-10-08"], cwd=ROOT, capture_output=True, text=True,
                timeout=120, env=env)
            assert waited.returncode == 5, waited.stderr
            assert "het register is bezet door een ander proces (langer dan 2 seconden)" in waited.stderr
            assert "Traceback" not in waited.stderr
        finally:
            holder.execute(text("SELECT pg_advisory_unlock_all()"))
            holder.close()
        assert s.scalar(text("SELECT count(*) FROM decisions")) == 2
        s.close()
        again = subprocess.run(
            [sys.executable, "-m", "cli.main", "decide", "inkoop-2026", "tariffs", "--body", "berkelland",
             "--outcome", "approved", "--on", "2024-10-08"], cwd=ROOT, capture_output=True, text=True,
            timeout=120, env=env)
        assert again.returncode == 0, again.stderr
        role.dispose()
    finally:
        owner.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            for login in (f"sec_a_{tag}", f"sec_b_{tag}"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            for group in register_groups(schema):
                conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        admin.dispose()


def test_postgresql_two_registers_with_the_same_schema_name_share_no_group_role(postgres_state, monkeypatch):
    """Two registers on one server, each in its own database under the same schema name: the group roles were
    named after the schema only, so Aalten's secretary of one read the other's people and wrote its ledger."""
    _needs_postgres(postgres_state)
    from sqlalchemy.engine import make_url

    tag = uuid.uuid4().hex[:8]
    schema, other_db = f"regie_same_{tag}", f"regie_other_{tag}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{other_db}"'))
    base = make_url(POSTGRES_URL)
    urls = [POSTGRES_URL, base.set(database=other_db).render_as_string(hide_password=False)]
    monkeypatch.delenv("REGIE_SANDBOX")
    owners, logins = [], [f"sec_one_{tag}", f"sec_two_{tag}"]
    try:
        passwords = []
        for url, login in zip(urls, logins):
            with create_engine(url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            owner = make_engine(_in_schema(url, schema))
            owners.append(owner)
            migrate(owner)
            s = session_factory(owner)()
            with s.begin():
                load_builtin_if_empty(s)
                add_person(s, login=login_of(s), name="Beheerder", role="beheerder")
                passwords.append(add_person(s, login=login, name="Secretaris Aalten", role="secretaris",
                                            body="aalten", db_role=True).db_password)
            s.close()
        # the first register's secretary, logged in to the second register's database
        role_url = make_url(urls[1]).set(username=logins[0], password=passwords[0]).render_as_string(
            hide_password=False)
        stranger = create_engine(_in_schema(role_url, schema))
        insert = (f'INSERT INTO "{schema}".notifications (ledger_key, programme_key, event, subject, recipient, '
                  "channel, status, attempts, first_tried_at) VALUES ('x|decision_recorded|decision-1|r|c', "
                  "'inkoop-2026', 'decision_recorded', 's', 'r', 'c', 'sent', 0, now())")
        for sql in (f'SELECT login FROM "{schema}".people', insert):
            with pytest.raises(DBAPIError) as refused, stranger.begin() as conn:
                conn.execute(text(sql))
            assert refused.value.orig.sqlstate == "42501", sql
        stranger.dispose()
        # in its own register the same secretary still reads
        own = make_url(urls[0]).set(username=logins[0], password=passwords[0]).render_as_string(hide_password=False)
        home = create_engine(_in_schema(own, schema))
        with home.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 2
        home.dispose()
    finally:
        for owner in owners:
            owner.dispose()
        with create_engine(POSTGRES_URL).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{other_db}" WITH (FORCE)'))
            for login in logins:
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            for group in register_groups(schema) + register_groups(schema, urls[1]):
                conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        admin.dispose()


def test_postgresql_an_upgraded_register_moves_its_people_out_of_the_schema_only_groups(postgres_state, monkeypatch):
    """A register made before the database was part of the group names: migration 0012 moves its people to
    the new groups and takes every right here from the old ones (which another register may share)."""
    _needs_postgres(postgres_state)
    from alembic import command

    from models.commands.identity import groups as register_group, legacy_groups
    from models.facts.db import _alembic_config

    tag = uuid.uuid4().hex[:8]
    schema, login = f"regie_old_{tag}", f"sec_old_{tag}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    owner = make_engine(_in_schema(POSTGRES_URL, schema))
    old = new = {}
    try:
        with owner.begin() as conn:
            command.upgrade(_alembic_config(conn), "0011")
        s = session_factory(owner)()
        with s.begin():  # as Regie set a secretary up then: a login role in the group named after the schema
            old = legacy_groups(s)
            s.execute(text(f'CREATE ROLE "{old["secretaris"]}" NOLOGIN'))
            s.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{old["secretaris"]}"'))
            s.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{old["secretaris"]}"'))
            s.execute(text(f"CREATE ROLE \"{login}\" LOGIN PASSWORD 'pw-{tag}'"))
            s.execute(text(f'GRANT "{old["secretaris"]}" TO "{login}"'))
            s.execute(text("INSERT INTO people (login, name, role, body_slug, active, added_by, added_at) VALUES "
                           "(:l, 'Secretaris Aalten', 'secretaris', 'aalten', true, 'Beheerder', now())"), {"l": login})
        s.close()
        migrate(owner)
        s = session_factory(owner)()
        with s.begin():
            new = register_group(s)
            member_of = set(s.scalars(text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member JOIN pg_roles g "
                "ON g.oid = m.roleid WHERE a.rolname = :r"), {"r": login}))
            assert member_of == {new["secretaris"]}
            assert s.scalar(text("SELECT has_table_privilege(:g, 'people', 'SELECT')"), {"g": old["secretaris"]}) is False
            assert s.scalar(text("SELECT has_table_privilege(:g, 'people', 'SELECT')"), {"g": new["secretaris"]}) is True
        s.close()
    finally:
        owner.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            for group in list(old.values()) + register_groups(schema):
                conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        admin.dispose()


def test_a_form_names_its_own_extra_meeting_field_and_records_with_it(session):
    """A date that is no meeting day once advised `--extra-meeting`, a flag the form does not have."""
    form = dict(body="aalten", outcome="go", decided_on="2024-11-04", recorded_by="Secretaris Aalten")  # a Monday
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        refused = handle_form_input(session, flow_run_id="r1", pause_key="k", programme="inkoop-2026",
                                    point="go-no-go", payload=form)
    assert refused.result == "refused" and "vergadert niet op" in refused.message
    assert "met het vakje 'Extra vergadering'" in refused.message and "--" not in refused.message
    with clock.frozen(dt.date(2024, 11, 6)), session.begin():
        done = handle_form_input(session, flow_run_id="r2", pause_key="k", programme="inkoop-2026",
                                 point="go-no-go", payload=form | {"extra_meeting": True})
    assert done.result == "recorded", done.message
    with session.begin():
        assert session.get(Decision, done.decision_id).extra_meeting is True
