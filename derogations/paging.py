"""Pages of long lists whose cost does not grow with the list (issue 8).

Django's Paginator counts every matching row (``COUNT(*)``: 10 ms over 100,000 requests,
more for a search) and, on the page query, computes the row's joins and annotations for
every matching row before sorting and keeping 50. ``CappedPaginator``:

- counts at most ``cap`` rows past the page asked for (``SELECT COUNT(*) FROM (... LIMIT
  n)``): beyond, the page says "plus de 1 000" and the pagination offers the next pages it
  knows exist, without a "last page" link; with ``estimate`` (PostgreSQL), not even that
  when the planner expects ten times more rows (a broad search: migration 0016);
- chooses the page's ids on the bare filtered and sorted query (the sort index, stopped
  after ``per_page`` rows), then reads the row's columns (``columns``: joins, subqueries)
  for those ids only, with one statement compiled once per process (``PageRows``):
  building and compiling the columns' query cost more than running it (1 ms a page).
"""

import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DEFERRED, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.models.sql.compiler import SQLCompiler
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .widgets import escape


def query_string(query: QueryDict, **changes: object) -> str:
    """``{% querystring %}`` in Python, for the links a view writes by the dozen: ``query``
    with ``changes`` applied (``None`` removes a key), "" when both are empty."""
    params = dict(query.lists())
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params[key] = list(value)
        else:
            params[key] = [value]
    if not params and not query:
        return ""
    return "?" + urlencode(params, doseq=True)


def pagination_html(page: Page, query: QueryDict) -> SafeString:
    """The DSFR pagination of a list page (``{% pagination page %}``): first and previous
    pages, the current one ("2 / 7", or "2" when the count is capped), next and last (no
    last page when capped); every link keeps the other parameters of ``query``. Written in
    Python: as a template include it cost 0.4 ms a page."""
    if not page.has_other_pages():
        return SafeString("")

    def link(css: str, number: int, label: str) -> str:
        href = escape(query_string(query, page=number))
        return f'<li><a class="fr-pagination__link{css}" href="{href}">{escape(label)}</a></li>'

    capped = getattr(page.paginator, "count_capped", False)
    items = []
    if page.has_previous():
        items.append(link(" fr-pagination__link--first", 1, _("Première page")))
        items.append(
            link(
                " fr-pagination__link--prev fr-pagination__link--lg-label",
                page.previous_page_number(),
                _("Page précédente"),
            )
        )
    title = escape(_("Page %(n)s") % {"n": page.number})
    shown = f"{page.number}" if capped else f"{page.number} / {page.paginator.num_pages}"
    items.append(
        f'<li><a class="fr-pagination__link" aria-current="page" title="{title}">{shown}</a></li>'
    )
    if page.has_next():
        items.append(
            link(
                " fr-pagination__link--next fr-pagination__link--lg-label",
                page.next_page_number(),
                _("Page suivante"),
            )
        )
        if not capped:
            last = page.paginator.num_pages
            items.append(link(" fr-pagination__link--last", last, _("Dernière page")))
    return SafeString(
        f'<nav role="navigation" class="fr-pagination" aria-label="{escape(_("Pagination"))}">'
        f'<ul class="fr-pagination__list">{"".join(items)}</ul></nav>'
    )


# The largest PostgreSQL integer (portal_capped_count's ``cap``, migration 0016).
COUNT_LIMIT_MAX = 2**31 - 1


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
        estimate: bool = False,
    ) -> None:
        super().__init__(object_list, per_page)
        # The count looks that far past the page asked for (a page past the end is then
        # counted exactly, and get_page shows the last one).
        cap = settings.PORTAL_LIST_COUNT_CAP if cap is None else cap
        # portal_capped_count's limit is a PostgreSQL integer: a page number past it
        # (?page=85899346) counts every row, then shows the last page.
        self.limit = min(max(cap, _page_number(number) * per_page) + 1, COUNT_LIMIT_MAX)
        self.columns = columns
        # PostgreSQL: no count at all when the planner expects PORTAL_LIST_ESTIMATE_FACTOR
        # times more rows than would be counted (a broad search; see migration
        # derogations 0016). ``count_estimated`` then says the count was not made.
        self.estimate = estimate
        self.count_estimated = False

    @cached_property
    def count(self) -> int:
        query = self.object_list.order_by()  # any ``limit`` rows will do, wherever found
        connection = connections[query.db]
        if connection.vendor != "postgresql":
            return query[: self.limit].count()
        estimate_above = (
            settings.PORTAL_LIST_ESTIMATE_FACTOR * self.limit if self.estimate else None
        )
        sql, params = query.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT portal_capped_count(%s, %s, %s)",
                [connection.ops.compose_sql(sql, params), self.limit, estimate_above],
            )
            counted = cursor.fetchone()[0]
        if counted < 0:
            self.count_estimated = True
            return self.limit
        return counted

    def _recount(self, exactly: int | None = None) -> None:
        """Forget an estimated count: ``exactly`` the rows there are, else count them."""
        self.estimate = self.count_estimated = False
        for name in ("count", "num_pages"):
            self.__dict__.pop(name, None)
        if exactly is not None:
            self.__dict__["count"] = exactly

    @property
    def count_capped(self) -> bool:
        """More rows exist than were counted: ``count_floor`` is a lower bound."""
        return self.count >= self.limit

    @property
    def count_floor(self) -> str:
        """The lower bound when capped, grouped as the language writes it ("1 000")."""
        return number_format(self.limit - 1, force_grouping=True)

    def page(self, number: Any) -> Page:
        if self.columns is None:
            return super().page(number)
        number = self.validate_number(number)
        ids = self._page_ids(number)
        if self.count_estimated and len(ids) < self.per_page:
            if ids or number == 1:
                # The estimate was too high, and this page is the last: its rows say how
                # many there are.
                self._recount(exactly=(number - 1) * self.per_page + len(ids))
            else:  # past the rows there are: count them, show the last page
                self._recount()
                number = self.validate_number(min(number, self.num_pages))
                ids = self._page_ids(number)
        rows = PageRows.of(self.object_list.model, self.columns).read(ids, self.object_list.db)
        return self._get_page(rows, number, self)

    def _page_ids(self, number: int) -> list[Any]:
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return list(self.object_list.values_list("pk", flat=True)[bottom:top])


