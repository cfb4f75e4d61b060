"""The evaluators' queue: filters, search, sort, and the rows of its CSV export.

A GET form that never fails: a value it does not know (status, sort key, assignee...) is
reported next to its field and ignored, the rest of the filters still apply.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from derogations import access
from derogations.enums import IvdClass, Kind, Status, Urgency
from derogations.models import DerogationRequest, Incident
from derogations.widgets import QuickSelect, filter_form_helper

PAGE_SIZE = 50
SEARCH_CONFIG = "french_unaccent"  # created by migration derogations 0003 on PostgreSQL
# The request's own columns searched as words; derogations migration 0006 indexes exactly
# this vector (change both together).
SEARCH_VECTOR_FIELDS = ("reference", "device_name", "justification")

ME = "moi"
NOBODY = "aucun"

# tri=<key>: received date, target date, reference; "-" for descending. Whitelisted.
SORTS: dict[str, tuple[Any, ...]] = {
    "echeance": (F("target_date").asc(nulls_last=True), "submitted_at", "pk"),
    "-echeance": (F("target_date").desc(nulls_last=True), "-submitted_at", "-pk"),
    "reception": ("submitted_at", "pk"),
    "-reception": ("-submitted_at", "-pk"),
    "reference": ("reference", "pk"),
    "-reference": ("-reference", "-pk"),
}
DEFAULT_SORT = "echeance"
SORT_LABELS = {
    "echeance": gettext_lazy("Date cible (la plus proche d'abord)"),
    "-echeance": gettext_lazy("Date cible (la plus lointaine d'abord)"),
    "reception": gettext_lazy("Reçue le (la plus ancienne d'abord)"),
    "-reception": gettext_lazy("Reçue le (la plus récente d'abord)"),
    "reference": gettext_lazy("Référence (croissante)"),
    "-reference": gettext_lazy("Référence (décroissante)"),
}


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, dispositif, opérateur ou justification"),
        required=False,
        max_length=200,
    )
    status = forms.ChoiceField(label=gettext_lazy("Statut"), required=False, widget=QuickSelect)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), required=False, widget=QuickSelect)
    urgency = forms.ChoiceField(label=gettext_lazy("Urgence"), required=False, widget=QuickSelect)
    assignee = forms.ChoiceField(
        label=gettext_lazy("Attribué à"), required=False, widget=QuickSelect
    )
    operator = forms.ChoiceField(
        label=gettext_lazy("Opérateur"), required=False, widget=QuickSelect
    )
    ivd_class = forms.ChoiceField(
        label=gettext_lazy("Classe IVDR"), required=False, widget=QuickSelect
    )
    overdue = forms.BooleanField(label=gettext_lazy("En retard uniquement"), required=False)
    complements_overdue = forms.BooleanField(
        label=gettext_lazy("Compléments en retard"),
        help_text=gettext_lazy("Date limite de réponse de l'opérateur dépassée"),
        required=False,
    )
    tri = forms.ChoiceField(label=gettext_lazy("Trier par"), required=False, widget=QuickSelect)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        fields = self.fields
        fields["status"].choices = _blank(_("Tous les statuts")) + [  # type: ignore[attr-defined]
            (s.value, s.label) for s in Status if s != Status.DRAFT
        ]
        fields["kind"].choices = _blank(_("Tous les types")) + list(Kind.choices)  # type: ignore[attr-defined]
        fields["urgency"].choices = _blank(_("Toutes les urgences")) + list(Urgency.choices)  # type: ignore[attr-defined]
        fields["ivd_class"].choices = _blank(_("Toutes les classes")) + list(IvdClass.choices)  # type: ignore[attr-defined]
        fields["assignee"].choices = (  # type: ignore[attr-defined]
            _blank(_("Tout le monde"))
            + [(ME, _("Moi")), (NOBODY, _("Non attribué"))]
            + [(str(u.pk), str(u)) for u in access.assignable_evaluators()]
        )
        # EXISTS per organisation (an index probe each), not a join of every request.
        submitted = DerogationRequest.objects.filter(
            organisation=OuterRef("pk"), submitted_at__isnull=False
        )
        operators = (
            Organisation.objects.filter(Exists(submitted))
            .order_by("name")
            .values_list("pk", "name")
        )
        fields["operator"].choices = _blank(_("Tous les opérateurs")) + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in operators
        ]
        fields["tri"].choices = [(key, label) for key, label in SORT_LABELS.items()]  # type: ignore[attr-defined]
        self.helper = filter_form_helper(
            Row(Column("q", css_class="fr-col-12 fr-col-md-6"), Column("tri", css_class="fr-col-12 fr-col-md-6")),
            Row(
                Column("status", css_class="fr-col-12 fr-col-md-3"),
                Column("kind", css_class="fr-col-12 fr-col-md-3"),
                Column("urgency", css_class="fr-col-12 fr-col-md-3"),
                Column("ivd_class", css_class="fr-col-12 fr-col-md-3"),
            ),
            Row(
                Column("assignee", css_class="fr-col-12 fr-col-md-3"),
                Column("operator", css_class="fr-col-12 fr-col-md-3"),
                Column("overdue", css_class="fr-col-12 fr-col-md-3"),
                Column("complements_overdue", css_class="fr-col-12 fr-col-md-3"),
            ),
        )  # fmt: skip

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, its error shown by the form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            key: value for key, value in self.cleaned_data.items() if value not in ("", None, False)
        }

    @property
    def sort(self) -> str:
        return self.filters().get("tri") or DEFAULT_SORT


def filtered_requests(user: User, filters: dict[str, Any]) -> "Any":
    """The requests this staff member sees, filtered, searched and sorted."""
    files = (
        access.visible_requests(user)
        .select_related("organisation", "assignee")
        .with_complements_due()
        .annotate(has_incident=Exists(Incident.objects.filter(request=OuterRef("pk"))))
    )
    for name in ("status", "kind", "urgency", "ivd_class"):
        if name in filters:
            files = files.filter(**{name: filters[name]})
    if "operator" in filters:
        files = files.filter(organisation_id=int(filters["operator"]))
    assignee = filters.get("assignee")
    if assignee == ME:
        files = files.filter(assignee=user)
    elif assignee == NOBODY:
        files = files.filter(assignee__isnull=True)
    elif assignee:
        files = files.filter(assignee_id=int(assignee))
    if filters.get("overdue"):
        files = files.overdue()
    if filters.get("complements_overdue"):
        files = files.complements_overdue()
    if filters.get("q"):
        files = search(files, filters["q"])
    return files.order_by(*SORTS[filters.get("tri") or DEFAULT_SORT])


def search(files: Any, text: str) -> Any:
    """PostgreSQL: French full-text search, accents ignored. SQLite: substring match."""
    text = text.strip()
    if not text:
        return files
    if connections[files.db].vendor == "postgresql":
        # Three indexed searches whose ids are united (an OR across them, or a vector
        # joining the operator's name, would read every request): the request's own words
        # (GIN index on SEARCH_VECTOR_FIELDS, derogations migration 0006), the operator's
        # name (few organisations, then the organisation_id index) and a partial reference
        # ("00012" is not a word) as a substring (trigram index).
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        requests = DerogationRequest.objects.order_by()
        by_words = (
            requests.alias(search=SearchVector(*SEARCH_VECTOR_FIELDS, config=SEARCH_CONFIG))
            .filter(search=query)
            .values("pk")
        )
        operators = (
            Organisation.objects.order_by()
            .alias(search=SearchVector("name", config=SEARCH_CONFIG))
            .filter(search=query)
        )
        by_operator = requests.filter(organisation__in=operators.values("pk")).values("pk")
        by_reference = requests.filter(reference__icontains=text).values("pk")
        return files.filter(pk__in=by_words.union(by_operator, by_reference))
    return files.filter(
        Q(reference__icontains=text)
        | Q(device_name__icontains=text)
        | Q(organisation__name__icontains=text)
        | Q(justification__icontains=text)
    )


# --- CSV export ---------------------------------------------------------------------------

CSV_HEADERS = [
    gettext_lazy("Référence"),
    gettext_lazy("Type"),
    gettext_lazy("Urgence"),
    gettext_lazy("Dispositif"),
    gettext_lazy("Classe IVDR"),
    gettext_lazy("Opérateur"),
    gettext_lazy("Statut"),
    gettext_lazy("Attribué à"),
    gettext_lazy("Reçue le"),
    gettext_lazy("Date cible"),
    gettext_lazy("Jours restants"),
    gettext_lazy("En retard"),
    gettext_lazy("Horloge arrêtée (attente de compléments)"),
]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """Text as Excel will not run it: a leading = + - @ would start a formula."""
    if isinstance(value, int):
        return str(value)
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.strftime("%d/%m/%Y")


def csv_lines(files: Iterable[DerogationRequest]) -> Iterator[str]:
    """UTF-8 with a byte order mark (Excel), ';' separated, one line per request.

    The lines are produced while the response streams, after the view has returned: the
    language of the request is kept for the labels.
    """
    return _csv_lines(files, translation.get_language())


def _csv_lines(files: Iterable[DerogationRequest], language: str) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    with translation.override(language):
        yield "\ufeff" + writer.writerow([str(h) for h in CSV_HEADERS])
        today = timezone.localdate()
        yes, no = _("oui"), _("non")
        for req in files:
            left = req.days_left(today)
            yield writer.writerow(
                [
                    _cell(c)
                    for c in (
                        req.reference,
                        req.get_kind_display(),
                        req.get_urgency_display() if req.is_individual else "",
                        req.device_name,
                        req.get_ivd_class_display(),
                        req.organisation.name,
                        req.get_status_display(),
                        req.assignee or "",
                        _date(req.submitted_at),
                        _date(req.target_date),
                        left if left is not None and req.clock_running else "",
                        yes if req.is_overdue(today) else no,
                        yes if req.clock_stopped else no,
                    )
                ]
            )
