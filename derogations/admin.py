from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextModelForm

from .enums import IvdClass
from .models import (
    Attachment,
    AuditEntry,
    ComplementRequest,
    Decision,
    Derogation,
    DerogationRequest,
    RoutingRule,
    Team,
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


# --- Evaluation teams and routing rules (issue 19): set by the administrator -------------


class RoutingRuleForm(PlainTextModelForm):
    ivd_classes = forms.MultipleChoiceField(
        label=_("Classes IVDR"),
        choices=IvdClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune classe cochée : toutes les classes."),
    )

    class Meta:
        model = RoutingRule
        fields = ["team", "priority", "ivd_classes", "kind", "urgency", "device_keyword", "active"]


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    form = RoutingRuleForm
    extra = 0
    ordering = ["priority", "pk"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    filter_horizontal = ["members"]
    inlines = [RoutingRuleInline]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a team that handled files stays: deactivate it instead


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["priority", "team", "kind", "urgency", "device_keyword", "active"]
    list_display_links = ["team"]
    list_editable = ["priority", "active"]
    list_filter = ["team", "active"]
    list_select_related = ["team"]
    ordering = ["priority", "pk"]
    # templates/admin/derogations/routingrule/change_list.html explains the order.
