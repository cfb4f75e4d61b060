"""The operator's side of a request before and after submission: steps of a draft, saving
them, renewal of a global derogation, and what the operator must do next.

Nothing here changes a status: submission, answers and withdrawal are in
derogations.lifecycle.
"""

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.enums import Role
from accounts.models import Organisation, User

from . import requirements
from .enums import DerogationStatus, Kind, Status
from .models import Attachment, DerogationRequest

OPERATOR_FIELDS = ["contact_email"]
DEVICE_FIELDS = [
    "device_name", "device_model", "device_reference", "device_udi_di", "ivd_class",
    "device_type", "intended_purpose", "analyte_specimen", "manufacturer_name",
    "regulatory_status", "notified_body", "notified_body_application_date", "expected_ce_date",
]  # fmt: skip
CASE_FIELDS = [
    "justification", "expected_benefit", "safety_performance_data", "alternatives", "risks",
    "ce_marking_plan",
]  # fmt: skip
PATIENT_FIELDS = [
    "patient_reference", "patient_age", "patient_indication", "urgency", "urgency_reason",
]  # fmt: skip
PROFESSIONAL_FIELDS = ["prescriber_name", "prescriber_email", "prescriber_rpps", "user_name", "user_email"]  # fmt: skip
FACILITY_FIELDS = ["facility_name", "facility_finess", "director_name", "director_email"]
POPULATION_FIELDS = [
    "population", "expected_patients", "quantity", "requested_start_date", "requested_end_date",
    "any_facility", "facilities_concerned",
]  # fmt: skip


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    fields: tuple[str, ...]

    @property
    def is_form(self) -> bool:
        return bool(self.fields)


ATTACHMENTS_STEP = "pieces"
SUMMARY_STEP = "depot"

_DEVICE = Step(
    "dispositif", gettext_lazy("Opérateur et dispositif"), (*OPERATOR_FIELDS, *DEVICE_FIELDS)
)
_CASE = Step("justification", gettext_lazy("Justification"), tuple(CASE_FIELDS))
_ATTACHMENTS = Step(ATTACHMENTS_STEP, gettext_lazy("Pièces jointes"), ())
_SUMMARY = Step(SUMMARY_STEP, gettext_lazy("Récapitulatif et dépôt"), ())

STEPS: dict[str, tuple[Step, ...]] = {
    Kind.INDIVIDUAL: (
        _DEVICE,
        _CASE,
        Step(
            "patient",
            gettext_lazy("Patient et établissement"),
            (*PATIENT_FIELDS, *PROFESSIONAL_FIELDS, *FACILITY_FIELDS),
        ),
        _ATTACHMENTS,
        _SUMMARY,
    ),
    Kind.GLOBAL: (
        _DEVICE,
        _CASE,
        Step("population", gettext_lazy("Population et établissements"), tuple(POPULATION_FIELDS)),
        _ATTACHMENTS,
        _SUMMARY,
    ),
}


def steps_for(kind: str) -> tuple[Step, ...]:
    return STEPS[Kind(kind)]


def step_of(kind: str, slug: str) -> Step | None:
    return next((step for step in steps_for(kind) if step.slug == slug), None)


def step_for_missing_key(kind: str, key: str) -> Step:
    """The step where a missing item (a field name or attachment:<category>) is entered."""
    if key.startswith(requirements.ATTACHMENT_KEY_PREFIX):
        return _ATTACHMENTS
    return next((step for step in steps_for(kind) if key in step.fields), _DEVICE)


class DraftLocked(Exception):
    """The request is no longer a draft: nothing of it may change here."""


class DraftChanged(Exception):
    """A colleague saved the draft after this form was shown: nothing was written.
    ``current`` is the draft as saved now, ``fields`` the step's fields whose saved value
    differs from what was posted."""

    def __init__(self, current: DerogationRequest, fields: list[str]) -> None:
        super().__init__(f"draft {current.pk} changed (now version {current.draft_version})")
        self.current = current
        self.fields = fields


