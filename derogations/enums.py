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
    """The kinds of administrative act (acte) issued on a request, each with its letter."""

    ACKNOWLEDGMENT = "acknowledgment", _("Accusé de réception")
    COMPLEMENT_REQUEST = "complement_request", _("Demande de compléments")
    INADMISSIBILITY = "inadmissibility", _("Irrecevabilité de la demande")
    GRANT = "grant", _("Octroi de la dérogation")
    REFUSAL = "refusal", _("Refus de la dérogation")
    SUSPENSION = "suspension", _("Suspension de la dérogation")
    RESUMPTION = "resumption", _("Reprise de la dérogation")
    CONDITIONS_CHANGE = "conditions_change", _("Modification des conditions de la dérogation")
    LIFTING = "lifting", _("Levée de la dérogation")
    WITHDRAWAL = "withdrawal", _("Accusé de retrait de la demande")
    # Issued once by the daily task when a derogation's end date has passed (issue 16).
    EXPIRY = "expiry", _("Expiration de la dérogation")


# Decisions proposed by an evaluator and signed by a senior evaluator (four eyes). Every
# other act is issued at once by the lifecycle function that performs it.
FOUR_EYES_KINDS = frozenset({DecisionKind.GRANT, DecisionKind.REFUSAL})
# Acts that follow a grant: their letter goes to everyone who received the grant.
FOLLOW_UP_KINDS = frozenset(
    {
        DecisionKind.SUSPENSION,
        DecisionKind.RESUMPTION,
        DecisionKind.CONDITIONS_CHANGE,
        DecisionKind.LIFTING,
        DecisionKind.EXPIRY,
    }
)
# Later acts on a global derogation that are notified to the Commission and the other
# Member States, like the grant (IVDR Art. 54(2)): each has its own notification sheet.
UNION_NOTIFIED_LATER_KINDS = frozenset(
    {DecisionKind.SUSPENSION, DecisionKind.CONDITIONS_CHANGE, DecisionKind.LIFTING}
)
# Acts about a derogation that outsiders see: the decision and what followed it (not the
# operator's correspondence such as the acknowledgment or complement requests).
PUBLIC_ACT_KINDS = FOUR_EYES_KINDS | FOLLOW_UP_KINDS
# Acts signed by the service, not by a person: what the portal acknowledges on its own.
SERVICE_SIGNED_KINDS = frozenset(
    {DecisionKind.ACKNOWLEDGMENT, DecisionKind.WITHDRAWAL, DecisionKind.EXPIRY}
)
# Acts that adversely affect the operator (décisions faisant grief): their letter states
# the voies et délais de recours (CJA R421-5).
APPEALABLE_KINDS = frozenset(
    {
        DecisionKind.INADMISSIBILITY,
        DecisionKind.GRANT,
        DecisionKind.REFUSAL,
        DecisionKind.SUSPENSION,
        DecisionKind.CONDITIONS_CHANGE,
        DecisionKind.LIFTING,
    }
)


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    SENT_BACK = "sent_back", _("Renvoyée à l'évaluateur")
    ISSUED = "issued", _("Signée et notifiée")


class DerogationStatus(models.TextChoices):
    """Stored: active, suspended, lifted. Expired is computed from the end date."""

    ACTIVE = "active", _("En vigueur")
    SUSPENDED = "suspended", _("Suspendue")
    LIFTED = "lifted", _("Levée")
    EXPIRED = "expired", _("Expirée")


class DeviceType(models.TextChoices):
    REAGENT = "reagent", _("Réactif")
    KIT = "kit", _("Trousse")
    INSTRUMENT = "instrument", _("Instrument ou automate")
    SOFTWARE = "software", _("Logiciel")
    CALIBRATOR = "calibrator", _("Étalon (calibrateur)")
    CONTROL = "control", _("Matériel de contrôle")
    SPECIMEN_RECEPTACLE = "specimen_receptacle", _("Récipient pour échantillons")


