"""Who is writing: a verified login, the person it belongs to, and what that person's role allows.

The login is never typed. On SQLite (one machine) it is the operating-system user that runs Regie;
the data folder is that user's alone (0700, files 0600). On PostgreSQL it is the database role the
connection logged in as, and the server checks it itself (models/migrations/versions/0010_identity.py):
a row's `recorded_as` must be `current_user`, its `recorded_at` the server's clock, and row level
security lets a secretary's role insert decisions for its own college only.

People and their roles are data (`regie people add`). A register without people is an open one:
one machine, one user, every command allowed, the name typed with `--by` kept next to the login.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.core import clock
from models.facts.entities import ROLES, GoverningBody, Person, PersonSecret
from models.core.errors import InputError
from models.core.inputs import clean_text, printable

ROLE_LABELS = {
    "secretaris": "secretaris van een college (legt de besluiten van dat college vast)",
    "projectteam": "projectteam / inkoopleider (mijlpalen, handmatige overgangen, herplanning)",
    "programmabureau": "programmabureau (overzicht, herinneringen; de dienst achter de formulieren)",
    "beheerder": "beheerder (personen en programmabestanden)",
}

# What each role may write. Reading (status, plan, calendar, ...) is open to everyone the register knows.
MAY = {
    "decide": ("secretaris", "projectteam"),
    "advance": ("projectteam",),
    "replan": ("projectteam",),
    "load": ("beheerder",),
    "people": ("beheerder",),
    "tender": ("projectteam",),
}
ACTIONS_NL = {"decide": "besluiten vastleggen", "advance": "handmatige overgangen vastleggen",
              "replan": "herplanningen vastleggen", "load": "programmabestanden laden", "people": "personen beheren",
              "tender": "stappen van de aanbesteding of beoordelingen vastleggen"}


@dataclass(frozen=True)
class Actor:
    login: str  # verified: the operating-system user or the database role
    name: str | None  # the person's name from the register; None on an open register
    role: str | None
    body: str | None  # the governing body a secretary records for

    @property
    def open(self) -> bool:
        return self.role is None


def shown(value) -> str:
    return printable(value, 60)


def os_login() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def login_of(session: Session) -> str:
    """The verified login of this connection."""
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(text("SELECT current_user"))
    return os_login()


def stamp(session: Session) -> tuple[str, dt.datetime]:
    """Who writes and when: on PostgreSQL both from the server (the database checks them again)."""
    if session.get_bind().dialect.name == "postgresql":
        login, now = session.execute(text("SELECT current_user, date_trunc('second', now())")).one()
        if os.environ.get("REGIE_TODAY"):  # a sandbox's set clock (refused on a real register)
            now = clock.utcnow().replace(microsecond=0)
        return login, now.astimezone(dt.timezone.utc)
    return os_login(), clock.utcnow().replace(microsecond=0)


def has_people(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Person)) > 0


def current_actor(session: Session) -> Actor:
    login = login_of(session)
    if not has_people(session):
        return Actor(login, None, None, None)
    person = session.scalar(select(Person).where(Person.login == login))
    if person is None or not person.active:
        state = "staat niet" if person is None else "staat niet meer (uitgeschakeld)"
        raise InputError(f"u bent aangemeld als '{shown(login)}' en {state} in de personen van dit register; "
                         "vraag de beheerder om `regie people add`")
    return Actor(person.login, person.name, person.role, person.body_slug)


def authorize(session: Session, action: str, *, body: GoverningBody | None = None,
              typed_name: str | None = None, field: str = "naam (--by)",
              required: str = "naam ontbreekt (--by)") -> tuple[Actor, str]:
    """The actor and the name to record, or InputError naming what the role does not allow."""
    actor = current_actor(session)
    if actor.open:  # one user on one machine: the typed name is kept, next to the verified login
        return actor, clean_text(typed_name, field, 200, required=required)
    if typed_name and typed_name.strip() not in (actor.name, actor.login):
        raise InputError(f"--by '{shown(typed_name)}' is niet wie u bent: u bent aangemeld als {actor.name} "
                         f"({actor.login}); laat --by weg, het register neemt uw naam zelf")
    if actor.role not in MAY[action]:
        raise InputError(f"{actor.name} ({actor.login}) is {actor.role} en mag geen {ACTIONS_NL[action]}")
    if action == "decide" and body is not None:
        if actor.role == "secretaris" and body.slug != actor.body:
            raise InputError(f"{actor.name} ({actor.login}) is secretaris voor '{actor.body}' en mag geen besluit "
                             f"van {body.name} vastleggen")
        if actor.role == "projectteam" and body.kind != "projectteam":
            raise InputError(f"{actor.name} ({actor.login}) is van het projectteam en legt mijlpalen vast, "
                             f"geen besluit van {body.name}")
    return actor, actor.name


def may(session: Session, action: str) -> str:
    """The verified login, if its role allows the action (any login on an open register)."""
    actor = current_actor(session)
    if not actor.open and actor.role not in MAY[action]:
        raise InputError(f"{actor.name} ({actor.login}) is {actor.role} en mag geen {ACTIONS_NL[action]}")
    return actor.login


def authorize_form(session: Session, *, login: str, code: str, body: GoverningBody) -> tuple[str, str]:
    """A form in the Prefect UI: the person named proves it with a one-time code, used once.

    Returns (login, name) of the person the decision is recorded for.
    """
    person, secret, matched = _one_time_code(session, login, code)
    actor = Actor(person.login, person.name, person.role, person.body_slug)
    if actor.role not in MAY["decide"]:
        raise InputError(f"{person.name} ({person.login}) is {person.role} en mag geen {ACTIONS_NL['decide']}")
    if actor.role == "secretaris" and body.slug != actor.body:
        raise InputError(f"{person.name} ({person.login}) is secretaris voor '{actor.body}' en mag geen besluit "
                         f"van {body.name} vastleggen")
    if actor.role == "projectteam" and body.kind != "projectteam":
        raise InputError(f"{person.name} ({person.login}) legt mijlpalen vast, geen besluit van {body.name}")
    secret.last_step, secret.failures = matched, 0
    return person.login, person.name


def authorize_person(session: Session, *, login: str, code: str, action: str) -> tuple[str, str]:
    """A form of the procurement lead in the Prefect UI (a phase released by hand): the person proves who they
    are with a one-time code, used once, and their role must allow the action. Returns (login, name)."""
    person, secret, matched = _one_time_code(session, login, code)
    if person.role not in MAY[action]:
        raise InputError(f"{person.name} ({person.login}) is {person.role} en mag geen {ACTIONS_NL[action]}")
    secret.last_step, secret.failures = matched, 0
    return person.login, person.name


def _one_time_code(session: Session, login: str, code: str):
    """The active person with this user name whose one-time code is right and not used before."""
    import pyotp

    login = (login or "").strip()
    if not _valid_login(login):
        raise InputError(f"gebruikersnaam '{shown(login)}' is onbekend")
    person = session.scalar(select(Person).where(Person.login == login, Person.active))
    secret = session.get(PersonSecret, login, with_for_update=True)
    if person is None or secret is None:
        raise InputError(f"gebruikersnaam '{shown(login)}' is onbekend of heeft geen eenmalige code ingesteld")
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise InputError("de eenmalige code bestaat uit 6 cijfers (uit uw authenticator-app)")
    now = clock.utcnow_real()
    if secret.locked_until is not None and now < secret.locked_until:
        raise InputError(f"te veel onjuiste eenmalige codes voor '{shown(login)}': geblokkeerd tot "
                         f"{clock.dutch_moment(secret.locked_until)}; er is niets vastgelegd")
    totp = pyotp.TOTP(secret.totp_secret)
    step = int(now.timestamp()) // totp.interval
    try:
        matched = next((s for s in (step, step - 1, step + 1)
                        if secrets.compare_digest(totp.at(s * totp.interval), code)), None)
    except (ValueError, TypeError):  # a secret that is not a valid one (set outside Regie)
        raise InputError(f"het eenmalige-codegeheim van '{shown(login)}' is ongeldig; vraag de beheerder om "
                         "`regie people add ... --totp`") from None
    if matched is None:
        raise WrongCode(login)
    if matched <= secret.last_step:
        raise InputError("deze eenmalige code is al gebruikt; wacht op de volgende code")
    return person, secret, matched


MAX_WRONG_CODES = 5  # in a row; then the login's codes are refused for LOCKOUT
LOCKOUT = dt.timedelta(minutes=15)


class WrongCode(InputError):
    """A one-time code that does not match: counted by `note_wrong_code`, outside the refused transaction."""

    def __init__(self, login: str):
        super().__init__("de eenmalige code klopt niet (of is verlopen); er is niets vastgelegd")
        self.login = login


def note_wrong_code(session: Session, login: str) -> None:
    """Count a wrong code for this login (in the caller's transaction, which commits although the action
    was refused); the fifth in a row blocks the login's codes for a quarter of an hour."""
    secret = session.get(PersonSecret, login)
    if secret is None:
        return
    secret.failures = (secret.failures or 0) + 1
    if secret.failures >= MAX_WRONG_CODES:
        secret.failures, secret.locked_until = 0, clock.utcnow_real() + LOCKOUT
    session.flush()


