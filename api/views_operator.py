"""Operators' endpoints: drafts, documents, submission, states, acts and letters,
complements, supplies. Each write is one call to the function the screens use
(derogations.filing, uploads, lifecycle, supplies), with the same permissions and audit."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from derogations import access, filing, lifecycle, supplies, uploads
from derogations.enums import Kind, Status
from derogations.models import Derogation, DerogationRequest, DerogationRequestQuerySet
from derogations.www.operators.forms import RequestStepForm
from derogations.www.operators.supply_forms import SupplyForm

from . import serializers as s
from .auth import IsOperator
from .base import ApiView, NoCountPagination, choice_param
from .problems import problem

PROBLEM = {code: s.ProblemSerializer for code in (400, 401, 403, 404, 409, 422, 429)}


def _visible(request: Request, pk: int) -> DerogationRequest:
    return get_object_or_404(access.visible_requests(request.user), pk=pk)


def _operator_file(request: Request, pk: int) -> DerogationRequest:
    """A file of the caller's organisation (404 for anyone else, as on the screens)."""
    return get_object_or_404(access.own_list_requests(request.user).filter(pk=pk))


def validated_fields(kind: str, data: Any) -> dict[str, object]:
    """The posted fields, cleaned by the request form of the screens (same messages, same
    normal forms); every error at once as a 400 problem."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Un objet JSON est attendu.")]})
    allowed = {name for step in filing.steps_for(kind) for name in step.fields}
    # A field of the other kind is ignored (one description for both kinds, as the
    # screens keep a global field's value out of an individual draft); any other name
    # is refused.
    unknown = sorted(set(data) - set(s.FILING_FIELDS) - {"kind", "draft_version"})
    if unknown:
        raise exceptions.ValidationError({name: [_("Ce champ n'existe pas.")] for name in unknown})
    wrong = {name: [message] for name in data if (message := _json_type_error(name, data[name]))}
    if wrong:
        raise exceptions.ValidationError(wrong)
    # Every filing field sent is checked (the other kind's too), only this kind's are kept.
    names = tuple(name for name in data if name in s.FILING_FIELDS)
    form = RequestStepForm(
        data={name: ("" if data[name] is None else data[name]) for name in names},
        kind=kind,
        step=filing.Step("api", _("API"), names),  # type: ignore[arg-type]
    )
    if not form.is_valid():
        raise exceptions.ValidationError({k: list(v) for k, v in form.errors.items()})
    return {name: value for name, value in form.valid_values().items() if name in allowed}


def _json_type_error(name: str, value: object) -> str | None:
    """The JSON type a field takes (a form would turn 12 into "12"): booleans for
    booleans, integers for numbers, strings for the rest; null where a field may be
    empty. None when the value's type is right."""
    if name not in s.FILING_FIELDS:
        return None
    field = DerogationRequest._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(field, models.IntegerField):
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
    elif isinstance(field, models.DateField):
        ok = value is None or isinstance(value, str)
    else:
        ok = isinstance(value, str)
    return None if ok else _("Type de valeur incorrect pour ce champ.")


def _list(request: Request, view: ApiView, rows: QuerySet[Any], serializer: Any) -> Response:
    paginator = NoCountPagination()
    page = paginator.paginate_queryset(rows, request, view)
    return paginator.get_paginated_response(
        serializer(page, many=True, context={"request": request}).data
    )


