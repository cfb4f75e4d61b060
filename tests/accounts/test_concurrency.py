"""Races on the organisation's members and invitations, on the real PostgreSQL.

accounts.services locks the organisation row (or the invitation row) before it checks and
writes, so that two admins removing each other, or a double click on "accept", never leave
an organisation without admin or a person with two memberships. Skipped without PostgreSQL.

Checked: with the organisation lock removed from services.remove_member, the first test
failed (both removals succeeded and the organisation was left with no admin).
"""

from functools import partial

from accounts import services
from accounts.enums import InvitationState
from accounts.models import Invitation, Membership
from tests import factories
from tests.derogations.test_concurrency import pytestmark as postgresql_only
from tests.derogations.test_concurrency import run_together

pytestmark = postgresql_only

TRIALS = 20
CLICKS = 10


def test_two_admins_removing_each_other_leave_one_admin():
    for _trial in range(TRIALS):
        organisation = factories.OrganisationFactory()
        first = factories.operator_of(organisation)
        second = factories.operator_of(organisation)
        Membership.objects.filter(organisation=organisation).update(is_admin=True)
        m1, m2 = (user.memberships.get() for user in (first, second))
        outcomes = run_together(
            [partial(services.remove_member, m2), partial(services.remove_member, m1)]
        )
        assert Membership.objects.filter(organisation=organisation, is_admin=True).count() == 1
        refused = [o for o in outcomes if isinstance(o, services.AccountError)]
        assert len(refused) == 1 and "au moins un administrateur" in refused[0].message
        assert outcomes.count(None) == 1


def test_clicking_accept_many_times_joins_once():
    for _trial in range(TRIALS // 2):
        organisation = factories.OrganisationFactory()
        user = factories.UserFactory()
        invitation = factories.InvitationFactory(organisation=organisation, email=user.email)
        outcomes = run_together(
            [partial(services.accept_invitation, invitation.pk, user) for _ in range(CLICKS)]
        )
        assert user.memberships.count() == 1
        refused = [o for o in outcomes if isinstance(o, services.AccountError)]
        assert len(refused) == CLICKS - 1
        assert {o.message for o in refused} == {"Cette invitation a déjà été acceptée."}
        assert Invitation.objects.get(pk=invitation.pk).state == InvitationState.ACCEPTED
