"""Operator screens: the supplies of a granted derogation (declare one, import a CSV file)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.enums import Role
from accounts.http import AuthenticatedHttpRequest
from derogations import access, supplies
from derogations.lifecycle import TransitionError
from derogations.models import DerogationRequest, Supply
from derogations.paging import CappedPaginator

from .supply_forms import SupplyForm, SupplyImportForm, csv_template

PER_PAGE = 50


def operator_request(request: AuthenticatedHttpRequest, pk: int) -> DerogationRequest:
    """A granted request of one of this operator's organisations, with its derogation and
    grant (the supplies and the periodic reports pages)."""
    if request.user.role != Role.OPERATOR:
        raise Http404
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related("derogation__grant"), pk=pk
    )
    if not supplies.may_declare(derogation_request, request.user):
        raise Http404
    return derogation_request


def _render(
    request: AuthenticatedHttpRequest,
    derogation_request: DerogationRequest,
    form: SupplyForm | None = None,
    import_form: SupplyImportForm | None = None,
) -> HttpResponse:
    derogation = derogation_request.derogation
    refusal = supplies.refusal(derogation)
    number = request.GET.get("page")
    paginator = CappedPaginator(
        Supply.objects.filter(derogation=derogation).order_by("-supplied_on", "-pk"),
        PER_PAGE,
        number=number,
    )
    context = {
        "req": derogation_request,
        "derogation": derogation,
        "refusal": refusal,
        "page": paginator.get_page(number),
        "form": None if refusal else form or SupplyForm(derogation=derogation),
        "import_form": None
        if refusal
        else import_form or SupplyImportForm(derogation=derogation, prefix="import"),
    }
    status = 400 if (form or import_form) is not None else 200
    return render(request, "derogations/supplies.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def supply_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    derogation_request = operator_request(request, pk)
    if request.method != "POST":
        return _render(request, derogation_request)
    form = SupplyForm(request.POST, derogation=derogation_request.derogation)
    if not form.is_valid():
        return _render(request, derogation_request, form=form)
    try:
        supplies.record_supplies(derogation_request, request.user, [form.cleaned_data])
    except TransitionError as exc:
        form.add_error(None, exc.message)
        return _render(request, derogation_request, form=form)
    messages.success(
        request,
        _("La fourniture à %(facility)s est enregistrée.")
        % {"facility": form.cleaned_data["facility_name"]},
    )
    return redirect("derogations:supplies", pk=pk)


@login_required
@require_POST
def supply_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    derogation_request = operator_request(request, pk)
    form = SupplyImportForm(
        request.POST, request.FILES, derogation=derogation_request.derogation, prefix="import"
    )
    if not form.is_valid():
        return _render(request, derogation_request, import_form=form)
    try:
        recorded = supplies.record_supplies(derogation_request, request.user, form.rows)
    except TransitionError as exc:
        form.add_error(None, exc.message)
        return _render(request, derogation_request, import_form=form)
    messages.success(
        request,
        ngettext(
            "%(count)s fourniture importée.", "%(count)s fournitures importées.", len(recorded)
        )
        % {"count": len(recorded)},
    )
    return redirect("derogations:supplies", pk=pk)


@login_required
@require_safe
def supply_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.role != Role.OPERATOR:
        raise Http404
    response = HttpResponse(csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-fournitures.csv"'
    return response
