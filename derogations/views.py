from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.enums import Role

from . import access, lifecycle
from .enums import DecisionState, Kind, Status
from .forms import ComplementAnswerForm, RequestDraftForm, VerificationForm, WithdrawForm
from .models import Decision, DerogationRequest, UnionNotification


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        if user.role in {Role.EVALUATOR, Role.SENIOR_EVALUATOR, Role.ADMINISTRATOR}:
            return redirect("reviews:queue")
        return redirect("derogations:dashboard")
    return render(request, "derogations/home.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.is_ansm_staff:
        return redirect("reviews:queue")
    requests = access.visible_requests(request.user).with_list_relations().order_by("-created_at")
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(request, "derogations/dashboard.html", {"page": page})


def _operator_organisation(request: HttpRequest):  # type: ignore[no-untyped-def]
    membership = request.user.memberships.select_related("organisation").first()
    if request.user.role != Role.OPERATOR or membership is None:
        raise Http404
    return membership.organisation


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404
    organisation = _operator_organisation(request)
    form = RequestDraftForm(
        request.POST or None, kind=kind, initial={"contact_email": request.user.email}
    )
    if request.method == "POST" and form.is_valid():
        draft = form.save(commit=False)
        draft.kind = kind
        draft.organisation = organisation
        draft.created_by = request.user
        draft.save()
        if "submit" in request.POST:
            return _submit(request, draft, form)
        messages.success(
            request, _("Brouillon enregistré. Vous pouvez le compléter à tout moment.")
        )
        return redirect("derogations:edit", pk=draft.pk)
    return render(
        request, "derogations/request_form.html", {"form": form, "kind": kind, "draft": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_or_404(access.editable_drafts(request.user), pk=pk)
    form = RequestDraftForm(request.POST or None, instance=draft, kind=draft.kind)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            draft = form.save()
        if "submit" in request.POST:
            return _submit(request, draft, form)
        messages.success(request, _("Brouillon enregistré."))
        return redirect("derogations:edit", pk=draft.pk)
    return render(
        request, "derogations/request_form.html", {"form": form, "kind": draft.kind, "draft": draft}
    )


def _submit(request: HttpRequest, draft: DerogationRequest, form: RequestDraftForm) -> HttpResponse:
    try:
        submitted = lifecycle.submit(draft, request.user)
    except lifecycle.IncompleteRequest as exc:
        for field_name, message in exc.missing.items():
            form.add_error(field_name if field_name in form.fields else None, message)
        messages.error(
            request,
            _(
                "Votre brouillon est enregistré, mais la demande ne peut pas encore être déposée : complétez les champs signalés."
            ),
        )
        return render(
            request,
            "derogations/request_form.html",
            {"form": form, "kind": draft.kind, "draft": draft},
            status=200,
        )
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
        return redirect("derogations:detail", pk=draft.pk)
    messages.success(
        request,
        _(
            "Votre demande est déposée sous la référence %(reference)s. Un accusé de réception vous sera adressé."
        )
        % {"reference": submitted.reference},
    )
    return redirect("derogations:detail", pk=submitted.pk)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.is_ansm_staff:
        return redirect("reviews:file", pk=pk)
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related("organisation"), pk=pk
    )
    if derogation_request.status == Status.DRAFT:
        return redirect("derogations:edit", pk=pk)
    # The acts whose letter this user may read (a professional: not the operator's own
    # correspondence such as the acknowledgment of receipt).
    decisions = access.visible_letters(request.user).filter(request=derogation_request)
    # Assignment inside the agency is internal: the operator sees the file's path, not who holds it.
    timeline = derogation_request.audit_entries.exclude(action__in=lifecycle.STAFF_ONLY_ACTIONS)
    allowed = lifecycle.allowed_transitions(derogation_request, request.user)
    return render(
        request,
        "derogations/detail.html",
        {
            "req": derogation_request,
            "decisions": decisions,
            "timeline": timeline,
            "withdraw_form": WithdrawForm() if "withdraw" in allowed else None,
            "answer_form": ComplementAnswerForm() if "answer_complements" in allowed else None,
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    derogation_request = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du retrait."))
        return redirect("derogations:detail", pk=pk)
    try:
        lifecycle.withdraw(derogation_request, request.user, form.cleaned_data["reason"])
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("La demande a été retirée."))
    return redirect("derogations:detail", pk=pk)


@login_required
@require_POST
def answer_complements(request: HttpRequest, pk: int) -> HttpResponse:
    derogation_request = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = ComplementAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Votre réponse est vide."))
        return redirect("derogations:detail", pk=pk)
    try:
        lifecycle.answer_complements(derogation_request, request.user, form.cleaned_data["answer"])
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Votre réponse a été transmise à l'ANSM."))
    return redirect("derogations:detail", pk=pk)


@login_required
@require_GET
def letter(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    decision = get_object_or_404(
        access.visible_letters(request.user).select_related("request"),
        pk=decision_pk,
        request_id=pk,
    )
    if not decision.letter_sha256:
        messages.info(
            request, _("Le courrier est en cours de préparation. Réessayez dans un instant.")
        )
        return redirect("derogations:detail", pk=pk)
    return FileResponse(
        decision.letter.open("rb"),
        as_attachment=True,
        filename=f"{decision.request.reference}-{decision.kind}.pdf",
        content_type="application/pdf",
    )


@access.staff_required
@require_GET
def union_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """ANSM staff download the Art. 54(2) notification sheet of a grant."""
    notification = get_object_or_404(
        UnionNotification.objects.select_related("grant__request"),
        grant__request__in=access.visible_requests(request.user).filter(pk=pk),
        grant__state=DecisionState.ISSUED,
    )
    if not notification.sheet_sha256:
        messages.info(
            request,
            _("La fiche de notification est en cours de préparation. Réessayez dans un instant."),
        )
        return redirect("reviews:file", pk=pk)
    return FileResponse(
        notification.sheet.open("rb"),
        as_attachment=True,
        filename=f"{notification.grant.request.reference}-notification-art54-2.pdf",
        content_type="application/pdf",
    )


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone types a letter's code and learns whether it is authentic, what the
    act was, and whether the derogation it concerns is still in force."""
    form = VerificationForm(request.GET if "code" in request.GET else None)
    decision = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        decision = (
            Decision.objects.filter(
                state=DecisionState.ISSUED, verification_code=form.cleaned_data["code"]
            )
            .select_related("request__organisation", "request__derogation")
            .first()
        )
    derogation = getattr(decision.request, "derogation", None) if decision else None
    return render(
        request,
        "derogations/verify.html",
        {
            "form": form,
            "decision": decision,
            "searched": searched,
            "derogation": derogation,
            "derogation_status": derogation.effective_status() if derogation else None,
        },
    )
