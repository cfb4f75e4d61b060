"""The portal's URLs plus the reference pages the benchmarks compare with."""

from django.urls import include, path

from . import admin, views

urlpatterns = [
    path("bench/trivial/", views.trivial, name="bench_trivial"),
    path("bench/hello/", views.hello, name="bench_hello"),
    path("bench/admin/", admin.site.urls),
    path("", include("config.urls")),
]
