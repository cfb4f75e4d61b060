from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Invitation, LoginThrottle, Membership, Organisation, User
from .plain_text import PlainTextForm, PlainTextModelForm


class UserChangeForm(PlainTextForm, auth_forms.UserChangeForm):
    pass


class UserCreationForm(PlainTextForm, auth_forms.AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "email_verified_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "role", "rpps", "preferred_language"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "role", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["name", "siret", "operator_role"]
    search_fields = ["name", "siret"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations change state only through the organisation page."""

    list_display = ["email", "organisation", "state", "as_admin", "created_at", "expires_at"]
    list_filter = ["state"]
    search_fields = ["email", "organisation__name"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Counters of failed sign-ins: deleting a row lifts its lockout."""

    list_display = ["scope", "key", "failures", "last_failure_at"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "failures", "last_failure_at"]
