"""Use cases of notifications that staff trigger by hand."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from config.tasks import queue_on_commit
from derogations import access, lifecycle
from derogations.models import DerogationRequest

from .models import Delivery


def resend_delivery(
    delivery: Delivery, actor: User, reason: str, *, last_copy: int | None = None
) -> Delivery:
    """Send a copy of an act's letter again, deliberately: a new delivery row that points
    to the copy it repeats, with who asked and why, and an audit entry on the file.

    ``last_copy``: the act's last copy when the form was drawn (its one-time token); if
    another copy of the act was written since (the same form posted twice), nothing is
    done."""
    from .tasks import send_delivery

    if not access.is_staff_member(actor) or not actor.is_evaluator:
        raise lifecycle.TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if not reason.strip():
        raise lifecycle.TransitionError(_("Indiquez pourquoi le courrier est envoyé à nouveau."))
    with transaction.atomic():
        request = DerogationRequest.objects.select_for_update().get(pk=delivery.decision.request_id)
        original = Delivery.objects.select_related("decision").get(pk=delivery.pk)
        if last_copy is not None and last_copy != (
            Delivery.objects.filter(decision_id=original.decision_id).aggregate(last=Max("pk"))[
                "last"
            ]
            or 0
        ):
            raise lifecycle.TransitionError(
                _(
                    "Action déjà effectuée : ce courrier a été envoyé à nouveau depuis "
                    "l'affichage de la page. Vérifiez les envois avant de recommencer."
                )
            )
        if not original.decision.letter_sha256:
            raise lifecycle.TransitionError(
                _("Le courrier n'est pas encore prêt : il sera envoyé dès qu'il le sera.")
            )
        copy = Delivery.objects.create(
            decision=original.decision,
            recipient_email=original.recipient_email,
            recipient_role=original.recipient_role,
            channel=original.channel,
            language=original.language,
            resend_of=original.resend_of or original,
            requested_by=actor,
            reason=reason,
        )
        lifecycle.record_action(
            request,
            actor,
            "resend_delivery",
            _("%(act)s renvoyé à %(email)s : %(reason)s")
            % {
                "act": original.decision.get_kind_display(),
                "email": original.recipient_email,
                "reason": reason,
            },
        )
        queue_on_commit(send_delivery, copy.pk)
    return copy
