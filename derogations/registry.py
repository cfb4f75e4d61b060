"""The public registry of granted global derogations: its rows, filters and exports.

Only public fields leave this module (PUBLIC_FIELDS): never a patient reference, a
professional's email, a motivation, a note or an attachment. The state shown is the
derogation's effective status; the date of that state is the date of the last act issued
on the request (grant, suspension, lifting...) or, once expired, its end date.
"""

import csv
import datetime
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from derogations.tables import day, labels, shorten, url_maker
from derogations.widgets import filter_form_helper

from .enums import (
    PUBLIC_ACT_KINDS,
    DecisionKind,
    DecisionState,
    DerogationStatus,
    IvdClass,
    Kind,
    Status,
)
from .models import Decision, Derogation

PAGE_SIZE = 25
SEARCH_CONFIG = "french_unaccent"  # created by migration derogations 0003 on PostgreSQL
EXPORT_CHUNK = 500

# The keys of the JSON export, in order; the CSV has the same columns.
PUBLIC_FIELDS = [
    "reference", "device_name", "device_model", "manufacturer", "operator", "ivd_class",
    "indication", "population", "decision_date", "valid_until", "status", "status_label",
    "status_date", "conditions", "url",
]  # fmt: skip
CSV_HEADERS = [
    gettext_lazy("Référence"), gettext_lazy("Dispositif"), gettext_lazy("Modèle"),
    gettext_lazy("Fabricant"), gettext_lazy("Opérateur"), gettext_lazy("Classe IVDR"),
    gettext_lazy("Indication"), gettext_lazy("Population"), gettext_lazy("Date de décision"),
    gettext_lazy("Fin de validité"), gettext_lazy("Code statut"), gettext_lazy("Statut"),
    gettext_lazy("Date du statut"), gettext_lazy("Restrictions et conditions"),
    gettext_lazy("Adresse de la fiche"),
]  # fmt: skip

_VALUES = {
    "reference": F("request__reference"),
    "device_name": F("request__device_name"),
    "device_model": F("request__device_model"),
    "manufacturer": F("request__manufacturer_name"),
    "operator": F("request__organisation__name"),
    "ivd_class": F("request__ivd_class"),
    "indication": F("request__intended_purpose"),
    "population": F("request__population"),
}

SORTS: dict[str, tuple[Any, ...]] = {
    # A granted request's decided_at is its grant's issue date (lifecycle.validate_decision):
    # the registry's own index on the requests (request_registry_decided) holds that order.
    "-decision": ("-request__decided_at", "-request_id"),
    "decision": ("request__decided_at", "request_id"),
    "reference": ("request__reference",),
    "-reference": ("-request__reference",),
    "fin": (F("valid_until").asc(nulls_last=True), "pk"),
    "-fin": (F("valid_until").desc(nulls_last=True), "-pk"),
    "statut": ("public_status", "request__reference"),
}
SORT_LABELS = {
    "-decision": gettext_lazy("Date de décision (la plus récente d'abord)"),
    "decision": gettext_lazy("Date de décision (la plus ancienne d'abord)"),
    "reference": gettext_lazy("Référence (croissante)"),
    "-reference": gettext_lazy("Référence (décroissante)"),
    "fin": gettext_lazy("Fin de validité (la plus proche d'abord)"),
    "-fin": gettext_lazy("Fin de validité (la plus lointaine d'abord)"),
    "statut": gettext_lazy("Statut"),
}
DEFAULT_SORT = "-decision"
CURRENT_STATUSES = [DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED, DerogationStatus.LIFTED]


def _expired(today: datetime.date) -> Q:
    return Q(status=DerogationStatus.EXPIRED) | Q(
        status=DerogationStatus.ACTIVE, valid_until__lt=today
    )


def public_derogations(today: datetime.date | None = None) -> QuerySet[Derogation]:
    """Every granted global derogation, with its effective status and the date of its
    last act, computed by the database."""
    today = today or timezone.localdate()
    last_act = (
        Decision.objects.filter(
            request_id=OuterRef("request_id"),
            state=DecisionState.ISSUED,
            kind__in=PUBLIC_ACT_KINDS,
        )
        .order_by("-issued_at")
        .values("issued_at")[:1]
    )
    # grant__kind and request__status: redundant (a derogation is created by its grant, and
    # its request stays granted, lifecycle.py), but they let PostgreSQL use the partial
    # indexes of the registry (request_registry_*, decision_grant_issued_at).
    return Derogation.objects.filter(
        request__kind=Kind.GLOBAL,
        request__status=Status.GRANTED,
        grant__state=DecisionState.ISSUED,
        grant__kind=DecisionKind.GRANT,
    ).annotate(
        public_status=Case(
            When(_expired(today), then=Value(DerogationStatus.EXPIRED.value)),
            default=F("status"),
        ),
        last_act_at=Coalesce(Subquery(last_act), F("grant__issued_at")),
    )


