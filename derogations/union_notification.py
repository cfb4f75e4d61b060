"""IVDR Art. 54(2): staff record when and how a global grant's notification sheet went to
the Commission and the Member States."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .enums import (
    UNION_NOTIFIED_LATER_KINDS,
    DecisionKind,
    DecisionState,
    UnionNotificationChannel,
)
from .lifecycle import EVALUATORS, TransitionError, record_action
from .models import DerogationRequest, UnionNotification


def record_union_notification(
    request: DerogationRequest,
    actor: User,
    *,
    sent_on: datetime.date,
    channel: str,
    reference: str = "",
) -> UnionNotification:
    """Staff record when and how the Art. 54(2) sheet went to the Commission and the
    Member States. Recorded once; the audit trail says who did it."""
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if sent_on > timezone.localdate():
        raise TransitionError(_("La date d'envoi ne peut pas être dans le futur."))
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        notification = (
            UnionNotification.objects.select_for_update()
            .filter(
                grant__request=locked,
                grant__kind=DecisionKind.GRANT,
                grant__state=DecisionState.ISSUED,
            )
            .first()
        )
        if notification is None:
            raise TransitionError(_("Cette décision ne donne pas lieu à notification."))
        if notification.is_sent:
            raise TransitionError(_("L'envoi de la notification est déjà enregistré."))
        notification.sent_on = sent_on
        notification.channel = channel
        notification.sent_reference = reference
        notification.recorded_by = actor
        notification.recorded_at = timezone.now()
        notification.save(
            update_fields=["sent_on", "channel", "sent_reference", "recorded_by", "recorded_at"]
        )
        record_action(
            locked,
            actor,
            "record_union_notification",
            _("Notification envoyée le %(date)s (%(channel)s)%(ref)s.")
            % {
                "date": sent_on.strftime("%d/%m/%Y"),
                "channel": UnionNotificationChannel(channel).label,
                "ref": f" — {reference}" if reference else "",
            },
        )
    return notification


def later_acts_notified(request: DerogationRequest) -> QuerySet[UnionNotification]:
    """The notifications of the later acts on this file (suspension, change of conditions,
    lifting), oldest first: their sheets are rendered with the acts' letters."""
    return (
        UnionNotification.objects.filter(
            grant__request=request, grant__kind__in=UNION_NOTIFIED_LATER_KINDS
        )
        .select_related("grant")
        .order_by("grant__issued_at", "pk")
    )
