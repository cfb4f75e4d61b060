"""ANSM staff download the Art. 54(2) notification sheet's fields as JSON (the same data
as the API's /agency/requests/{id}/union-notification/)."""

import json

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest

from . import access
from .union_sheet_data import sheet_data, visible_notification


@access.staff_required
@require_safe
def union_sheet_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = visible_notification(request.user, pk)
    response = HttpResponse(
        json.dumps(sheet_data(notification), ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    reference = notification.grant.request.reference
    response["Content-Disposition"] = (
        f'attachment; filename="{reference}-notification-art54-2.json"'
    )
    return response
