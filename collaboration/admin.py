"""The collaboration in the Django admin (issue 19): read-only. Messages and expert
opinions change only through collaboration.services (an audit entry each), so the admin
shows them and never edits them; their documents are downloaded from the file's pages."""

from django.contrib import admin

from derogations.admin import ReadOnlyAdmin

from .models import ExpertOpinion, Message, ThreadRead


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["request", "author", "from_agency", "created_at", "answer_due", "answered_at"]
    list_filter = ["from_agency"]
    list_select_related = ["request", "author"]
    search_fields = ["request__reference"]
    date_hierarchy = "created_at"


@admin.register(ExpertOpinion)
class ExpertOpinionAdmin(ReadOnlyAdmin):
    list_display = ["request", "expert_name", "speciality", "status", "due_date", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["request"]
    search_fields = ["request__reference", "expert_name", "expert_email", "speciality"]
    exclude = ["shared_attachments"]


@admin.register(ThreadRead)
class ThreadReadAdmin(ReadOnlyAdmin):
    list_display = ["request", "user", "last_read", "read_at"]
    list_select_related = ["request", "user"]
