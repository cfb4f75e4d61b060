"""Working days in France: pure arithmetic, no database."""

import datetime

import pytest

from derogations.calendar import (
    add_working_days,
    easter_sunday,
    is_working_day,
    public_holidays,
    subtract_working_days,
    working_days_between,
)

D = datetime.date


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)),
     (2027, D(2027, 3, 28)), (2038, D(2038, 4, 25)), (2285, D(2285, 3, 22))],
)  # fmt: skip
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


def test_the_eleven_holidays_of_2026():
    assert sorted(public_holidays(2026)) == [
        D(2026, 1, 1),
        D(2026, 4, 6),  # Easter Monday
        D(2026, 5, 1),
        D(2026, 5, 8),
        D(2026, 5, 14),  # Ascension
        D(2026, 5, 25),  # Whit Monday
        D(2026, 7, 14),
        D(2026, 8, 15),
        D(2026, 11, 1),
        D(2026, 11, 11),
        D(2026, 12, 25),
    ]


def test_working_days():
    assert is_working_day(D(2026, 11, 24))  # Tuesday
    assert not is_working_day(D(2026, 11, 28))  # Saturday
    assert not is_working_day(D(2026, 11, 29))  # Sunday
    assert not is_working_day(D(2026, 11, 11))  # Wednesday, Armistice
    assert not is_working_day(D(2026, 5, 14))  # Thursday, Ascension


def test_add_working_days_skips_weekends_and_holidays():
    friday = D(2026, 11, 20)
    assert add_working_days(friday, 0) == friday
    assert add_working_days(friday, 1) == D(2026, 11, 23)  # Monday
    assert add_working_days(friday, 5) == D(2026, 11, 27)
    # Submitted on a Saturday: the count starts on Monday.
    assert add_working_days(D(2026, 11, 21), 1) == D(2026, 11, 23)
    # Tuesday 10 November + 2: Wednesday 11 is Armistice, so Thursday then Friday.
    assert add_working_days(D(2026, 11, 10), 2) == D(2026, 11, 13)
    # Christmas and New Year: Thursday 24 Dec 2026 + 5 working days.
    assert add_working_days(D(2026, 12, 24), 5) == D(2027, 1, 4)
    # Around Easter and May 2026 (6 Apr, 1, 8, 14, 25 May are holidays).
    assert add_working_days(D(2026, 4, 3), 1) == D(2026, 4, 7)
    assert add_working_days(D(2026, 4, 30), 30) == D(2026, 6, 17)  # May: 17 working days


def test_add_working_days_refuses_negative():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


def test_working_days_between():
    monday, wednesday = D(2026, 11, 23), D(2026, 11, 25)
    assert working_days_between(monday, monday) == 0
    assert working_days_between(monday, wednesday) == 2
    assert working_days_between(wednesday, monday) == 0
    # A weekend costs nothing: Friday to Monday is one working day.
    assert working_days_between(D(2026, 11, 20), D(2026, 11, 23)) == 1
    # Over Armistice: Tuesday 10 to Friday 13 November 2026 is 2 working days.
    assert working_days_between(D(2026, 11, 10), D(2026, 11, 13)) == 2


@pytest.mark.parametrize("days", [0, 1, 2, 5, 30, 60, 250])
def test_add_and_between_agree(days):
    for start in (D(2026, 4, 3), D(2026, 12, 24), D(2027, 5, 7), D(2026, 11, 21)):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days


def test_subtract_working_days_undoes_add_working_days():
    start = D(2026, 11, 6)  # a Friday, the week before Armistice (Wednesday 11)
    for days in (0, 1, 3, 30):
        assert subtract_working_days(add_working_days(start, days), days) == start
    # Monday 16 November, 5 working days back: 13, 12, (11 off), 10, 9 and Friday 6.
    assert subtract_working_days(D(2026, 11, 16), 5) == start
    assert subtract_working_days(D(2026, 11, 16), 0) == D(2026, 11, 16)
    with pytest.raises(ValueError):
        subtract_working_days(start, -1)
