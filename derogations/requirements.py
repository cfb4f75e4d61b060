"""What a request must contain before it can be submitted: the one place that says it.

derogations.lifecycle.submit refuses a request for which ``missing_items`` is not empty;
the filing screens show the same list, each item linked to its step and field.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import NOTIFIED_BODY_STATUSES, AttachmentCategory, Kind
from .models import DerogationRequest

COMMON_REQUIRED = (
    "contact_email", "device_name", "manufacturer_name", "ivd_class", "device_type",
    "intended_purpose", "regulatory_status",
    "justification", "expected_benefit", "safety_performance_data", "alternatives",
    "ce_marking_plan",
)  # fmt: skip
INDIVIDUAL_REQUIRED = (
    *COMMON_REQUIRED,
    "patient_reference", "patient_age", "patient_indication",
    "prescriber_name", "prescriber_email", "facility_name", "director_name", "director_email",
)  # fmt: skip
GLOBAL_REQUIRED = (
    *COMMON_REQUIRED,
    "population", "expected_patients", "quantity", "requested_start_date", "requested_end_date",
)  # fmt: skip

# Documents required for submission, per kind (our choice). A global request covers many
# patients and facilities for a period: it must also show where the CE-marking procedure
# stands. The other categories (GSPR checklist, supporting letter, mandate, other) are
# welcome but optional.
REQUIRED_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    Kind.INDIVIDUAL: (
        AttachmentCategory.INSTRUCTIONS_LABELLING,
        AttachmentCategory.PERFORMANCE_EVALUATION,
        AttachmentCategory.SAFETY_RISK,
    ),
    Kind.GLOBAL: (
        AttachmentCategory.INSTRUCTIONS_LABELLING,
        AttachmentCategory.PERFORMANCE_EVALUATION,
        AttachmentCategory.SAFETY_RISK,
        AttachmentCategory.CE_PROCEDURE,
    ),
}

ATTACHMENT_KEY_PREFIX = "attachment:"


def required_fields(kind: str) -> tuple[str, ...]:
    return INDIVIDUAL_REQUIRED if kind == Kind.INDIVIDUAL else GLOBAL_REQUIRED


def required_attachments(kind: str) -> tuple[str, ...]:
    return REQUIRED_ATTACHMENTS[Kind(kind)]


def missing_items(request: DerogationRequest) -> dict[str, str]:
    """Every missing item, in the order of the steps: a field name (or
    ``attachment:<category>``) mapped to a French message."""
    missing: dict[str, str] = {}
    for name in required_fields(request.kind):
        if getattr(request, name) in (None, ""):
            missing[name] = _("Ce champ est obligatoire pour déposer la demande.")
    if request.regulatory_status in NOTIFIED_BODY_STATUSES:
        for name in ("notified_body", "notified_body_application_date"):
            if not getattr(request, name):
                missing[name] = _("Obligatoire lorsqu'un organisme notifié est saisi du dossier.")
    today = timezone.localdate()
    if request.kind == Kind.INDIVIDUAL:
        if request.is_urgent and not request.urgency_reason.strip():
            missing["urgency_reason"] = _("Indiquez le motif de l'urgence.")
    else:
        if not request.any_facility and not request.facilities_concerned.strip():
            missing["facilities_concerned"] = _(
                "Indiquez les établissements concernés, ou cochez « tout établissement »."
            )
        start, end = request.requested_start_date, request.requested_end_date
        if end and end <= today:
            missing["requested_end_date"] = _(
                "La fin de validité demandée doit être dans le futur."
            )
        elif start and end and end <= start:
            missing["requested_end_date"] = _(
                "La fin de validité demandée doit être postérieure à son début."
            )
    present = set(request.attachments.values_list("category", flat=True))
    for category in required_attachments(request.kind):
        if category not in present:
            missing[f"{ATTACHMENT_KEY_PREFIX}{category}"] = _(
                "Joignez au moins un document « %(category)s »."
            ) % {"category": AttachmentCategory(category).label}
    return missing
