from django.contrib import admin

from .models import MotivationTemplate


@admin.register(MotivationTemplate)
class MotivationTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "body"]
