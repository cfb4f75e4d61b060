"""The retention policy in words, from the settings: the "Données personnelles" page and
the staff page of the runs state the durations configured, never a copy of them."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Rule:
    kind: str
    data: Promise
    duration: str
    start: Promise
    action: Promise


def duration_text(days: int) -> str:
    """'10 ans', '6 mois', '45 jours': whole years and months (of 365 and 30 days) first."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d an", "%(count)d ans", years) % {"count": years}
    if days and days % 30 == 0:
        months = days // 30
        return ngettext("%(count)d mois", "%(count)d mois", months) % {"count": months}
    return ngettext("%(count)d jour", "%(count)d jours", days) % {"count": days}


def hours_text(seconds: int) -> str:
    hours = max(1, seconds // 3600)
    return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}


LABELS: dict[str, tuple[Promise, Promise, Promise]] = {
    # kind: (data, start of the clock, what happens then)
    "request_content": (
        _(
            "Données personnelles des dossiers (patient pseudonymisé, prescripteur, utilisateur, directeur, contacts)"
        ),
        _(
            "après la fin du dossier (refus, retrait, irrecevabilité, levée ou fin de validité de la dérogation)"
        ),
        _("anonymisées ; la décision, sa motivation et les données du dispositif sont conservées"),
    ),
    "closed_documents": (
        _("Documents des demandes refusées, retirées ou irrecevables"),
        _("après la décision"),
        _("supprimés ; les courriers de décision sont conservés"),
    ),
    "patient_codes": (
        _("Codes patients pseudonymisés des informations et consentements"),
        _("après la fin de la dérogation"),
        _("effacés ; les dates et la réponse du patient sont conservées"),
    ),
    "drafts": (
        _("Brouillons de demande jamais déposés"),
        _("après leur dernière modification"),
        _("supprimés avec leurs documents, après un courriel d'avertissement à leur auteur"),
    ),
    "email_texts": (
        _("Texte des courriels envoyés par le portail"),
        _("après l'envoi"),
        _("effacé ; la trace de l'envoi (destinataire, objet, date, état) est conservée"),
    ),
    "audit_trail": (
        _("Journal des actions sur les dossiers"),
        _("après chaque action"),
        _(
            "conservé sans modification possible, puis traité selon les règles d'archivage de l'ANSM"
        ),
    ),
}


def rules() -> list[Rule]:
    found = [
        Rule(kind, data, duration_text(settings.RETENTION[kind]), start, action)
        for kind, (data, start, action) in LABELS.items()
    ]
    found.append(
        Rule(
            "sessions",
            _("Sessions de connexion"),
            hours_text(settings.SESSION_COOKIE_AGE),
            _("au plus"),
            _("expirées puis supprimées chaque nuit"),
        )
    )
    return found


def draft_warning_text() -> str:
    return duration_text(settings.RETENTION_DRAFT_WARNING_DAYS)


KIND_NAMES: dict[str, Promise] = {
    "request_content": _("Données des dossiers"),
    "closed_documents": _("Documents des dossiers clos"),
    "patient_codes": _("Codes patients"),
    "drafts": _("Brouillons"),
    "email_texts": _("Texte des courriels"),
    "sessions": _("Sessions"),
    "audit_trail": _("Journal des actions"),
}
