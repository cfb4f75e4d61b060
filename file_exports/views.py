"""The whole-file download: a page that asks for it and follows its preparation (a JSON
status for the page's small script, an « Actualiser » link without it), and the download.
Views load the file through file_exports.access and make one call to its services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations.models import DerogationRequest

from . import services
from .access import exportable_requests, own_exports
from .contents import display
from .models import ExportStatus, FileExport


def _file(request: AuthenticatedHttpRequest, pk: int) -> DerogationRequest:
    return get_object_or_404(
        exportable_requests(request.user).select_related("organisation"), pk=pk
    )


def _latest(request: AuthenticatedHttpRequest, req: DerogationRequest) -> FileExport | None:
    return own_exports(request.user, req).order_by("-created_at", "-pk").first()


def _status_text(export: FileExport | None) -> str:
    if export is None:
        return ""
    if export.status == ExportStatus.FAILED:
        return _("La préparation du dossier complet a échoué.")
    if export.is_ready:
        return _("Le dossier complet est prêt.")
    if export.status == ExportStatus.READY:
        return _("Le dossier complet préparé n'est plus disponible.")
    if not export.total:
        return _("Préparation du dossier complet en attente…")
    return _("Préparation en cours : %(done)s documents sur %(total)s.") % {
        "done": export.done,
        "total": export.total,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = _file(request, pk)
    if request.method == "POST":
        _export, created = services.request_export(req, request.user)
        if not created:
            messages.info(request, _("Le dossier complet est déjà en préparation."))
        return redirect("file_exports:page", pk=req.pk)
    export = _latest(request, req)
    file_url = (
        reverse("reviews:file", args=[req.pk])
        if request.user.is_ansm_staff
        else reverse("derogations:detail", args=[req.pk])
    )
    return render(
        request,
        "file_exports/page.html",
        {
            "req": req,
            "export": export,
            "status_text": _status_text(export),
            "expires": display(export.expires_at) if export else "",
            "staff": request.user.is_ansm_staff,
            "file_url": file_url,
        },
    )


@login_required
@require_safe
def export_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """The page's script asks every few seconds while the export is being built."""
    export = _latest(request, _file(request, pk))
    if export is None:
        return JsonResponse({"status": "none", "done": 0, "total": 0, "message": ""})
    status = "ready" if export.is_ready else export.status
    if export.status == ExportStatus.READY and not export.is_ready:
        status = "expired"
    return JsonResponse(
        {
            "status": status,
            "done": export.done,
            "total": export.total,
            "message": _status_text(export),
        }
    )


@login_required
@require_safe
def download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    req = _file(request, pk)
    export = (
        own_exports(request.user, req)
        .filter(status=ExportStatus.READY, expires_at__gt=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )
    if export is None:
        messages.info(
            request,
            _("Aucun dossier complet n'est prêt à télécharger : demandez-le ci-dessous."),
        )
        return redirect("file_exports:page", pk=req.pk)
    response = FileResponse(
        export.archive.open("rb"),
        as_attachment=True,
        filename=f"{req.reference}-dossier-complet.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
