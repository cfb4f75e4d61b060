from django.urls import path

from . import expert_views, views

app_name = "collaboration"

urlpatterns = [
    # The thread of a file: the operator's members and ANSM staff (issue 19).
    path("dossiers/<int:pk>/messages/", views.thread, name="thread"),
    path("dossiers/<int:pk>/messages/envoyer/", views.post_message, name="post_message"),
    path("dossiers/<int:pk>/messages/lus/", views.mark_read, name="mark_read"),
    path(
        "dossiers/<int:pk>/messages/<int:message_pk>/reponse-attendue/",
        views.answer_due,
        name="answer_due",
    ),
    path(
        "dossiers/<int:pk>/messages/pieces/<int:attachment_pk>/",
        views.message_document,
        name="message_document",
    ),
    # Expert opinions: ANSM staff ask, the expert answers through a signed link.
    path("instruction/dossiers/<int:pk>/avis-experts/", views.opinions, name="opinions"),
    path(
        "instruction/dossiers/<int:pk>/avis-experts/demander/",
        views.ask_expert,
        name="ask_expert",
    ),
    path(
        "instruction/dossiers/<int:pk>/avis-experts/pieces/<int:attachment_pk>/",
        views.opinion_document,
        name="opinion_document",
    ),
    path("avis-expert/<str:token>/", expert_views.expert, name="expert"),
    path(
        "avis-expert/<str:token>/declaration/", expert_views.expert_declare, name="expert_declare"
    ),
    path("avis-expert/<str:token>/avis/", expert_views.expert_answer, name="expert_answer"),
    path(
        "avis-expert/<str:token>/pieces/<int:attachment_pk>/",
        expert_views.expert_document,
        name="expert_document",
    ),
]
