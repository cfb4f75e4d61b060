"""Who may see a file's thread or its expert opinions (loaded through these querysets, so
anything else answers 404, as in derogations.access)."""

from django.db.models import QuerySet

from accounts.models import User
from derogations import access
from derogations.enums import Status
from derogations.models import DerogationRequest

from .models import ExpertOpinion


def thread_requests(user: User) -> QuerySet[DerogationRequest]:
    """Files whose thread this user may read and write to: the operator's organisation
    (once submitted) and ANSM staff. Professionals never see the thread."""
    if access.is_staff_member(user) or (
        user.is_authenticated and user.is_active and user.is_operator
    ):
        return access.visible_requests(user).exclude(status=Status.DRAFT)
    return DerogationRequest.objects.none()


def may_ask_experts(user: User) -> bool:
    """Evaluators and senior evaluators ask for expert opinions."""
    return access.is_staff_member(user) and user.is_evaluator


def visible_opinions(user: User) -> QuerySet[ExpertOpinion]:
    """Expert opinions: ANSM staff only."""
    if not access.is_staff_member(user):
        return ExpertOpinion.objects.none()
    return ExpertOpinion.objects.filter(request__in=access.visible_requests(user))
