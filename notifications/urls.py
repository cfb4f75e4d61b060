from django.urls import path

from . import inbox_views, views, webhook_views

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
    path("instruction/boite-de-reception/", inbox_views.inbox_list, name="inbox"),
    path("instruction/boite-de-reception/<int:pk>/lu/", inbox_views.inbox_read, name="inbox_read"),
    path(
        "instruction/boite-de-reception/tout-lu/",
        inbox_views.inbox_read_all,
        name="inbox_read_all",
    ),
    path(
        "compte/courriels-instruction/",
        inbox_views.email_preferences,
        name="email_preferences",
    ),
    path(
        "compte/organisations/<int:pk>/webhook/",
        webhook_views.webhook,
        name="webhook",
    ),
    path(
        "compte/organisations/<int:pk>/webhook/secret/",
        webhook_views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "compte/organisations/<int:pk>/webhook/activation/",
        webhook_views.webhook_active,
        name="webhook_active",
    ),
]
