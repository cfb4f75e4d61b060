"""The professionals' space: their decisions, obligations, consent records, incidents.

Every view loads the decision through derogations.professionals.open_decision: by the
professional's account or by the signed link kept in the session. Anything else is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations import downloads, incidents, lifecycle, professional_files, professionals
from derogations.enums import DerogationStatus
from derogations.paging import CappedPaginator

from .forms import ConsentForm, IncidentForm


@login_required
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The professional's own space: each file that concerns them once, with its latest
    act and its derogation's state (issue 17)."""
    if not request.user.is_professional:
        raise Http404
    filters = professional_files.ProfessionalFilterForm(request.GET or None)
    files = filters.filter(professional_files.files_of(request.user))
    number = request.GET.get("page")
    paginator = CappedPaginator(files, 25, number=number, columns=professional_files.columns)
    page = paginator.get_page(number)
    page.object_list = professional_files.rows(list(page.object_list), request.user)
    return render(request, "professionals/dashboard.html", {"page": page, "filters": filters})


@require_safe
def link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of an emailed copy: it opens its own decision, nothing else."""
    try:
        decision = professionals.remember_link(request, token)
    except professionals.InvalidLink:
        return render(request, "professionals/link_error.html", status=400)
    return redirect("derogations:pro_decision", decision_pk=decision.pk)


def _open(request: HttpRequest, decision_pk: int) -> professionals.Access:
    opened = professionals.open_decision(request, decision_pk)
    if opened is None:
        raise Http404
    return opened


def _context(opened: professionals.Access, **extra: object) -> dict[str, object]:
    decision = opened.decision
    derogation = professionals.derogation_of(decision)
    return {
        "decision": decision,
        "req": decision.request,
        "derogation": derogation,
        "derogation_status": DerogationStatus(derogation.effective_status()).label
        if derogation
        else None,
        "role": professionals.role_of(decision, opened.user, opened.email),
        "via_link": opened.user is None,
        "consents": decision.request.consents.filter(professional_email=opened.email),
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def decision(request: HttpRequest, decision_pk: int) -> HttpResponse:
    opened = _open(request, decision_pk)
    granted = professionals.derogation_of(opened.decision) is not None
    form = ConsentForm(request.POST or None) if granted else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            professionals.record_consent(opened, **form.cleaned_data)
            messages.success(
                request, _("L'information et le consentement du patient sont enregistrés.")
            )
            return redirect("derogations:pro_decision", decision_pk=decision_pk)
        return render(
            request, "professionals/decision.html", _context(opened, form=form), status=400
        )
    return render(request, "professionals/decision.html", _context(opened, form=form))


@require_safe
def letter(request: HttpRequest, decision_pk: int) -> HttpResponseBase:
    return downloads.letter_response(
        request,
        _open(request, decision_pk).decision,
        not_ready_url=reverse("derogations:pro_decision", kwargs={"decision_pk": decision_pk}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def declare_incident(request: HttpRequest, decision_pk: int) -> HttpResponse:
    opened = _open(request, decision_pk)
    if professionals.derogation_of(opened.decision) is None:
        raise Http404
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incidents.record_incident(
                opened.decision.request,
                declarant=opened.user,
                declarant_email=opened.email,
                **form.cleaned_data,
            )
        except lifecycle.TransitionError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(
                "derogations:pro_incident_ack", decision_pk=decision_pk, incident_pk=incident.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "professionals/incident_form.html", _context(opened, form=form), status=status
    )


@require_safe
def incident_ack(request: HttpRequest, decision_pk: int, incident_pk: int) -> HttpResponse:
    opened = _open(request, decision_pk)
    incident = get_object_or_404(
        opened.decision.request.incidents.all(),
        pk=incident_pk,
        declarant_email=opened.email,
    )
    return render(request, "professionals/incident_ack.html", _context(opened, incident=incident))


@require_safe
def consents_csv(request: HttpRequest, decision_pk: int) -> HttpResponse:
    """The consents recorded on this derogation by the professional's facility (their own
    records when they did not join with a facility), as CSV for the facility's files."""
    opened = _open(request, decision_pk)
    if professionals.derogation_of(opened.decision) is None:
        raise Http404
    response = HttpResponse(
        professionals.consents_csv(opened), content_type="text/csv; charset=utf-8"
    )
    filename = f"consentements-{opened.decision.request.reference}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
