"""The Django admin's changelist of the requests, searching the columns the queue searches:
the reference the list targets are compared with (bench/targets/pages.py). Served only
with bench.settings, at /bench/admin/, to a superuser the bench creates."""

from django.contrib import admin

from derogations.models import DerogationRequest

site = admin.AdminSite(name="bench_admin")


@admin.register(DerogationRequest, site=site)
class RequestAdmin(admin.ModelAdmin):
    # What the queue shows and searches (reviews/queue.py: reference, device, justification,
    # operator's name), filtered by status and type, in the queue's default order.
    list_display = ["reference", "kind", "status", "urgency", "organisation", "device_name",
                    "target_date", "assignee"]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["reference", "device_name", "justification", "organisation__name"]
    list_select_related = ["organisation", "assignee"]
    ordering = ["target_date", "submitted_at", "pk"]

    def lookup_allowed(self, lookup: str, value: str, request=None) -> bool:  # type: ignore[no-untyped-def]
        # The operator dashboard's counterpart: one organisation's files, without the
        # 500 organisations in the sidebar.
        return lookup == "organisation__id__exact" or super().lookup_allowed(lookup, value, request)
