"""derogations.paging.CappedPaginator: a count that stops past the page shown, pages that
stop at ``max_pages``, the page's rows read with their columns in one query."""

import pytest
from django.db.models import F, Value

from derogations.models import DerogationRequest
from derogations.paging import CappedPaginator
from tests import factories

pytestmark = pytest.mark.django_db


def with_operator(files):
    return files.only("reference").annotate(operator_name=F("organisation__name"), one=Value(1))


@pytest.fixture
def files():
    org = factories.OrganisationFactory(name="Labo <Alpha>")
    made = [factories.RequestFactory(organisation=org) for _ in range(7)]
    return DerogationRequest.objects.filter(pk__in=[r.pk for r in made])


@pytest.mark.parametrize("number", [1, 2])  # read in one query; by ids past the first page
@pytest.mark.parametrize("order", ["pk", "-pk"])
def test_rows_come_in_the_querysets_order_with_their_columns(files, order, number):
    ordered = files.order_by(order)
    page = CappedPaginator(ordered, 3, columns=with_operator).get_page(number)
    shown = slice((number - 1) * 3, number * 3)
    assert [row.pk for row in page] == list(ordered.values_list("pk", flat=True)[shown])
    assert {(row.operator_name, row.one) for row in page} == {("Labo <Alpha>", 1)}
    assert page.object_list[0].get_deferred_fields() >= {"device_name"}


def test_queries_a_page_whatever_its_rows(files, django_assert_num_queries):
    # The capped count, the page's rows.
    with django_assert_num_queries(2):
        list(CappedPaginator(files.order_by("pk"), 5, columns=with_operator).get_page(1))
    # A later page: the count, the page's ids past the rows before it, their rows.
    with django_assert_num_queries(3):
        page = CappedPaginator(files.order_by("pk"), 5, columns=with_operator).get_page(2)
        shown = [row.pk for row in page]
    assert shown == list(files.order_by("pk").values_list("pk", flat=True)[5:])
    with django_assert_num_queries(1):  # nothing to show: the count only
        page = CappedPaginator(files.filter(pk=0), 5, columns=with_operator).get_page(1)
        assert list(page) == []


def test_the_count_stops_past_the_cap(files):
    paginator = CappedPaginator(files.order_by("pk"), 2, cap=3)
    assert paginator.count == 4 and paginator.count_capped and paginator.count_floor == "3"
    # A page further than the cap is counted as far as it.
    deeper = CappedPaginator(files.order_by("pk"), 2, cap=3, number=4)
    assert deeper.count == 7 and not deeper.count_capped and deeper.num_pages == 4


def test_pages_stop_at_max_pages(files):
    """Page 500 costs what the last page offered costs: the list ends there."""
    paginator = CappedPaginator(files.order_by("pk"), 2, max_pages=2, number=500)
    assert paginator.num_pages == 2 and paginator.truncated
    page = paginator.get_page(500)
    assert page.number == 2 and not page.has_next()
    assert [r.pk for r in page] == list(files.order_by("pk").values_list("pk", flat=True)[2:4])
    short = CappedPaginator(files.order_by("pk"), 5, max_pages=2, number="x")
    assert short.num_pages == 2 and not short.truncated and short.get_page("x").number == 1
