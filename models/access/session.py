"""A transaction on the register, with the built-in programmes loaded on its first use."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.facts.db import MIGRATION_LOCK, _begin_read, open_session


def _load_first_use(session: Session) -> None:
    from models.access.loader import load_builtin_if_empty  # only on first use: it reads the programme files

    if session.get_bind().dialect.name == "postgresql":  # one process loads; the others wait, then see them
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    load_builtin_if_empty(session)


@contextlib.contextmanager
def register_session(url: str | None = None, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction on the register, with the built-in programmes loaded on first use.

    A read-only session (status, plan, calendar, a dry run) takes no write lock, so twenty readers
    and a writer at once do not queue behind each other on SQLite; on PostgreSQL the transaction is
    READ ONLY, so a read path that tried to write would fail loudly.
    """
    from models.facts.entities import Programme

    session = open_session(url)
    try:
        if read_only:
            with session.begin():
                _begin_read(session)
                if session.scalar(select(Programme.id).limit(1)) is not None:
                    yield session
                    return
            with session.begin():  # first use: the built-in programmes, in a short write transaction
                _load_first_use(session)
            with session.begin():
                _begin_read(session)
                yield session
            return
        with session.begin():
            if session.scalar(select(Programme.id).limit(1)) is None:  # first use: the built-in programmes
                _load_first_use(session)
            yield session
    finally:
        session.close()
