"""A decision's letter as a download: the one answer behind every audience's letter link.

Each audience's view chooses the decision the user may open (operators and staff through
``access.visible_letters``, professionals through their account or signed link) and hands
it here; this module never decides who may read a letter.
"""

from django.contrib import messages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import uploads
from .models import Decision


def document_response(file: FieldFile, name: str, content_type: str) -> FileResponse:
    """An uploaded document (checked by derogations.uploads), always as a download:
    whatever its row holds, the name and type sent are safe ones, and the browser may
    neither sniff nor run it."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=uploads.safe_file_name(name),
        content_type=uploads.safe_content_type(content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def letter_response(
    request: HttpRequest, decision: Decision, *, not_ready_url: str
) -> HttpResponseBase:
    """The letter's PDF, or back to ``not_ready_url`` with a message while the worker has
    not rendered it yet."""
    if not decision.letter_sha256:
        messages.info(
            request, _("Le courrier est en cours de préparation. Réessayez dans un instant.")
        )
        return redirect(not_ready_url)
    return FileResponse(
        decision.letter.open("rb"),
        as_attachment=True,
        filename=f"{decision.request.reference}-{decision.kind}.pdf",
        content_type="application/pdf",
    )