class RegistryFilterForm(forms.Form):
    """A GET form that never fails: an unknown value is reported and ignored."""

    # Its choices are fixed lists (statuses, classes, sorts): templates/registry/list.html
    # keeps its markup per language and input ({% cache %}), like the queue's filter form.

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, dispositif, fabricant ou opérateur"),
        required=False,
        max_length=200,
    )
    statut = forms.ChoiceField(label=gettext_lazy("Statut"), required=False)
    classe = forms.ChoiceField(label=gettext_lazy("Classe IVDR"), required=False)
    tri = forms.ChoiceField(label=gettext_lazy("Trier par"), required=False)

    def __init__(self, data: Any, *, history: bool | None = False) -> None:
        super().__init__(data)
        statuses = list(DerogationStatus) if history is None else CURRENT_STATUSES
        self.fields["statut"].choices = [("", _("Tous les statuts"))] + [  # type: ignore[attr-defined]
            (s.value, s.label) for s in statuses
        ]
        if history:
            del self.fields["statut"]
        self.fields["classe"].choices = [("", _("Toutes les classes"))] + list(IvdClass.choices)  # type: ignore[attr-defined]
        self.fields["tri"].choices = [(k, v) for k, v in SORT_LABELS.items()]  # type: ignore[attr-defined]
        columns = [Column(name, css_class="fr-col-12 fr-col-md-3") for name in self.fields]
        self.helper = filter_form_helper(Row(*columns))

    @property
    def input_key(self) -> str:
        """What was typed in its fields, as the key of its markup (templates/registry/
        list.html): the address's other parameters (page, anything else) do not change it."""
        if not self.is_bound:
            return ""
        return urlencode([(name, self.data.get(name, "")) for name in self.fields])

    @property
    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


def filtered(filters: dict[str, Any], *, history: bool | None = False) -> QuerySet[Derogation]:
    """Current derogations (``history=False``), expired ones (True) or all (None)."""
    today = timezone.localdate()
    rows = public_derogations(today)
    if history is not None:
        rows = rows.filter(_expired(today)) if history else rows.exclude(_expired(today))
    if filters.get("statut"):
        # public_status: an annotation of public_derogations, unseen by the stubs' plugin.
        rows = rows.filter(public_status=filters["statut"])  # type: ignore[misc]
    if filters.get("classe"):
        rows = rows.filter(request__ivd_class=filters["classe"])
    if filters.get("q"):
        rows = search(rows, filters["q"])
    return rows.order_by(*SORTS[filters.get("tri") or DEFAULT_SORT])


def search(rows: QuerySet[Derogation], text: str) -> QuerySet[Derogation]:
    """PostgreSQL: French full-text search, accents ignored. SQLite: substring match."""
    text = text.strip()
    if not text:
        return rows
    if connections[rows.db].vendor == "postgresql":
        # The stored vector of the public columns (migration 0021): a rare word reads the
        # GIN index, a frequent one is tested row by row on the sort's walk, at no cost.
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return rows.filter(
            Q(request__registry_document=query) | Q(request__reference__icontains=text)
        )
    return rows.filter(
        Q(request__reference__icontains=text)
        | Q(request__device_name__icontains=text)
        | Q(request__device_model__icontains=text)
        | Q(request__manufacturer_name__icontains=text)
        | Q(request__organisation__name__icontains=text)
    )


COUNT_CACHE_SECONDS = 600


