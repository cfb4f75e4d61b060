"""The documents of an issued act: stored once, as they were sent, with their SHA-256."""

import hashlib
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from config.faults import checkpoint

from .models import Decision, UnionNotification


def _record_once[M: models.Model](
    queryset: "models.QuerySet[M]",
    pk: int,
    prefix: str,
    render: Callable[[M], bytes],
    name: Callable[[M], str],
) -> M:
    """Render and store ``<prefix>`` (file, _sha256, _rendered_at) unless it exists.

    The row lock makes two workers that run this at once render it only once; a document
    already stored is never rendered again, so what was sent stays what is verified.
    """
    with transaction.atomic():
        obj = queryset.select_for_update(of=("self",)).get(pk=pk)
        if getattr(obj, f"{prefix}_sha256"):
            return obj
        content = render(obj)
        field = getattr(obj, prefix)
        # A file already at this name was left by a render that crashed before its row
        # was committed (the row is locked and has no checksum): replace it, so that an
        # act never has two letter files.
        stored_name = field.field.generate_filename(obj, name(obj))
        if field.storage.exists(stored_name):
            field.storage.delete(stored_name)
        field.save(name(obj), ContentFile(content), save=False)
        checkpoint("store")
        setattr(obj, f"{prefix}_sha256", hashlib.sha256(content).hexdigest())
        setattr(obj, f"{prefix}_rendered_at", timezone.now())
        obj.save(update_fields=[prefix, f"{prefix}_sha256", f"{prefix}_rendered_at"])
    return obj


def record_letter(decision_pk: int, render: Callable[[Decision], bytes]) -> Decision:
    """The act's letter, rendered once."""
    return _record_once(
        Decision.objects.select_related(
            "request__organisation", "request__derogation", "proposed_by", "reviewed_by"
        ),
        decision_pk,
        "letter",
        render,
        lambda act: f"{act.request.reference}-{act.kind}-{act.pk}.pdf",
    )


def record_union_sheet(
    notification_pk: int, render: Callable[[UnionNotification], bytes]
) -> UnionNotification:
    """The Art. 54(2) notification sheet of a grant, rendered once."""
    return _record_once(
        UnionNotification.objects.select_related(
            "grant__request__organisation", "grant__reviewed_by"
        ),
        notification_pk,
        "sheet",
        render,
        lambda n: f"{n.grant.request.reference}-notification-art54-2-{n.pk}.pdf",
    )
