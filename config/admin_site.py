"""The Django admin site of the portal: a signed-in account without admin rights gets a
French 403 page instead of Django's redirect to the login page (which, for a signed-in
person, led back to the admin: a redirect loop). Anonymous visitors still go to the sign-in
page: the admin has no login form of its own, its login sends to the portal's."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from config import errors


class PortalAdminSite(admin.AdminSite):
    def admin_view[V: Callable[..., HttpResponseBase]](self, view: V, cacheable: bool = False) -> V:
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def inner(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                return errors.admin_forbidden(request)
            return protected(request, *args, **kwargs)

        return cast(V, inner)  # wraps() keeps the view's name and attributes

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin has no login form of its own: the portal's (lockout, second factor)."""
        # Imported here: this module is imported while the apps load, before auth's models.
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), login_url=reverse("accounts:login")
        )


class PortalAdminConfig(AdminConfig):
    default_site = "config.admin_site.PortalAdminSite"