class VersionedCountPaginator(Paginator):
    object_list: QuerySet[Any]

    """Django's paginator, its count kept in the cache under ``key`` (count_key: the
    registry's version and the filters): every page, sort and address of one filter
    shares one count until the registry changes, instead of counting per request."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, key: str) -> None:
        super().__init__(object_list, per_page)
        self.key = key

    @cached_property
    def count(self) -> int:
        found = cache.get(self.key)
        if found is None:
            found = self.object_list.count()
            cache.set(self.key, found, COUNT_CACHE_SECONDS)
        return found


def count_key(request: Any, filters: dict[str, Any], *, history: bool | None) -> str:
    """The count's key: the registry's last change (as the ETag knows it), the day (an
    expiry moves a derogation to the history at midnight), the list and its filters."""
    change = _request_change(request)
    counted = {name: value for name, value in filters.items() if name != "tri"}
    key = "|".join(
        [
            change.isoformat() if change else "-",
            timezone.localdate().isoformat(),
            str(history),
            json.dumps(counted, sort_keys=True, default=str),
        ]
    )
    return "registry-count:" + hashlib.sha256(key.encode()).hexdigest()


def for_display(rows: QuerySet[Derogation]) -> QuerySet[Derogation]:
    return rows.select_related("request__organisation", "grant")


def public_values(rows: QuerySet[Derogation]) -> QuerySet[Derogation, dict[str, Any]]:
    """The public columns of each derogation as a dict (one query, no model instances):
    what the list's rows show and the exports write."""
    # public_status, last_act_at: annotations of public_derogations (unseen by the plugin).
    return rows.values(  # type: ignore[misc]
        "valid_until",
        "public_status",
        "last_act_at",
        "conditions",  # the conditions in force (a change of conditions updates them)
        grant_issued_at=F("grant__issued_at"),
        **_VALUES,
    )


@dataclass(slots=True)
class RegistryRow:
    """What a row of the registry's list shows, worked out once
    (derogations/jinja2/derogations/registry_table.html prints it)."""

    href: str
    reference: str
    device_name: str
    device_model: str
    manufacturer: str
    operator: str  # "" when it is the manufacturer
    ivd_class: str
    indication: str
    population: str
    decided: str
    valid_until: str
    status: str
    status_label: str
    since: str
    conditions: str


def list_rows(values: Iterable[dict[str, Any]]) -> list[RegistryRow]:
    """The rows of a page of the list (``public_values``' dicts): labels translated and
    texts shortened once per table, dates written."""
    detail_url = url_maker("derogations:registry_detail")
    classes, statuses = labels(IvdClass), labels(DerogationStatus)
    since = _("depuis le %(date)s")
    zone = timezone.get_current_timezone()
    rows = []
    for row in values:
        status = row["public_status"]
        manufacturer = row["manufacturer"]
        changed = state_date(status, row["valid_until"], row["last_act_at"])
        rows.append(
            RegistryRow(
                href=detail_url(row["reference"]),
                reference=row["reference"],
                device_name=row["device_name"],
                device_model=row["device_model"],
                manufacturer=manufacturer,
                operator="" if row["operator"] == manufacturer else row["operator"],
                ivd_class=classes.get(row["ivd_class"], row["ivd_class"]),
                indication=shorten(row["indication"], 120),
                population=shorten(row["population"], 120),
                decided=day(row["grant_issued_at"], zone),
                valid_until=day(row["valid_until"]) or "—",
                status=status,
                status_label=statuses[status],
                since=since % {"date": day(changed)},
                conditions=shorten(row["conditions"] or "—", 160),
            )
        )
    return rows


def state_date(status: str, valid_until: datetime.date | None, last_act_at: Any) -> Any:
    """The date the derogation entered its current state."""
    if status == DerogationStatus.EXPIRED and valid_until:
        return valid_until
    return timezone.localdate(last_act_at) if last_act_at else None


# --- Exports ------------------------------------------------------------------------------


