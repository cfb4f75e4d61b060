"""Creating an organisation, inviting colleagues, members who share its files."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import tokens
from accounts.enums import InvitationState, OperatorRole
from accounts.models import Invitation, Membership, Organisation, User
from tests import factories
from tests.accounts.conftest import html, link_in
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CREATE = "/compte/organisation/creer/"
ORG = {
    "name": "Diagnostica Nova SAS",
    "siret": "812 345 676 00017",
    "operator_role": OperatorRole.IMPORTER,
    "srn": "fr-im-000001234",
    "address": "1 rue de la Paix\n75002 Paris",
}


@pytest.fixture
def newcomer():
    """An operator whose address is confirmed and who has no organisation yet."""
    return factories.UserFactory(email="nouvelle@labo.example", first_name="Nina", last_name="Roy")


@pytest.fixture
def admin_a(org_a, operator_a):
    Membership.objects.filter(user=operator_a).update(is_admin=True)
    return operator_a


def org_url(org, action=""):
    return f"/compte/organisations/{org.pk}/{action}"


# --- Creating an organisation -----------------------------------------------------------


def test_onboarding_offers_to_create_or_to_join(newcomer, org_a):
    client = client_for(newcomer)
    page = html(client.get("/compte/organisation/"))
    assert "Créer mon organisation" in page and "Demandez à son administrateur" in page
    invitation = factories.InvitationFactory(organisation=org_a, email="Nouvelle@Labo.example")
    page = html(client.get("/compte/organisation/"))
    assert f"Rejoindre {org_a.name}" in page
    (token,) = re.findall(r'href="/compte/invitations/([^/"]+)/"', page)
    assert tokens.read_invitation_token(token).pk == invitation.pk


def test_creating_an_organisation_makes_its_creator_admin_and_lands_on_the_dashboard(
    newcomer, send
):
    client = client_for(newcomer)
    page = html(client.get(CREATE))
    for role in ("Fabricant", "Mandataire", "Importateur", "Distributeur"):
        assert role in page
    response = send(CREATE, ORG, as_client=client)
    assert response["Location"] == reverse("derogations:dashboard")
    organisation = Organisation.objects.get()
    assert organisation.siret == "81234567600017"  # stored without the spaces
    assert organisation.srn == "FR-IM-000001234"
    assert organisation.operator_role == OperatorRole.IMPORTER
    membership = newcomer.memberships.get()
    assert membership.organisation == organisation and membership.is_admin
    page = html(client.get(response["Location"]))
    assert "L'organisation Diagnostica Nova SAS est créée" in page
    assert "Nouvelle demande individuelle" in page
    # Once a member, the onboarding and the creation lead to the organisation's page.
    assert client.get("/compte/organisation/")["Location"] == org_url(organisation)
    assert client.get(CREATE)["Location"] == org_url(organisation)
    assert client.get("/compte/")["Location"] == reverse("home")


def test_la_poste_siret_is_accepted(newcomer, send):
    send(CREATE, {**ORG, "siret": "356 000 000 49837"}, as_client=client_for(newcomer))
    assert Organisation.objects.get().siret == "35600000049837"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"siret": "812 345 677"},
            "siret",
            "Ce numéro SIREN/SIRET n'est pas valide (clé de contrôle incorrecte).",
        ),
        ({"siret": "81234"}, "siret", "Saisissez un SIREN (9 chiffres) ou un SIRET (14 chiffres)."),
        ({"siret": "356 000 000 49838"}, "siret", "clé de contrôle incorrecte"),
        ({"srn": "MF-1234"}, "srn", "Le SRN s'écrit sous la forme FR-MF-000001234"),
        ({"operator_role": ""}, "operator_role", "Ce champ est obligatoire."),
        ({"operator_role": "fabricant-inconnu"}, "operator_role", "Sélectionnez un choix valide."),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
    ],
)
def test_bad_organisation_input_is_reported_and_kept(newcomer, send, changes, field, message):
    data = {**ORG, **changes}
    response = send(CREATE, data, as_client=client_for(newcomer))
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert "<title>Erreur" in page
    for kept in ("name", "siret", "srn"):
        assert not data[kept] or f'value="{data[kept]}"' in page
    assert not Organisation.objects.exists() and not newcomer.memberships.exists()


def test_an_organisation_already_on_the_portal_is_joined_by_invitation(newcomer, send, org_a):
    response = send(CREATE, {**ORG, "siret": org_a.siret}, as_client=client_for(newcomer))
    assert "Une organisation avec ce numéro existe déjà sur le portail" in html(response)
    assert Organisation.objects.count() == 1


def test_only_operators_have_an_organisation(evaluator, professional):
    for user in (evaluator, professional):
        client = client_for(user)
        assert client.get("/compte/organisation/").status_code == 404
        assert client.post(CREATE, ORG).status_code == 404
    assert not Organisation.objects.exists()


# --- The organisation page ------------------------------------------------------------


def test_admin_sees_members_pending_invitations_and_the_invitation_form(
    org_a, admin_a, colleague_a
):
    factories.InvitationFactory(organisation=org_a, email="attendu@example.org", invited_by=admin_a)
    factories.InvitationFactory(
        organisation=org_a,
        email="parti@example.org",
        state=InvitationState.REVOKED,
        revoked_at=timezone.now(),
    )
    page = html(client_for(admin_a).get(org_url(org_a)))
    assert admin_a.email in page and colleague_a.email in page
    assert "attendu@example.org" in page and "parti@example.org" not in page
    assert "Envoyer l'invitation" in page
    assert f"Retirer {colleague_a.email}" in page and f"Retirer {admin_a.email}" not in page


def test_a_member_sees_the_members_but_not_the_administration(org_a, admin_a, colleague_a):
    factories.InvitationFactory(organisation=org_a, email="attendu@example.org")
    page = html(client_for(colleague_a).get(org_url(org_a)))
    assert admin_a.email in page and colleague_a.email in page
    assert "attendu@example.org" not in page
    assert "Envoyer l'invitation" not in page and "Retirer" not in page
    assert "Quitter l'organisation" in page


def test_organisation_page_query_count_does_not_grow_with_members(
    org_a, admin_a, django_assert_num_queries
):
    client = client_for(admin_a)
    factories.InvitationFactory(organisation=org_a, invited_by=admin_a)
    client.get(org_url(org_a))  # warm the session
    with django_assert_num_queries(5):
        client.get(org_url(org_a))
    for _ in range(5):
        factories.operator_of(org_a)
        factories.InvitationFactory(organisation=org_a, invited_by=admin_a)
    with django_assert_num_queries(5):
        client.get(org_url(org_a))


# --- Inviting ---------------------------------------------------------------------------


def test_admin_invites_by_email_and_inviting_again_renews(org_a, admin_a, send, mailoutbox):
    client = client_for(admin_a)
    response = send(
        org_url(org_a, "inviter/"),
        {"email": "Invitee@Example.org", "as_admin": "on"},
        as_client=client,
    )
    assert response["Location"] == org_url(org_a)
    invitation = Invitation.objects.get()
    assert invitation.email == "invitee@example.org" and invitation.as_admin
    assert invitation.state == InvitationState.PENDING and invitation.invited_by == admin_a
    assert "Invitation envoyée à invitee@example.org" in html(client.get(org_url(org_a)))
    (mail,) = mailoutbox
    assert mail.to == ["invitee@example.org"]
    assert (
        mail.subject
        == "[ANSM] Invitation à rejoindre une organisation sur le Portail Dérogations DMDIV"
    )
    assert f"l'organisation « {org_a.name} »" in mail.body
    # The token is signed with a timestamp: compare what it says, not its characters.
    link = link_in(mail, "/compte/invitations/")
    assert link == reverse("accounts:invitation", args=[link.split("/")[-2]])
    assert tokens.read_invitation_token(link.split("/")[-2]).pk == invitation.pk
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    send(org_url(org_a, "inviter/"), {"email": "invitee@example.org"}, as_client=client)
    invitation.refresh_from_db()
    assert Invitation.objects.count() == 1 and not invitation.as_admin
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)
    assert len(mailoutbox) == 2


def test_inviting_a_member_or_a_malformed_address_is_refused_in_french(
    org_a, admin_a, colleague_a, send, mailoutbox
):
    client = client_for(admin_a)
    response = send(
        org_url(org_a, "inviter/"), {"email": colleague_a.email.upper()}, as_client=client
    )
    assert response.status_code == 200
    page = html(response)
    assert "Cette personne est déjà membre de l'organisation." in page
    assert f'value="{colleague_a.email.upper()}"' in page
    response = send(org_url(org_a, "inviter/"), {"email": "pas-une-adresse"}, as_client=client)
    assert "Saisissez une adresse de courriel valide." in html(response)
    assert not Invitation.objects.exists() and not mailoutbox


def test_members_who_are_not_admins_and_other_organisations_cannot_administer(
    org_a, org_b, admin_a, colleague_a, operator_b, send
):
    Membership.objects.filter(user=operator_b).update(is_admin=True)
    invitation = factories.InvitationFactory(organisation=org_a)
    a_membership = colleague_a.memberships.get()
    for user in (colleague_a, operator_b):
        client = client_for(user)
        assert (
            client.post(org_url(org_a, "inviter/"), {"email": "x@example.org"}).status_code == 404
        )
        assert (
            client.post(org_url(org_a, f"invitations/{invitation.pk}/revoquer/")).status_code == 404
        )
        assert (
            client.post(
                org_url(org_a, f"membres/{admin_a.memberships.get().pk}/retirer/")
            ).status_code
            == 404
        )
    # Organisation B's admin, on its own organisation's screens with A's ids: still 404.
    client = client_for(operator_b)
    assert client.get(org_url(org_a)).status_code == 404
    assert client.post(org_url(org_a, "quitter/")).status_code == 404
    assert client.post(org_url(org_b, f"invitations/{invitation.pk}/revoquer/")).status_code == 404
    assert client.post(org_url(org_b, f"membres/{a_membership.pk}/retirer/")).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING
    assert Membership.objects.filter(organisation=org_a).count() == 2
    assert Invitation.objects.filter(organisation=org_a).count() == 1


def test_admin_revokes_a_pending_invitation_once(org_a, admin_a, send):
    invitation = factories.InvitationFactory(organisation=org_a)
    client = client_for(admin_a)
    url = org_url(org_a, f"invitations/{invitation.pk}/revoquer/")
    assert send(url, as_client=client)["Location"] == org_url(org_a)
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED and invitation.revoked_at
    send(url, as_client=client)
    assert "Action déjà effectuée" in html(client.get(org_url(org_a)))
    # Its link now says it was revoked.
    response = Client().get(
        reverse("accounts:invitation", args=[tokens.invitation_token(invitation.pk)])
    )
    assert response.status_code == 410 and "Cette invitation a été révoquée" in html(response)


# --- Accepting ------------------------------------------------------------------------


def test_an_invited_person_signs_up_from_the_link_and_sees_the_organisations_files(
    org_a, admin_a, send, mailoutbox
):
    submitted = factories.submitted(
        factories.RequestFactory(organisation=org_a, created_by=admin_a)
    )
    client = client_for(admin_a)
    send(org_url(org_a, "inviter/"), {"email": "recrue@example.org"}, as_client=client)
    link = link_in(mailoutbox[0], "/compte/invitations/")

    visitor = Client()
    page = html(visitor.get(link))
    assert f"Invitation à rejoindre {org_a.name}" in page and "Créer mon compte" in page
    signup = html(visitor.get(link + "inscription/"))
    assert 'value="recrue@example.org"' in signup and "disabled" in signup
    data = {
        "email": "pirate@example.org",  # a disabled field: the invited address is kept
        "first_name": "Rémi",
        "last_name": "Crue",
        "password1": "invitation-acceptee-2026",
        "password2": "invitation-acceptee-2026",
    }
    response = send(link + "inscription/", {**data, "password2": "autre"}, as_client=visitor)
    assert "Les deux mots de passe ne sont pas identiques." in html(response)
    assert 'value="Rémi"' in html(response)
    response = send(link + "inscription/", data, as_client=visitor)
    assert response["Location"] == "/compte/connexion/?next=%2Fdemandes%2F"
    user = User.objects.get(email="recrue@example.org")
    assert user.is_active and user.email_verified_at  # the invitation proved the address
    assert not User.objects.filter(email="pirate@example.org").exists()
    assert user.memberships.get().organisation == org_a
    assert not user.memberships.get().is_admin
    invitation = Invitation.objects.get()
    assert invitation.state == InvitationState.ACCEPTED and invitation.accepted_by == user

    assert visitor.login(email="recrue@example.org", password="invitation-acceptee-2026")
    assert visitor.get(reverse("derogations:detail", args=[submitted.pk])).status_code == 200
    assert f'href="{reverse("derogations:detail", args=[submitted.pk])}"' in html(
        visitor.get("/demandes/")
    )
    # The link is spent.
    page = html(Client().get(link))
    assert "Cette invitation a déjà été acceptée" in page


def test_an_existing_account_logs_in_and_accepts(org_a, send, newcomer):
    invitation = factories.InvitationFactory(
        organisation=org_a, email=newcomer.email, as_admin=True
    )
    link = reverse("accounts:invitation", args=[tokens.invitation_token(invitation.pk)])
    anonymous = Client()
    assert anonymous.post(link)["Location"] == "/compte/connexion/?" + urlencode({"next": link})
    client = client_for(newcomer)
    assert "Accepter l'invitation" in html(client.get(link))
    response = send(link, as_client=client)
    assert response["Location"] == reverse("derogations:dashboard")
    assert f"Vous avez rejoint l'organisation {org_a.name}." in html(client.get("/demandes/"))
    assert newcomer.memberships.get().is_admin


def test_an_invitation_for_another_address_cannot_be_accepted(org_a, send, newcomer, operator_b):
    invitation = factories.InvitationFactory(organisation=org_a, email="quelquun@example.org")
    link = reverse("accounts:invitation", args=[tokens.invitation_token(invitation.pk)])
    client = client_for(newcomer)
    assert "n'est pas celle de l'invitation" in html(client.get(link))
    send(link, as_client=client)
    assert "adressée à une autre adresse électronique" in html(client.get(link))
    assert not newcomer.memberships.exists()
    # Nor by a member of another organisation invited at their own address.
    invitation_b = factories.InvitationFactory(organisation=org_a, email=operator_b.email)
    link_b = reverse("accounts:invitation", args=[tokens.invitation_token(invitation_b.pk)])
    client_b = client_for(operator_b)
    send(link_b, as_client=client_b)
    assert "déjà membre de l'organisation Organisation B" in html(client_b.get(link_b))
    assert operator_b.memberships.get().organisation.name == "Organisation B"


def test_expired_and_forged_invitation_links(org_a, newcomer, send):
    expired = factories.InvitationFactory(organisation=org_a, email=newcomer.email, expired=True)
    link = reverse("accounts:invitation", args=[tokens.invitation_token(expired.pk)])
    client = client_for(newcomer)
    response = client.get(link)
    assert response.status_code == 410 and "Cette invitation a expiré" in html(response)
    assert send(link, as_client=client).status_code == 410
    assert Client().get(link + "inscription/").status_code == 410
    for token in (
        "abc",
        tokens.invitation_token(expired.pk)[:-2] + "zz",
        tokens.verification_token(expired.pk),
    ):
        response = client.get(reverse("accounts:invitation", args=[token]))
        assert response.status_code == 400 and "Ce lien d'invitation n'est pas valide" in html(
            response
        )
    assert not newcomer.memberships.exists()


def test_signing_up_from_an_invitation_with_an_existing_account_asks_to_log_in(
    org_a, send, newcomer
):
    invitation = factories.InvitationFactory(organisation=org_a, email=newcomer.email)
    link = reverse("accounts:invitation", args=[tokens.invitation_token(invitation.pk)])
    visitor = Client()
    data = {
        "first_name": "A",
        "last_name": "B",
        "password1": "un-mot-de-passe-long",
        "password2": "un-mot-de-passe-long",
    }
    assert send(link + "inscription/", data, as_client=visitor)["Location"] == link
    assert "Un compte existe déjà pour cette adresse" in html(visitor.get(link))
    assert User.objects.filter(email=newcomer.email).count() == 1


# --- Leaving and removing -------------------------------------------------------------


def test_admin_removes_a_member_who_then_loses_access(org_a, admin_a, colleague_a, send):
    submitted = factories.submitted(
        factories.RequestFactory(organisation=org_a, created_by=admin_a)
    )
    detail = reverse("derogations:detail", args=[submitted.pk])
    assert client_for(colleague_a).get(detail).status_code == 200
    client = client_for(admin_a)
    membership = colleague_a.memberships.get()
    assert send(org_url(org_a, f"membres/{membership.pk}/retirer/"), as_client=client)[
        "Location"
    ] == org_url(org_a)
    assert "ne fait plus partie de l'organisation" in html(client.get(org_url(org_a)))
    assert not colleague_a.memberships.exists()
    assert client_for(colleague_a).get(detail).status_code == 404
    assert client_for(colleague_a).get(org_url(org_a)).status_code == 404


def test_the_last_admin_can_neither_leave_nor_be_removed(org_a, admin_a, colleague_a, send):
    client = client_for(admin_a)
    send(org_url(org_a, "quitter/"), as_client=client)
    assert "doit garder au moins un administrateur" in html(client.get(org_url(org_a)))
    send(org_url(org_a, f"membres/{admin_a.memberships.get().pk}/retirer/"), as_client=client)
    assert admin_a.memberships.filter(is_admin=True).exists()
    # With a second admin, the first may leave.
    Membership.objects.filter(user=colleague_a).update(is_admin=True)
    assert send(org_url(org_a, "quitter/"), as_client=client)["Location"] == "/compte/organisation/"
    assert not admin_a.memberships.exists()


def test_a_member_leaves(org_a, admin_a, colleague_a, send):
    client = client_for(colleague_a)
    assert send(org_url(org_a, "quitter/"), as_client=client)["Location"] == "/compte/organisation/"
    assert f"Vous avez quitté l'organisation {org_a.name}." in html(
        client.get("/compte/organisation/")
    )
    assert not colleague_a.memberships.exists()
