"""The outside expert's pages, opened by the signed link of their email (no account).

A link opens its own opinion request and what the evaluator shared from that file, nothing
else: every view reads the opinion from the token (collaboration.links.read_link), and a
document is served only if it is one of that opinion's shared documents. A forged link
answers a French page (400), an expired one another (410), never a 500.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from derogations import lifecycle
from derogations.models import DerogationRequest

from . import documents, links, services
from .forms import AnswerForm, DeclarationForm, field_label
from .models import ExpertOpinion, OpinionStatus


def _shown(req: DerogationRequest, name: str) -> object:
    """A field's value as people read it (a choice's label, not its key)."""
    display = getattr(req, f"get_{name}_display", None)
    return display() if display is not None else getattr(req, name)


def _link_error(request: HttpRequest, error: links.InvalidLink) -> HttpResponse:
    return render(
        request,
        "collaboration/expert_link_error.html",
        {"expired": error.expired},
        status=410 if error.expired else 400,
    )


def _render(
    request: HttpRequest,
    token: str,
    opinion: ExpertOpinion,
    *,
    declaration_form: DeclarationForm | None = None,
    answer_form: AnswerForm | None = None,
) -> HttpResponse:
    req = opinion.request
    shared = opinion.status in {OpinionStatus.ACCEPTED, OpinionStatus.ANSWERED}
    context = {
        "token": token,
        "opinion": opinion,
        "req": req,
        "shared_fields": [(field_label(name), _shown(req, name)) for name in opinion.shared_fields]
        if shared
        else [],
        "shared_attachments": opinion.shared_attachments.all() if shared else [],
        "declaration_form": declaration_form or DeclarationForm(),
        "answer_form": answer_form or AnswerForm(),
    }
    status = 400 if declaration_form or answer_form else 200
    return render(request, "collaboration/expert.html", context, status=status)


def by_link(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """The view receives the opinion its link opens; a bad link gets its French page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs: object) -> HttpResponseBase:
        try:
            opinion = links.read_link(token)
        except links.InvalidLink as error:
            return _link_error(request, error)
        return view(request, token, opinion, **kwargs)

    return never_cache(wrapper)


@require_safe
@by_link
def expert(request: HttpRequest, token: str, opinion: ExpertOpinion) -> HttpResponse:
    return _render(request, token, opinion)


def _refused(request: HttpRequest, token: str, exc: lifecycle.TransitionError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("collaboration:expert", token=token)


@require_POST
@by_link
def expert_declare(request: HttpRequest, token: str, opinion: ExpertOpinion) -> HttpResponse:
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        return _render(request, token, opinion, declaration_form=form)
    try:
        if form.cleaned_data["choice"] == DeclarationForm.NO_CONFLICT:
            services.declare_no_conflict(opinion)
            messages.success(
                request, _("Votre déclaration est enregistrée : vous pouvez rédiger votre avis.")
            )
        else:
            services.decline_opinion(opinion, form.cleaned_data["reason"])
            messages.success(request, _("Votre refus est enregistré. Merci de l'avoir signalé."))
    except lifecycle.TransitionError as exc:
        return _refused(request, token, exc)
    return redirect("collaboration:expert", token=token)


@require_POST
@by_link
def expert_answer(request: HttpRequest, token: str, opinion: ExpertOpinion) -> HttpResponse:
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, token, opinion, answer_form=form)
    try:
        services.answer_opinion(opinion, form.cleaned_data["answer"], form.cleaned_data["files"])
    except lifecycle.TransitionError as exc:
        return _refused(request, token, exc)
    messages.success(request, _("Votre avis est transmis à l'ANSM. Merci."))
    return redirect("collaboration:expert", token=token)


@require_safe
@by_link
def expert_document(
    request: HttpRequest, token: str, opinion: ExpertOpinion, attachment_pk: int
) -> HttpResponseBase:
    if opinion.status not in {OpinionStatus.ACCEPTED, OpinionStatus.ANSWERED}:
        raise Http404
    attachment = opinion.shared_attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return documents.download(attachment)
