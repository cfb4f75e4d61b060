from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("demo/courriels/", views.demo_mailbox, name="demo_mailbox"),
    path(
        "instruction/dossiers/<int:pk>/envois/<int:delivery_pk>/renvoyer/",
        views.resend,
        name="resend",
    ),
]
