"""The one home of time: Europe/Amsterdam, Dutch date words, and a clock tests and replays can set.

Nothing else in Regie asks the system for the date or the time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

import pendulum

TIMEZONE = "Europe/Amsterdam"
TZ = pendulum.timezone(TIMEZONE)

# Set by `frozen()` (tests, replays) or, for a whole process, by REGIE_TODAY=YYYY-MM-DD.
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current moment, aware, in Europe/Amsterdam."""
    if _frozen is not None:
        return _frozen
    override = os.environ.get("REGIE_TODAY")
    if override:
        day = parse_date(override, field="REGIE_TODAY")
        return pendulum.datetime(day.year, day.month, day.day, 12, tz=TZ)
    return pendulum.now(TZ)


def utcnow() -> dt.datetime:
    return now().astimezone(dt.timezone.utc)


def today() -> dt.date:
    moment = now()
    return dt.date(moment.year, moment.month, moment.day)


@contextlib.contextmanager
def frozen(moment: dt.date | dt.datetime) -> Iterator[None]:
    """Let the clock stand still at `moment` (a date means noon, Amsterdam time)."""
    global _frozen
    previous = _frozen
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("frozen() needs an aware datetime")
        _frozen = pendulum.instance(moment).in_tz(TZ)
    else:
        _frozen = pendulum.datetime(moment.year, moment.month, moment.day, 12, tz=TZ)
    try:
        yield
    finally:
        _frozen = previous


class DateError(ValueError):
    """A text that should be a date is not one."""


def parse_date(text: str | dt.date, *, field: str = "datum") -> dt.date:
    """Parse YYYY-MM-DD strictly; the message names the field and the text."""
    if isinstance(text, dt.datetime):
        raise DateError(f"{field}: verwacht een datum (JJJJ-MM-DD), niet een tijdstip: {text!r}")
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise DateError(f"{field}: '{text}' is geen geldige datum (verwacht JJJJ-MM-DD)") from None


def dutch_date(day: dt.date) -> str:
    """'dinsdag 5 november 2024'."""
    return pendulum.date(day.year, day.month, day.day).format("dddd D MMMM YYYY", locale="nl")


def dutch_moment(moment: dt.datetime) -> str:
    """'dinsdag 5 november 2024 14:03' in Amsterdam time."""
    local = pendulum.instance(moment).in_tz(TZ)
    return local.format("dddd D MMMM YYYY HH:mm", locale="nl")