def save_step(
    draft: DerogationRequest, values: dict[str, object], version: int | None = None
) -> DerogationRequest:
    """Write the given (already validated) fields of a draft, under a row lock.

    Called with whatever fields of a step were valid, even when others were not: what the
    operator typed correctly is never lost. ``version`` is the draft_version the form was
    shown with (None: not checked): when a colleague saved the draft since, and this save
    would change something, nothing is written and DraftChanged is raised.
    """
    allowed = {name for step in steps_for(draft.kind) for name in step.fields}
    names = [name for name in values if name in allowed]
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=draft.pk)
        if locked.status != Status.DRAFT:
            raise DraftLocked
        changed = [name for name in names if getattr(locked, name) != values[name]]
        if not changed:
            return locked  # nothing new: the draft keeps its date of last change
        expected = locked.draft_version if version is None else version
        # Optimistic lock: the UPDATE only applies to the version the form was shown with.
        updated = DerogationRequest.objects.filter(
            pk=locked.pk, status=Status.DRAFT, draft_version=expected
        ).update(
            **{name: values[name] for name in changed},
            draft_version=F("draft_version") + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            raise DraftChanged(locked, changed)
    return DerogationRequest.objects.get(pk=locked.pk)


def new_draft(
    kind: str, organisation: Organisation, actor: User, values: dict[str, object]
) -> DerogationRequest:
    allowed = {name for step in steps_for(kind) for name in step.fields}
    return DerogationRequest.objects.create(
        kind=kind,
        organisation=organisation,
        created_by=actor,
        **{name: value for name, value in values.items() if name in allowed},
    )


# --- Renewal ------------------------------------------------------------------------------

# Fields a renewal starts from: everything but the requested period (a new one is asked).
RENEWAL_FIELDS = (
    *OPERATOR_FIELDS, *DEVICE_FIELDS, *CASE_FIELDS, *FACILITY_FIELDS,
    "population", "expected_patients", "quantity", "any_facility", "facilities_concerned",
)  # fmt: skip


class RenewalRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_renew(request: DerogationRequest) -> bool:
    """A granted global request whose derogation was not lifted may be renewed."""
    derogation = getattr(request, "derogation", None)
    return (
        request.kind == Kind.GLOBAL
        and request.status == Status.GRANTED
        and derogation is not None
        and derogation.status != DerogationStatus.LIFTED
    )


def renew(previous: DerogationRequest, actor: User) -> tuple[DerogationRequest, bool]:
    """A new global draft pre-filled from a granted one, linked to it; its documents are
    copied (the operator removes or replaces what changed). Returns (draft, created): a
    renewal draft already under way is returned rather than a second one."""
    if (
        actor.role != Role.OPERATOR
        or not actor.memberships.filter(organisation_id=previous.organisation_id).exists()
    ):
        raise RenewalRefused(_("Vous n'avez pas le droit d'effectuer cette action."))
    with transaction.atomic():
        locked = (
            DerogationRequest.objects.select_for_update(of=("self",))
            .select_related("derogation")
            .get(pk=previous.pk)
        )
        if not may_renew(locked):
            raise RenewalRefused(
                _("Seule une dérogation globale accordée, et non levée, peut être renouvelée.")
            )
        existing = locked.renewals.filter(status=Status.DRAFT).first()
        if existing is not None:
            return existing, False
        draft = DerogationRequest.objects.create(
            kind=Kind.GLOBAL,
            organisation_id=locked.organisation_id,
            created_by=actor,
            renewal_of=locked,
            **{name: getattr(locked, name) for name in RENEWAL_FIELDS},
        )
        valid_until = locked.derogation.valid_until
        if valid_until and valid_until >= timezone.localdate():
            draft.requested_start_date = valid_until + datetime.timedelta(days=1)
            draft.save(update_fields=["requested_start_date"])
        for attachment in locked.attachments.filter(complement_answer__isnull=True):
            copy = Attachment(
                request=draft,
                category=attachment.category,
                original_name=attachment.original_name,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                uploaded_by=actor,
            )
            with attachment.file.open("rb") as source:
                copy.file.save("upload", ContentFile(source.read()), save=False)
            copy.save()
    return draft, True


# --- What the operator must do next ---------------------------------------------------------


def next_step(request: DerogationRequest, today: datetime.date | None = None) -> str:
    """A key naming what the operator must do now on a submitted file
    (templates/derogations/_next_step.html says it in words). A draft's next step is its
    summary, which lists what is missing."""
    status = request.status
    if status == Status.SUBMITTED:
        return "wait_admissibility"
    if status in (Status.IN_REVIEW, Status.DECISION_PROPOSED):
        return "wait_decision"
    if status == Status.AWAITING_COMPLEMENTS:
        return "answer_complements"
    if status == Status.GRANTED:
        derogation = getattr(request, "derogation", None)
        effective = derogation.effective_status(today) if derogation else DerogationStatus.ACTIVE
        return {
            DerogationStatus.ACTIVE: "supply_allowed",
            DerogationStatus.SUSPENDED: "supply_suspended",
            DerogationStatus.LIFTED: "supply_forbidden_lifted",
            DerogationStatus.EXPIRED: "supply_forbidden_expired",
        }.get(effective, "supply_allowed")
    if status == Status.REFUSED:
        return "supply_forbidden_refused"
    if status == Status.INADMISSIBLE:
        return "inadmissible"
    return "nothing"
