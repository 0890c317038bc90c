"""The one home of time: Europe/Amsterdam, Dutch date words, and a clock tests and replays can set.

Nothing else in Regie asks the system for the date or the time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Iterator

import pendulum

from models.core.errors import InputError
from models.core.inputs import os_reason, printable

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
    moving = os.environ.get("REGIE_TODAY_FILE")
    if moving:  # a demo's clock, shared by every process of its stack: the date in a file it moves on
        day = _day_from_file(moving)
        return pendulum.datetime(day.year, day.month, day.day, 12, tz=TZ)
    return pendulum.now(TZ)


_file_day: dict[str, tuple[int, dt.date]] = {}


def _day_from_file(path: str) -> dt.date:
    try:
        stamp = os.stat(path).st_mtime_ns
        known = _file_day.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        with open(path, encoding="utf-8") as handle:
            day = parse_date(handle.read().strip(), field="REGIE_TODAY_FILE")
    except OSError as exc:
        raise DateError(f"REGIE_TODAY_FILE {path}: {os_reason(exc)}") from None
    _file_day[path] = (stamp, day)
    return day


def utcnow() -> dt.datetime:
    """The current moment in UTC, as a plain aware datetime (arithmetic keeps the zone)."""
    moment = now()
    return dt.datetime.fromtimestamp(moment.timestamp(), dt.timezone.utc)


def utcnow_real() -> dt.datetime:
    """The machine's own clock, never a set one: for one-time codes and the moment a person is added."""
    return dt.datetime.now(dt.timezone.utc)


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


class DateError(InputError):
    """A text that should be a date is not one."""


FIRST_YEAR, LAST_YEAR = 1990, 2100  # a procurement programme of these municipalities lies within these years


