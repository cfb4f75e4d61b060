"""The evaluators' day beyond the queue: "À signer" for senior evaluators."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations.access import staff_required
from derogations.paging import CappedPaginator

from . import signing


@staff_required
@require_safe
def to_sign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The proposals waiting for a senior evaluator's signature, with their age. Only a
    senior evaluator signs: anyone else gets a 404, as for a page that does not exist."""
    if not request.user.is_senior_evaluator:
        raise Http404
    number = request.GET.get("page")
    paginator = CappedPaginator(
        signing.waiting_proposals(request.user),
        signing.PAGE_SIZE,
        number=number,
        columns=signing.proposal_columns,
    )
    page = paginator.get_page(number)
    page.object_list = signing.proposal_rows(page.object_list, today=timezone.localdate())
    return render(request, "reviews/to_sign.html", {"page": page})
