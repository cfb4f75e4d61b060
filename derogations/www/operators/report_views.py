"""Operator screen: the periodic reports of a derogation in force (issue 16)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from derogations import reports
from derogations.lifecycle import TransitionError
from derogations.models import DerogationRequest

from .report_forms import PeriodicReportForm
from .supply_views import operator_request


def _render(
    request: AuthenticatedHttpRequest,
    derogation_request: DerogationRequest,
    form: PeriodicReportForm | None = None,
) -> HttpResponse:
    derogation = derogation_request.derogation
    refusal = reports.refusal(derogation)
    filed = list(derogation.periodic_reports.select_related("submitted_by"))
    context = {
        "req": derogation_request,
        "derogation": derogation,
        "refusal": refusal,
        "reports": filed,
        "report_status": None if refusal else reports.report_status(derogation, len(filed)),
        "form": None if refusal else form or PeriodicReportForm(derogation=derogation),
    }
    return render(
        request, "derogations/reports.html", context, status=400 if form is not None else 200
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    derogation_request = operator_request(request, pk)
    if request.method != "POST":
        return _render(request, derogation_request)
    form = PeriodicReportForm(request.POST, derogation=derogation_request.derogation)
    if not form.is_valid():
        return _render(request, derogation_request, form=form)
    try:
        reports.submit_report(derogation_request, request.user, form.cleaned_data)
    except TransitionError as exc:
        form.add_error(None, exc.message)
        return _render(request, derogation_request, form=form)
    messages.success(request, _("Votre rapport périodique est transmis à l'ANSM."))
    return redirect("derogations:reports", pk=pk)
