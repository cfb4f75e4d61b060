"""Use cases of accounts and organisations. Views parse and authorise; these functions
change data inside one transaction and queue their emails on commit."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails, tokens
from .email_addresses import normalise_email
from .enums import InvitationState, Role
from .models import Invitation, Membership, Organisation, User


class AccountError(Exception):
    """A refused action, with the French message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Sign-up and email verification ---------------------------------------------------


def send_verification(user: User) -> None:
    url = emails.absolute_url("accounts:verify_email", tokens.verification_token(user.pk))
    context = {"user": user, "url": url, "hours": settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600}
    emails.send_on_commit(emails.render_email("verification", context, user.email), throttled=True)


def _send_already_registered(user: User) -> None:
    context: dict[str, object] = {
        "login_url": emails.absolute_url("accounts:login"),
        "reset_url": emails.absolute_url("accounts:password_reset"),
    }
    emails.send_on_commit(
        emails.render_email("already_registered", context, user.email), throttled=True
    )


@transaction.atomic
def sign_up(*, email: str, first_name: str, last_name: str, password: str) -> None:
    """An inactive operator account and its verification email.

    Says nothing about an address that already has an account (the same page follows
    either way): its owner gets a new link if it is unverified, a reminder otherwise.
    """
    email = normalise_email(email)
    user = User(email=email, first_name=first_name, last_name=last_name, role=Role.OPERATOR)
    user.is_active = False
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        existing = User.objects.get(email=email)
        if existing.email_verified_at is None and not existing.is_active:
            send_verification(existing)
        else:
            _send_already_registered(existing)
        return
    send_verification(user)


def resend_verification(email: str) -> None:
    """A new link for an unverified account; nothing (and nothing said) otherwise."""
    user = User.objects.filter(
        email=normalise_email(email), is_active=False, email_verified_at__isnull=True
    ).first()
    if user is not None:
        send_verification(user)


@transaction.atomic
def verify_email(user_pk: int) -> bool:
    """Activate the account. False if it was already verified (the link is spent)."""
    user = User.objects.select_for_update().get(pk=user_pk)
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = timezone.now()
    user.is_active = True
    user.save(update_fields=["email_verified_at", "is_active"])
    return True


# --- Organisations --------------------------------------------------------------------


@transaction.atomic
def create_organisation(user: User, organisation: Organisation) -> Organisation:
    """Save a new organisation (validated by its form); its creator becomes its admin."""
    if user.memberships.exists():
        raise AccountError(_("Votre compte est déjà membre d'une organisation."))
    try:
        with transaction.atomic():
            organisation.save()
            Membership.objects.create(user=user, organisation=organisation, is_admin=True)
    except IntegrityError:
        raise AccountError(
            _("Cette organisation vient d'être enregistrée ou votre compte en a déjà une.")
        ) from None
    return organisation


