"""Pages of long lists whose cost does not grow with the list (issue 8).

Django's Paginator counts every matching row (``COUNT(*)``: 10 ms over 100,000 requests,
more for a search) and, on the page query, computes the row's joins and annotations for
every matching row before sorting and keeping 50. ``CappedPaginator``:

- counts at most ``cap`` rows past the page asked for (``SELECT COUNT(*) FROM (... LIMIT
  n)``): beyond, the page says "plus de 1 000" and the pagination offers the next pages it
  knows exist, without a "last page" link;
- chooses the page's rows on the bare filtered and sorted query (the sort index, stopped
  after ``per_page`` rows), then adds the row's columns (``columns``: joins, subqueries)
  to those rows only, in the same query (``pk IN (SELECT ... LIMIT 50)``).
"""

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.formats import number_format


def _page_number(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        number: object = 1,
        cap: int | None = None,
        columns: Callable[[QuerySet], QuerySet] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        # The count looks that far past the page asked for (a page past the end is then
        # counted exactly, and get_page shows the last one).
        cap = settings.PORTAL_LIST_COUNT_CAP if cap is None else cap
        self.limit = max(cap, _page_number(number) * per_page) + 1
        self.columns = columns

    @cached_property
    def count(self) -> int:
        # Unordered: any ``limit`` matching rows will do, wherever the scan finds them.
        return self.object_list.order_by()[: self.limit].count()

    @property
    def count_capped(self) -> bool:
        """More rows exist than were counted: ``count_floor`` is a lower bound."""
        return self.count >= self.limit

    @property
    def count_floor(self) -> str:
        """The lower bound when capped, grouped as the language writes it ("1 000")."""
        return number_format(self.limit - 1, force_grouping=True)

    def page(self, number: Any) -> Page:
        page = super().page(number)
        if self.columns is not None:
            chosen = page.object_list.values("pk")
            rows = self.object_list.model._default_manager.filter(pk__in=chosen)
            page.object_list = self.columns(rows).order_by(*self.object_list.query.order_by)
        return page
