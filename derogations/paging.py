"""Pages of long lists whose cost does not grow with the list (issue 8).

Django's Paginator counts every matching row (``COUNT(*)``: 10 ms over 100,000 requests,
more for a search). ``CappedPaginator``, after pretix's ``LargeResultSetPaginator``:

- counts at most ``cap`` rows past the page asked for (``qs[:n].count()``: ``SELECT
  COUNT(*) FROM (... LIMIT n)``): beyond, the page says "plus de 1 000" (a search: "plus de
  200") and the pagination offers the next pages it knows exist, without a "last page" link;
- stops at ``max_pages``: a deeper page walks every row before it (page 500 of the queue
  cost 19 times a trivial page), so the list ends there and asks to refine the search or
  reverse the sort (``truncated``); a page number past the end shows the last page;
- reads the first page's rows with what a row shows (``columns``: ``only``, ``annotate``,
  joins) in one query: PostgreSQL walks the sort's index, joins each row it keeps and stops
  after the page (tests/reviews/test_queue_plans.py holds the plans). Choosing the ids
  first and reading their columns in a second query was 0.4-1.9 ms slower at 1,000,000
  requests on every queue and dashboard view measured (issue 18). A later page does that,
  though: the rows before it are skipped on the bare sorted query, so that only the page's
  own rows are joined (page 20 of the queue at 1,000,000 requests: 5.8-7.5 ms so, 6.8-8.0
  ms in one query that joined the 950 rows it skipped).
"""

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.http import urlencode


def query_string(query: QueryDict, **changes: object) -> str:
    """``{% querystring %}`` in Python, for the links a view prepares (sort headers,
    export): ``query`` with ``changes`` applied (``None`` removes a key), "" when both are
    empty."""
    params = dict(query.lists())
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params[key] = list(value)
        else:
            params[key] = [str(value)]
    if not params and not query:
        return ""
    return "?" + urlencode(params, doseq=True)


def _page_number(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


class CappedPaginator(Paginator):
    object_list: QuerySet[Any]

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        number: object = 1,
        cap: int | None = None,
        searching: bool = False,
        max_pages: int | None = None,
        columns: Callable[[QuerySet], QuerySet] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        if cap is None:
            # A search's matches are scattered along the sort index: each counted one costs
            # reading several rows, so a search counts less far (PORTAL_SEARCH_COUNT_CAP).
            cap = settings.PORTAL_SEARCH_COUNT_CAP if searching else settings.PORTAL_LIST_COUNT_CAP
        self.max_pages = settings.PORTAL_LIST_MAX_PAGES if max_pages is None else max_pages
        # The count looks that far past the page asked for (a page past the end is then
        # counted exactly, and get_page shows the last one), never past the last page
        # shown.
        asked = min(_page_number(number), self.max_pages)
        self.limit = max(cap, asked * per_page) + 1
        self.columns = columns

    @cached_property
    def count(self) -> int:
        # Any ``limit`` rows will do, wherever found: no order.
        return self.object_list.order_by()[: self.limit].count()

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, self.max_pages)

    @property
    def count_capped(self) -> bool:
        """More rows exist than were counted: ``count_floor`` is a lower bound."""
        return self.count >= self.limit

    @property
    def count_floor(self) -> str:
        """The lower bound when capped, grouped as the language writes it ("1 000")."""
        return number_format(self.limit - 1, force_grouping=True)

    @property
    def truncated(self) -> bool:
        """Rows exist past the last page offered (``max_pages``)."""
        return self.count > self.max_pages * self.per_page

    def page(self, number: Any) -> Page:
        if self.columns is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if top <= bottom:
            return Page([], number, self)  # nothing to show: the count was the only query
        if bottom == 0:
            return Page(list(self.columns(self.object_list)[:top]), number, self)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return Page(self.rows(ids), number, self)

    def rows(self, ids: list[Any]) -> list[Any]:
        """The rows of ``ids`` with their ``columns``, in the order of ``ids``."""
        if not ids or self.columns is None:
            return []
        model = self.object_list.model
        # In the order of ``ids``, below: no ORDER BY (the model's default ordering).
        found = (
            self.columns(model._default_manager.using(self.object_list.db))
            .filter(pk__in=ids)
            .order_by()
        )
        by_pk = {row.pk: row for row in found}
        return [by_pk[pk] for pk in ids if pk in by_pk]
