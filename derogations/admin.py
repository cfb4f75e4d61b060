from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import (
    Attachment,
    AuditEntry,
    ComplementRequest,
    Decision,
    Derogation,
    DerogationRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Statuses change only through the lifecycle: the admin shows, it does not edit."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(DerogationRequest)
class DerogationRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "status", "organisation", "device_name", "submitted_at"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "device_name"]
    list_select_related = ["organisation"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "state", "issued_at", "verification_code"]
    list_select_related = ["request"]


@admin.register(Derogation)
class DerogationAdmin(ReadOnlyAdmin):
    list_display = ["request", "status", "valid_until"]
    list_select_related = ["request"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["request", "action", "from_status", "to_status", "actor", "created_at"]
    list_select_related = ["request", "actor"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Metadata only: the files are downloaded through the portal's checked view."""

    list_display = ["request", "category", "original_name", "content_type", "size", "uploaded_at"]
    list_filter = ["category"]
    list_select_related = ["request"]
    exclude = ["file"]


@admin.register(ComplementRequest)
class ComplementRequestAdmin(ReadOnlyAdmin):
    list_display = ["request", "due_date", "requested_by", "answered_at", "reminded_at"]
    list_select_related = ["request", "requested_by"]
