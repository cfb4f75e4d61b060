"""The letter of an issued decision: stored once, as it was sent, with its SHA-256."""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import Decision


def record_letter(decision_pk: int, render: "Callable[[Decision], bytes]") -> Decision:  # noqa: F821
    """Render and store the letter unless it already exists; return the decision.

    The row lock makes two workers that run this at once render it only once; a letter
    already stored is never rendered again, so what was sent stays what is verified.
    """
    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("request__organisation", "proposed_by", "reviewed_by")
            .get(pk=decision_pk)
        )
        if decision.letter_sha256:
            return decision
        content = render(decision)
        name = f"{decision.request.reference}-{decision.pk}.pdf"
        decision.letter.save(name, ContentFile(content), save=False)
        decision.letter_sha256 = hashlib.sha256(content).hexdigest()
        decision.letter_rendered_at = timezone.now()
        decision.save(update_fields=["letter", "letter_sha256", "letter_rendered_at"])
    return decision
