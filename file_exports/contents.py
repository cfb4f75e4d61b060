"""What one audience's whole file holds: the summary's data (every field of the request,
the history, the acts and their copies, the thread, and for ANSM its private notes and
expert opinions) and the documents to put in the ZIP, each under its folder.

Each part is read through the same scopes as the pages (derogations.access,
collaboration.access): the operator's file holds nothing its pages do not show.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Field, Prefetch
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from collaboration.access import visible_opinions
from collaboration.models import ExpertOpinion, Message, StoredDocument
from derogations import access, uploads
from derogations.enums import DecisionState
from derogations.models import Attachment, DerogationRequest, UnionNotification
from derogations.timeline import STAFF_ONLY_ACTIONS
from notifications.models import Delivery, RecipientRole
from reviews.models import PrivateNote

from .models import Audience

# The folders of the ZIP, in the order a reader goes through the file.
SUMMARY_FOLDER = "01-demande"
ATTACHMENTS_FOLDER = "02-pieces-jointes"
COMPLEMENTS_FOLDER = "03-complements"
MESSAGES_FOLDER = "04-messages"
DECISIONS_FOLDER = "05-decisions"
OPINIONS_FOLDER = "06-avis-d-experts"  # ANSM only

# Every field of the request, by section, under the labels of the form (the model's).
DEVICE_FIELDS = (
    "kind", "contact_email", "device_name", "device_model", "device_reference", "ivd_class",
    "device_udi_di", "device_type", "manufacturer_name", "intended_purpose", "analyte_specimen",
    "regulatory_status", "notified_body", "notified_body_application_date", "expected_ce_date",
)  # fmt: skip
CASE_FIELDS = (
    "justification", "expected_benefit", "safety_performance_data", "alternatives", "risks",
    "ce_marking_plan",
)  # fmt: skip
INDIVIDUAL_FIELDS = (
    "patient_reference", "patient_age", "patient_indication", "urgency", "urgency_reason",
    "prescriber_name", "prescriber_email", "prescriber_rpps", "user_name", "user_email",
)  # fmt: skip
GLOBAL_FIELDS = (
    "population", "expected_patients", "quantity", "any_facility", "facilities_concerned",
    "requested_start_date", "requested_end_date",
)  # fmt: skip
FACILITY_FIELDS = ("facility_name", "facility_finess", "director_name", "director_email")
FOLLOW_FIELDS = ("reference", "submitted_at", "target_date", "decided_at", "renewal_of")
STAFF_FOLLOW_FIELDS = ("assignee", "clock_stopped_at")

SECTIONS = (
    (gettext_lazy("Opérateur et dispositif"), DEVICE_FIELDS),
    (gettext_lazy("Justification"), CASE_FIELDS),
)


@dataclass(frozen=True)
class Part:
    """One document of the ZIP: where it goes, and the stored file it copies."""

    path: str
    file: FieldFile


@dataclass
class Contents:
    context: dict[str, object]
    parts: list[Part] = field(default_factory=list)


def display(value: object) -> str:
    """A field's value as the summary prints it (dates in French, Paris time)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "d/m/Y H:i")
    if isinstance(value, date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def _rows(req: DerogationRequest, names: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = []
    for name in names:
        model_field = DerogationRequest._meta.get_field(name)
        if not isinstance(model_field, Field):
            raise TypeError(name)
        value = getattr(req, name)
        if getattr(model_field, "choices", None) and value:
            value = getattr(req, f"get_{name}_display")()
        rows.append((str(model_field.verbose_name).capitalize(), display(value)))
    return rows


def _sections(req: DerogationRequest, staff: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    status = req.get_status_display() if staff else req.get_operator_status_display()
    follow = [(_("Statut"), status), *_rows(req, FOLLOW_FIELDS)]
    if staff:
        follow += _rows(req, STAFF_FOLLOW_FIELDS)
    scope = (
        (_("Patient et prescription"), INDIVIDUAL_FIELDS)
        if req.is_individual
        else (_("Population et établissements"), GLOBAL_FIELDS)
    )
    sections = [(_("Suivi du dossier"), follow)]
    sections += [(str(title), _rows(req, names)) for title, names in (*SECTIONS, scope)]
    sections.append((_("Établissement de santé"), _rows(req, FACILITY_FIELDS)))
    return sections


class _Names:
    """Numbered, safe names in the ZIP: two documents never share one."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, folder: str, name: str) -> str:
        self.count += 1
        return f"{folder}/{self.count:03d}-{uploads.safe_file_name(name)}"


def gather(req: DerogationRequest, user: User, audience: str) -> Contents:
    staff = audience == Audience.STAFF
    name = _Names()
    contents = Contents(context={})
    documents: list[dict[str, object]] = []

    def add(folder: str, original: str, file: FieldFile, sha256: str, size: int, **info: object):  # type: ignore[no-untyped-def]
        path = name(folder, original)
        contents.parts.append(Part(path, file))
        documents.append({"path": path, "name": original, "sha256": sha256, "size": size, **info})

    def add_document(folder: str, document: Attachment | StoredDocument, kind: str) -> None:
        add(
            folder,
            document.original_name,
            document.file,
            document.sha256,
            document.size,
            kind=kind,
            date=display(document.uploaded_at),
        )

    attachments = (
        access.visible_attachments(user)
        .filter(request=req)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
    for attachment in attachments:
        folder = COMPLEMENTS_FOLDER if attachment.complement_answer_id else ATTACHMENTS_FOLDER
        add_document(folder, attachment, attachment.get_category_display())

    thread = list(
        Message.objects.filter(request=req)
        .select_related("author")
        .prefetch_related("documents")
        .order_by("created_at", "pk")
    )
    for message in thread:
        for message_document in message.documents.all():
            add_document(MESSAGES_FOLDER, message_document, _("Pièce jointe d'un message"))

    deliveries = Delivery.objects.order_by("created_at", "pk")
    if not staff:
        # The operator's own copies: the letters already name every other addressee, and
        # how each copy fared (bounces, new sends) is the agency's follow-up.
        deliveries = deliveries.filter(recipient_role=RecipientRole.OPERATOR)
    scope = req.decisions.all() if staff else access.visible_letters(user).filter(request=req)
    acts = list(
        scope.select_related("proposed_by", "reviewed_by")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries, to_attr="copies"))
        .order_by("proposed_at", "pk")
    )
    for act in acts:
        if act.state == DecisionState.ISSUED and act.letter_sha256:
            add(
                DECISIONS_FOLDER,
                f"{act.issued_at:%Y-%m-%d}-{act.kind}-{req.reference}.pdf",
                act.letter,
                act.letter_sha256,
                act.letter.size,
                kind=act.get_kind_display(),
                date=display(act.issued_at),
            )
    if staff:  # the Art. 54(2) sheets sent to the Commission: on the staff's page only
        sheets = UnionNotification.objects.filter(grant__request=req).exclude(sheet_sha256="")
        for sheet in sheets.select_related("grant").order_by("pk"):
            add(
                DECISIONS_FOLDER,
                f"{sheet.grant.issued_at:%Y-%m-%d}-notification-art-54-2-{req.reference}.pdf",
                sheet.sheet,
                sheet.sheet_sha256,
                sheet.sheet.size,
                kind=_("Notification à la Commission et aux États membres (art. 54(2))"),
                date=display(sheet.grant.issued_at),
            )

    timeline = req.audit_entries.select_related("actor").order_by("created_at", "pk")
    if not staff:
        timeline = timeline.exclude(action__in=STAFF_ONLY_ACTIONS)

    opinions: list[ExpertOpinion] = []
    notes: list[PrivateNote] = []
    if staff:
        opinions = list(
            visible_opinions(user)
            .filter(request=req)
            .select_related("requested_by")
            .prefetch_related("documents")
            .order_by("requested_at", "pk")
        )
        for opinion in opinions:
            for opinion_document in opinion.documents.all():
                add_document(OPINIONS_FOLDER, opinion_document, _("Avis d'expert"))
        notes = list(
            PrivateNote.objects.filter(request=req).select_related("author").order_by("created_at")
        )

    contents.context = {
        "req": req,
        "staff": staff,
        "requested_by": user,
        "sections": _sections(req, staff),
        "documents": documents,
        "complements": list(req.complement_requests.order_by("requested_at", "pk")),
        "timeline": list(timeline),
        "acts": acts,
        "thread": thread,
        "opinions": opinions,
        "notes": notes,
    }
    return contents
