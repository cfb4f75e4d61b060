"""Letters of acts (and the Art. 54(2) sheet) rendered to PDF with WeasyPrint from our own Django templates.

Only our templates are rendered, with every user text escaped by Django, and WeasyPrint's
URL fetcher may read only the fonts and styles shipped with the portal.
"""

import copy
import functools
from pathlib import Path

import segno
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint.urls import URLFetcher, URLFetcherResponse

from accounts.models import User
from derogations.enums import (
    FOLLOW_UP_KINDS,
    UNION_NOTIFIED_LATER_KINDS,
    DecisionKind,
    DecisionState,
)
from derogations.models import Decision, DerogationRequest, UnionNotification

LETTER_FONTS = {
    "Marianne": [
        ("dsfr/dist/fonts/Marianne-Regular.woff2", "normal", "normal"),
        ("dsfr/dist/fonts/Marianne-Bold.woff2", "bold", "normal"),
        ("dsfr/dist/fonts/Marianne-Regular_Italic.woff2", "normal", "italic"),
    ],
}


def _static_path(relative: str) -> Path:
    found = finders.find(relative)
    if not found:
        raise FileNotFoundError(relative)
    return Path(found).resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves the letter's fonts from the static files; refuses every other URL."""

    def __init__(self, allowed: set[Path]) -> None:
        super().__init__(fail_on_errors=True)
        self.allowed = {str(path) for path in allowed}

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("file://"):
            path = str(Path(url.removeprefix("file://")).resolve())
            if path in self.allowed:
                return URLFetcherResponse(
                    url, Path(path).read_bytes(), {"Content-Type": "font/woff2"}
                )
        raise ValueError(f"URL refused in letters: {url[:80]}")


@functools.cache
def _font_faces() -> tuple[str, StaticOnlyFetcher]:
    """The @font-face rules and the fetcher allowed to read those fonts, built once per
    process: a URLFetcher sets up an HTTPS handler with the system's certificates when it is
    created, which cost more than a short letter's layout (on this 2-core machine at load
    10: 230 ms a creation; a one-page letter 450 ms with a new fetcher, 270 ms with this
    one). The fonts' paths do not change while the process runs."""
    rules, paths = [], set()
    for family, faces in LETTER_FONTS.items():
        for relative, weight, style in faces:
            path = _static_path(relative)
            paths.add(path)
            rules.append(
                f"@font-face {{ font-family: '{family}'; src: url('file://{path}') format('woff2');"
                f" font-weight: {weight}; font-style: {style}; }}"
            )
    return "\n".join(rules), StaticOnlyFetcher(paths)


def verification_url(decision: Decision) -> str:
    path = reverse("derogations:verify")
    return f"{settings.PORTAL_BASE_URL}{path}?code={decision.verification_code}"


def file_url(request: DerogationRequest) -> str:
    return settings.PORTAL_BASE_URL + reverse("derogations:detail", args=[request.pk])


def render_pdf(template_name: str, context: dict[str, object]) -> bytes:
    font_css, fetcher = _font_faces()
    # Every PDF may point to the public guidance (templates/letters/base.html).
    guides_url = settings.PORTAL_BASE_URL + reverse("pages:applicant_guide")
    html = render_to_string(
        template_name, {**context, "font_css": font_css, "guides_url": guides_url}
    )
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    # Tagged PDF/UA-1: structure tree, language, title shown by the viewer, metadata (the
    # <title>, <meta name="author"> and "dcterms.created" of the template).
    return document.write_pdf(pdf_variant="pdf/ua-1")


# The QR code's alternative text (its <title>, which WeasyPrint writes as the figure's /Alt).
QR_ALT = "Code QR menant à la page de vérification de ce courrier sur le portail de l'ANSM"


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=0, omitsize=False, title=QR_ALT)


def letter_template(kind: str) -> str:
    """One template per kind of act, each extending letters/base.html."""
    return f"letters/{DecisionKind(kind).value}.html"


def render_act_letter(act: Decision) -> bytes:
    """The act's letter, always in French (the language of the act)."""
    url = verification_url(act)
    request = act.request
    grant = None
    if act.is_follow_up:
        grant = request.derogation.grant
    with translation.override("fr"):
        return render_pdf(
            letter_template(act.kind),
            {
                "decision": act,
                "request": request,
                "derogation": getattr(request, "derogation", None),
                "grant": grant,
                "signatory": act.signatory,
                "verification_url": url,
                "file_url": file_url(request),
                "qr_svg": _qr_svg(url),
            },
        )


# What the letter of a proposal shows where the signature will write its code.
PREVIEW_CODE = "(attribué à la signature)"


def render_proposal_letter(proposal: Decision, signatory: User | None) -> bytes:
    """The letter of a pending proposal exactly as signing it will send it, rendered by
    render_act_letter (the worker's function) from an unsaved copy dated now and signed by
    ``signatory``; only the verification code, drawn at the signature, is not known yet."""
    preview = copy.copy(proposal)
    preview.issued_at = timezone.now()
    preview.reviewed_by = signatory
    preview.verification_code = PREVIEW_CODE
    return render_act_letter(preview)


def render_union_sheet(notification: UnionNotification) -> bytes:
    """The IVDR Art. 54(2) notification sheet (French, with English headings) of a grant,
    or of a later act on it (suspension, change of conditions, lifting)."""
    act = notification.grant  # the notified act: the grant or a later act
    url = verification_url(act)
    context: dict[str, object] = {
        "decision": act,
        "request": act.request,
        "signatory": act.signatory,
        "verification_url": url,
        "qr_svg": _qr_svg(url),
    }
    template = "letters/union_notification.html"
    if act.kind in UNION_NOTIFIED_LATER_KINDS:
        template = "letters/union_notification_later.html"
        context.update(grant=act.request.derogation.grant, previous=_act_before(act))
    with translation.override("fr"):
        return render_pdf(template, context)


def _act_before(act: Decision) -> Decision | None:
    """The issued act that set the conditions and end date in force before this one."""
    return (
        Decision.objects.filter(
            request_id=act.request_id,
            state=DecisionState.ISSUED,
            kind__in=[DecisionKind.GRANT, *FOLLOW_UP_KINDS],
            pk__lt=act.pk,
        )
        .order_by("-pk")
        .first()
    )


def render_patient_sheet(decision: Decision, derogation_status: str) -> bytes:
    """The information sheet a professional hands to the patient, in plain French."""
    with translation.override("fr"):
        return render_pdf(
            "letters/patient_sheet.html",
            {
                "decision": decision,
                "request": decision.request,
                "derogation_status": derogation_status,
                "verification_url": verification_url(decision),
            },
        )
