"""Agency systems' endpoints (ANSM staff tokens): the queue, issued decisions, follow-up
counts. Read only: the agency's writes stay on its screens (second signature, letters)."""

from typing import Any

from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from derogations import access
from derogations.enums import DecisionState, Kind, Urgency
from derogations.models import OPEN_STATUSES, Consent, Decision, Incident, IncidentSeverity, Supply
from derogations.union_sheet_data import sheet_data, visible_notification
from notifications.models import Delivery

from . import serializers as s
from .auth import IsAgencyStaff
from .base import ApiView, choice_param
from .views_operator import PROBLEM, _list, _visible


class AgencyView(ApiView):
    permission_classes = [*ApiView.permission_classes, IsAgencyStaff]


class QueueView(AgencyView):
    @extend_schema(
        operation_id="agency_queue",
        summary="Files being worked on, by target date",
        parameters=[
            OpenApiParameter("status", str, enum=sorted(OPEN_STATUSES)),
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("urgency", str, enum=Urgency.values),
        ],
        responses={200: s.page_of(s.AgencyRequestSerializer), **PROBLEM},
    )
    def get(self, request: Request) -> Response:
        rows = access.visible_requests(request.user).filter(status__in=OPEN_STATUSES)
        for name, allowed in (
            ("status", OPEN_STATUSES), ("kind", Kind.values), ("urgency", Urgency.values),
        ):  # fmt: skip
            value = choice_param(request, name, allowed)
            if value:
                rows = rows.filter(**{name: value})
        rows = rows.select_related("organisation", "assignee").order_by(
            "target_date", "submitted_at", "pk"
        )
        return _list(request, self, rows, s.AgencyRequestSerializer)


class DecisionsView(AgencyView):
    @extend_schema(
        operation_id="agency_decisions",
        summary="Issued acts, newest first",
        responses={200: s.page_of(s.AgencyActSerializer), **PROBLEM},
    )
    def get(self, request: Request) -> Response:
        rows = (
            Decision.objects.filter(
                state=DecisionState.ISSUED, request__in=access.visible_requests(request.user)
            )
            .select_related("request")
            .order_by("-issued_at", "-pk")
        )
        return _list(request, self, rows, s.AgencyActSerializer)


class FollowUpView(AgencyView):
    @extend_schema(
        operation_id="agency_follow_up",
        summary="A file's follow-up: incidents, consents, supplies, deliveries of its acts",
        responses={200: s.FollowUpSerializer, **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        file = _visible(request, pk)
        incidents = Incident.objects.filter(request=file).aggregate(
            total=Count("pk"), serious=Count("pk", filter=~Q(severity=IncidentSeverity.NOT_SERIOUS))
        )
        deliveries = (
            Delivery.objects.filter(decision__request=file)
            .values("status")
            .annotate(count=Count("pk"))
            .order_by("status")
        )
        derogation = getattr(file, "derogation", None)
        body: dict[str, Any] = {
            "request": file.pk,
            "reference": file.reference,
            "derogation_status": derogation.effective_status() if derogation else None,
            "incidents": incidents["total"],
            "serious_incidents": incidents["serious"],
            "consents": Consent.objects.filter(request=file).count(),
            "supplies": Supply.objects.filter(derogation__request=file).count(),
            "deliveries": list(deliveries),
        }
        return Response(body)


class UnionNotificationView(AgencyView):
    @extend_schema(
        operation_id="union_notification",
        summary="The Art. 54(2) notification sheet of a grant, as structured data",
        responses={200: s.UnionNotificationSheetSerializer, **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(sheet_data(visible_notification(request.user, pk)))