def _valid_login(login: str) -> bool:
    return (1 <= len(login) <= 63 and login[0].isascii() and login[0].isalpha()
            and all(c.isascii() and (c.isalnum() or c in "_.-") for c in login))


@dataclass(frozen=True)
class Added:
    login: str
    name: str
    role: str
    body: str | None
    totp_uri: str | None  # shown once, for the authenticator app
    db_password: str | None  # PostgreSQL: the new login role's password, shown once


def add_person(session: Session, *, login: str, name: str, role: str, body: str | None = None,
               totp: bool = False, db_role: bool = False) -> Added:
    """Add (or re-activate) a person; on an empty register the first one is the beheerder running it."""
    from models.facts.lookup import get_body

    login = (login or "").strip()
    if not _valid_login(login):
        raise InputError(f"gebruikersnaam '{shown(login)}': letters, cijfers, '_', '.', '-', beginnend met een "
                         "letter, hoogstens 63 tekens")
    name = clean_text(name, "naam (--name)", 200, required="naam ontbreekt (--name)")
    if role not in ROLES:
        raise InputError(f"rol '{shown(role)}' bestaat niet (kies uit: {', '.join(ROLES)})")
    me = login_of(session)
    if has_people(session):
        may(session, "people")
    elif not (role == "beheerder" and login == me):
        raise InputError(f"dit register heeft nog geen personen: voeg eerst uzelf toe als beheerder "
                         f"(--login {me} --role beheerder)")
    body_slug = None
    if role == "secretaris":
        if not body:
            raise InputError("een secretaris hoort bij één college: geef --body")
        gb = get_body(session, body)
        if gb.kind == "projectteam":
            raise InputError("het projectteam heeft geen secretaris: geef de rol projectteam")
        body_slug = gb.slug
    elif body:
        raise InputError(f"--body hoort alleen bij de rol secretaris, niet bij {role}")
    person = session.scalar(select(Person).where(Person.login == login))
    known_before = person is not None
    if person is not None and person.role == "beheerder" and role != "beheerder" and not _other_beheerder(session, login):
        raise InputError(f"{person.name} ({login}) is de laatste beheerder; maak eerst een andere beheerder")
    if person is None:
        person = Person(login=login, name=name, role=role, body_slug=body_slug, active=True, added_by=me,
                        added_at=clock.utcnow_real().replace(microsecond=0))
        session.add(person)
    else:
        person.name, person.role, person.body_slug, person.active = name, role, body_slug, True
        person.added_by, person.added_at = me, clock.utcnow_real().replace(microsecond=0)
    uri = None
    if totp:
        import pyotp

        key = pyotp.random_base32()
        existing = session.get(PersonSecret, login)
        if existing is None:
            session.add(PersonSecret(login=login, totp_secret=key, last_step=0))
        else:
            existing.totp_secret, existing.last_step = key, 0
        uri = pyotp.TOTP(key).provisioning_uri(name=login, issuer_name="Regie")
    password = None
    if db_role:
        if login.lower().startswith(("regie_", "pg_")) or login.lower() in ("postgres", "public"):
            raise InputError(f"'{shown(login)}' is een naam die Regie of PostgreSQL zelf gebruikt; kies een andere")
        if session.get_bind().dialect.name != "postgresql":
            raise InputError("--db-role hoort bij PostgreSQL; op SQLite is de gebruiker van het besturingssysteem "
                             "de identiteit")
        exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login})
        if exists and not known_before:
            raise InputError(f"databaserol '{shown(login)}' bestaat al en hoort bij geen persoon van dit register; "
                             "Regie neemt geen bestaande rol over")
        password = secrets.token_urlsafe(24)
        ensure_database_role(session, login, role, password)
    session.flush()
    return Added(login, name, role, body_slug, uri, password)


