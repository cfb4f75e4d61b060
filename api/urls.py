"""/api/v1/: token-authenticated JSON (docs/api.md). Names are in the "api" namespace,
checked by tests/api/test_api_matrix.py rather than the screens' permission matrix."""

from django.urls import path, re_path

from . import views_agency, views_operator, views_public, views_reference, views_webhooks

app_name = "api"

urlpatterns = [
    path("openapi.json", views_reference.OpenApiView.as_view(), name="openapi"),
    path("reference/", views_reference.reference, name="reference"),
    path("requests/", views_operator.RequestListView.as_view(), name="requests"),
    path("requests/<int:pk>/", views_operator.RequestDetailView.as_view(), name="request"),
    path(
        "requests/<int:pk>/attachments/",
        views_operator.AttachmentsView.as_view(),
        name="attachments",
    ),
    path("requests/<int:pk>/submit/", views_operator.SubmitView.as_view(), name="submit"),
    path("requests/<int:pk>/withdraw/", views_operator.WithdrawView.as_view(), name="withdraw"),
    path(
        "requests/<int:pk>/complements/",
        views_operator.ComplementsView.as_view(),
        name="complements",
    ),
    path("requests/<int:pk>/acts/", views_operator.ActsView.as_view(), name="acts"),
    path(
        "requests/<int:pk>/acts/<int:act_pk>/letter/",
        views_operator.ActLetterView.as_view(),
        name="act_letter",
    ),
    path("requests/<int:pk>/supplies/", views_operator.SuppliesView.as_view(), name="supplies"),
    path("agency/queue/", views_agency.QueueView.as_view(), name="agency_queue"),
    path("agency/decisions/", views_agency.DecisionsView.as_view(), name="agency_decisions"),
    path(
        "agency/requests/<int:pk>/follow-up/",
        views_agency.FollowUpView.as_view(),
        name="agency_follow_up",
    ),
    path(
        "agency/requests/<int:pk>/union-notification/",
        views_agency.UnionNotificationView.as_view(),
        name="agency_union_notification",
    ),
    path(
        "organisations/<int:pk>/webhook/",
        views_webhooks.WebhookView.as_view(),
        name="webhook",
    ),
    path(
        "organisations/<int:pk>/webhook/deliveries/",
        views_webhooks.WebhookDeliveriesView.as_view(),
        name="webhook_deliveries",
    ),
    path("registry/", views_public.RegistryView.as_view(), name="registry"),
    path("registry/schema.json", views_public.RegistrySchemaView.as_view(), name="registry_schema"),
    # Last: anything else under /api/v1/ answers a problem details 404.
    re_path(r"^(?P<rest>[\s\S]*)$", views_public.NotFoundView.as_view(), name="not_found"),
]
