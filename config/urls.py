from django.contrib import admin
from django.urls import include, path

from config import pages
from derogations import views as derogation_views

urlpatterns = [
    path("", derogation_views.home, name="home"),
    path("", include("derogations.urls")),
    path("compte/", include("accounts.urls")),
    path("instruction/", include("reviews.urls")),
    path("", include((pages.urlpatterns, pages.app_name))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
]

# A database outage noticed by a middleware (before any view): the French 503 page.
handler500 = "config.errors.server_error"
