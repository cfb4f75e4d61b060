"""The team dashboard (issue 9): its figures on a history built through the lifecycle at
known dates, its filters, its markup (SVG with title, description and tables) and its
query count.

Every expected figure below is worked out by hand from the dates in the comments
(French working days: Monday to Friday minus public holidays; 2026: Easter Monday 6 April,
1 and 8 May, Ascension 14 May, 14 July; 15 August is a Saturday).
"""

import datetime
import re
import zoneinfo
from unittest import mock

import pytest
from django.urls import reverse

from derogations import calendar, lifecycle
from derogations.enums import DecisionKind, Kind, Status, Urgency
from reviews import dashboard
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
URL = reverse("reviews:team_dashboard")
FAR = datetime.date(2030, 1, 15)  # complement due date, in the future of every frozen clock
TODAY = datetime.date(2026, 10, 15)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


def frozen(when: datetime.datetime):
    """Django's clock (timezone.now, and localdate through it) at ``when``."""
    return mock.patch("django.utils.timezone.now", return_value=when)


class History:
    """Requests moved through the real lifecycle, each step at a chosen moment."""

    def __init__(self) -> None:
        self.org = factories.OrganisationFactory()
        self.operator = factories.operator_of(self.org)
        self.evaluator = factories.UserFactory(evaluator=True)
        self.senior = factories.UserFactory(senior=True)

    def received(self, on: datetime.datetime, **fields: object):
        req = factories.RequestFactory(organisation=self.org, created_by=self.operator, **fields)
        with frozen(on):
            lifecycle.submit(req, self.operator)
            lifecycle.declare_admissible(req, self.evaluator)
        return req

    def stopped(self, req, asked: datetime.datetime, answered: datetime.datetime | None):
        with frozen(asked):
            lifecycle.request_complements(req, self.evaluator, "Rapport complet ?", due_date=FAR)
        if answered is not None:
            with frozen(answered):
                lifecycle.answer_complements(req, self.operator, "Le voici.")

    def decided(self, req, on: datetime.datetime, kind: str = DecisionKind.GRANT):
        with frozen(on - datetime.timedelta(hours=2)):
            factories.graded(req, self.evaluator)
            lifecycle.propose_decision(
                req,
                self.evaluator,
                kind=kind,
                motivation="Considérant le dossier.",
                valid_until=FAR if kind == DecisionKind.GRANT else None,
            )
        with frozen(on):
            lifecycle.validate_decision(req, self.senior)
        return req

    def withdrawn(self, req, on: datetime.datetime):
        with frozen(on):
            lifecycle.withdraw(req, self.operator, "Plus nécessaire.")


URGENT = {"urgency": Urgency.URGENT, "urgency_reason": "Traitement à débuter."}


@pytest.fixture
def history():
    h = History()
    # A: individual standard, 2 March to 20 March 2026: 4 + 5 + 5 = 14 working days.
    h.decided(h.received(at(2026, 3, 2)), at(2026, 3, 20))
    # B: individual standard, 2 March to 30 April, refused: 21 working days left in March,
    # 21 in April (Easter Monday off) = 42, minus a stop from Tuesday 10 to Friday 13 March
    # (3 working days) = 39. Target: 30 + 3 working days after 2 March = 17 April: late.
    b = h.received(at(2026, 3, 2))
    h.stopped(b, at(2026, 3, 10), at(2026, 3, 13))
    h.decided(b, at(2026, 4, 30), DecisionKind.REFUSAL)
    # C: urgent, 6 to 13 May: 7, (8 off), 11, 12, 13 = 4 days, target 5: in time.
    h.decided(h.received(at(2026, 5, 6), **URGENT), at(2026, 5, 13))
    # D: urgent, 1 to 15 June: 4 + 5 + 1 = 10 days, target 5: late.
    h.decided(h.received(at(2026, 6, 1), **URGENT), at(2026, 6, 15))
    # E: urgent, 7 to 9 September: 2 days.
    h.decided(h.received(at(2026, 9, 7), **URGENT), at(2026, 9, 9))
    # F: global, 5 January to 27 March: 19 + 20 + 20 = 59 days, target 60: in time.
    h.decided(h.received(at(2026, 1, 5), global_kind=True), at(2026, 3, 27))
    # G: refused in October 2025, before the 12 months: in no chart but the statuses.
    h.decided(h.received(at(2025, 9, 1)), at(2025, 10, 15), DecisionKind.REFUSAL)
    # Open files, for the overdue trend:
    # H: standard, received 1 June, target 13 July; late at the end of July onwards.
    h.received(at(2026, 6, 1))
    # I: urgent, received 3 August (target 10 August), waiting for complements from
    # 5 August to 14 September (28 working days): target 17 September. Not counted at the
    # end of August (clock stopped), late at the end of September and today.
    i = h.received(at(2026, 8, 3), **URGENT)
    h.stopped(i, at(2026, 8, 5), at(2026, 9, 14))
    # J: urgent, received 1 June (target 8 June), waiting from 22 June to 3 August
    # (29 working days, 14 July off): target 20 July. Clock stopped at the end of June and
    # July, late at the end of August onwards.
    j = h.received(at(2026, 6, 1), **URGENT)
    h.stopped(j, at(2026, 6, 22), at(2026, 8, 3))
    # K: standard, received 5 January: target 16 February, late at the end of February.
    # Then waiting from 2 to 16 March (10 working days): its target today is 2 March,
    # which must not hide that it was late on 28 February. Late every month end from
    # February on.
    k = h.received(at(2026, 1, 5))
    h.stopped(k, at(2026, 3, 2), at(2026, 3, 16))
    # L: standard, received 1 December 2025 (target 14 January: 25 December and 1 January
    # off), withdrawn on 10 February: late at the end of January only.
    h.withdrawn(h.received(at(2025, 12, 1)), at(2026, 2, 10))
    return h


