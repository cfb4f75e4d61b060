"""The evaluators' queue: filters, search, sort, and the rows of its CSV export.

A GET form that never fails: a value it does not know (status, sort key, assignee...) is
reported next to its field and ignored, the rest of the filters still apply.
"""

import csv
import datetime
import functools
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organisation, User
from derogations import access
from derogations.badges import status_modifier
from derogations.enums import IvdClass, Kind, Status, Urgency
from derogations.expressions import (
    RowCondition,
    incident_declared,
    open_complements_due,
    vital_first,
)
from derogations.models import OPEN_STATUSES, DerogationRequest, Team
from derogations.tables import day, labels, url_maker
from derogations.widgets import filter_form_helper

PAGE_SIZE = 50
SEARCH_CONFIG = "french_unaccent"  # created by migration derogations 0003 on PostgreSQL

ME = "moi"
NOBODY = "aucun"
# equipe=<pk>, or the files of my teams, or those without a team (issue 19).
MY_TEAMS = "mes-equipes"
NO_TEAM = "sans"
# status=tous: every file ever submitted; no status: the open files only (the default view).
ALL_STATUSES = "tous"

# tri=<key>: urgency, received date, target date, reference; "-" for descending. Whitelisted.
SORTS: dict[str, tuple[Any, ...]] = {
    # Vital urgencies first (a 2-day target), then every other file by its target date.
    "urgence": (vital_first(), F("target_date").asc(nulls_last=True), "submitted_at", "pk"),
    "echeance": (F("target_date").asc(nulls_last=True), "submitted_at", "pk"),
    "-echeance": (F("target_date").desc(nulls_last=True), "-submitted_at", "-pk"),
    "reception": ("submitted_at", "pk"),
    "-reception": ("-submitted_at", "-pk"),
    "reference": ("reference", "pk"),
    "-reference": ("-reference", "-pk"),
}
DEFAULT_SORT = "urgence"
SORT_LABELS = {
    "urgence": gettext_lazy("Urgence (urgences vitales, puis date cible la plus proche)"),
    "echeance": gettext_lazy("Date cible (la plus proche d'abord)"),
    "-echeance": gettext_lazy("Date cible (la plus lointaine d'abord)"),
    "reception": gettext_lazy("Reçue le (la plus ancienne d'abord)"),
    "-reception": gettext_lazy("Reçue le (la plus récente d'abord)"),
    "reference": gettext_lazy("Référence (croissante)"),
    "-reference": gettext_lazy("Référence (décroissante)"),
}


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


_CHOICES_KEY = "reviews:queue-filter-choices"


Choices = list[tuple[str, str]]


def filter_choices() -> tuple[Choices, Choices, Choices, str]:
    """The evaluators a file may be assigned to, the organisations that filed and the
    evaluation teams, as (value, label) pairs, and a version that changes each time they
    are read again. Kept PORTAL_FILTER_CHOICES_SECONDS in this process's cache: every page
    of the queue would otherwise ask for them again (two queries: the organisations and
    the teams come in one); a change made in this process is seen at once
    (``forget_filter_choices``), one made in another process within those seconds."""
    seconds = settings.PORTAL_FILTER_CHOICES_SECONDS
    found = cache.get(_CHOICES_KEY) if seconds else None
    if found is None:
        evaluators = [(str(u.pk), str(u)) for u in access.assignable_evaluators()]
        # EXISTS per organisation (an index-only probe each), not a join of every request.
        submitted = DerogationRequest.objects.filter(
            organisation=OuterRef("pk"), submitted_at__isnull=False
        )
        organisations = (
            Organisation.objects.filter(Exists(submitted))
            .annotate(list=Value("operator"))
            .order_by()
            .values_list("list", "pk", "name")
        )
        teams = (
            Team.objects.annotate(list=Value("team")).order_by().values_list("list", "pk", "name")
        )
        lists: dict[str, Choices] = {"operator": [], "team": []}
        for name, pk, label in sorted(organisations.union(teams, all=True), key=_by_label):
            lists[name].append((str(pk), label))
        found = (evaluators, lists["operator"], lists["team"], secrets.token_hex(8))
        if seconds:
            cache.set(_CHOICES_KEY, found, seconds)
    return found


def _by_label(row: tuple[str, int, str]) -> tuple[str, str]:
    return (row[2].casefold(), row[2])


def forget_filter_choices(sender: type, instance: Any, **kwargs: object) -> None:
    """post_save/post_delete of a user, an organisation, a team or a submitted request
    (reviews.apps): the next page asks the database again."""
    if sender is not DerogationRequest or instance.submitted_at is not None:
        cache.delete(_CHOICES_KEY)


