"""Daily work of the domain (Celery beat): the expiry acts. Tasks can run twice safely."""

import datetime

from celery import shared_task
from django.utils import timezone

from config.tasks import RETRY_ON_OUTAGE

from . import followup
from .enums import DecisionKind, DerogationStatus, Kind
from .lifecycle import TransitionError
from .models import Derogation, DerogationRequest

# A derogation that expired longer ago than this when the task first runs (a portal put in
# service with old files, a beat stopped for weeks) gets no act: its operator and the
# facilities would be told of an old fact as news. Our choice.
CATCH_UP_DAYS = 30


def expired_without_act(today: datetime.date) -> list[int]:
    """Ids of the requests whose global derogation's end date passed (recently) and that
    have no expiry act yet."""
    return list(
        Derogation.objects.filter(
            request__kind=Kind.GLOBAL,
            status__in=[DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED],
            valid_until__lt=today,
            valid_until__gte=today - datetime.timedelta(days=CATCH_UP_DAYS),
        )
        .exclude(request__decisions__kind=DecisionKind.EXPIRY)
        .order_by("valid_until", "pk")
        .values_list("request_id", flat=True)
    )


@shared_task(acks_late=True, **RETRY_ON_OUTAGE)
def issue_expiry_acts() -> int:
    """Daily: one expiry act per global derogation whose end date has passed, each in its
    own transaction (derogations.followup.expire checks again under the row lock, so a run
    twice, or two beats, issues it once). Returns the number of acts issued."""
    issued = 0
    for request in DerogationRequest.objects.filter(
        pk__in=expired_without_act(timezone.localdate())
    ):
        try:
            followup.expire(request)
        except TransitionError:
            continue  # issued meanwhile by another run
        issued += 1
    return issued