def export_rows(rows: QuerySet[Derogation]) -> Iterator[dict[str, Any]]:
    """One dict per derogation with PUBLIC_FIELDS only, read in chunks from the database."""
    values = public_values(rows)
    status_labels = labels(DerogationStatus)
    base = settings.PORTAL_BASE_URL
    for row in values.iterator(chunk_size=EXPORT_CHUNK):
        status = row["public_status"]
        decided = row["grant_issued_at"]
        yield {
            "reference": row["reference"],
            "device_name": row["device_name"],
            "device_model": row["device_model"],
            "manufacturer": row["manufacturer"],
            "operator": row["operator"],
            "ivd_class": row["ivd_class"],
            "indication": row["indication"],
            "population": row["population"],
            "decision_date": _iso(timezone.localdate(decided) if decided else None),
            "valid_until": _iso(row["valid_until"]),
            "status": status,
            "status_label": status_labels[status],
            "status_date": _iso(state_date(status, row["valid_until"], row["last_act_at"])),
            "conditions": row["conditions"],
            "url": base + reverse("derogations:registry_detail", args=[row["reference"]]),
        }


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def json_chunks(rows: QuerySet[Derogation]) -> Iterator[str]:
    """A JSON array streamed one object at a time."""
    language = translation.get_language()

    def generate() -> Iterator[str]:
        with translation.override(language):
            yield "["
            for n, row in enumerate(export_rows(rows)):
                yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
            yield "\n]\n"

    return generate()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """Text as Excel will not run it: a leading = + - @ would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: QuerySet[Derogation]) -> Iterator[str]:
    """UTF-8 with a byte order mark and ';' separators, so Excel in French opens it as is."""
    language = translation.get_language()

    def generate() -> Iterator[str]:
        writer = csv.writer(_Echo(), delimiter=";")
        with translation.override(language):
            yield "\ufeff" + writer.writerow([str(h) for h in CSV_HEADERS])
            for row in export_rows(rows):
                yield writer.writerow([_cell(row[key]) for key in PUBLIC_FIELDS])

    return generate()


# --- Conditional GET ----------------------------------------------------------------------


def latest_change(today: datetime.date | None = None) -> datetime.datetime | None:
    """When the registry last changed: the last act issued on a global derogation, or the
    last expiry (midnight after its end date), whichever is later.

    Two lookups that read an index backwards from the newest row (decision_issued_at,
    derogation_valid_until) and stop at the first global derogation: a fraction of a
    millisecond whatever the registry's size, since every registry answer asks it."""
    today = today or timezone.localdate()
    act = (
        Decision.objects.filter(
            state=DecisionState.ISSUED,
            request__kind=Kind.GLOBAL,
            request__derogation__grant__state=DecisionState.ISSUED,
        )
        .order_by("-issued_at")
        .values_list("issued_at", flat=True)
        .first()
    )
    expiry = (
        Derogation.objects.filter(
            valid_until__lt=today, request__kind=Kind.GLOBAL, grant__state=DecisionState.ISSUED
        )
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first()
    )
    moments = [act] if act else []
    if expiry:
        midnight = datetime.datetime.combine(expiry + datetime.timedelta(days=1), datetime.time())
        moments.append(timezone.make_aware(midnight))
    return max(moments) if moments else None


_CHANGE_KEY = "registry:latest-change"
_UNKNOWN = object()


def current_change() -> datetime.datetime | None:
    """latest_change(), as this process asked it at most PORTAL_REGISTRY_VERSION_SECONDS
    ago (in the cache): a busy registry answers most requests without any query."""
    seconds = settings.PORTAL_REGISTRY_VERSION_SECONDS
    found = cache.get(_CHANGE_KEY, _UNKNOWN) if seconds else _UNKNOWN
    if found is _UNKNOWN:
        found = latest_change()
        if seconds:
            cache.set(_CHANGE_KEY, found, seconds)
    return found  # type: ignore[return-value]


def forget_change(**kwargs: object) -> None:
    """post_save of an act or a derogation (derogations.apps): ask the database again."""
    cache.delete(_CHANGE_KEY)


def _request_change(request: Any) -> datetime.datetime | None:
    """current_change(), asked once per request (the ETag and Last-Modified share it)."""
    if not hasattr(request, "_registry_change"):
        request._registry_change = current_change()
    return request._registry_change


def last_modified(request: Any, *args: object, **kwargs: object) -> datetime.datetime | None:
    """The Last-Modified of the open data (exports and feed): the registry's last change.
    HTTP dates count whole seconds: two changes within one second share it, the ETag
    (compared first when a client sends both) tells them apart."""
    return _request_change(request)


def etag(request: Any, *args: object, **kwargs: object) -> str:
    """Changes with the data, the day (expiries), the language and the signed-in user
    (the page header shows them). Computed once per request (the page cache reuses it)."""
    cached = getattr(request, "_registry_etag", None)
    if cached:
        return cached
    change = _request_change(request)
    key = "|".join(
        [
            change.isoformat() if change else "-",
            timezone.localdate().isoformat(),
            translation.get_language() or "",
            str(getattr(request.user, "pk", None) or 0),
        ]
    )
    request._registry_etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    return request._registry_etag
