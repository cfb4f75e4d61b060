"""The Django admin site of the portal: a signed-in account without admin rights gets a
French 403 page instead of Django's redirect to the login page (which, for a signed-in
person, led back to the admin: a redirect loop). Anonymous visitors still go to the sign-in
page (accounts/admin.py sends the admin's login to the portal's)."""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from config import errors


class PortalAdminSite(admin.AdminSite):
    def admin_view(
        self, view: Callable[..., HttpResponse], cacheable: bool = False
    ) -> Callable[..., HttpResponse]:
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def inner(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                return errors.admin_forbidden(request)
            return protected(request, *args, **kwargs)

        return inner


class PortalAdminConfig(AdminConfig):
    default_site = "config.admin_site.PortalAdminSite"
