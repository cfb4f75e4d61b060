from django.urls import path

from . import views

app_name = "derogations"

urlpatterns = [
    path("demandes/", views.dashboard, name="dashboard"),
    path("demandes/nouvelle/<str:kind>/", views.create, name="create"),
    path("demandes/<int:pk>/", views.detail, name="detail"),
    path("demandes/<int:pk>/modifier/", views.edit, name="edit"),
    path("demandes/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("demandes/<int:pk>/complements/", views.answer_complements, name="answer_complements"),
    path("demandes/<int:pk>/decisions/<int:decision_pk>/courrier.pdf", views.letter, name="letter"),
    path("demandes/<int:pk>/notification-art54-2.pdf", views.union_sheet, name="union_sheet"),
    path("verifier/", views.verify, name="verify"),
]