class RequestListView(ApiView):
    def get_permissions(self) -> list[Any]:
        extra = [IsOperator()] if self.request.method == "POST" else []
        return [*super().get_permissions(), *extra]

    @extend_schema(
        operation_id="requests_list",
        summary="The caller's files (operator: its organisation's; agency: every submitted one)",
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("udi_di", str, description="Exact match, in normal form."),
        ],
        responses={200: s.page_of(s.RequestSummarySerializer), **PROBLEM},
    )
    def get(self, request: Request) -> Response:
        rows: DerogationRequestQuerySet = access.own_list_requests(request.user)
        for name, allowed in (("status", Status.values), ("kind", Kind.values)):
            value = choice_param(request, name, allowed)
            if value:
                rows = rows.filter(**{name: value})
        udi = request.query_params.get("udi_di")
        if udi:
            from derogations.identifiers import normalise_udi_di

            rows = rows.filter(device_udi_di=normalise_udi_di(udi))
        rows = rows.select_related("organisation").order_by("-created_at", "-pk")
        return _list(request, self, rows, s.RequestSummarySerializer)

    @extend_schema(
        operation_id="requests_create",
        summary="Create a draft",
        request=s.RequestCreateSerializer,
        responses={201: s.RequestSerializer, **PROBLEM},
    )
    def post(self, request: Request) -> Response:
        data = request.data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind not in Kind.values:
            raise exceptions.ValidationError(
                {"kind": [_("Choisissez « individual » ou « global ».")]}
            )
        membership = request.user.memberships.select_related("organisation").first()
        if membership is None:
            return problem(
                409, _("Rattachez d'abord votre compte à une organisation."), instance=request.path
            )
        values = validated_fields(kind, {k: v for k, v in data.items() if k != "kind"})
        draft = filing.new_draft(kind, membership.organisation, request.user, values)
        body = s.RequestSerializer(draft, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class RequestDetailView(ApiView):
    def get_permissions(self) -> list[Any]:
        extra = [IsOperator()] if self.request.method == "PATCH" else []
        return [*super().get_permissions(), *extra]

    @extend_schema(
        operation_id="requests_read",
        summary="A file: its fields, state, and what a draft still lacks",
        responses={200: s.RequestSerializer, **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            s.RequestSerializer(_visible(request, pk), context={"request": request}).data
        )

    @extend_schema(
        operation_id="requests_update",
        summary="Change fields of a draft (send draft_version to refuse a stale write)",
        request=s.RequestFieldsSerializer,
        responses={200: s.RequestSerializer, **PROBLEM},
    )
    def patch(self, request: Request, pk: int) -> Response:
        draft = _operator_file(request, pk)
        if not draft.is_draft:
            return problem(409, _("La demande est déposée : elle ne peut plus être modifiée."))
        values = validated_fields(draft.kind, request.data)
        version = request.data.get("draft_version") if isinstance(request.data, dict) else None
        if version is not None and not isinstance(version, int):
            raise exceptions.ValidationError(
                {"draft_version": [_("Un nombre entier est attendu.")]}
            )
        try:
            saved = filing.save_step(draft, values, version)
        except filing.DraftLocked:
            return problem(409, _("La demande est déposée : elle ne peut plus être modifiée."))
        except filing.DraftChanged as changed:
            return problem(
                409,
                _("Un collègue a modifié ce brouillon entre-temps : rien n'a été enregistré."),
                fields=changed.fields,
                draft_version=changed.current.draft_version,
            )
        return Response(s.RequestSerializer(saved, context={"request": request}).data)


class AttachmentsView(ApiView):
    parser_classes = [MultiPartParser]

    def get_permissions(self) -> list[Any]:
        extra = [IsOperator()] if self.request.method == "POST" else []
        return [*super().get_permissions(), *extra]

    @extend_schema(
        operation_id="attachments_list",
        responses={200: s.AttachmentSerializer(many=True), **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        rows = access.visible_attachments(request.user).filter(request_id=pk)
        if not rows.exists():
            _visible(request, pk)  # 404 when the file is not visible
        return Response(s.AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="attachments_upload",
        summary="Attach documents to a draft (checked like the screens' uploads)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer(many=True), **PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        draft = _operator_file(request, pk)
        form = s.AttachmentUploadSerializer(data=_multipart(request))
        form.is_valid(raise_exception=True)
        files = form.validated_data["file"]
        checked = _checked_files(files, uploads.stored_bytes(draft))
        try:
            stored = uploads.add_files_to_draft(
                draft, checked, form.validated_data["category"], request.user
            )
        except uploads.AttachmentRefused as refused:
            return problem(409, refused.message, instance=request.path)
        return Response(s.AttachmentSerializer(stored, many=True).data, status=201)


def _multipart(request: Request) -> dict[str, Any]:
    data = request.data
    if not hasattr(data, "getlist"):
        raise exceptions.UnsupportedMediaType(request.content_type)
    return {
        "category": data.get("category"),
        "answer": data.get("answer"),
        "file": [item for item in request.FILES.getlist("file")],
    }


def _checked_files(files: list[Any], stored_bytes: int | None) -> list[uploads.CheckedFile]:
    """The screens' checks (size, type by content, PDF content, antivirus), in French."""
    try:
        uploads.check_post_limits([item.size or 0 for item in files], stored_bytes)
        return [uploads.check_upload(item) for item in files]
    except DjangoValidationError as refused:
        raise exceptions.ValidationError({"file": refused.messages}) from refused


class SubmitView(ApiView):
    permission_classes = [*ApiView.permission_classes, IsOperator]

    @extend_schema(
        operation_id="requests_submit",
        summary="Submit a complete draft (422 lists what is missing)",
        request=None,
        responses={200: s.RequestSerializer, **PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        draft = _operator_file(request, pk)
        try:
            submitted = lifecycle.submit(draft, request.user)
        except lifecycle.IncompleteRequest as incomplete:
            return problem(
                422,
                incomplete.message,
                instance=request.path,
                missing=[{"key": k, "message": str(v)} for k, v in incomplete.missing.items()],
            )
        except lifecycle.TransitionError as refused:
            return problem(409, refused.message, instance=request.path)
        return Response(s.RequestSerializer(submitted, context={"request": request}).data)


class WithdrawView(ApiView):
    permission_classes = [*ApiView.permission_classes, IsOperator]

    @extend_schema(
        operation_id="requests_withdraw",
        request=s.TransitionSerializer,
        responses={200: s.RequestSerializer, **PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        file = _operator_file(request, pk)
        form = s.TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            withdrawn = lifecycle.withdraw(
                file, request.user, form.validated_data.get("reason", "")
            )
        except lifecycle.TransitionError as refused:
            return problem(409, refused.message, instance=request.path)
        return Response(s.RequestSerializer(withdrawn, context={"request": request}).data)


class ComplementsView(ApiView):
    parser_classes = [MultiPartParser, JSONParser]

    def get_permissions(self) -> list[Any]:
        extra = [IsOperator()] if self.request.method == "POST" else []
        return [*super().get_permissions(), *extra]

    @extend_schema(
        operation_id="complements_list",
        responses={200: s.ComplementRequestSerializer(many=True), **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        file = _visible(request, pk)
        return Response(
            s.ComplementRequestSerializer(file.complement_requests.all(), many=True).data
        )

    @extend_schema(
        operation_id="complements_answer",
        summary="Answer the open complement request, with documents if any",
        request={
            "multipart/form-data": s.ComplementAnswerSerializer,
            "application/json": s.ComplementAnswerSerializer,
        },
        responses={200: s.RequestSerializer, **PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        file = _operator_file(request, pk)
        raw = _multipart(request) if hasattr(request.data, "getlist") else request.data
        form = s.ComplementAnswerSerializer(data=raw)
        form.is_valid(raise_exception=True)
        files = form.validated_data.get("file") or []
        checked = _checked_files(files, None) if files else []
        category = form.validated_data.get("category") or "other"
        try:
            answered = uploads.answer_complements(
                file, request.user, form.validated_data["answer"], checked, category
            )
        except lifecycle.TransitionError as refused:
            return problem(409, refused.message, instance=request.path)
        return Response(s.RequestSerializer(answered, context={"request": request}).data)


class ActsView(ApiView):
    @extend_schema(
        operation_id="acts_list",
        summary="Issued acts on a file (decisions, complements, follow-up) and their letters",
        responses={200: s.ActSerializer(many=True), **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        file = _visible(request, pk)
        acts = access.visible_letters(request.user).filter(request=file).order_by("issued_at", "pk")
        return Response(s.ActSerializer(acts, many=True).data)


class ActLetterView(ApiView):
    @extend_schema(
        operation_id="acts_letter",
        summary="The act's letter (PDF)",
        responses={(200, "application/pdf"): bytes, **PROBLEM},
    )
    def get(self, request: Request, pk: int, act_pk: int) -> Any:
        act = get_object_or_404(
            access.visible_letters(request.user).filter(request_id=pk), pk=act_pk
        )
        if not act.letter_sha256:
            return problem(
                409, _("Le courrier est en cours de préparation. Réessayez dans un instant.")
            )
        return FileResponse(
            act.letter.open("rb"),
            as_attachment=True,
            filename=f"{act.request.reference}-{act.kind}.pdf",
            content_type="application/pdf",
        )


class SuppliesView(ApiView):
    def get_permissions(self) -> list[Any]:
        extra = [IsOperator()] if self.request.method == "POST" else []
        return [*super().get_permissions(), *extra]

    @extend_schema(
        operation_id="supplies_list",
        responses={200: s.SupplySerializer(many=True), **PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        file = _visible(request, pk)
        rows = supplies_of(file)
        return Response(s.SupplySerializer(rows, many=True).data)

    @extend_schema(
        operation_id="supplies_declare",
        summary="Declare supplies of a granted device (all or none)",
        request=s.SuppliesDeclarationSerializer,
        responses={201: s.SupplySerializer(many=True), **PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        file = _operator_file(request, pk)
        derogation = Derogation.objects.filter(request=file).first()
        reason = supplies.refusal(derogation)
        if derogation is None or reason is not None:
            return problem(409, reason or "", instance=request.path)
        rows = request.data.get("supplies") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows or len(rows) > 1000:
            raise exceptions.ValidationError({"supplies": [_("Entre 1 et 1 000 fournitures.")]})
        cleaned, errors = [], {}
        for index, row in enumerate(rows):
            form = SupplyForm(data=row if isinstance(row, dict) else {}, derogation=derogation)
            if form.is_valid():
                cleaned.append({k: form.cleaned_data[k] for k in s.SupplyRowSerializer.Meta.fields})
            else:
                errors[str(index)] = {k: list(v) for k, v in form.errors.items()}
        if errors:
            raise exceptions.ValidationError({"supplies": errors})
        try:
            recorded = supplies.record_supplies(file, request.user, cleaned)
        except lifecycle.TransitionError as refused:
            return problem(409, refused.message, instance=request.path)
        return Response(s.SupplySerializer(recorded, many=True).data, status=201)


def supplies_of(file: DerogationRequest) -> QuerySet[Any]:
    from derogations.models import Supply

    return Supply.objects.filter(derogation__request=file).order_by("-supplied_on", "-pk")