class RegulatoryStatus(models.TextChoices):
    NEVER_CE = "never_ce", _("Jamais marqué CE")
    IVDD_EXPIRED = "ivdd_expired", _("Certificat IVDD (directive 98/79/CE) expiré")
    CERTIFICATE_SUSPENDED = "certificate_suspended", _("Certificat suspendu ou retiré")
    NOTIFIED_BODY_REVIEW = (
        "notified_body_review",
        _("En cours d'évaluation par un organisme notifié"),
    )
    PERFORMANCE_STUDY = "performance_study", _("En étude des performances")


# Statuses in which a notified body is involved: its name and the application date are then
# required for submission.
NOTIFIED_BODY_STATUSES = frozenset(
    {RegulatoryStatus.NOTIFIED_BODY_REVIEW, RegulatoryStatus.CERTIFICATE_SUSPENDED}
)


class AttachmentCategory(models.TextChoices):
    INSTRUCTIONS_LABELLING = "instructions_labelling", _("Notice d'utilisation et étiquetage")
    PERFORMANCE_EVALUATION = "performance_evaluation", _("Rapport d'évaluation des performances")
    SAFETY_RISK = "safety_risk", _("Données de sécurité et gestion des risques")
    GSPR_CHECKLIST = "gspr_checklist", _("Liste de contrôle des exigences générales (GSPR)")
    CE_PROCEDURE = (
        "ce_procedure",
        _("Correspondance avec l'organisme notifié / preuve de la procédure de marquage CE"),
    )
    SUPPORT_LETTER = "support_letter", _("Lettre de soutien du professionnel de santé")
    MANDATE = "mandate", _("Mandat du fabricant")
    OTHER = "other", _("Autre document")


STORED_DEROGATION_STATUSES = frozenset(
    {DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED, DerogationStatus.LIFTED}
)


class UnionNotificationChannel(models.TextChoices):
    EMAIL = "email", _("Courriel aux points de contact de la Commission et des États membres")
    PLATFORM = "platform", _("Plateforme d'échange de la Commission")
    POST = "post", _("Courrier")
    OTHER = "other", _("Autre")


class IncidentSeverity(models.TextChoices):
    NOT_SERIOUS = "not_serious", _("Non grave")
    SERIOUS = "serious", _("Grave")
    DEATH = "death", _("Décès ou dégradation grave imprévue de l'état de santé")
    PUBLIC_HEALTH = "public_health", _("Menace grave pour la santé publique")


class DeclarantRole(models.TextChoices):
    PRESCRIBER = "prescriber", _("Prescripteur")
    USER = "user", _("Utilisateur du dispositif")
    DIRECTOR = "director", _("Directeur d'établissement")
    VIGILANCE = "vigilance", _("Correspondant local de réactovigilance")
    OTHER = "other", _("Autre professionnel de santé")


class CeMarkingStep(models.TextChoices):
    """Where the operator's CE marking procedure stands, as told in a periodic report."""

    NOT_FILED = "not_filed", _("Pas encore de demande à un organisme notifié")
    APPLICATION_FILED = "application_filed", _("Demande déposée auprès de l'organisme notifié")
    AUDIT = "audit", _("Audit du système de gestion de la qualité")
    DOCUMENTATION_REVIEW = "documentation_review", _("Revue de la documentation technique")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificat délivré")


class ConsentInformation(models.TextChoices):
    """What the patient may have been told before answering (issue 16): stored as these keys."""

    DEROGATION = "derogation", _("Le dispositif est utilisé par dérogation (sans marquage CE)")
    BENEFITS_RISKS = "benefits_risks", _("Les bénéfices attendus et les risques connus")
    ALTERNATIVES = "alternatives", _("Les alternatives disponibles")
    REFUSAL_RIGHT = (
        "refusal_right",
        _("Le droit de refuser sans conséquence sur sa prise en charge"),
    )
    DATA = "data", _("Le traitement pseudonymisé de ses données")


class ConsentOutcome(models.TextChoices):
    GIVEN = "given", _("Consentement donné")
    REFUSED = "refused", _("Consentement refusé")


class IncidentMeasure(models.TextChoices):
    """What the agency decided after analysing an incident: a measure other than "none"
    is then issued as its own act (derogations.followup), never by this choice alone."""

    NONE = "none", _("Aucune mesure")
    CHANGE_CONDITIONS = "change_conditions", _("Modification des conditions")
    SUSPENSION = "suspend", _("Suspension")
    LIFTING = "lift", _("Levée")
