"""Which organisations may this user see or administer? Views load organisations, their
members and invitations through these querysets, so another organisation's objects answer
404. (Requests are scoped by membership in derogations.access.)"""

from django.db.models import QuerySet

from .models import Organisation, User


def member_organisations(user: User) -> QuerySet[Organisation]:
    if not user.is_authenticated or not user.is_active or not user.is_operator:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user)


def administered_organisations(user: User) -> QuerySet[Organisation]:
    if not user.is_authenticated or not user.is_active or not user.is_operator:
        return Organisation.objects.none()
    # One filter() call: the same membership is the user's and an admin one.
    return Organisation.objects.filter(memberships__user=user, memberships__is_admin=True)