def parse_date(text: str | dt.date, *, field: str = "datum") -> dt.date:
    """Parse JJJJ-MM-DD strictly, between 1990 and 2100; the message names the field and the text."""
    if isinstance(text, dt.datetime):
        raise DateError(f"{field}: verwacht een datum (JJJJ-MM-DD), niet een tijdstip: {text!r}")
    if isinstance(text, dt.date):
        day = text
    else:
        shown = str(text).strip()
        if len(shown) > 40 or not _DATE.fullmatch(shown):
            raise DateError(f"{field}: '{printable(shown, 40)}' is geen geldige datum (verwacht JJJJ-MM-DD)")
        try:
            day = dt.date.fromisoformat(shown)
        except ValueError:
            raise DateError(f"{field}: '{shown}' is geen geldige datum (verwacht JJJJ-MM-DD)") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateError(f"{field}: {day.isoformat()} ligt buiten {FIRST_YEAR}-{LAST_YEAR}")
    return day


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_date(moment: dt.datetime) -> dt.date:
    """The Amsterdam calendar day of an aware moment (a UTC timestamp from the register)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = pendulum.instance(moment).in_tz(TZ)
    return dt.date(local.year, local.month, local.day)


@functools.lru_cache(maxsize=8192)
def dutch_date(day: dt.date) -> str:
    """'dinsdag 5 november 2024'."""
    return pendulum.date(day.year, day.month, day.day).format("dddd D MMMM YYYY", locale="nl")


def short_dutch_date(day: dt.date) -> str:
    """'di 5 nov 2024'."""
    return pendulum.date(day.year, day.month, day.day).format("dd D MMM YYYY", locale="nl").replace(".", "")


def dutch_moment(moment: dt.datetime) -> str:
    """'dinsdag 5 november 2024 14:03' in Amsterdam time."""
    local = pendulum.instance(moment).in_tz(TZ)
    return local.format("dddd D MMMM YYYY HH:mm", locale="nl")


# --- Working days -----------------------------------------------------------------------------
# Saturdays, Sundays and the Dutch public holidays of the `holidays` package (NL, Dutch names) are
# no working days. Good Friday and Liberation Day (in the years the package lists it) count as
# holidays too: a reminder then waits a day, and a plan errs on the early side.


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> dict[dt.date, str]:
    return {day: name for day, name in _holiday_table().items() if day.year == year} if HOLIDAY_YEARS[0] <= year \
        <= HOLIDAY_YEARS[1] else _package_holidays(range(year, year + 1))


HOLIDAY_YEARS = (1990, 2100)  # the years kept in the holiday cache; others are asked of the package directly


def _package_holidays(years) -> dict[dt.date, str]:
    import holidays

    return dict(holidays.NL(years=list(years), language="nl").items())


@functools.lru_cache(maxsize=1)
def _holiday_table() -> dict[dt.date, str]:
    """The `holidays` package's Dutch public holidays of 1990-2100, kept in the user's cache folder
    ($XDG_CACHE_HOME/regie, else ~/.cache/regie) under the package's version, so a command does not
    import and set up the package (0.1 s) to learn the same days again. Written atomically; any doubt
    about the file, and the package answers."""
    import importlib.util
    import json

    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec is not None else None
    stamp = f"{origin}:{os.stat(origin).st_mtime_ns}" if origin else "none"
    folder = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "regie")
    path = os.path.join(folder, "holidays-nl.json")
    try:
        with open(path, encoding="utf-8") as handle:
            cached = json.load(handle)
        if cached.get("stamp") == stamp and cached.get("years") == list(HOLIDAY_YEARS):
            return {dt.date.fromisoformat(k): v for k, v in cached["days"].items()}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    table = _package_holidays(range(HOLIDAY_YEARS[0], HOLIDAY_YEARS[1] + 1))
    try:
        os.makedirs(folder, exist_ok=True)
        scratch = f"{path}.{os.getpid()}.tmp"
        with open(scratch, "w", encoding="utf-8") as handle:
            json.dump({"stamp": stamp, "years": list(HOLIDAY_YEARS),
                       "days": {k.isoformat(): v for k, v in sorted(table.items())}}, handle)
        os.replace(scratch, path)
    except OSError:
        pass  # a read-only home: the package answers each time
    return table


def holiday_name(day: dt.date) -> str | None:
    return _holidays(day.year).get(day)


@functools.lru_cache(maxsize=None)
def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def met_by(due: dt.date) -> dt.date:
    """The last day on which a due date is still met: the day itself, or, when it falls on a weekend or a
    public holiday, the first working day after it (a contract start due on New Year's Day is on time when
    it is confirmed on the 2nd). Every judgement of 'late' reads this."""
    return next_working_day(due)


def previous_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


@functools.lru_cache(maxsize=65536)
def add_working_days(day: dt.date, count: int) -> dt.date:
    """Move `count` working days forward (negative: backward) from `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return _working_days_through(end) - _working_days_through(start)


@functools.lru_cache(maxsize=None)
def _year_prefix(year: int) -> tuple[int, ...]:
    """Working days in `year` up to and including each day of it (index: day of the year - 1)."""
    counts, total = [], 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        total += is_working_day(day)
        counts.append(total)
        day += dt.timedelta(days=1)
    return tuple(counts)


@functools.lru_cache(maxsize=None)
def _working_days_before_year(year: int) -> int:
    """Working days from 1 January 1990 up to the end of the year before `year` (0 before 1990)."""
    if year <= 1990:
        return 0
    return _working_days_before_year(year - 1) + _year_prefix(year - 1)[-1]


def _working_days_through(day: dt.date) -> int:
    """A running count of working days, so the days between two dates is one subtraction."""
    if day.year < 1990:
        return -sum(is_working_day(day + dt.timedelta(days=i)) for i in range(1, (dt.date(1990, 1, 1) - day).days))
    return _working_days_before_year(day.year) + _year_prefix(day.year)[day.timetuple().tm_yday - 1]


# --- Statutory terms ----------------------------------------------------------------------------
# One home for the terms the law sets, read by planning, the tender, the letters and the reminders.
# The Algemene termijnenwet (art. 1 and 3) lets a term that would end on a Saturday, Sunday or public
# holiday run on to the next day that is none of these. Its holidays are the working-day calendar's
# (the `holidays` package above, so Easter is computed once), without Good Friday, which the Act does
# not list, and with 5 May every year, which it does.

STANDSTILL_DAYS = 20  # Aanbestedingswet 2012, art. 2.127: 20 calendar days from the day after sending
AWARD_NOTICE_DAYS = 30  # Aanbestedingswet 2012, art. 2.134: within 30 days after the contract is signed


@functools.lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The public holidays of the Algemene termijnenwet (art. 3) in `year`, with their Dutch names."""
    days = {d: n for d, n in _holidays(year).items() if n.lower() != "goede vrijdag"}
    days[dt.date(year, 5, 5)] = "Bevrijdingsdag"
    return days


def next_day_of_business(day: dt.date) -> dt.date:
    """A statutory term ending on a Saturday, Sunday or public holiday runs on to the next day that is none
    of these (Algemene termijnenwet, art. 1)."""
    while day.weekday() >= 5 or day in statutory_holidays(day.year):
        day += dt.timedelta(days=1)
    return day


def standstill_end(sent: dt.date) -> dt.date:
    """The last day of the standstill after the award decision was sent on `sent`: 20 calendar days,
    counted from the day after sending, run on past a weekend or public holiday (Algemene termijnenwet).
    A contract may be signed from the day after it (`first_signing_day`)."""
    return next_day_of_business(sent + dt.timedelta(days=STANDSTILL_DAYS))


def first_signing_day(sent: dt.date) -> dt.date:
    """The first day a contract may be signed: the day after the standstill's last day."""
    return standstill_end(sent) + dt.timedelta(days=1)


def latest_sending_for_signing(signing: dt.date) -> dt.date:
    """The latest day the award decision can be sent so that a contract may be signed on `signing`."""
    sent = signing - dt.timedelta(days=STANDSTILL_DAYS + 1)
    while first_signing_day(sent) > signing:
        sent -= dt.timedelta(days=1)
    return sent


def award_notice_due(signed: dt.date, days: int = AWARD_NOTICE_DAYS) -> dt.date:
    """The last day for the award notice after signing on `signed` (art. 2.134), run on past a weekend or
    public holiday (Algemene termijnenwet)."""
    return next_day_of_business(signed + dt.timedelta(days=days))


# --- Contract terms -----------------------------------------------------------------------------

def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


def contract_terms(start: dt.date, initial_years: int, options_years: list[int] | tuple[int, ...]
                   ) -> list[tuple[dt.date, dt.date]]:
    """The initial term and each option's term, as (first day, last day)."""
    terms, begin = [], start
    for years in [initial_years, *options_years]:
        end = add_years(begin, years) - dt.timedelta(days=1)
        terms.append((begin, end))
        begin = end + dt.timedelta(days=1)
    return terms
