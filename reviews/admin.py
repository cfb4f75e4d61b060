from django.contrib import admin

from accounts.plain_text import PlainTextModelForm

from .models import MotivationTemplate


@admin.register(MotivationTemplate)
class MotivationTemplateAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["title", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "body"]
