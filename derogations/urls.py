from django.urls import path

from . import views

app_name = "derogations"

urlpatterns = [
    path("demandes/", views.dashboard, name="dashboard"),
    path("demandes/nouvelle/<str:kind>/", views.create, name="create"),
    path("demandes/<int:pk>/", views.detail, name="detail"),
    path("demandes/<int:pk>/modifier/", views.edit, name="edit"),
    path("demandes/<int:pk>/etapes/<slug:step>/", views.edit, name="step"),
    path(
        "demandes/<int:pk>/pieces/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "demandes/<int:pk>/pieces/<int:attachment_pk>/supprimer/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("demandes/<int:pk>/accuse-de-reception/", views.acknowledgment, name="acknowledgment"),
    path("demandes/<int:pk>/renouveler/", views.renew, name="renew"),
    path("demandes/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("demandes/<int:pk>/complements/", views.answer_complements, name="answer_complements"),
    path("demandes/<int:pk>/decisions/<int:decision_pk>/courrier.pdf", views.letter, name="letter"),
    path("verifier/", views.verify, name="verify"),
]
