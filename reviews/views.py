from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from derogations import access, assignment, incidents, lifecycle, reports, supplies
from derogations import followup as follow_up_acts
from derogations.access import staff_required
from derogations.enums import DecisionState
from derogations.models import (
    OPEN_STATUSES,
    Decision,
    Derogation,
    DerogationRequest,
    IncidentMeasure,
)
from derogations.paging import CappedPaginator, query_string
from derogations.union_notification import later_acts_notified, record_union_notification

from . import admissibility, dashboard, followup, safety, services
from .followup import ConditionsForm, FollowUpActForm, LiftForm, UnionNotificationForm
from .forms import (
    INSERT_TEMPLATE,
    AmendProposalForm,
    AssignForm,
    CommentForm,
    ComplementsForm,
    GridForm,
    NoteForm,
    ProposalForm,
    SignForm,
    TeamMoveForm,
)
from .models import EvaluationGrid, MotivationTemplate
from .queue import (
    ALL_STATUSES,
    DEFAULT_SORT,
    ME,
    NOBODY,
    PAGE_SIZE,
    QueueFilterForm,
    csv_lines,
    filtered_requests,
    queue_columns,
    queue_rows,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Preset views of the queue, shown as tabs: (key, label, query parameters).
# The first is the default: the open files, the most urgent first.
PRESETS = [
    ("ouverts", gettext_lazy("Dossiers ouverts"), {}),
    ("mes-dossiers", gettext_lazy("Mes dossiers"), {"assignee": ME}),
    ("non-attribues", gettext_lazy("Non attribués"), {"assignee": NOBODY}),
    ("en-retard", gettext_lazy("En retard"), {"overdue": "on"}),
    ("complements-en-retard", gettext_lazy("Compléments en retard"), {"complements_overdue": "on"}),
    ("tous", gettext_lazy("Tous les dossiers"), {"status": ALL_STATUSES}),
]
BOOLEAN_FILTERS = ("overdue", "complements_overdue")
# The queue's columns: (sort key or None, header).
COLUMNS = [
    ("reference", gettext_lazy("Référence")),
    (None, gettext_lazy("Type")),
    (None, gettext_lazy("Urgence")),
    (None, gettext_lazy("Dispositif")),
    (None, gettext_lazy("Opérateur")),
    (None, gettext_lazy("Statut")),
    (None, gettext_lazy("Attribué à")),
    (None, gettext_lazy("Équipe")),
    ("reception", gettext_lazy("Reçue le")),
    ("echeance", gettext_lazy("Date cible")),
    (None, gettext_lazy("Horloge")),
]


def _sort_columns(current: str, query: QueryDict) -> list[dict[str, object]]:
    """The queue's column headers: label, and for a sortable one the link of its header
    (the other order, first page) and its aria-sort."""
    columns: list[dict[str, object]] = []
    for key, label in COLUMNS:
        if key is None:
            columns.append({"label": label})
            continue
        if current == key:
            following, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            following, aria = key, "descending"
        else:
            following, aria = key, ""
        href = query_string(query, tri=following, page=None)
        columns.append({"label": label, "href": href, "aria": aria})
    return columns


def _presets(filters: dict[str, object]) -> list[dict[str, object]]:
    """The views of the queue: label, link, and whether the filters are this view's."""
    shown = {k: v for k, v in filters.items() if k != "tri"}
    presets = []
    for _key, label, params in PRESETS:
        expected = {k: (True if k in BOOLEAN_FILTERS else v) for k, v in params.items()}
        presets.append(
            {"label": label, "href": "?" + urlencode(params), "current": shown == expected}
        )
    return presets


@staff_required
@require_safe
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    files = filtered_requests(request.user, filters)
    number = request.GET.get("page")
    paginator = CappedPaginator(
        files,
        PAGE_SIZE,
        number=number,
        columns=queue_columns,
        searching="q" in filters,  # a valid, non-empty text (the form strips it)
    )
    page = paginator.get_page(number)
    page.object_list = queue_rows(
        page.object_list, today=timezone.localdate(), may_assign=access.may_assign(request.user)
    )
    return render(
        request,
        "reviews/queue.html",
        {
            "page": page,
            "form": form,
            "presets": _presets(filters),
            "columns": _sort_columns(filters.get("tri") or DEFAULT_SORT, request.GET),
            "next_url": request.get_full_path(),
            "export_href": reverse("reviews:export_csv") + query_string(request.GET, page=None),
        },
    )


@staff_required
@require_safe
def export_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The filtered queue as CSV for Excel (every page, same filters and sort)."""
    form = QueueFilterForm(request.GET or None, user=request.user)
    files = queue_columns(filtered_requests(request.user, form.filters()))
    response = StreamingHttpResponse(
        csv_lines(files.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
    )
    filename = f"dossiers-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
@require_safe
def team_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The team's dashboard: four charts, each with the table of its figures."""
    form = dashboard.DashboardFilterForm(request.GET or None)
    months, kind = form.filters()
    board = dashboard.compute(months, kind, team=form.team())
    return render(
        request,
        "reviews/dashboard.html",
        {"form": form, "board": board, "charts": dashboard.build_charts(board)},
    )


INADMISSIBLE = (
    "inadmissible",
    gettext_lazy("Motifs de l'irrecevabilité"),
    gettext_lazy("Déclarer irrecevable"),
    gettext_lazy(
        "Motivez l'irrecevabilité : les motifs figurent dans le courrier adressé à l'opérateur."
    ),
)
SEND_BACK = (
    "send_back",
    gettext_lazy("Motif du renvoi"),
    gettext_lazy("Renvoyer à l'évaluateur"),
    gettext_lazy("Expliquez pourquoi la proposition est renvoyée."),
)


def _comment_form(
    spec: tuple[str, "StrOrPromise", "StrOrPromise", "StrOrPromise"], data: object = None
) -> CommentForm:
    name, label, button, required_message = spec
    return CommentForm(
        data,
        label=label,
        button=button,
        name=name,
        prefix=name,
        required_message=required_message,
    )


@staff_required
@require_safe
def file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_file(request, pk)


def _render_file(
    request: AuthenticatedHttpRequest, pk: int, status: int | None = None, **forms: object
) -> HttpResponse:
    """The file page; ``forms`` replaces a form by the one the user just sent (its errors
    and typed text shown, answered 400 unless ``status`` says otherwise)."""
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related("organisation", "assignee", "team"),
        pk=pk,
    )
    allowed = lifecycle.allowed_transitions(derogation_request, request.user)
    proposal = (
        derogation_request.decisions.filter(state=DecisionState.PROPOSED)
        .select_related("proposed_by")
        .first()
    )
    grid = (
        EvaluationGrid.objects.filter(request=derogation_request)
        .select_related("updated_by")
        .first()
    )
    may_edit_grid = (
        access.may_assign(request.user)
        and derogation_request.status in services.GRID_EDITABLE_STATUSES
    )
    templates = MotivationTemplate.objects.active()
    derogation = (
        Derogation.objects.filter(request=derogation_request)
        .select_related("grant__union_notification__recorded_by")
        .first()
    )
    union_notification = (
        getattr(derogation.grant, "union_notification", None) if derogation else None
    )
    acts = derogation_request.decisions.select_related(
        "proposed_by", "reviewed_by"
    ).prefetch_related(Prefetch("deliveries", to_attr="delivery_list"))
    # The follow-up forms' one-time token; read from the acts the page lists anyway.
    last_act = max((act.pk for act in acts), default=0) if derogation is not None else 0
    context = {
        "req": derogation_request,
        "allowed": allowed,
        "proposal": proposal,
        "may_review_proposal": proposal is not None
        and "grant" in allowed
        and proposal.proposed_by_id != request.user.pk,
        "decisions": acts,
        "derogation": derogation,
        "follow_ups": follow_up_acts.allowed_follow_ups(derogation, request.user),
        "follow_up_forms": {
            name: forms.get(f"{name}_form") or _follow_up_form(name, last_act=last_act)
            for name in FOLLOW_UP_FORMS
        },
        "union_notification": union_notification,
        "union_notification_form": forms.get("union_notification_form")
        or UnionNotificationForm(prefix="union"),
        "may_resend": request.user.is_evaluator,
        "timeline": derogation_request.audit_entries.select_related("actor"),
        "checklist": admissibility.checklist(derogation_request),
        "complement_requests": derogation_request.complement_requests.select_related(
            "requested_by", "answered_by"
        ),
        "grid": grid,
        "grid_missing": services.missing_grid_items(grid),
        "may_edit_grid": may_edit_grid,
        "grid_form": forms.get("grid_form") or (GridForm(instance=grid) if may_edit_grid else None),
        "notes": derogation_request.private_notes.select_related("author"),
        "may_write_notes": access.may_assign(request.user),
        "note_form": forms.get("note_form") or NoteForm(),
        "motivation_templates": templates,
        "incidents": derogation_request.incidents.all(),
        **safety.file_context(
            derogation_request,
            derogation,
            request.user,
            forms.get("incident_form"),  # type: ignore[arg-type]
            forms.get("incident_pk"),  # type: ignore[arg-type]
        ),
        "supplies": supplies.shown_to_staff(derogation),
        **_periodic_reports(derogation),
        "union_later": later_acts_notified(derogation_request),
        "proposal_form": forms.get("proposal_form")
        or ProposalForm(request_kind=derogation_request.kind),
        "inadmissible_form": forms.get("inadmissible_form") or _comment_form(INADMISSIBLE),
        "complements_form": forms.get("complements_form") or ComplementsForm(),
        "send_back_form": forms.get("send_back_form") or _comment_form(SEND_BACK),
        "amend_form": forms.get("amend_form")
        or (
            AmendProposalForm(
                initial={"motivation": proposal.motivation, "conditions": proposal.conditions}
            )
            if proposal
            else None
        ),
        "sign_form": SignForm(
            initial={"digest": lifecycle.proposal_digest(proposal) if proposal else ""}
        ),
        "may_assign": access.may_assign(request.user)
        and derogation_request.status in OPEN_STATUSES,
        "assign_form": forms.get("assign_form") or AssignForm(),
        # Issue 19: any evaluator moves a file to another team (reviews.team_views).
        "may_move_team": access.may_assign(request.user),
        "team_form": forms.get("team_form") or TeamMoveForm(current=derogation_request.team_id),
    }
    if status is None:
        status = 400 if forms else 200
    return render(request, "reviews/file.html", context, status=status)


