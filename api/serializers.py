"""What the API shows and accepts. Input is validated by the screens' own forms
(derogations.www.operators.forms, .supply_forms): these classes describe it in the OpenAPI
description and shape the answers."""

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from derogations import filing
from derogations.enums import AttachmentCategory, Kind
from derogations.models import Attachment, ComplementRequest, Decision, DerogationRequest, Supply

# Every field an operator fills in, whatever the kind (each kind uses its steps' fields).
FILING_FIELDS = sorted(
    {name for steps in filing.STEPS.values() for step in steps for name in step.fields}
)


class RequestFieldsSerializer(serializers.ModelSerializer[DerogationRequest]):
    """The fields of a draft (PATCH: any subset). Those of the other kind of request
    (population fields on an individual draft, patient fields on a global one) are
    ignored; unknown names are refused."""

    class Meta:
        model = DerogationRequest
        fields = FILING_FIELDS
        extra_kwargs = {name: {"required": False} for name in FILING_FIELDS}


class RequestCreateSerializer(RequestFieldsSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)

    class Meta(RequestFieldsSerializer.Meta):
        fields = ["kind", *FILING_FIELDS]


class MissingItemSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="A field name, or attachment:<category>.")
    message = serializers.CharField()


# The answers' model serializers declare no read_only_fields: DRF drops allow_blank from
# read-only fields, and the description would then refuse the "" of an empty choice.
class CallerStatusSerializer(serializers.Serializer[Any]):
    status = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    def get_status(self, obj: DerogationRequest) -> str:
        """An operator never sees "decision_proposed" (internal to the agency)."""
        user = self.context["request"].user
        return obj.status if user.is_ansm_staff else obj.operator_status


class RequestSerializer(CallerStatusSerializer, serializers.ModelSerializer[DerogationRequest]):
    missing = serializers.SerializerMethodField()

    class Meta:
        model = DerogationRequest
        fields = [
            "id", "reference", "kind", "status", "organisation", "created_at", "updated_at",
            "submitted_at", "decided_at", "target_date", "draft_version", "missing",
            *FILING_FIELDS,
        ]  # fmt: skip

    @extend_schema_field(MissingItemSerializer(many=True))
    def get_missing(self, obj: DerogationRequest) -> list[dict[str, str]]:
        """What a draft still lacks before it can be submitted (empty otherwise)."""
        if not obj.is_draft:
            return []
        return [
            {"key": key, "message": str(message)}
            for key, message in filing.requirements.missing_items(obj).items()
        ]


class RequestSummarySerializer(
    CallerStatusSerializer, serializers.ModelSerializer[DerogationRequest]
):
    class Meta:
        model = DerogationRequest
        fields = [
            "id", "reference", "kind", "status", "organisation", "device_name",
            "device_udi_di", "urgency", "created_at", "submitted_at", "target_date",
        ]  # fmt: skip


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "category",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=AttachmentCategory.choices)
    file = serializers.ListField(child=serializers.FileField(), min_length=1)


class ComplementAnswerSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField(max_length=20000)
    category = serializers.ChoiceField(choices=AttachmentCategory.choices, required=False)
    file = serializers.ListField(child=serializers.FileField(), required=False)


class ComplementRequestSerializer(serializers.ModelSerializer[ComplementRequest]):
    class Meta:
        model = ComplementRequest
        fields = ["id", "questions", "due_date", "requested_at", "answer", "answered_at"]
        read_only_fields = fields


class ActSerializer(serializers.ModelSerializer[Decision]):
    letter_available = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id", "kind", "issued_at", "valid_until", "conditions", "motivation",
            "verification_code", "letter_sha256", "letter_available",
        ]  # fmt: skip
        read_only_fields = fields

    def get_letter_available(self, obj: Decision) -> bool:
        return bool(obj.letter_sha256)


class AgencyActSerializer(ActSerializer):
    request = serializers.IntegerField(source="request_id", read_only=True)
    reference = serializers.CharField(source="request.reference", read_only=True)

    class Meta(ActSerializer.Meta):
        fields = ["request", "reference", *ActSerializer.Meta.fields]
        read_only_fields = fields


class SupplyRowSerializer(serializers.ModelSerializer[Supply]):
    class Meta:
        model = Supply
        fields = [
            "facility_name", "facility_finess", "facility_address", "vigilance_name",
            "vigilance_email", "director_name", "director_email", "quantity", "supplied_on",
            "lot_numbers",
        ]  # fmt: skip


class SupplySerializer(SupplyRowSerializer):
    class Meta(SupplyRowSerializer.Meta):
        fields = ["id", *SupplyRowSerializer.Meta.fields, "created_at"]
        read_only_fields = fields


class SuppliesDeclarationSerializer(serializers.Serializer[Any]):
    supplies = SupplyRowSerializer(many=True)


class TransitionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000, required=False)


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details (application/problem+json)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.JSONField(required=False, help_text="Field name: messages.")
    missing = MissingItemSerializer(many=True, required=False)


class AgencyRequestSerializer(RequestSummarySerializer):
    assignee = serializers.EmailField(source="assignee.email", read_only=True, allow_null=True)

    class Meta(RequestSummarySerializer.Meta):
        fields = [*RequestSummarySerializer.Meta.fields, "assignee", "ivd_class"]


class DeliveryCountSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    count = serializers.IntegerField()


class FollowUpSerializer(serializers.Serializer[Any]):
    request = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    derogation_status = serializers.CharField(allow_null=True)
    incidents = serializers.IntegerField()
    serious_incidents = serializers.IntegerField()
    consents = serializers.IntegerField()
    supplies = serializers.IntegerField()
    deliveries = DeliveryCountSerializer(many=True)


class RegistryEntrySerializer(serializers.Serializer[Any]):
    """One public derogation: the fields of the open-data export (registry-entry.schema.json)."""

    reference = serializers.CharField()
    device_name = serializers.CharField()
    device_model = serializers.CharField()
    manufacturer = serializers.CharField()
    operator = serializers.CharField()
    ivd_class = serializers.CharField()
    indication = serializers.CharField()
    population = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    status_date = serializers.DateField(allow_null=True)
    conditions = serializers.CharField()
    url = serializers.URLField()


class UnionNotificationSheetSerializer(serializers.Serializer[Any]):
    """The fields of the Art. 54(2) notification sheet (derogations.union_sheet_data)."""

    member_state = serializers.CharField()
    competent_authority = serializers.CharField()
    legal_basis = serializers.CharField()
    national_reference = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    device = serializers.DictField(child=serializers.CharField(allow_blank=True))
    manufacturer = serializers.CharField(allow_blank=True)
    economic_operator = serializers.DictField(child=serializers.CharField(allow_blank=True))
    intended_purpose = serializers.CharField(allow_blank=True)
    patient_population = serializers.CharField(allow_blank=True)
    expected_patients = serializers.IntegerField(allow_null=True)
    conditions = serializers.CharField(allow_blank=True)
    justification = serializers.CharField(allow_blank=True)
    verification_code = serializers.CharField(allow_null=True)
    sent_on = serializers.DateField(allow_null=True)


def page_of(child: type[serializers.Serializer[Any]]) -> serializers.Serializer[Any]:
    """The OpenAPI shape of a page of ``child`` (api.base.NoCountPagination)."""
    name = child.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"{name}Page",
        fields={
            "page": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": child(many=True),
        },
    )