# The descriptors of plain fields: reading loads a deferred value, setting stores it
# (ForeignKeyDeferredAttribute also forgets a cached related object, none on a new row).
_PLAIN = (DeferredAttribute, ForeignKeyDeferredAttribute)


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str  # ends with "pk IN (": the ids' placeholders and ")" follow
    params: tuple[Any, ...]
    attnames: list[str]  # the model's columns, in the order of the SELECT
    positions: list[int]  # of those among the model's concrete fields
    annotations: list[str]  # then these, set as attributes
    converters: dict[int, Any]
    # Every column read is a plain field (no descriptor of its own that would do more than
    # store the value) and no annotation is a name of the class: an instance's __dict__ may
    # then be filled directly.
    plain: bool


class PageRows:
    """The rows of a page, read by their ids: ``columns(Model.objects)`` (``only``,
    ``annotate``, joins; no filter, no order) compiled once per database connection,
    run with ``WHERE pk IN (ids)``, returned as model instances in the ids' order, as
    iterating the queryset would have made them (values through the backend's
    converters, deferred fields left to load on access)."""

    # One per (model, columns): ``columns`` is a module-level function (a new lambda per
    # request would add an entry each time).
    _instances: dict[tuple[type[Model], Callable[[QuerySet], QuerySet]], "PageRows"] = {}

    @classmethod
    def of(cls, model: type[Model], columns: Callable[[QuerySet], QuerySet]) -> "PageRows":
        key = (model, columns)
        if key not in cls._instances:
            cls._instances[key] = cls(model, columns)
        return cls._instances[key]

    def __init__(self, model: type[Model], columns: Callable[[QuerySet], QuerySet]) -> None:
        self.model, self.columns = model, columns
        # One per connection: a connection belongs to a thread, and a compiler to the
        # connection it was made with.
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        query = self.columns(self.model._default_manager.order_by()).query
        if query.where or query.group_by or query.order_by or query.is_sliced or query.distinct:
            raise ImproperlyConfigured(
                f"{self.columns.__qualname__}: only columns (no filter, order, slice, grouping)"
            )
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        klass_info = compiler.klass_info
        assert klass_info is not None and klass_info["model"] is self.model  # noqa: S101
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        annotations = sorted(compiler.annotation_col_map.items(), key=lambda item: item[1])
        if [position for _name, position in annotations] != list(range(end, compiler.col_count)):
            raise ImproperlyConfigured(f"{self.columns.__qualname__}: unexpected columns")
        concrete = [field.attname for field in self.model._meta.concrete_fields]
        read = [column[0].target.attname for column in compiler.select[start:end]]
        pk = compiler.quote_name_unless_alias(query.get_initial_alias())
        pk += "." + connection.ops.quote_name(self.model._meta.pk.column)
        return _Compiled(
            compiler=compiler,
            sql=f"{sql} WHERE {pk} IN (",
            params=tuple(params),
            attnames=read,
            positions=[concrete.index(name) for name in read],
            annotations=[name for name, _position in annotations],
            converters=compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ),
            plain=all(type(getattr(self.model, name, None)) in _PLAIN for name in read)
            and not any(hasattr(self.model, name) for name, _position in annotations),
        )

    def _plain_init(self) -> bool:
        model = self.model
        return (
            model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
            and not pre_init.has_listeners(model)
            and not post_init.has_listeners(model)
        )

    def read(self, ids: Sequence[Any], using: str) -> list[Model]:
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:  # refused columns are refused even for an empty page
            compiled = self._compiled[connection] = self._compile(connection)
        if not ids:
            return []
        sql = compiled.sql + ", ".join(["%s"] * len(ids)) + ")"
        with connection.cursor() as cursor:
            cursor.execute(sql, (*compiled.params, *ids))
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        by_pk = {}
        if compiled.plain and self._plain_init():
            # What Model.__init__ does with the fields read given and the others DEFERRED
            # (no pre_init/post_init receiver, no from_db of its own): the values in the
            # instance's __dict__, the unread fields absent (loaded on access). 1.5 µs a
            # row instead of 8.
            names = [*compiled.attnames, *compiled.annotations]
            model, new_state = self.model, ModelState
            for row in rows:
                instance = model.__new__(model)
                state = instance._state = new_state()
                state.adding, state.db = False, using
                instance.__dict__.update(zip(names, row, strict=True))
                by_pk[instance.pk] = instance
        else:
            fields = self.model._meta.concrete_fields
            names, unread = [field.attname for field in fields], [DEFERRED] * len(fields)
            width = len(compiled.positions)
            for row in rows:
                values = unread.copy()
                for position, value in zip(compiled.positions, row, strict=False):
                    values[position] = value
                instance = self.model.from_db(using, names, values)
                for name, value in zip(compiled.annotations, row[width:], strict=True):
                    setattr(instance, name, value)
                by_pk[instance.pk] = instance
        return [by_pk[pk] for pk in ids if pk in by_pk]
