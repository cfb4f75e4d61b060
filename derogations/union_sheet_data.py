"""The IVDR Art. 54(2) notification sheet as structured data: the same fields as the PDF
sheet (templates/letters/union_notification.html), for the JSON download and the API."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from . import access
from .enums import DecisionKind, DecisionState
from .models import UnionNotification

MEMBER_STATE = "FR"
COMPETENT_AUTHORITY = "Agence nationale de sécurité du médicament et des produits de santé (ANSM)"
LEGAL_BASIS = (
    "Règlement (UE) 2017/746, article 54, paragraphe 1 ; code de la santé publique, "
    "article L. 5221-3"
)


def sheet_data(notification: UnionNotification) -> dict[str, Any]:
    grant = notification.grant
    request = grant.request
    organisation = request.organisation
    return {
        "member_state": MEMBER_STATE,
        "competent_authority": COMPETENT_AUTHORITY,
        "legal_basis": LEGAL_BASIS,
        "national_reference": request.reference,
        "decision_date": (
            timezone.localdate(grant.issued_at).isoformat() if grant.issued_at else None
        ),
        "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
        "device": {
            "name": request.device_name,
            "model": request.device_model,
            "references": request.device_reference,
            "udi_di": request.device_udi_di,
            "ivd_class": request.ivd_class,
        },
        "manufacturer": request.manufacturer_name,
        "economic_operator": {
            "name": organisation.name,
            "role": organisation.operator_role,
            "srn": organisation.srn,
        },
        "intended_purpose": request.intended_purpose,
        "patient_population": request.population,
        "expected_patients": request.expected_patients,
        "conditions": grant.conditions,
        "justification": grant.motivation,
        "verification_code": grant.verification_code,
        "sent_on": notification.sent_on.isoformat() if notification.sent_on else None,
    }


def visible_notification(
    user: User, request_pk: int, act_pk: int | None = None
) -> UnionNotification:
    """The notification of an issued act on a file this user sees (404 otherwise): the
    grant's (one per file), or that of the later act ``act_pk`` (suspension, change of
    conditions, lifting of a global derogation)."""
    which: dict[str, object] = (
        {"grant__kind": DecisionKind.GRANT} if act_pk is None else {"grant_id": act_pk}
    )
    return get_object_or_404(
        UnionNotification.objects.select_related("grant__request__organisation"),
        grant__request__in=access.visible_requests(user).filter(pk=request_pk),
        grant__state=DecisionState.ISSUED,
        **which,
    )