def _other_beheerder(session: Session, login: str) -> bool:
    return session.scalar(select(func.count()).select_from(Person).where(
        Person.role == "beheerder", Person.active, Person.login != login)) > 0


def deactivate_person(session: Session, login: str) -> None:
    may(session, "people")
    person = session.scalar(select(Person).where(Person.login == login))
    if person is None:
        raise InputError(f"gebruikersnaam '{shown(login)}' is onbekend")
    if person.login == login_of(session) and person.role == "beheerder":
        raise InputError("u kunt uzelf als beheerder niet uitschakelen; laat een andere beheerder dat doen")
    if person.role == "beheerder" and not _other_beheerder(session, login):
        raise InputError(f"{person.name} ({login}) is de laatste beheerder; maak eerst een andere beheerder")
    person.active = False
    if session.get_bind().dialect.name == "postgresql" and session.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}):
        ident = '"' + login.replace('"', '""') + '"'
        session.execute(text(f"ALTER ROLE {ident} NOLOGIN"))  # the database lets the person in no more
    session.flush()


# ---- PostgreSQL: each person logs in as their own role, member of one group role per Regie role ----

def groups(session: Session) -> dict[str, str]:
    """The group roles of this register (its database and schema): one register's roles reach no other.

    Roles belong to the whole server, so two registers in two databases with the same schema name (both
    `public`) once shared their groups, and a secretary of one read and wrote the other. The name now
    holds the database and the schema, with a short hash of both (names that differ only in punctuation,
    or are cut to PostgreSQL's 63 characters, stay apart)."""
    database, schema = session.execute(text("SELECT current_database(), current_schema()")).one()
    return group_names(database, schema)


