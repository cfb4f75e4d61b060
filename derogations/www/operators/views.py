from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Field
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.enums import Role
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation
from derogations import (
    access,
    downloads,
    filing,
    lifecycle,
    professionals,
    requirements,
    tables,
    uploads,
)
from derogations.enums import AttachmentCategory, DecisionKind, Kind, Status
from derogations.models import Attachment, DerogationRequest
from derogations.paging import CappedPaginator
from derogations.timeline import STAFF_ONLY_ACTIONS
from derogations.union_sheet_data import visible_notification

from .forms import (
    AttachmentForm,
    ComplementAnswerForm,
    DashboardFilterForm,
    RequestStepForm,
    WithdrawForm,
)


@login_required
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_ansm_staff:
        return redirect("reviews:queue")
    if request.user.is_professional:
        # A prescriber or a director has their own space, not an operator's list.
        return redirect("derogations:pro_dashboard")
    filters = DashboardFilterForm(request.GET or None)
    requests = filters.filter(access.own_list_requests(request.user))
    number = request.GET.get("page")
    paginator = CappedPaginator(
        requests,
        25,
        number=number,
        columns=tables.operator_dashboard_columns,
        searching=filters.searching,
    )
    page = paginator.get_page(number)
    page.object_list = tables.operator_dashboard_rows(page.object_list)
    return render(request, "derogations/dashboard.html", {"page": page, "filters": filters})


def _operator_organisation(request: AuthenticatedHttpRequest) -> Organisation:
    membership = request.user.memberships.select_related("organisation").first()
    if request.user.role != Role.OPERATOR or membership is None:
        raise Http404
    return membership.organisation


# --- Session expired while typing -----------------------------------------------------------

# A step posted after the session expired: its input waits in the new (anonymous) session,
# which login keeps, and the step shows it again once the operator has signed in.
UNSAVED_INPUT_KEY = "derogations_unsaved_input"
UNSAVED_INPUT_MAX_CHARS = 200_000


