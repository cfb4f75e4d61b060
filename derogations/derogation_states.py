"""The state of a derogation in force as outsiders see it (operators, professionals):
"in force", "suspended", "lifted" or "expired" (computed from the end date, never stored,
as ``Derogation.effective_status``), as a filter on requests and as a badge's words."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import DerogationStatus

# The choices of the filters "État de la dérogation" (value "" = every file).
FILTER_CHOICES = [
    ("", gettext_lazy("Tous")),
    (DerogationStatus.ACTIVE, gettext_lazy("Dérogation en vigueur")),
    (DerogationStatus.SUSPENDED, gettext_lazy("Dérogation suspendue")),
    (DerogationStatus.LIFTED, gettext_lazy("Dérogation levée")),
    (DerogationStatus.EXPIRED, gettext_lazy("Dérogation expirée")),
]

_CURRENT = {DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED}


def requests_in_state(state: str, today: datetime.date | None = None) -> Q:
    """Requests whose derogation's effective state is ``state`` (the same rule as
    ``Derogation.effective_status``: an active or suspended one past its end date is
    expired)."""
    today = today or timezone.localdate()
    not_ended = Q(derogation__valid_until__isnull=True) | Q(derogation__valid_until__gte=today)
    if state == DerogationStatus.EXPIRED:
        return Q(derogation__status__in=_CURRENT, derogation__valid_until__lt=today)
    if state in _CURRENT:
        return Q(derogation__status=state) & not_ended
    return Q(derogation__status=state)


def effective_state(
    stored: str, valid_until: datetime.date | None, today: datetime.date | None = None
) -> str:
    """``Derogation.effective_status`` from the two stored values (a list reads only those)."""
    today = today or timezone.localdate()
    if stored in _CURRENT and valid_until is not None and valid_until < today:
        return DerogationStatus.EXPIRED
    return stored


def badge_label(state: str, valid_until: datetime.date | None) -> str:
    """The words of a derogation's badge, with its end date where it tells something."""
    end = valid_until.strftime("%d/%m/%Y") if valid_until else ""
    if state == DerogationStatus.ACTIVE:
        if end:
            return _("Dérogation en vigueur jusqu'au %(date)s") % {"date": end}
        return _("Dérogation en vigueur")
    if state == DerogationStatus.SUSPENDED:
        if end:
            return _("Dérogation suspendue (fin de validité le %(date)s)") % {"date": end}
        return _("Dérogation suspendue")
    if state == DerogationStatus.EXPIRED:
        return _("Dérogation expirée le %(date)s") % {"date": end}
    return _("Dérogation levée")
