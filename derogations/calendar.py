"""Working days in France: Monday to Friday, minus the eleven national public holidays.

Pure arithmetic on dates, no database and no settings: the lifecycle uses it to compute
a request's target date. (Alsace-Moselle's two extra days are not national: left out.)
"""

import datetime
from functools import lru_cache

ONE_DAY = datetime.timedelta(days=1)


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    """French national public holidays (jours fériés, Code du travail L3133-1)."""
    easter = easter_sunday(year)
    return frozenset(
        {
            datetime.date(year, 1, 1),  # Jour de l'an
            easter + ONE_DAY,  # Lundi de Pâques
            datetime.date(year, 5, 1),  # Fête du travail
            datetime.date(year, 5, 8),  # Victoire 1945
            easter + datetime.timedelta(days=39),  # Ascension
            easter + datetime.timedelta(days=50),  # Lundi de Pentecôte
            datetime.date(year, 7, 14),  # Fête nationale
            datetime.date(year, 8, 15),  # Assomption
            datetime.date(year, 11, 1),  # Toussaint
            datetime.date(year, 11, 11),  # Armistice
            datetime.date(year, 12, 25),  # Noël
        }
    )


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    ``add_working_days(friday, 1)`` is the next Monday (if it is not a holiday);
    ``days == 0`` gives ``start`` back.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    day = start
    while days:
        day += ONE_DAY
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days fall in ``(start, end]``: 0 if ``end <= start``.

    A clock stopped on ``start`` and restarted on ``end`` lost this many working days.
    """
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def subtract_working_days(end: datetime.date, days: int) -> datetime.date:
    """The working day ``days`` working days before ``end`` (``end`` itself if ``days`` is 0).

    The inverse of ``add_working_days`` for a working-day start:
    ``subtract_working_days(add_working_days(start, n), n) == start``.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    day = end
    while days:
        day -= ONE_DAY
        if is_working_day(day):
            days -= 1
    return day