def login_required_keeping_input(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST":
            data = {
                key: request.POST.getlist(key)
                for key in request.POST
                if key != "csrfmiddlewaretoken"
            }
            if sum(len(v) for values in data.values() for v in values) <= UNSAVED_INPUT_MAX_CHARS:
                request.session[UNSAVED_INPUT_KEY] = {"path": request.path, "data": data}
                messages.warning(
                    request,
                    _(
                        "Votre session a expiré. Reconnectez-vous : ce que vous venez de saisir "
                        "vous sera présenté à nouveau pour être enregistré."
                    ),
                )
        return redirect_to_login(request.get_full_path())

    return wrapper


def _unsaved_input(request: HttpRequest) -> QueryDict | None:
    stash = request.session.get(UNSAVED_INPUT_KEY)
    if not stash or stash.get("path") != request.path:
        return None
    del request.session[UNSAVED_INPUT_KEY]
    data = QueryDict(mutable=True)
    for key, values in stash["data"].items():
        data.setlist(key, values)
    messages.warning(
        request,
        _(
            "Votre saisie précédente, faite avant l'expiration de votre session, est restaurée "
            "ci-dessous. Elle n'est pas encore enregistrée : vérifiez-la puis enregistrez."
        ),
    )
    return data


# --- Filing, step by step ----------------------------------------------------------------------


SAVED_WITH_ERRORS = gettext_lazy(
    "Les champs valides sont enregistrés dans votre brouillon. Corrigez les champs signalés."
)


ALREADY_SUBMITTED = gettext_lazy(
    "Cette demande est déposée : elle ne peut plus être modifiée (sauf par une réponse à une "
    "demande de compléments)."
)


def _submitted_values(form: RequestStepForm, data: QueryDict) -> dict[str, object]:
    """The valid fields the browser actually sent (a checkbox is sent only when ticked:
    it counts as sent when any other field of the step was)."""
    values = form.valid_values()
    sent = {name for name in form.fields if form.add_prefix(name) in data}
    if sent:
        sent |= {
            name for name, field in form.fields.items() if isinstance(field, forms.BooleanField)
        }
    return {name: value for name, value in values.items() if name in sent}


def _render_step(
    request: HttpRequest,
    kind: str,
    draft: DerogationRequest | None,
    step: filing.Step,
    status: int = 200,
    **context: object,
) -> HttpResponse:
    steps = filing.steps_for(kind)
    index = steps.index(step)
    return render(
        request,
        "derogations/request_step.html",
        {
            "kind": kind,
            "draft": draft,
            "step": step,
            "steps": steps,
            "step_number": index + 1,
            "next_step": steps[index + 1] if index + 1 < len(steps) else None,
            "previous_step": steps[index - 1] if index > 0 else None,
            "version_field": VERSION_FIELD,
            **context,
        },
        status=status,
    )


def _after_save(request: HttpRequest, draft: DerogationRequest, step: filing.Step) -> HttpResponse:
    if "next" in request.POST:
        steps = filing.steps_for(draft.kind)
        following = steps[min(steps.index(step) + 1, len(steps) - 1)]
        return redirect("derogations:step", pk=draft.pk, step=following.slug)
    messages.success(request, _("Brouillon enregistré. Vous pouvez le compléter à tout moment."))
    return redirect("derogations:step", pk=draft.pk, step=step.slug)


@login_required_keeping_input
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404
    organisation = _operator_organisation(request)
    step = filing.steps_for(kind)[0]
    data = request.POST if request.method == "POST" else _unsaved_input(request)
    form = RequestStepForm(
        data, kind=kind, step=step, initial={"contact_email": request.user.email}
    )
    if request.method == "POST":
        form.is_valid()
        values = _submitted_values(form, request.POST)
        if values:
            draft = filing.new_draft(kind, organisation, request.user, values)
            if not form.errors:
                return _after_save(request, draft, step)
            messages.warning(request, SAVED_WITH_ERRORS)
            return _render_step(request, kind, draft, step, form=form)
    return _render_step(request, kind, None, step, form=form)


# Hidden field of a draft's step: the draft_version the form was shown with.
VERSION_FIELD = "draft_version"


def _posted_version(data: QueryDict) -> int | None:
    """The version the form was shown with; None when the form did not send one (nothing
    to check); a value that is not a number counts as an outdated one."""
    raw = data.get(VERSION_FIELD)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return 0


def _field_label(name: str) -> str:
    """The label of a request field, as the forms show it."""
    field = DerogationRequest._meta.get_field(name)
    return str(capfirst(field.verbose_name if isinstance(field, Field) else name))


def _render_conflict(
    request: HttpRequest, conflict: filing.DraftChanged, step: filing.Step, form: RequestStepForm
) -> HttpResponse:
    """A colleague saved the draft meanwhile: nothing of this post is written; the form
    shows what this member typed, with the colleague's version number, so that saving it
    again (after checking) is a deliberate choice."""
    labels = [_field_label(name) for name in conflict.fields]
    messages.error(
        request,
        _(
            "Un membre de votre organisation a modifié ce brouillon pendant que vous le "
            "complétiez : vos saisies n'ont pas été enregistrées, pour ne pas effacer les "
            "siennes. Elles sont conservées ci-dessous. Champs concernés : %(fields)s. "
            "Vérifiez-les (le récapitulatif montre la version enregistrée), puis enregistrez "
            "à nouveau pour les confirmer."
        )
        % {"fields": ", ".join(labels)},
    )
    return _render_step(request, conflict.current.kind, conflict.current, step, 409, form=form)


@login_required_keeping_input
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int, step: str | None = None) -> HttpResponse:
    draft = get_object_or_404(access.editable_drafts(request.user), pk=pk)
    current = filing.step_of(draft.kind, step) if step else filing.steps_for(draft.kind)[0]
    if current is None:
        raise Http404
    if current.slug == filing.ATTACHMENTS_STEP:
        return _attachments_step(request, draft, current)
    if current.slug == filing.SUMMARY_STEP:
        return _summary_step(request, draft, current)
    data = request.POST if request.method == "POST" else _unsaved_input(request)
    form = RequestStepForm(data, instance=draft, kind=draft.kind, step=current)
    if request.method == "POST":
        form.is_valid()
        values = _submitted_values(form, request.POST)
        try:
            draft = filing.save_step(draft, values, _posted_version(request.POST))
        except filing.DraftLocked:
            messages.error(request, ALREADY_SUBMITTED)
            return redirect("derogations:detail", pk=pk)
        except filing.DraftChanged as conflict:
            return _render_conflict(request, conflict, current, form)
        if values and not form.errors:
            return _after_save(request, draft, current)
        if form.errors:
            messages.warning(request, SAVED_WITH_ERRORS)
    return _render_step(request, draft.kind, draft, current, form=form)


