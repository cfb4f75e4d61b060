"""A health professional's own space: the files that concern them, once each, with their
current state (the latest act and the derogation's state), searchable and paginated like
the other lists (issue 17)."""

import functools
from dataclasses import dataclass
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import access, derogation_states, professionals
from .badges import derogation_state_badge
from .enums import PUBLIC_ACT_KINDS, DecisionKind, DecisionState, Kind
from .models import Decision, DerogationRequest
from .tables import day, labels, url_maker
from .widgets import filter_form_helper


class ProfessionalFilterForm(forms.Form):
    """Filters of the professionals' space (GET)."""

    q = forms.CharField(
        label=_("Rechercher (référence ou dispositif)"), required=False, max_length=100
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous")), *Kind.choices]
    )
    derogation = forms.ChoiceField(
        label=_("État de la dérogation"),
        required=False,
        choices=derogation_states.FILTER_CHOICES,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def filter(self, files: QuerySet[DerogationRequest]) -> QuerySet[DerogationRequest]:
        """The valid filters applied; an invalid one is left out (the form says why)."""
        self.is_valid()  # a bound form keeps its valid fields in cleaned_data
        data = self.cleaned_data if self.is_bound else {}
        if data.get("kind"):
            files = files.filter(kind=data["kind"])
        if data.get("derogation"):
            files = files.filter(derogation_states.requests_in_state(data["derogation"]))
        term = data.get("q", "").strip()
        if term:
            files = files.filter(
                Q(reference__icontains=term)
                | Q(device_name__icontains=term)
                | Q(device_model__icontains=term)
            )
        return files.order_by("-decided_at", "-pk")


@functools.cache
def _helper() -> Any:
    names = ProfessionalFilterForm.base_fields
    return filter_form_helper(
        Row(*[Column(name, css_class="fr-col-12 fr-col-md-4") for name in names])
    )


def files_of(user: User) -> QuerySet[DerogationRequest]:
    """The files that concern this professional and carry at least one act they receive
    (a decision or what followed it): each file once, however many acts it has."""
    acts = Decision.objects.filter(
        request=OuterRef("pk"), state=DecisionState.ISSUED, kind__in=PUBLIC_ACT_KINDS
    )
    return DerogationRequest.objects.filter(
        Exists(acts), pk__in=access.professional_requests(user).values("pk")
    )


ROW_FIELDS = (
    "reference",
    "kind",
    "device_name",
    "device_model",
    "prescriber_email",
    "prescriber_rpps",
    "user_email",
    "director_email",
    "derogation__status",
    "derogation__valid_until",
)


def columns(files: QuerySet[DerogationRequest]) -> QuerySet[DerogationRequest]:
    """What a row reads (joined for the page's rows only: derogations.paging)."""
    return files.select_related("derogation").only(*ROW_FIELDS)


@dataclass(slots=True)
class FileRow:
    """A row of derogations/jinja2/derogations/professional_table.html."""

    href: str
    reference: str
    kind: str
    device: str
    act: str
    acts: int
    derogation: SafeString
    role: str


def rows(files: list[DerogationRequest], user: User) -> list[FileRow]:
    """One row per file: its latest act (the link opens it) and the derogation's state."""
    latest: dict[int, Decision] = {}
    count: dict[int, int] = {}
    acts = Decision.objects.filter(
        request_id__in=[f.pk for f in files],
        state=DecisionState.ISSUED,
        kind__in=PUBLIC_ACT_KINDS,
    ).only("request_id", "kind", "issued_at")
    for found in acts.order_by("request_id", "-issued_at", "-pk"):
        latest.setdefault(found.request_id, found)
        count[found.request_id] = count.get(found.request_id, 0) + 1
    decision_url = url_maker("derogations:pro_decision")
    kinds, act_kinds = labels(Kind), labels(DecisionKind)
    zone, today = timezone.get_current_timezone(), timezone.localdate()
    result = []
    for req in files:
        act = latest.get(req.pk)
        if act is None:
            continue
        act.request = req  # role_of reads the request's names: no query
        _state, derogation = derogation_state_badge(getattr(req, "derogation", None), today)
        result.append(
            FileRow(
                href=decision_url(act.pk),
                reference=req.reference or "",
                kind=kinds.get(req.kind, req.kind),
                device=" ".join(filter(None, [req.device_name, req.device_model])),
                act=f"{act_kinds.get(act.kind, act.kind)} — {day(act.issued_at, zone)}",
                acts=count[req.pk],
                derogation=derogation,
                role=professionals.role_of(act, user, user.email),
            )
        )
    return result
