"""Who may download a whole file, and which version of it (loaded through these querysets,
so anything else answers 404, as in derogations.access)."""

from django.db.models import QuerySet

from accounts.models import User
from derogations import access
from derogations.enums import Status
from derogations.models import DerogationRequest

from .models import Audience, FileExport


def audience_for(user: User) -> Audience | None:
    """ANSM staff get the agency's file; an operator's members get their own; nobody else
    gets one (professionals see decisions only, never the operator's file)."""
    if access.is_staff_member(user):
        return Audience.STAFF
    if user.is_authenticated and user.is_active and user.is_operator:
        return Audience.OPERATOR
    return None


def exportable_requests(user: User) -> QuerySet[DerogationRequest]:
    """Files this user may download whole: submitted ones they may read."""
    if audience_for(user) is None:
        return DerogationRequest.objects.none()
    return access.visible_requests(user).exclude(status=Status.DRAFT)


def own_exports(user: User, req: DerogationRequest) -> QuerySet[FileExport]:
    """This person's exports of this file, for their audience of today (someone who moved
    from an operator to the agency never reads an export made under their former role)."""
    audience = audience_for(user)
    if audience is None:
        return FileExport.objects.none()
    return FileExport.objects.filter(request=req, requested_by=user, audience=audience)