def _required_attachments(draft: DerogationRequest, attachments: list[Attachment]) -> list[dict]:
    present = {attachment.category for attachment in attachments}
    return [
        {
            "value": category,
            "label": AttachmentCategory(category).label,
            "present": category in present,
        }
        for category in requirements.required_attachments(draft.kind)
    ]


def _attachments_step(
    request: AuthenticatedHttpRequest, draft: DerogationRequest, step: filing.Step
) -> HttpResponse:
    form = AttachmentForm(
        request.POST or None,
        request.FILES or None,
        stored_bytes=uploads.stored_bytes(draft) if request.method == "POST" else 0,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                uploads.add_files_to_draft(
                    draft, form.cleaned_data["files"], form.cleaned_data["category"], request.user
                )
            except uploads.AttachmentRefused as exc:
                messages.error(request, exc.message)
                return redirect("derogations:detail", pk=draft.pk)
            messages.success(
                request,
                ngettext(
                    "Le document est ajouté.",
                    "Les %(count)d documents sont ajoutés.",
                    len(form.cleaned_data["files"]),
                )
                % {"count": len(form.cleaned_data["files"])},
            )
            following = filing.SUMMARY_STEP if "next" in request.POST else step.slug
            return redirect("derogations:step", pk=draft.pk, step=following)
        status = 400
    attachments = list(draft.attachments.select_related("uploaded_by"))
    return _render_step(
        request,
        draft.kind,
        draft,
        step,
        status=status,
        form=form,
        attachments=attachments,
        required_attachments=_required_attachments(draft, attachments),
    )


def _missing_links(draft: DerogationRequest, missing: dict[str, str]) -> list[dict[str, object]]:
    """Each missing item with its label and the address of its field (step and anchor)."""
    items = []
    for key, message in missing.items():
        step = filing.step_for_missing_key(draft.kind, key)
        url = reverse("derogations:step", kwargs={"pk": draft.pk, "step": step.slug})
        if key.startswith(requirements.ATTACHMENT_KEY_PREFIX):
            label, anchor = _("Pièces jointes"), "id_category"
        else:
            label, anchor = _field_label(key), f"id_{key}"
        items.append(
            {"label": label, "message": message, "url": f"{url}#{anchor}", "step": step.title}
        )
    return items


def _summary_step(
    request: AuthenticatedHttpRequest, draft: DerogationRequest, step: filing.Step
) -> HttpResponse:
    if request.method == "POST":
        try:
            submitted = lifecycle.submit(draft, request.user)
        except lifecycle.IncompleteRequest as exc:
            return _render_summary(request, draft, step, exc.missing, failed=True)
        except lifecycle.TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("derogations:detail", pk=draft.pk)
        messages.success(
            request,
            _("Votre demande est déposée sous la référence %(reference)s.")
            % {"reference": submitted.reference},
        )
        return redirect("derogations:acknowledgment", pk=submitted.pk)
    return _render_summary(request, draft, step, requirements.missing_items(draft), failed=False)


def _render_summary(
    request: HttpRequest,
    draft: DerogationRequest,
    step: filing.Step,
    missing: dict[str, str],
    *,
    failed: bool,
) -> HttpResponse:
    attachments = list(draft.attachments.select_related("uploaded_by"))
    return _render_step(
        request,
        draft.kind,
        draft,
        step,
        req=draft,
        missing=_missing_links(draft, missing),
        failed=failed,
        attachments=attachments,
        required_attachments=_required_attachments(draft, attachments),
    )


@login_required
@require_POST
def attachment_delete(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> HttpResponse:
    attachment = get_object_or_404(
        Attachment.objects.filter(request__in=access.editable_drafts(request.user)),
        pk=attachment_pk,
        request_id=pk,
    )
    try:
        uploads.delete_from_draft(attachment)
    except uploads.AttachmentRefused as exc:
        messages.error(request, exc.message)
        return redirect("derogations:detail", pk=pk)
    messages.success(
        request, _("Le document « %(name)s » est supprimé.") % {"name": attachment.original_name}
    )
    return redirect("derogations:step", pk=pk, step=filing.ATTACHMENTS_STEP)


@login_required
@require_safe
def attachment_download(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> HttpResponseBase:
    attachment = get_object_or_404(
        access.visible_attachments(request.user), pk=attachment_pk, request_id=pk
    )
    return downloads.document_response(
        attachment.file, attachment.original_name, attachment.content_type
    )


@login_required
@require_safe
def acknowledgment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The acknowledgment of receipt, as a page: reference, date, target date, what next."""
    derogation_request = get_object_or_404(
        access.visible_requests(request.user)
        .exclude(status=Status.DRAFT)
        .select_related("organisation"),
        pk=pk,
    )
    return render(
        request,
        "derogations/acknowledgment.html",
        {
            "req": derogation_request,
            "attachments": derogation_request.attachments.filter(complement_answer__isnull=True),
        },
    )


@login_required
@require_POST
def renew(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    previous = get_object_or_404(access.visible_requests(request.user), pk=pk)
    try:
        draft, created = filing.renew(previous, request.user)
    except filing.RenewalRefused as exc:
        messages.error(request, exc.message)
        return redirect("derogations:detail", pk=pk)
    if created:
        messages.success(
            request,
            _(
                "Le brouillon de renouvellement est créé à partir de la demande %(reference)s. "
                "Vérifiez chaque étape, indiquez la nouvelle période demandée, puis déposez-le."
            )
            % {"reference": previous.reference},
        )
    else:
        messages.info(request, _("Un renouvellement de cette demande est déjà en préparation."))
    return redirect("derogations:step", pk=draft.pk, step=filing.steps_for(draft.kind)[0].slug)


@login_required
@require_safe
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.user.is_ansm_staff:
        return redirect("reviews:file", pk=pk)
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related(
            "organisation", "derogation", "renewal_of"
        ),
        pk=pk,
    )
    if derogation_request.status == Status.DRAFT:
        return redirect("derogations:step", pk=pk, step=filing.SUMMARY_STEP)
    return _render_detail(request, derogation_request)


def _render_detail(
    request: AuthenticatedHttpRequest,
    derogation_request: DerogationRequest,
    answer_form: ComplementAnswerForm | None = None,
) -> HttpResponse:
    # The acts whose letter this user may read (a professional: not the operator's own
    # correspondence such as the acknowledgment of receipt).
    decisions = access.visible_letters(request.user).filter(request=derogation_request)
    # Assignment inside the agency is internal: the operator sees the file's path, not who holds it.
    timeline = derogation_request.audit_entries.exclude(action__in=STAFF_ONLY_ACTIONS)
    allowed = lifecycle.allowed_transitions(derogation_request, request.user)
    is_operator = request.user.role == Role.OPERATOR
    return render(
        request,
        "derogations/detail.html",
        {
            "req": derogation_request,
            "decisions": decisions,
            "timeline": timeline,
            "next_step": filing.next_step(derogation_request),
            "attachments": access.visible_attachments(request.user)
            .filter(request=derogation_request)
            .select_related("uploaded_by"),
            "renewals": derogation_request.renewals.all() if is_operator else [],
            "may_renew": is_operator and filing.may_renew(derogation_request),
            "open_complements": derogation_request.complement_requests.open(),
            # Issue 16: the operator sees how many patients consented or refused, no codes.
            "consent_counts": professionals.consent_counts(derogation_request.pk)
            if is_operator and derogation_request.status == Status.GRANTED
            else None,
            "withdraw_form": WithdrawForm() if "withdraw" in allowed else None,
            "answer_form": answer_form
            or (ComplementAnswerForm() if "answer_complements" in allowed else None),
        },
        status=400 if answer_form is not None else 200,
    )


@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two steps, without JavaScript: the reason posted from the file shows a confirmation
    page (nothing written); its « Confirmer le retrait » button withdraws."""
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related("organisation"), pk=pk
    )
    if "withdraw" not in lifecycle.allowed_transitions(derogation_request, request.user):
        # The lifecycle's own words (a double submit, a decision meanwhile).
        messages.error(
            request,
            _(
                "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
            )
            % {"status": derogation_request.get_operator_status_display()},
        )
        return redirect("derogations:detail", pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "derogations/withdraw_confirm.html",
            {"req": derogation_request, "form": form},
            status=400,
        )
    if "confirm" not in request.POST:
        return render(
            request,
            "derogations/withdraw_confirm.html",
            {"req": derogation_request, "form": form, "reason": form.cleaned_data["reason"]},
        )
    try:
        lifecycle.withdraw(derogation_request, request.user, form.cleaned_data["reason"])
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "La demande a été retirée. L'accusé de retrait est envoyé par courriel à "
                "votre organisation et aux personnes qui ont reçu copie des courriers du dossier."
            ),
        )
    return redirect("derogations:detail", pk=pk)


