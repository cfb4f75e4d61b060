from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("demo/courriels/", views.demo_mailbox, name="demo_mailbox"),
    path(
        "professionnels/decisions/<int:decision_pk>/fiche-patient.pdf",
        views.patient_sheet,
        name="patient_sheet",
    ),
    path(
        "instruction/dossiers/<int:pk>/envois/<int:delivery_pk>/renvoyer/",
        views.resend,
        name="resend",
    ),
    path(
        "instruction/dossiers/<int:pk>/proposition/courrier.pdf",
        views.proposal_letter,
        name="proposal_letter",
    ),
]
