"""A decision's letter as a download: the one answer behind every audience's letter link.

Each audience's view chooses the decision the user may open (operators and staff through
``access.visible_letters``, professionals through their account or signed link) and hands
it here; this module never decides who may read a letter.
"""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import Decision


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
