from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from derogations import access, lifecycle
from derogations.enums import DecisionState, Status

from .forms import CommentForm, ProposalForm


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ANSM staff only; anyone else gets a 404, as if the page did not exist."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not access.is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    files = access.visible_requests(request.user).with_list_relations()
    if status in Status.values:
        files = files.filter(status=status)
    files = files.order_by("submitted_at", "pk")
    page = Paginator(files, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/queue.html",
        {"page": page, "status": status, "statuses": [s for s in Status if s != Status.DRAFT]},
    )


INADMISSIBLE = (
    "inadmissible",
    gettext_lazy("Motifs de l'irrecevabilité"),
    gettext_lazy("Déclarer irrecevable"),
)
COMPLEMENTS = (
    "complements",
    gettext_lazy("Questions posées à l'opérateur"),
    gettext_lazy("Demander des compléments"),
)
SEND_BACK = ("send_back", gettext_lazy("Motif du renvoi"), gettext_lazy("Renvoyer à l'évaluateur"))


def _comment_form(spec: tuple[str, str, str], data: object = None) -> CommentForm:
    name, label, button = spec
    return CommentForm(data, label=label, button=button, name=name, prefix=name)


@staff_required
@require_GET
def file(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_file(request, pk)


def _render_file(request: HttpRequest, pk: int, **forms: object) -> HttpResponse:
    derogation_request = get_object_or_404(
        access.visible_requests(request.user).select_related("organisation"), pk=pk
    )
    allowed = lifecycle.allowed_transitions(derogation_request, request.user)
    proposal = (
        derogation_request.decisions.filter(state=DecisionState.PROPOSED)
        .select_related("proposed_by")
        .first()
    )
    context = {
        "req": derogation_request,
        "allowed": allowed,
        "proposal": proposal,
        "may_review_proposal": proposal is not None
        and "grant" in allowed
        and proposal.proposed_by_id != request.user.pk,
        "decisions": derogation_request.decisions.select_related("proposed_by", "reviewed_by"),
        "timeline": derogation_request.audit_entries.select_related("actor"),
        "proposal_form": forms.get("proposal_form")
        or ProposalForm(request_kind=derogation_request.kind),
        "inadmissible_form": forms.get("inadmissible_form") or _comment_form(INADMISSIBLE),
        "complements_form": forms.get("complements_form") or _comment_form(COMPLEMENTS),
        "send_back_form": forms.get("send_back_form") or _comment_form(SEND_BACK),
    }
    return render(request, "reviews/file.html", context, status=400 if forms else 200)


def _done(request: HttpRequest, pk: int, call: Callable[[], object], success: str) -> HttpResponse:
    try:
        call()
    except lifecycle.TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("reviews:file", pk=pk)


@staff_required
@require_POST
def admissible(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    return _done(
        request, pk, lambda: lifecycle.declare_admissible(req, request.user),
        _("La demande est recevable et passe en instruction."),
    )  # fmt: skip


@staff_required
@require_POST
def inadmissible(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = _comment_form(INADMISSIBLE, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, inadmissible_form=form)
    return _done(
        request, pk, lambda: lifecycle.declare_inadmissible(req, request.user, form.cleaned_data["comment"]),
        _("La demande a été déclarée irrecevable."),
    )  # fmt: skip


@staff_required
@require_POST
def complements(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = _comment_form(COMPLEMENTS, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, complements_form=form)
    return _done(
        request, pk, lambda: lifecycle.request_complements(req, request.user, form.cleaned_data["comment"]),
        _("La demande de compléments a été adressée à l'opérateur."),
    )  # fmt: skip


@staff_required
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = ProposalForm(request.POST, request_kind=req.kind)
    if not form.is_valid():
        return _render_file(request, pk, proposal_form=form)
    data = form.cleaned_data
    return _done(
        request,
        pk,
        lambda: lifecycle.propose_decision(
            req, request.user, kind=data["kind"], motivation=data["motivation"],
            conditions=data["conditions"], valid_until=data["valid_until"],
        ),
        _("La proposition de décision est transmise pour validation."),
    )  # fmt: skip


@staff_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    form = _comment_form(SEND_BACK, request.POST)
    if not form.is_valid():
        return _render_file(request, pk, send_back_form=form)
    return _done(
        request, pk, lambda: lifecycle.send_back(req, request.user, form.cleaned_data["comment"]),
        _("La proposition a été renvoyée à l'évaluateur."),
    )  # fmt: skip


@staff_required
@require_POST
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    return _done(
        request, pk, lambda: lifecycle.validate_decision(req, request.user),
        _("La décision est signée. Le courrier est en cours d'envoi."),
    )  # fmt: skip