def test_the_dates_of_the_history_are_what_the_comments_say(history):
    # The hand counts above, checked once against the calendar module.
    assert (
        calendar.working_days_between(datetime.date(2026, 3, 2), datetime.date(2026, 4, 30)) == 42
    )
    assert (
        calendar.working_days_between(datetime.date(2026, 1, 5), datetime.date(2026, 3, 27)) == 59
    )
    assert calendar.add_working_days(datetime.date(2026, 6, 1), 30) == datetime.date(2026, 7, 13)
    assert (
        calendar.working_days_between(datetime.date(2026, 8, 5), datetime.date(2026, 9, 14)) == 28
    )
    assert (
        calendar.working_days_between(datetime.date(2026, 6, 22), datetime.date(2026, 8, 3)) == 29
    )
    assert calendar.add_working_days(datetime.date(2025, 12, 1), 30) == datetime.date(2026, 1, 14)
    individual = history.org.requests.filter(kind=Kind.INDIVIDUAL)
    assert individual.get(submitted_at=at(2026, 8, 3)).target_date == datetime.date(2026, 9, 17)
    assert individual.get(submitted_at=at(2026, 1, 5)).target_date == datetime.date(2026, 3, 2)


def test_status_counts(history):
    board = dashboard.compute(12, "", TODAY)
    counts = {key: n for key, _label, n in board.statuses}
    assert counts == {
        Status.SUBMITTED: 0,
        Status.IN_REVIEW: 4,  # H I J K
        Status.AWAITING_COMPLEMENTS: 0,
        Status.DECISION_PROPOSED: 0,
        Status.GRANTED: 5,  # A C D E F
        Status.REFUSED: 2,  # B G
        Status.WITHDRAWN: 1,  # L
        Status.INADMISSIBLE: 0,
    }


def test_processing_times_against_targets(history):
    board = dashboard.compute(12, "", TODAY)
    times = {time.category.key: time for time in board.processing}
    assert [(k, t.category.target) for k, t in times.items()] == [
        ("vital", 2),
        ("urgent", 5),
        ("standard", 30),
        ("global", 60),
    ]
    assert times["vital"].count == 0 and times["vital"].median is None
    # Urgent: 4, 10, 2 days: median 4; 90th percentile, rank ceil(0.9 * 3) = 3: 10.
    assert sorted(times["urgent"].days) == [2, 4, 10]
    assert (times["urgent"].median, times["urgent"].p90, times["urgent"].within_target) == (
        4,
        10,
        2,
    )
    # Standard: A 14 and B 39 (G was decided before the period): median 26.5, p90 39.
    assert sorted(times["standard"].days) == [14, 39]
    assert (times["standard"].median, times["standard"].p90) == (26.5, 39)
    assert times["standard"].within_target == 1
    assert (times["global"].days, times["global"].within_target) == ([59], 1)


def test_overdue_at_each_month_end(history):
    board = dashboard.compute(12, "", TODAY)
    assert board.overdue == [
        (datetime.date(2025, 11, 30), 0),
        (datetime.date(2025, 12, 31), 0),
        (datetime.date(2026, 1, 31), 1),  # L
        (datetime.date(2026, 2, 28), 1),  # K (as its target stood then)
        (datetime.date(2026, 3, 31), 1),  # K
        (datetime.date(2026, 4, 30), 1),
        (datetime.date(2026, 5, 31), 1),
        (datetime.date(2026, 6, 30), 1),  # K; J's clock stopped, H not due yet
        (datetime.date(2026, 7, 31), 2),  # K H
        (datetime.date(2026, 8, 31), 3),  # K H J; I's clock stopped
        (datetime.date(2026, 9, 30), 4),  # K H J I
        (TODAY, 4),
    ]