def _periodic_reports(derogation: Derogation | None) -> dict[str, object]:
    """The operator's periodic reports on the file, and whether one is missing."""
    if derogation is None or reports.refusal(derogation) is not None:
        return {"periodic_reports": [], "report_status": None}
    filed = list(derogation.periodic_reports.all())
    return {
        "periodic_reports": filed,
        "report_status": reports.report_status(derogation, len(filed)),
    }


def _done(request: HttpRequest, pk: int, call: Callable[[], object], success: str) -> HttpResponse:
    try:
        call()
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("reviews:file", pk=pk)


def _act(
    request: AuthenticatedHttpRequest,
    pk: int,
    call: Callable[[], object],
    success: str | Callable[[Any], str],
    **form: object,
) -> HttpResponse:
    """One domain call on a valid form. Done: its message, back to the file. Refused (a
    French TransitionError): the message, and the form shown again as typed (400)."""
    try:
        result = call()
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
        return _render_file(request, pk, status=None, **form)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("reviews:file", pk=pk)


@staff_required
@require_POST
def admissible(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    return _done(
        request, pk, lambda: lifecycle.declare_admissible(req, request.user),
        _("La demande est recevable et passe en instruction."),
    )  # fmt: skip


@staff_required
@require_POST
def inadmissible(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = _comment_form(INADMISSIBLE, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, inadmissible_form=form)
    return _done(
        request, pk, lambda: lifecycle.declare_inadmissible(req, request.user, form.cleaned_data["comment"]),
        _("La demande a été déclarée irrecevable."),
    )  # fmt: skip


@staff_required
@require_POST
def complements(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = ComplementsForm(request.POST)
    if not form.is_valid():
        return _render_file(request, pk, complements_form=form)
    data = form.cleaned_data
    return _act(
        request, pk,
        lambda: lifecycle.request_complements(req, request.user, data["questions"], due_date=data["due_date"]),
        _("La demande de compléments a été adressée à l'opérateur (réponse attendue le %(date)s).")
        % {"date": data["due_date"].strftime("%d/%m/%Y")},
        complements_form=form,
    )  # fmt: skip


@staff_required
@require_POST
def propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Propose a decision; "Insérer le modèle" re-renders the form with the template's text
    added to the motivation, every other typed value kept (no JavaScript needed)."""
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    if INSERT_TEMPLATE in request.POST:
        form, error = ProposalForm.with_template_inserted(request.POST, request_kind=req.kind)
        if error:
            messages.error(request, error)
        return _render_file(request, pk, status=400 if error else 200, proposal_form=form)
    form = ProposalForm(request.POST, request_kind=req.kind)
    if not form.is_valid():
        return _render_file(request, pk, proposal_form=form)
    data = form.cleaned_data
    # Refused (grid incomplete, file moved meanwhile): the text typed stays.
    return _act(
        request, pk,
        lambda: lifecycle.propose_decision(
            req, request.user, kind=data["kind"], motivation=data["motivation"],
            conditions=data["conditions"], valid_until=data["valid_until"],
            report_interval_months=data.get("report_interval_months"),
        ),
        _("La proposition de décision est transmise pour validation."),
        proposal_form=form,
    )  # fmt: skip


@staff_required
@require_POST
def grid(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = GridForm(request.POST)
    if not form.is_valid():
        return _render_file(request, pk, grid_form=form)
    return _act(
        request, pk,
        lambda: services.save_grid(req, request.user, form.cleaned_data),
        _grid_saved,
        grid_form=form,
    )  # fmt: skip


def _grid_saved(grid: EvaluationGrid) -> str:
    if services.missing_grid_items(grid):
        return _(
            "La grille est enregistrée. Elle doit être complète avant de proposer une décision."
        )
    return _("La grille est enregistrée et complète.")


@staff_required
@require_POST
def note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_file(request, pk, note_form=form)
    return _act(
        request, pk,
        lambda: services.add_note(req, request.user, form.cleaned_data["text"]),
        _("La note interne est enregistrée."),
        note_form=form,
    )  # fmt: skip


@staff_required
@require_POST
def send_back(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = _comment_form(SEND_BACK, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, send_back_form=form)
    return _done(
        request, pk, lambda: lifecycle.send_back(req, request.user, form.cleaned_data["comment"]),
        _("La proposition a été renvoyée à l'évaluateur."),
    )  # fmt: skip


@staff_required
@require_POST
def validate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le formulaire a expiré : rechargez la page et recommencez."))
        return redirect("reviews:file", pk=pk)
    return _done(
        request, pk,
        lambda: lifecycle.validate_decision(req, request.user, seen_digest=form.cleaned_data["digest"] or None),
        _("La décision est signée. Le courrier est en cours d'envoi."),
    )  # fmt: skip


@staff_required
@require_POST
def amend_proposal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The senior amends the proposal's motivation and conditions before signing."""
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = AmendProposalForm(request.POST)
    if not form.is_valid():
        return _render_file(request, pk, amend_form=form)
    data = form.cleaned_data
    return _act(
        request, pk,
        lambda: lifecycle.amend_proposal(
            req, request.user, motivation=data["motivation"], conditions=data["conditions"]
        ),
        _("La proposition est modifiée. Relisez le courrier avant de le signer."),
        amend_form=form,
    )  # fmt: skip


# --- Assignment -------------------------------------------------------------------------


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    """Back to the page the form was on (the queue with its filters), else to the file."""
    target = request.POST.get("next", "")
    # A path of this site only; redirect() would take any other string for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("reviews:file", pk=pk)


def _assign(
    request: AuthenticatedHttpRequest, pk: int, call: Callable[[], object], success: str
) -> HttpResponse:
    try:
        call()
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return _back(request, pk)


@staff_required
@require_POST
def take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    return _assign(
        request, pk,
        lambda: assignment.assign(req, request.user, request.user, only_if_unassigned=True),
        _("Le dossier %(ref)s vous est attribué.") % {"ref": req.reference},
    )  # fmt: skip


@staff_required
@require_POST
def assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _render_file(request, pk, assign_form=form)
    assignee = form.cleaned_data["assignee"]
    return _assign(
        request, pk, lambda: assignment.assign(req, request.user, assignee),
        _("Le dossier %(ref)s est attribué à %(name)s.") % {"ref": req.reference, "name": assignee},
    )  # fmt: skip


@staff_required
@require_POST
def unassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    return _assign(
        request, pk, lambda: assignment.assign(req, request.user, None),
        _("Le dossier %(ref)s n'est plus attribué.") % {"ref": req.reference},
    )  # fmt: skip


# --- Follow-up of granted derogations ---------------------------------------------------


@staff_required
@require_safe
def followup_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Derogations in force and suspended, with their end dates, filtered."""
    form = followup.FollowUpFilterForm(request.GET or None)
    derogations = followup.followed_derogations(form.filters())
    page = Paginator(derogations, followup.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    page.object_list = followup.flag_late(list(page.object_list), today)
    return render(request, "reviews/followup.html", {"page": page, "form": form, "today": today})


# name: (form class, button, success message); the view calls lifecycle.<name>.
FOLLOW_UP_FORMS: dict[str, tuple[type[FollowUpActForm], object, object]] = {
    "suspend": (
        FollowUpActForm,
        gettext_lazy("Suspendre la dérogation"),
        gettext_lazy(
            "La dérogation est suspendue. Le courrier part à tous les destinataires de l'octroi."
        ),
    ),
    "resume": (
        FollowUpActForm,
        gettext_lazy("Reprendre la dérogation"),
        gettext_lazy(
            "La dérogation reprend effet. Le courrier part à tous les destinataires de l'octroi."
        ),
    ),
    "change_conditions": (
        ConditionsForm,
        gettext_lazy("Modifier les conditions"),
        gettext_lazy(
            "Les conditions sont modifiées. Le courrier part à tous les destinataires de l'octroi."
        ),
    ),
    "lift": (
        LiftForm,
        gettext_lazy("Lever la dérogation"),
        gettext_lazy(
            "La dérogation est levée. Le courrier part à tous les destinataires de l'octroi."
        ),
    ),
}


def _follow_up_form(name: str, data: object = None, last_act: int = 0) -> FollowUpActForm:
    form_class, button, _success = FOLLOW_UP_FORMS[name]
    return form_class(
        data, initial={"last_act": last_act}, button=str(button), name=name, prefix=name
    )


def _issue_follow_up(
    name: str, req: DerogationRequest, user: User, data: dict[str, Any]
) -> Decision:
    if name == "change_conditions":
        return follow_up_acts.change_conditions(
            req, user, data["motivation"], data["conditions"], data["valid_until"],
            last_act=data["last_act"],
        )  # fmt: skip
    return getattr(follow_up_acts, name)(req, user, data["motivation"], last_act=data["last_act"])


def _follow_up_view(name: str) -> Callable[..., HttpResponseBase]:
    @staff_required
    @require_POST
    def view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        req = get_object_or_404(access.visible_requests(request.user), pk=pk)
        form = _follow_up_form(name, request.POST)
        if not form.is_valid():
            return _render_file(request, pk, status=None, **{f"{name}_form": form})
        data = form.cleaned_data
        return _done(
            request,
            pk,
            lambda: _issue_follow_up(name, req, request.user, data),
            str(FOLLOW_UP_FORMS[name][2]),
        )

    view.__name__ = name
    return view


suspend = _follow_up_view("suspend")
resume = _follow_up_view("resume")
change_conditions = _follow_up_view("change_conditions")
lift = _follow_up_view("lift")


@staff_required
@require_POST
def union_notification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record when and how the Art. 54(2) sheet was sent to the Commission."""
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = UnionNotificationForm(request.POST, prefix="union")
    if not form.is_valid():
        return _render_file(request, pk, union_notification_form=form)
    data = form.cleaned_data
    return _done(
        request, pk,
        lambda: record_union_notification(
            req, request.user, sent_on=data["sent_on"], channel=data["channel"],
            reference=data["reference"],
        ),
        _("L'envoi de la notification à la Commission et aux États membres est enregistré."),
    )  # fmt: skip


@staff_required
@require_POST
def incident_follow_up(
    request: AuthenticatedHttpRequest, pk: int, incident_pk: int
) -> HttpResponse:
    """The evaluator acknowledges a declared incident, with the analysis and the measure."""
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    incident = get_object_or_404(req.incidents.all(), pk=incident_pk)
    form = safety.follow_up_form(incident.pk, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, incident_form=form, incident_pk=incident.pk)
    data = form.cleaned_data
    success = _("Le suivi de l'incident %(ref)s est enregistré.") % {"ref": incident.reference}
    if data["measure"] != IncidentMeasure.NONE:
        success += " " + _(
            "Émettez maintenant l'acte décidé dans « Suivi de la dérogation » : "
            "il part avec son courrier à tous les destinataires."
        )
    return _done(
        request,
        pk,
        lambda: incidents.record_follow_up(incident, request.user, **data),
        success,
    )