def group_names(database: str, schema: str) -> dict[str, str]:
    """Role -> the group role's name of the register in this database and schema."""
    import hashlib

    safe = lambda name: "".join(c if c.isalnum() else "_" for c in name.lower())[:18]  # noqa: E731
    tag = hashlib.sha256(f"{database}\x00{schema}".encode()).hexdigest()[:6]
    return {role: f"regie_{safe(database)}_{safe(schema)}_{tag}_{role}" for role in ROLES}


def legacy_groups(session: Session) -> dict[str, str]:
    """The group names registers had before the database was part of them (`regie_<schema>_<role>`)."""
    schema = session.scalar(text("SELECT current_schema()"))
    safe = "".join(c if c.isalnum() else "_" for c in schema.lower())
    return {role: f"regie_{safe}_{role}"[:63] for role in ROLES}


_DEFINITION = ("municipalities", "governing_bodies", "programmes", "programme_municipalities", "phases",
               "segments", "lots", "lot_municipalities", "decision_points")


def grant_roles(session: Session) -> None:
    """Group roles and their privileges in this register's schema (idempotent; needs CREATEROLE)."""
    GROUP = groups(session)
    for group in GROUP.values():
        session.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN "
            f"CREATE ROLE {group} NOLOGIN; END IF; END $$"))
    schema = session.scalar(text("SELECT current_schema()"))
    tables = set(session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
    every = ", ".join(GROUP.values())
    q = lambda name: '"' + name.replace('"', '""') + '"'  # noqa: E731
    session.execute(text(f"GRANT USAGE ON SCHEMA {q(schema)} TO {every}"))
    session.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {q(schema)} TO {every}"))
    session.execute(text(f"REVOKE ALL ON person_secrets FROM {every}"))
    session.execute(text(f"GRANT SELECT, UPDATE ON person_secrets TO {GROUP['programmabureau']}"))
    session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {every}"))
    # messages: whoever records something also sends what it owes
    session.execute(text(f"GRANT INSERT, UPDATE ON outbox, notifications TO {every}"))
    session.execute(text(f"GRANT INSERT ON decisions TO {GROUP['secretaris']}, {GROUP['projectteam']}, "
                         f"{GROUP['programmabureau']}"))
    session.execute(text(f"GRANT INSERT ON form_inputs TO {GROUP['programmabureau']}"))  # the forms' service only
    session.execute(text(f"GRANT INSERT ON phase_overrides, plan_revisions TO {GROUP['projectteam']}"))
    tender = ", ".join(t for t in ("offer_imports", "offers", "tender_records") if t in tables)
    if tender:  # the tender's steps and the assessment: the project team, and the service (the sweep's standstill)
        session.execute(text(f"GRANT INSERT ON {tender} TO {GROUP['projectteam']}, {GROUP['programmabureau']}"))
    # a replan moves dates, nothing else: who decides and what kind of point it is stay the owner's
    session.execute(text(f"GRANT UPDATE (planned_date) ON decision_points TO {GROUP['projectteam']}"))
    session.execute(text(f"GRANT UPDATE (planned_start, planned_end) ON phases TO {GROUP['projectteam']}"))
    definition = ", ".join(t for t in _DEFINITION if t in tables and t not in ("municipalities", "governing_bodies"))
    session.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {definition} TO {GROUP['beheerder']}"))
    # who a college is stays as it was made: new bodies may be added, none changed
    session.execute(text(f"GRANT INSERT ON municipalities, governing_bodies TO {GROUP['beheerder']}"))
    session.execute(text(f"GRANT INSERT, UPDATE ON people TO {GROUP['beheerder']}"))
    session.execute(text(f"GRANT SELECT, INSERT, UPDATE ON person_secrets TO {GROUP['beheerder']}"))
    _leave_legacy_groups(session, GROUP, q(schema))


def _leave_legacy_groups(session: Session, GROUP: dict[str, str], schema: str) -> None:
    """A register made before the database was part of the group names: its people move to the new groups,
    and the old groups (perhaps shared with another register of the same schema name) lose every right here."""
    old = {role: name for role, name in legacy_groups(session).items()
           if session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name})}
    for role, name in old.items():
        members = session.scalars(text(
            "SELECT a.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = :g"), {"g": name}).all()
        ours = set(session.scalars(select(Person.login)))
        for login in members:
            if login in ours:
                ident = '"' + login.replace('"', '""') + '"'
                session.execute(text(f"GRANT {GROUP[role]} TO {ident}"))
                session.execute(text(f"REVOKE {name} FROM {ident}"))
        session.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}"))
        session.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {name}"))
        session.execute(text(f"REVOKE USAGE ON SCHEMA {schema} FROM {name}"))


def ensure_database_role(session: Session, login: str, role: str, password: str) -> None:
    grant_roles(session)
    GROUP = groups(session)
    exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login})
    ident = '"' + login.replace('"', '""') + '"'
    quoted = "'" + password.replace("'", "''") + "'"
    if exists:
        session.execute(text(f"ALTER ROLE {ident} LOGIN PASSWORD {quoted}"))
        for other in GROUP.values():
            session.execute(text(f"DO $$ BEGIN IF pg_has_role('{login}', '{other}', 'MEMBER') THEN "
                                 f"REVOKE {other} FROM {ident}; END IF; END $$"))
    else:
        session.execute(text(f"CREATE ROLE {ident} LOGIN PASSWORD {quoted}"))
    session.execute(text(f"GRANT {GROUP[role]} TO {ident}"))
