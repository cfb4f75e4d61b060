"""The pagination count with the planner's estimate first (derogations.paging,
migration derogations 0016): no count when PostgreSQL expects many more rows than would
be counted, a count otherwise, and the last real page when an estimate was wrong."""

import pytest
from django.db import connection

from derogations import tables
from derogations.models import DerogationRequest
from derogations.paging import CappedPaginator
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates"),
]


def files(count: int):
    org = factories.OrganisationFactory()
    factories.RequestFactory.create_batch(
        count, organisation=org, created_by=factories.operator_of(org)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE derogations_derogationrequest")
    return DerogationRequest.objects.filter(organisation=org).order_by("pk")


def paginator(requests, **options) -> CappedPaginator:
    return CappedPaginator(requests, 2, cap=2, columns=tables.operator_dashboard_columns, **options)


def test_counts_when_the_planner_expects_few_rows(settings, django_assert_num_queries):
    settings.PORTAL_LIST_ESTIMATE_FACTOR = 10  # 7 rows expected < 10 × 3 counted
    requests = files(7)
    pages = paginator(requests, estimate=True)
    with django_assert_num_queries(1):
        assert pages.count == 3  # max(cap 2, page 1 × 2) + 1: capped
    assert pages.count_capped and not pages.count_estimated


def test_no_count_when_the_planner_expects_many_more(settings, django_assert_num_queries):
    settings.PORTAL_LIST_ESTIMATE_FACTOR = 2  # 7 rows expected ≥ 2 × 3 counted
    requests = files(7)
    pages = paginator(requests, estimate=True)
    with django_assert_num_queries(1):
        assert pages.count == 3
    assert pages.count_estimated and pages.count_capped
    page = pages.get_page(1)
    assert [r.pk for r in page.object_list] == list(requests.values_list("pk", flat=True)[:2])
    # Without ``estimate`` the same list is counted.
    counted = paginator(requests)
    assert counted.count == 3 and not counted.count_estimated


def test_a_page_past_the_rows_an_estimate_promised_shows_the_last_page(settings):
    settings.PORTAL_LIST_ESTIMATE_FACTOR = 1
    requests = files(7)
    kept = requests.first()
    # The planner still expects 7 rows (no ANALYZE since): an estimate says "more than 4".
    DerogationRequest.objects.filter(organisation=kept.organisation).exclude(pk=kept.pk).delete()
    pages = paginator(requests, number=2, estimate=True)
    page = pages.get_page(2)
    assert page.number == 1 and [r.pk for r in page.object_list] == [kept.pk]
    assert pages.count == 1 and not pages.count_estimated and not pages.count_capped


def test_a_first_page_shorter_than_a_page_gives_the_count(settings):
    settings.PORTAL_LIST_ESTIMATE_FACTOR = 1
    requests = files(7)
    kept = list(requests[:1])
    DerogationRequest.objects.filter(organisation=kept[0].organisation).exclude(
        pk=kept[0].pk
    ).delete()
    pages = paginator(requests, estimate=True)
    page = pages.get_page(1)
    # The planner still expected 7 rows; the page holds the only one: "1", not "plus de 2".
    assert [r.pk for r in page.object_list] == [kept[0].pk]
    assert pages.count == 1 and not pages.count_capped and not pages.count_estimated
    assert pages.num_pages == 1 and not page.has_next()


def test_an_empty_first_page_says_none(settings):
    settings.PORTAL_LIST_ESTIMATE_FACTOR = 1
    requests = files(7)
    DerogationRequest.objects.filter(pk__in=requests.values("pk")).delete()
    pages = paginator(requests, estimate=True)
    page = pages.get_page(1)
    assert list(page.object_list) == [] and pages.count == 0 and not pages.count_estimated