def test_decisions_by_month(history):
    board = dashboard.compute(12, "", TODAY)
    by_month = {month.start: month.values for month in board.decisions}
    assert list(by_month) == dashboard.month_starts(TODAY, 12)
    assert by_month[datetime.date(2026, 3, 1)] == (2, 0)  # A, F
    assert by_month[datetime.date(2026, 4, 1)] == (0, 1)  # B
    assert by_month[datetime.date(2026, 5, 1)] == (1, 0)  # C
    assert by_month[datetime.date(2026, 6, 1)] == (1, 0)  # D
    assert by_month[datetime.date(2026, 9, 1)] == (1, 0)  # E
    assert sum(sum(values) for values in by_month.values()) == 6  # G is outside the period


def test_period_and_kind_filters(history):
    board = dashboard.compute(3, Kind.GLOBAL, TODAY)
    assert [month.start for month in board.decisions] == [
        datetime.date(2026, 8, 1),
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 1),
    ]
    assert {key: n for key, _label, n in board.statuses if n} == {Status.GRANTED: 1}
    # F was decided in March, before these three months.
    assert all(time.count == 0 for time in board.processing)
    assert board.decisions[0].values == (0, 0)
    assert [n for _day, n in board.overdue] == [0, 0, 0]
    six = dashboard.compute(6, Kind.INDIVIDUAL, TODAY)
    # Since 1 May: C, D, E (urgent); A and B were decided before.
    times = {time.category.key: time.count for time in six.processing}
    assert times == {"vital": 0, "urgent": 3, "standard": 0, "global": 0}
    assert [n for _day, n in six.overdue] == [1, 1, 2, 3, 4, 4]


def test_the_page_shows_each_chart_with_its_table(history, evaluator):
    with frozen(at(2026, 10, 15, 12)):
        response = client_for(evaluator).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableau de bord de l'équipe" in html
    assert html.count("<svg") == 4
    assert html.count('role="img"') == 4
    for key in ("statuts", "delais", "retards", "decisions"):
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in html
        assert f'<title id="chart-{key}-title">' in html
    assert html.count("<caption>") == 4
    assert 'scope="row"' in html and 'scope="col"' in html
    # No inline style anywhere (strict CSP); SVG coordinates unlocalised (a dot, no comma).
    assert "style=" not in html and "<style" not in html
    assert not re.search(r'(x|y|width|height)="\d+,\d', html)
    # The tables hold the figures: the urgent row, the decisions of March.
    assert re.search(r"Individuelle, urgente</th>\s*<td>3</td>\s*<td>4</td>\s*<td>10</td>", html)
    assert re.search(r"mars 2026</th><td>2</td><td>0</td>", html)
    assert re.search(r"30 septembre 2026</th><td>4</td>", html)


@pytest.mark.parametrize(
    "query",
    [{"periode": "7"}, {"periode": "douze"}, {"kind": "draft"}, {"periode": ["3", "x"]}],
)
def test_bad_filters_are_reported_in_french_and_the_defaults_shown(evaluator, query):
    response = client_for(evaluator).get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    if "periode" in query:
        assert "Période inconnue : choisissez 3, 6 ou 12 mois." in html
        assert response.context["board"].months == 12
    if "kind" in query:
        assert "Type inconnu" in html
        assert response.context["board"].kind == ""


def test_a_valid_filter_is_applied(evaluator):
    response = client_for(evaluator).get(URL, {"periode": "6", "kind": "global"})
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.months, board.kind) == (6, Kind.GLOBAL)
    assert len(board.decisions) == 6
    assert "Demandes globales uniquement." in response.content.decode()


def test_staff_navigation_links_the_page(evaluator):
    html = client_for(evaluator).get(reverse("reviews:queue")).content.decode()
    assert f'href="{URL}"' in html


def _more_history(h: History, n: int) -> None:
    for step in range(n):
        req = h.received(at(2026, 2 + step % 6, 2 + step))
        if step % 2:
            h.stopped(req, at(2026, 2 + step % 6, 20), at(2026, 2 + step % 6, 25))
        if step % 3:
            h.decided(req, at(2026, 9, 1 + step), DecisionKind.REFUSAL if step % 2 else "grant")


def test_constant_number_of_queries(django_assert_num_queries, evaluator):
    h = History()
    client = client_for(evaluator)
    _more_history(h, 2)
    # Session and user (2); the teams of the filter (1); status counts, period requests,
    # their complement requests, decisions by month (4).
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
    _more_history(h, 12)
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
