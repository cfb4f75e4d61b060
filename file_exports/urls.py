from django.urls import path

from . import views

app_name = "file_exports"

urlpatterns = [
    # The whole file as one download (issue 19): the operator's members and ANSM staff.
    path("dossiers/<int:pk>/dossier-complet/", views.export_page, name="page"),
    path("dossiers/<int:pk>/dossier-complet/etat/", views.export_status, name="status"),
    path("dossiers/<int:pk>/dossier-complet/telecharger/", views.download, name="download"),
]
