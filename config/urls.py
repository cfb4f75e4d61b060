from django.contrib import admin
from django.urls import include, path

from config import errors, pages
from derogations.www.public import views as public_views

urlpatterns = [
    path("", public_views.home, name="home"),
    path("", include("derogations.urls")),
    path("compte/", include("accounts.urls")),
    path("instruction/", include("reviews.urls")),
    path("", include((pages.urlpatterns, pages.app_name))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("collaboration.urls")),
    path("", include("file_exports.urls")),
    path("api/v1/", include("api.urls")),
    path("api/oauth/", include("api.urls_oauth")),
    path("compte/jetons-api/", include("api.urls_tokens")),
    path("instruction/conservation/", include("retention.urls")),
]

# French error pages on the portal's layout (500: self-contained, or the 503 page when the database is
# unavailable, even noticed by a middleware before any view: see config/errors.py).
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
