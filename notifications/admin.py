from django.contrib import admin

from .models import Delivery


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

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
