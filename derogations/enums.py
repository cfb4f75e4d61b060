from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuelle")
    GLOBAL = "global", _("Globale")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposée")
    IN_REVIEW = "in_review", _("En instruction")
    AWAITING_COMPLEMENTS = "awaiting_complements", _("En attente de compléments")
    DECISION_PROPOSED = "decision_proposed", _("Décision proposée")
    GRANTED = "granted", _("Accordée")
    REFUSED = "refused", _("Refusée")
    WITHDRAWN = "withdrawn", _("Retirée")
    INADMISSIBLE = "inadmissible", _("Irrecevable")


DECIDED_STATUSES = frozenset({Status.GRANTED, Status.REFUSED, Status.INADMISSIBLE})
CLOSED_STATUSES = DECIDED_STATUSES | {Status.WITHDRAWN}


class Urgency(models.TextChoices):
    STANDARD = "standard", _("Standard")
    URGENT = "urgent", _("Urgente")
    VITAL = "vital", _("Urgence vitale")


class IvdClass(models.TextChoices):
    A = "A", _("Classe A")
    A_STERILE = "A_sterile", _("Classe A stérile")
    B = "B", _("Classe B")
    C = "C", _("Classe C")
    D = "D", _("Classe D")


class DecisionKind(models.TextChoices):
    GRANT = "grant", _("Octroi de la dérogation")
    REFUSAL = "refusal", _("Refus de la dérogation")


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    SENT_BACK = "sent_back", _("Renvoyée à l'évaluateur")
    ISSUED = "issued", _("Signée et notifiée")


class DerogationStatus(models.TextChoices):
    ACTIVE = "active", _("En vigueur")
    SUSPENDED = "suspended", _("Suspendue")
    LIFTED = "lifted", _("Levée")
    EXPIRED = "expired", _("Expirée")