@functools.lru_cache(maxsize=16)
def _fixed_choices(language: str | None) -> dict[str, list[tuple[str, str]]]:
    """The filter's lists that do not come from the database, translated once per language
    (``language``: the active one, the cache key)."""
    return {
        "status": _blank(_("Dossiers ouverts"))
        + [(ALL_STATUSES, _("Tous les dossiers"))]
        + [(value, label) for value, label in labels(Status).items() if value != Status.DRAFT],
        "kind": _blank(_("Tous les types")) + [*labels(Kind).items()],
        "urgency": _blank(_("Toutes les urgences")) + [*labels(Urgency).items()],
        "ivd_class": _blank(_("Toutes les classes")) + [*labels(IvdClass).items()],
        "tri": [(key, str(label)) for key, label in SORT_LABELS.items()],
    }


@functools.cache
def _helper() -> Any:
    """The filter's layout (crispy): the same for every form, built once (Row and Column
    objects cost 0.1 ms a page)."""
    return filter_form_helper(
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
        Row(Column("team", css_class="fr-col-12 fr-col-md-3")),
    )  # fmt: skip


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, dispositif, opérateur ou justification"),
        required=False,
        max_length=200,
    )
    status = forms.ChoiceField(label=gettext_lazy("Statut"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    urgency = forms.ChoiceField(label=gettext_lazy("Urgence"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Attribué à"), required=False)
    operator = forms.ChoiceField(label=gettext_lazy("Opérateur"), required=False)
    team = forms.ChoiceField(label=gettext_lazy("Équipe"), required=False)
    ivd_class = forms.ChoiceField(label=gettext_lazy("Classe IVDR"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("En retard uniquement"), required=False)
    complements_overdue = forms.BooleanField(
        label=gettext_lazy("Compléments en retard"),
        help_text=gettext_lazy("Date limite de réponse de l'opérateur dépassée"),
        required=False,
    )
    tri = forms.ChoiceField(label=gettext_lazy("Trier par"), required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        fields = self.fields
        for name, choices in _fixed_choices(translation.get_language()).items():
            fields[name].choices = choices  # type: ignore[attr-defined]
        evaluators, operators, teams, self.choices_version = filter_choices()
        fields["assignee"].choices = (  # type: ignore[attr-defined]
            _blank(_("Tout le monde")) + [(ME, _("Moi")), (NOBODY, _("Non attribué"))] + evaluators
        )
        fields["operator"].choices = _blank(_("Tous les opérateurs")) + operators  # type: ignore[attr-defined]
        fields["team"].choices = (  # type: ignore[attr-defined]
            _blank(_("Toutes les équipes"))
            + [(MY_TEAMS, _("Mes équipes")), (NO_TEAM, _("Sans équipe"))]
            + teams
        )
        self.helper = _helper()

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


# What the rows and the CSV export read of the request (its long texts stay in the table).
ROW_FIELDS = (
    "kind",
    "status",
    "reference",
    "urgency",
    "device_name",
    "ivd_class",
    "submitted_at",
    "target_date",
    "clock_stopped_at",
    "assignee",
    "team",
)


def queue_columns(files: Any) -> Any:
    """What a row of the queue shows beyond the request's own columns: its operator's
    name, its assignee's name, its open complement request's due date and whether an
    incident was declared, as values of the row (no model per operator or assignee)."""
    return files.only(*ROW_FIELDS).annotate(
        operator_name=F("organisation__name"),
        assignee_first_name=F("assignee__first_name"),
        assignee_last_name=F("assignee__last_name"),
        assignee_email=F("assignee__email"),
        team_name=F("team__name"),
        complements_due_date=open_complements_due(),
        has_incident=incident_declared(),
    )


def assignee_name(req: DerogationRequest) -> str:
    """The assignee as ``str(user)`` writes it, from queue_columns' values ("" if none)."""
    if req.assignee_email is None:  # type: ignore[attr-defined]
        return ""
    return User.display_name(
        req.assignee_first_name,  # type: ignore[attr-defined]
        req.assignee_last_name,  # type: ignore[attr-defined]
        req.assignee_email,  # type: ignore[attr-defined]
    )


def filtered_requests(user: User, filters: dict[str, Any]) -> "Any":
    """The requests this staff member sees, filtered, searched and sorted (the bare
    rows: ``queue_columns`` adds what a row shows). Without a status, the open files only
    (``status=tous``: every file)."""
    files = access.visible_requests(user)
    status = filters.get("status")
    if not status:
        files = files.filter(status__in=sorted(OPEN_STATUSES))
    elif status != ALL_STATUSES:
        files = files.filter(status=status)
    for name in ("kind", "urgency", "ivd_class"):
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
    team = filters.get("team")
    if team == MY_TEAMS:
        files = files.filter(team__in=Team.objects.filter(members=user).values("pk"))
    elif team == NO_TEAM:
        files = files.filter(team__isnull=True)
    elif team:
        files = files.filter(team_id=int(team))
    if filters.get("overdue"):
        files = files.overdue()
    if filters.get("complements_overdue"):
        files = files.complements_overdue()
    if filters.get("q"):
        files = search(files, filters["q"])
    return files.order_by(*SORTS[filters.get("tri") or DEFAULT_SORT])


def document_matches(text: str) -> RowCondition:
    """``search_document @@ websearch_to_tsquery(...)``: the French full-text vector of the
    request's words and of its operator's name, stored and kept current by triggers
    (derogations migration 0012, PostgreSQL only)."""
    return RowCondition(
        "{row}.search_document @@ websearch_to_tsquery(%s::regconfig, %s)", [SEARCH_CONFIG, text]
    )


def search(files: Any, text: str) -> Any:
    """PostgreSQL: French full-text search, accents ignored. SQLite: substring match."""
    text = text.strip()
    if not text:
        return files
    if connections[files.db].vendor == "postgresql":
        # One stored vector tested row by row is cheap: with a frequent word the planner
        # walks the sort index and stops after a page; with a rare one it reads the GIN
        # index. A text with a digit may be part of a reference ("00012" is not a word):
        # a substring of the reference then matches too (trigram index).
        matches = Q(document_matches(text))
        if any(char.isdigit() for char in text):
            matches |= Q(reference__icontains=text)
        return files.filter(matches)
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
        today, zone = timezone.localdate(), timezone.get_current_timezone()
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
                        req.operator_name,  # type: ignore[attr-defined]  # annotated by the queue's columns
                        req.get_status_display(),
                        assignee_name(req),
                        day(req.submitted_at, zone),
                        day(req.target_date),
                        left if left is not None and req.clock_running else "",
                        yes if req.is_overdue(today) else no,
                        yes if req.clock_stopped else no,
                    )
                ]
            )


# --- Rows of the page ---------------------------------------------------------------------


@dataclass(slots=True)
class QueueRow:
    """What a row of the queue shows, worked out once (reviews/jinja2/reviews/queue_table.html
    prints it): labels translated, dates written, day counts as numbers."""

    pk: int
    href: str
    reference: str
    incident: bool
    kind: str
    urgency: str
    device: str
    operator: str
    status_css: str  # the badge's colour class (derogations.badges.status_modifier)
    status_label: str
    assignee: str
    team: str  # "" without a team
    take_href: str  # "" unless the evaluator may take the file
    submitted: str
    target: str
    late: str  # "en retard de 3 jours" when past the target date, else ""
    left: str  # "12 jours restants" while the clock runs, else ""
    clock_stopped: bool
    complements_late: bool
    complements_due: str


def queue_rows(
    files: Iterable[DerogationRequest], *, today: datetime.date, may_assign: bool
) -> list[QueueRow]:
    """The rows of a page of the queue (``queue_columns``' values)."""
    file_url, take_url = url_maker("reviews:file"), url_maker("reviews:take")
    # get_FOO_display() rebuilds its choices dict and translates on every call: each label
    # is translated once for the table.
    kinds, urgencies, statuses = labels(Kind), labels(Urgency), labels(Status)

    # A page of overdue files repeats a few day counts fifty times: each is put in words
    # once per page (the ngettext calls stay literal, for makemessages).
    @functools.cache
    def late_notes(days: int) -> str:
        return ngettext("en retard de %(n)s jour", "en retard de %(n)s jours", days) % {"n": days}

    @functools.cache
    def left_notes(days: int) -> str:
        return ngettext("%(n)s jour restant", "%(n)s jours restants", days) % {"n": days}

    zone = timezone.get_current_timezone()
    rows = []
    for req in files:
        late = req.is_overdue(today)
        due = req.complements_due_date  # type: ignore[attr-defined]
        rows.append(
            QueueRow(
                pk=req.pk,
                href=file_url(req.pk),
                reference=req.reference or "",
                incident=req.has_incident,  # type: ignore[attr-defined]
                kind=kinds.get(req.kind, req.kind),
                urgency=urgencies.get(req.urgency, req.urgency) if req.is_individual else "—",
                device=req.device_name or "",
                operator=req.operator_name,  # type: ignore[attr-defined]
                status_css=status_modifier(req.status),
                status_label=statuses.get(req.status, req.status),
                assignee=assignee_name(req),
                team=req.team_name or "",  # type: ignore[attr-defined]
                take_href=take_url(req.pk)
                if req.assignee_id is None and may_assign and req.status in OPEN_STATUSES
                else "",
                submitted=day(req.submitted_at, zone),
                target=day(req.target_date),
                late=late_notes(req.days_overdue(today)) if late else "",
                left=left_notes(req.days_left(today) or 0)
                if not late and req.clock_running and req.target_date
                else "",
                clock_stopped=req.clock_stopped,
                complements_late=req.complements_late(today),
                complements_due=day(due) if due else "",
            )
        )
    return rows
