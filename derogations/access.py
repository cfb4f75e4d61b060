"""May this user see or do this to this object? The one place that answers.

Views load objects through the scoped querysets below, so an object a user may not see
answers 404, never 403 (which would leak its existence). Whether a user may move a
request from one state to another is answered by derogations.lifecycle.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponseBase

from accounts.enums import Role
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, User
from accounts.validators import luhn_is_valid

from .enums import FOLLOW_UP_KINDS, FOUR_EYES_KINDS, DecisionState, Kind, Status
from .models import (
    Attachment,
    AuditEntry,
    Decision,
    DerogationRequest,
    DerogationRequestQuerySet,
)


def visible_requests(user: User) -> DerogationRequestQuerySet:
    """Requests this user may read."""
    qs = DerogationRequest.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role in {Role.EVALUATOR, Role.SENIOR_EVALUATOR, Role.ADMINISTRATOR}:
        # ANSM staff see every submitted file, never an operator's unsent draft.
        return qs.exclude(status=Status.DRAFT)
    if user.role == Role.OPERATOR:
        return qs.filter(organisation__memberships__user=user)
    if user.role == Role.PROFESSIONAL:
        # A professional sees the issued decisions on requests that concern them.
        return qs.filter(
            pk__in=professional_requests(user).values("pk"),
            decisions__state=DecisionState.ISSUED,
            decisions__kind__in=FOUR_EYES_KINDS,
        ).distinct()
    return qs.none()


def own_list_requests(user: User) -> DerogationRequestQuerySet:
    """``visible_requests`` for the user's own list ("Mes demandes"). An operator's
    organisations are read first (one query): the list then filters on their ids, and a
    sort by creation walks the (organisation, created_at) index and stops after a page,
    where a join with the memberships would sort all of the organisation's files."""
    if user.is_authenticated and user.is_active and user.role == Role.OPERATOR:
        organisations = list(
            Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
        )
        return DerogationRequest.objects.filter(organisation_id__in=organisations)
    return visible_requests(user)


def professional_requests(user: User) -> DerogationRequestQuerySet:
    """Requests that concern this health professional, whatever their status.

    Those that name them: as prescriber, by their RPPS number (only when its Luhn key is
    valid) or their account's email, as device user or facility director by that email; and the
    global requests for a facility (FINESS) of one of those requests that the agency admitted.

    The facility widens the scope only from what the agency accepted: a file that was
    declared admissible (it reached "en instruction", whatever happened after, a withdrawal
    included). A draft, a file awaiting admissibility, withdrawn before it or inadmissible is
    only what an operator typed: naming someone there gives them nothing beyond that file's
    own issued decisions (visible_requests asks for those).
    """
    qs = DerogationRequest.objects.all()
    if not user.is_authenticated or not user.is_active or user.role != Role.PROFESSIONAL:
        return qs.none()
    named = Q(prescriber_email=user.email) | Q(user_email=user.email) | Q(director_email=user.email)
    if user.rpps.isdigit() and len(user.rpps) == 11 and luhn_is_valid(user.rpps):
        named |= Q(prescriber_rpps=user.rpps)
    admitted = AuditEntry.objects.filter(request=OuterRef("pk"), to_status=Status.IN_REVIEW)
    facilities = (
        qs.filter(named)
        .exclude(status__in=NEVER_ADMITTED_STATUSES)
        .filter(Exists(admitted))
        .exclude(facility_finess="")
        .values("facility_finess")
    )
    return qs.filter(named | Q(kind=Kind.GLOBAL, facility_finess__in=facilities))


# A file in one of these states was never declared admissible (cheap filter before the
# audit look-up; a withdrawn or awaiting-complements file is told by its audit entries).
NEVER_ADMITTED_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.INADMISSIBLE})


def editable_drafts(user: User) -> DerogationRequestQuerySet:
    """Drafts this user may edit: those of their organisations."""
    if not user.is_authenticated or user.role != Role.OPERATOR:
        return DerogationRequest.objects.none()
    return DerogationRequest.objects.filter(
        status=Status.DRAFT, organisation__memberships__user=user
    )


def visible_letters(user: User) -> QuerySet[Decision]:
    """Issued acts whose letter this user may download (a professional: the decisions and
    the follow-up acts they receive a copy of, not the operator's own correspondence)."""
    letters = Decision.objects.filter(
        state=DecisionState.ISSUED, request__in=visible_requests(user)
    )
    if user.is_authenticated and user.role == Role.PROFESSIONAL:
        letters = letters.filter(kind__in=FOUR_EYES_KINDS | FOLLOW_UP_KINDS)
    return letters


def visible_attachments(user: User) -> QuerySet[Attachment]:
    """Documents this user may download: the operator's organisation (drafts included) and
    ANSM staff (submitted files). Professionals see decisions, never the operator's file."""
    if not user.is_authenticated or not user.is_active or user.role == Role.PROFESSIONAL:
        return Attachment.objects.none()
    return Attachment.objects.filter(request__in=visible_requests(user))


def is_staff_member(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_ansm_staff


def assignable_evaluators() -> QuerySet[User]:
    """The ANSM staff a file may be assigned to: active evaluators and senior evaluators."""
    return User.objects.filter(
        is_active=True, role__in=[Role.EVALUATOR, Role.SENIOR_EVALUATOR]
    ).order_by("last_name", "first_name", "email")


def may_assign(user: User) -> bool:
    """May this user take, give or hand back files (derogations.assignment.assign decides)."""
    return user.is_authenticated and user.is_active and user.is_evaluator


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view for ANSM staff only; anyone else gets a 404, as if the page did not exist."""

    @login_required
    @wraps(view)
    def wrapper(
        request: AuthenticatedHttpRequest, *args: object, **kwargs: object
    ) -> HttpResponseBase:
        if not is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
