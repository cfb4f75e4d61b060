from django.db import models
from django.utils.translation import gettext_lazy as _


class Assessment(models.TextChoices):
    """The evaluator's assessment of one preponderant criterion."""

    NOT_ASSESSED = "not_assessed", _("Non évalué")
    FAVOURABLE = "favourable", _("Favorable")
    RESERVED = "reserved", _("Réservé")
    UNFAVOURABLE = "unfavourable", _("Défavorable")


class BenefitRisk(models.TextChoices):
    """The benefit/risk conclusion of the evaluation grid."""

    NOT_CONCLUDED = "not_concluded", _("Non conclu")
    FAVOURABLE = "favourable", _("Favorable")
    UNFAVOURABLE = "unfavourable", _("Défavorable")
