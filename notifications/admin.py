from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import Delivery, Reminder


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "decision",
        "recipient_email",
        "recipient_role",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "recipient_role"]
    list_select_related = ["decision__request"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["kind", "derogation", "day", "recipient_email", "status", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["derogation__request"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
