from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .email_addresses import NormalisedEmailField, normalise_email
from .enums import STAFF_ROLES, InvitationState, OperatorRole, Role
from .validators import validate_rpps, validate_siret, validate_srn

DUPLICATE_ADDRESS_MESSAGE = _(
    "Un compte existe déjà pour cette adresse électronique (les majuscules, les caractères "
    "pleine chasse et les formes équivalentes d'un nom de domaine désignent la même adresse)."
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """Addresses are stored in normal form (accounts.email_addresses): looked up by
        equality of normal forms, never by a case-insensitive comparison."""
        return self.get(email=normalise_email(username))

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("role", Role.ADMINISTRATOR)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. Their role says which spaces they use."""

    email = NormalisedEmailField(
        _("adresse électronique"),
        unique=True,
        error_messages={"unique": DUPLICATE_ADDRESS_MESSAGE},
    )
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices, default=Role.OPERATOR)
    rpps = models.CharField(_("numéro RPPS"), max_length=11, blank=True, validators=[validate_rpps])
    # Language of the emails this person receives (letters themselves are always French).
    preferred_language = models.CharField(
        _("langue des courriels"),
        max_length=2,
        choices=[("fr", "Français"), ("en", "English")],
        default="fr",
    )
    is_active = models.BooleanField(_("actif"), default=True)
    # Set when the person opened the link emailed at sign-up (or accepted an emailed
    # invitation). A self-registered account stays inactive until then.
    email_verified_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            # Login ignores case (get_by_natural_key): one account per address, whatever its case.
            models.UniqueConstraint(Lower("email"), name="unique_email_ignoring_case")
        ]

    def __str__(self) -> str:
        return self.display_name(self.first_name, self.last_name, self.email)

    @staticmethod
    def display_name(first_name: str, last_name: str, email: str) -> str:
        """How a person is named on the pages: full name, else email address."""
        return f"{first_name} {last_name}".strip() or email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_ansm_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_evaluator(self) -> bool:
        return self.role in {Role.EVALUATOR, Role.SENIOR_EVALUATOR}

    @property
    def is_senior_evaluator(self) -> bool:
        return self.role == Role.SENIOR_EVALUATOR

    @property
    def is_professional(self) -> bool:
        return self.role == Role.PROFESSIONAL


class Organisation(models.Model):
    """A market operator: manufacturer, authorised representative, importer or distributor."""

    name = models.CharField(_("raison sociale"), max_length=255)
    siret = models.CharField(
        _("SIREN ou SIRET"), max_length=14, unique=True, validators=[validate_siret]
    )
    operator_role = models.CharField(
        _("rôle sur le marché"), max_length=32, choices=OperatorRole.choices
    )
    srn = models.CharField(
        _("SRN (numéro d'enregistrement unique européen)"),
        max_length=20,
        blank=True,
        validators=[validate_srn],
    )
    address = models.TextField(_("adresse"), blank=True)
    members: "models.ManyToManyField[User, Membership]" = models.ManyToManyField(
        User, through="Membership", related_name="organisations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(_("administrateur de l'organisation"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership"),
            # Our choice: an operator account acts for one organisation (its dashboard and
            # its requests are that organisation's).
            models.UniqueConstraint(fields=["user"], name="one_organisation_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        """Pending and not expired: those that can still be accepted."""
        return self.filter(state=InvitationState.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An organisation admin asks someone, by email, to join the organisation.

    The emailed link carries a signed reference to this row (accounts.tokens); the row says
    whether it may still be accepted. Its state changes only in accounts.services.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = NormalisedEmailField(_("adresse électronique"))
    as_admin = models.BooleanField(_("administrateur de l'organisation"), default=False)
    state = models.CharField(
        _("état"), max_length=16, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invité par")
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=Q(state=InvitationState.PENDING),
                name="one_pending_invitation_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(state=InvitationState.ACCEPTED) | Q(accepted_at__isnull=False),
                name="accepted_invitation_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=InvitationState.REVOKED) | Q(revoked_at__isnull=False),
                name="revoked_invitation_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return self.state == InvitationState.PENDING and self.expires_at <= timezone.now()


class LoginThrottle(models.Model):
    """Failed sign-in attempts counted per account and per address (accounts/throttle.py).

    Stored in the database (not in a cache) and updated under a row lock, so that parallel
    attempts cannot slip past the limit.
    """

    scope = models.CharField(_("portée"), max_length=16)
    key = models.CharField(_("clé"), max_length=254)
    failures = models.PositiveIntegerField(_("échecs"), default=0)
    last_failure_at = models.DateTimeField(_("dernier échec"), null=True, blank=True)

    class Meta:
        verbose_name = _("limitation de connexion")
        verbose_name_plural = _("limitations de connexion")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="unique_login_throttle")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.failures})"
