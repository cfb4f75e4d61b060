from django.urls import path

from . import day_views, team_views, views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("tableau-de-bord/", views.team_dashboard, name="team_dashboard"),
    path("dossiers/<int:pk>/", views.file, name="file"),
    path("dossiers/<int:pk>/recevable/", views.admissible, name="admissible"),
    path("dossiers/<int:pk>/irrecevable/", views.inadmissible, name="inadmissible"),
    path("dossiers/<int:pk>/complements/", views.complements, name="complements"),
    path("dossiers/<int:pk>/proposer/", views.propose, name="propose"),
    path("dossiers/<int:pk>/grille/", views.grid, name="grid"),
    path("dossiers/<int:pk>/notes/", views.note, name="note"),
    path("dossiers/<int:pk>/renvoyer/", views.send_back, name="send_back"),
    path("dossiers/<int:pk>/valider/", views.validate, name="validate"),
    path("dossiers/<int:pk>/modifier-proposition/", views.amend_proposal, name="amend_proposal"),
    path("dossiers/<int:pk>/prendre/", views.take, name="take"),
    path("dossiers/<int:pk>/attribuer/", views.assign, name="assign"),
    path("dossiers/<int:pk>/rendre/", views.unassign, name="unassign"),
    path("suivi/", views.followup_list, name="followup"),
    path("dossiers/<int:pk>/suspendre/", views.suspend, name="suspend"),
    path("dossiers/<int:pk>/reprendre/", views.resume, name="resume"),
    path("dossiers/<int:pk>/conditions/", views.change_conditions, name="change_conditions"),
    path("dossiers/<int:pk>/lever/", views.lift, name="lift"),
    path(
        "dossiers/<int:pk>/notification-ue/",
        views.union_notification,
        name="union_notification",
    ),
    path("a-signer/", day_views.to_sign, name="to_sign"),
    path("equipes/", team_views.team_list, name="teams"),
    path("dossiers/<int:pk>/equipe/", team_views.move_team, name="move_team"),
    path(
        "dossiers/<int:pk>/incidents/<int:incident_pk>/suivi/",
        views.incident_follow_up,
        name="incident_follow_up",
    ),
]