@login_required
@require_POST
def answer_complements(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related(
            "organisation", "derogation", "renewal_of"
        ),
        pk=pk,
    )
    if "answer_complements" not in lifecycle.allowed_transitions(derogation_request, request.user):
        messages.error(
            request, _("Action impossible : aucune demande de compléments n'attend de réponse.")
        )
        return redirect("derogations:detail", pk=pk)
    form = ComplementAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, derogation_request, answer_form=form)
    try:
        uploads.answer_complements(
            derogation_request,
            request.user,
            form.cleaned_data["answer"],
            form.cleaned_data["files"],
            form.cleaned_data["category"],
        )
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Votre réponse a été transmise à l'ANSM."))
    return redirect("derogations:detail", pk=pk)


@login_required
@require_safe
def letter(request: AuthenticatedHttpRequest, pk: int, decision_pk: int) -> HttpResponseBase:
    decision = get_object_or_404(
        access.visible_letters(request.user).select_related("request"),
        pk=decision_pk,
        request_id=pk,
    )
    return downloads.letter_response(
        request, decision, not_ready_url=reverse("derogations:detail", kwargs={"pk": pk})
    )


@access.staff_required
@require_safe
def union_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """ANSM staff download the Art. 54(2) notification sheet of a grant."""
    return _union_sheet(request, pk)


@access.staff_required
@require_safe
def union_act_sheet(
    request: AuthenticatedHttpRequest, pk: int, decision_pk: int
) -> HttpResponseBase:
    """ANSM staff download the Art. 54(2) notification sheet of a later act (suspension,
    change of conditions, lifting of a global derogation)."""
    return _union_sheet(request, pk, act_pk=decision_pk)


def _union_sheet(
    request: AuthenticatedHttpRequest, pk: int, act_pk: int | None = None
) -> HttpResponseBase:
    notification = visible_notification(request.user, pk, act_pk)
    if not notification.sheet_sha256:
        messages.info(
            request,
            _("La fiche de notification est en cours de préparation. Réessayez dans un instant."),
        )
        return redirect("reviews:file", pk=pk)
    act = notification.grant  # the notified act: the grant, or a later act
    suffix = "" if act.kind == DecisionKind.GRANT else f"-{act.kind}"
    return FileResponse(
        notification.sheet.open("rb"),
        as_attachment=True,
        filename=f"{notification.grant.request.reference}-notification-art54-2{suffix}.pdf",
        content_type="application/pdf",
    )