def _lock(organisation: Organisation) -> Organisation:
    """Serialise the changes of one organisation's members and invitations."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _check_an_admin_remains(membership: Membership) -> None:
    if not membership.is_admin:
        return
    others = Membership.objects.filter(organisation_id=membership.organisation_id, is_admin=True)
    if not others.exclude(pk=membership.pk).exists():
        raise AccountError(
            _(
                "Une organisation doit garder au moins un administrateur : invitez ou "
                "désignez d'abord un autre administrateur."
            )
        )


@transaction.atomic
def remove_member(membership: Membership) -> None:
    _lock(membership.organisation)
    current = Membership.objects.filter(pk=membership.pk).first()
    if current is None:
        raise AccountError(_("Action déjà effectuée : cette personne n'est plus membre."))
    _check_an_admin_remains(current)
    current.delete()


# --- Invitations ----------------------------------------------------------------------


def invitation_url(invitation: Invitation) -> str:
    return emails.absolute_url("accounts:invitation", tokens.invitation_token(invitation.pk))


@transaction.atomic
def invite(organisation: Organisation, by: User, email: str, as_admin: bool) -> Invitation:
    """Invite someone by email; inviting again an address still pending renews the link."""
    email = normalise_email(email)
    organisation = _lock(organisation)
    if organisation.memberships.filter(user__email=email).exists():
        raise AccountError(_("Cette personne est déjà membre de l'organisation."))
    expires_at = timezone.now() + datetime.timedelta(seconds=settings.ACCOUNT_INVITATION_MAX_AGE)
    invitation = organisation.invitations.filter(state=InvitationState.PENDING, email=email).first()
    if invitation is None:
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            as_admin=as_admin,
            invited_by=by,
            expires_at=expires_at,
        )
    else:
        invitation.as_admin = as_admin
        invitation.invited_by = by
        invitation.expires_at = expires_at
        invitation.save(update_fields=["as_admin", "invited_by", "expires_at"])
    context = {"invitation": invitation, "inviter": by, "url": invitation_url(invitation)}
    emails.send_on_commit(emails.render_email("invitation", context, email), throttled=True)
    return invitation


def _check_can_accept(invitation: Invitation) -> None:
    if invitation.state == InvitationState.ACCEPTED:
        raise AccountError(_("Cette invitation a déjà été acceptée."))
    if invitation.state == InvitationState.REVOKED:
        raise AccountError(_("Cette invitation a été révoquée par l'organisation."))
    if invitation.is_expired:
        raise AccountError(
            _(
                "Cette invitation a expiré. Demandez à l'administrateur de l'organisation "
                "de vous inviter à nouveau."
            )
        )


def _locked_invitation(invitation_pk: int) -> Invitation:
    """The invitation, locked until the transaction ends, if it may still be accepted."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation_pk)
    )
    _check_can_accept(invitation)
    return invitation


def _join(invitation: Invitation, user: User) -> None:
    Membership.objects.create(
        user=user, organisation=invitation.organisation, is_admin=invitation.as_admin
    )
    invitation.state = InvitationState.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_by", "accepted_at"])


@transaction.atomic
def accept_invitation(invitation_pk: int, user: User) -> Invitation:
    invitation = _locked_invitation(invitation_pk)
    if normalise_email(invitation.email) != normalise_email(user.email):
        raise AccountError(
            _(
                "Cette invitation est adressée à une autre adresse électronique que celle "
                "de votre compte. Connectez-vous avec le compte de l'adresse invitée."
            )
        )
    if not user.is_operator:
        raise AccountError(_("Seul un compte opérateur peut rejoindre une organisation."))
    current = user.memberships.select_related("organisation").first()
    if current is not None:
        raise AccountError(
            _(
                "Votre compte est déjà membre de l'organisation %(name)s : quittez-la avant "
                "d'en rejoindre une autre."
            )
            % {"name": current.organisation.name}
        )
    _join(invitation, user)
    if user.email_verified_at is None:
        # The invitation reached this address: it is verified.
        user.email_verified_at = invitation.accepted_at
        user.save(update_fields=["email_verified_at"])
    return invitation


@transaction.atomic
def sign_up_invited(invitation_pk: int, *, first_name: str, last_name: str, password: str) -> User:
    """An account for the invited address, active at once (the emailed link proves the
    address), member of the organisation."""
    invitation = _locked_invitation(invitation_pk)
    if User.objects.filter(email=invitation.email).exists():
        raise AccountError(
            _(
                "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."
            )
        )
    user = User(
        email=normalise_email(invitation.email),
        first_name=first_name,
        last_name=last_name,
        role=Role.OPERATOR,
        email_verified_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    _join(invitation, user)
    return user


@transaction.atomic
def revoke_invitation(invitation: Invitation) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != InvitationState.PENDING:
        raise AccountError(_("Action déjà effectuée : cette invitation n'est plus en attente."))
    invitation.state = InvitationState.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["state", "revoked_at"])
