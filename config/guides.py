"""Guidance the ANSM's page promises (issue 17): the "avis aux demandeurs" (what to file,
the three criteria, timelines, what follows, the operator's obligations) as a page and a
PDF, and a page for health professionals on using a device under derogation. Static text in
templates/guides/, shared by each page and its PDF."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from notifications.letters import render_pdf


@require_safe
def applicant_guide(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/applicant_guide.html")


@require_safe
def applicant_guide_pdf(request: HttpRequest) -> HttpResponse:
    """The same text as a PDF, in French like the letters, with the letters' fonts."""
    with translation.override("fr"):
        pdf = render_pdf(
            "guides/applicant_guide_pdf.html",
            {"page_url": settings.PORTAL_BASE_URL + reverse("pages:applicant_guide")},
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="avis-aux-demandeurs.pdf"'
    return response


@require_safe
def professional_guide(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/professional_guide.html")
