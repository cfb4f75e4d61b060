from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Opérateur (membre d'une organisation)")
    EVALUATOR = "evaluator", _("Évaluateur ANSM")
    SENIOR_EVALUATOR = "senior_evaluator", _("Évaluateur senior ANSM (signataire)")
    PROFESSIONAL = "professional", _("Professionnel de santé")
    ADMINISTRATOR = "administrator", _("Administrateur")


class OperatorRole(models.TextChoices):
    MANUFACTURER = "manufacturer", _("Fabricant")
    AUTHORISED_REPRESENTATIVE = "authorised_representative", _("Mandataire")
    IMPORTER = "importer", _("Importateur")
    DISTRIBUTOR = "distributor", _("Distributeur")


STAFF_ROLES = frozenset({Role.EVALUATOR, Role.SENIOR_EVALUATOR, Role.ADMINISTRATOR})


class InvitationState(models.TextChoices):
    """Stored states of an invitation. "Expired" is not stored: a pending invitation whose
    expiry date has passed (see Invitation.is_expired)."""

    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REVOKED = "revoked", _("Révoquée")
