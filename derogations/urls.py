from django.urls import path

from . import union_sheet_views
from .www.operators import report_views, supply_views, views
from .www.professionals import join_views
from .www.professionals import views as professional_views
from .www.public import registry_views
from .www.public import views as public_views

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
    path("demandes/<int:pk>/notification-art54-2.pdf", views.union_sheet, name="union_sheet"),
    path(
        "demandes/<int:pk>/decisions/<int:decision_pk>/notification-art54-2.pdf",
        views.union_act_sheet,
        name="union_act_sheet",
    ),
    path(
        "demandes/<int:pk>/notification-art54-2.json",
        union_sheet_views.union_sheet_json,
        name="union_sheet_json",
    ),
    path("verifier/", public_views.verify, name="verify"),
    # Supplies of a granted derogation, declared by the operator (issue 16).
    path("demandes/<int:pk>/fournitures/", supply_views.supply_list, name="supplies"),
    path("demandes/<int:pk>/fournitures/import/", supply_views.supply_import, name="supply_import"),
    path("fournitures/modele.csv", supply_views.supply_template, name="supply_template"),
    # The operator's periodic reports on a derogation in force (issue 16).
    path("demandes/<int:pk>/rapports/", report_views.report_list, name="reports"),
]

# Public registry of global derogations, and the professionals' space (issue 6).
urlpatterns += [
    path("registre/", registry_views.registry_list, name="registry"),
    path("registre/historique/", registry_views.registry_history, name="registry_history"),
    path("registre/export.json", registry_views.registry_json, name="registry_json"),
    path("registre/export.csv", registry_views.registry_csv, name="registry_csv"),
    path("registre/flux.atom", registry_views.registry_feed, name="registry_feed"),
    path("registre/<str:reference>/", registry_views.registry_detail, name="registry_detail"),
    path("professionnels/", professional_views.dashboard, name="pro_dashboard"),
    path("professionnels/lien/<str:token>/", professional_views.link, name="pro_link"),
    path(
        "professionnels/decisions/<int:decision_pk>/",
        professional_views.decision,
        name="pro_decision",
    ),
    path(
        "professionnels/decisions/<int:decision_pk>/courrier.pdf",
        professional_views.letter,
        name="pro_letter",
    ),
    path(
        "professionnels/decisions/<int:decision_pk>/incident/",
        professional_views.declare_incident,
        name="pro_incident",
    ),
    path(
        "professionnels/decisions/<int:decision_pk>/incident/<int:incident_pk>/",
        professional_views.incident_ack,
        name="pro_incident_ack",
    ),
]

# Professionals join a derogation from the registry; their facility's consents (issue 16).
urlpatterns += [
    path("registre/<str:reference>/rejoindre/", join_views.join, name="join"),
    path("professionnels/inscription/<str:token>/", join_views.join_link, name="join_link"),
    path(
        "professionnels/decisions/<int:decision_pk>/consentements.csv",
        professional_views.consents_csv,
        name="pro_consents_csv",
    ),
]
