"""Work over every programme at once, one transaction each (the sweep's part in the register)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models.access.session import register_session
from models.commands.tender import settle_standstill
from models.core import clock
from models.facts.entities import Programme


def settle_all(as_of: dt.date | None = None) -> list[str]:
    """End every standstill that has run out, in every programme with a tender (one transaction each)."""


    as_of = min(as_of or clock.today(), clock.today())
    with register_session(read_only=True) as session:
        keys = list(session.scalars(select(Programme.key).where(Programme.tender.is_not(None)).order_by(Programme.key)))
    done = []
    for key in keys:
        with register_session() as session:
            done += [f"{key}: {line}" for line in settle_standstill(session, key, as_of)]
    return done
