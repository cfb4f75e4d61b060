"""An organisation's webhook through the API (its admins, with a write token to change
it): the same functions as the screen (notifications.webhooks)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from accounts.models import Organisation
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint

from . import serializers as s
from .auth import IsOperator
from .base import ApiView

PROBLEM = {code: s.ProblemSerializer for code in (400, 401, 403, 404, 429)}


class WebhookSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint
        fields = ["url", "is_active", "created_at", "secret_rotated_at"]


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="Shown once: at creation and at each rotation.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookPutSerializer(serializers.Serializer[Any]):
    url = serializers.CharField(max_length=500)


class WebhookPatchSerializer(serializers.Serializer[Any]):
    is_active = serializers.BooleanField(required=False)
    rotate_secret = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    act = serializers.IntegerField(source="decision_id")
    act_kind = serializers.CharField(source="decision.kind")
    request_reference = serializers.CharField(source="decision.request.reference")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "act", "act_kind", "request_reference", "status", "http_status", "attempts",
            "next_retry_at", "duration_ms", "sent_at", "last_error",
        ]  # fmt: skip


def _organisation(request: Request, pk: int) -> Organisation:
    return get_object_or_404(access.administered_organisations(request.user), pk=pk)


def _data(request: Request, serializer_class: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class WebhookView(ApiView):
    permission_classes = [*ApiView.permission_classes, IsOperator]

    @extend_schema(
        operation_id="webhook_read",
        summary="The organisation's webhook (its admins)",
        responses={200: WebhookSerializer, **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, organisation=_organisation(request, pk))
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_register",
        summary="Register the webhook's URL, or change it (the secret is returned once)",
        request=WebhookPutSerializer,
        responses={200: WebhookSerializer, 201: WebhookWithSecretSerializer, **PROBLEM},
    )
    def put(self, request: Request, pk: int) -> Response:
        organisation = _organisation(request, pk)
        url = _data(request, WebhookPutSerializer)["url"]
        try:
            endpoint, secret = webhooks.register(organisation, request.user, url)
        except webhooks.WebhookRefused as refused:
            raise exceptions.ValidationError({"url": [refused.message]}) from refused
        if secret:
            data = {**WebhookSerializer(endpoint).data, "secret": secret}
            return Response(data, status=status.HTTP_201_CREATED)
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_update",
        summary="Enable or disable the webhook, or rotate its secret (returned once)",
        request=WebhookPatchSerializer,
        responses={200: WebhookWithSecretSerializer, **PROBLEM},
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, organisation=_organisation(request, pk))
        data = _data(request, WebhookPatchSerializer)
        if "is_active" in data:
            webhooks.set_active(endpoint, request.user, data["is_active"])
        secret = webhooks.rotate(endpoint, request.user) if data.get("rotate_secret") else ""
        endpoint.refresh_from_db()
        return Response({**WebhookSerializer(endpoint).data, "secret": secret})


class WebhookDeliveriesView(ApiView):
    permission_classes = [*ApiView.permission_classes, IsOperator]

    @extend_schema(
        operation_id="webhook_deliveries",
        summary="The webhook's last 100 deliveries, newest first",
        responses={200: WebhookDeliverySerializer(many=True), **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, organisation=_organisation(request, pk))
        rows = webhooks.delivery_log(endpoint)
        return Response(WebhookDeliverySerializer(rows, many=True).data)
