"""The thread of a file (operator's members and ANSM staff) and the expert opinions of a
file (ANSM staff). Views load the file through collaboration.access, validate a form, make
one call to collaboration.services and redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations import lifecycle
from derogations.access import staff_required
from derogations.models import DerogationRequest

from . import documents, services
from .access import may_ask_experts, thread_requests, visible_opinions
from .forms import AnswerDueForm, MarkReadForm, MessageForm, OpinionRequestForm
from .models import Message, MessageDocument, OpinionDocument


def _file(request: AuthenticatedHttpRequest, pk: int) -> DerogationRequest:
    return get_object_or_404(thread_requests(request.user).select_related("organisation"), pk=pk)


def _file_url(request: AuthenticatedHttpRequest, req: DerogationRequest) -> str:
    if request.user.is_ansm_staff:
        return reverse("reviews:file", args=[req.pk])
    return reverse("derogations:detail", args=[req.pk])


def _render_thread(
    request: AuthenticatedHttpRequest,
    req: DerogationRequest,
    form: MessageForm | None = None,
    due_form: AnswerDueForm | None = None,
) -> HttpResponse:
    thread = list(
        req.messages.select_related("author").prefetch_related("documents").order_by("pk")
    )
    unread = set(services.unread_messages(req, request.user).values_list("pk", flat=True))
    last = thread[-1].pk if thread else 0
    context = {
        "req": req,
        "thread": thread,
        "unread": unread,
        "file_url": _file_url(request, req),
        "form": form or MessageForm(from_agency=request.user.is_ansm_staff),
        "read_form": MarkReadForm(initial={"up_to": last}),
        # Staff mark an agency message as awaiting an answer (or clear it): one form each.
        "thread_rows": [(message, _due_form(request, message, due_form)) for message in thread],
    }
    status = 400 if form or due_form else 200
    return render(request, "collaboration/thread.html", context, status=status)


def _due_form(
    request: AuthenticatedHttpRequest, message: Message, posted: AnswerDueForm | None
) -> AnswerDueForm | None:
    """The answer-due form of an agency message still unanswered (staff only); the one
    posted with an error keeps what was typed."""
    if not request.user.is_ansm_staff or not message.from_agency or message.answered_at:
        return None
    if posted is not None and posted.message_pk == message.pk:
        return posted
    return AnswerDueForm(message_pk=message.pk, initial={"answer_due": message.answer_due})


@login_required
@require_safe
def thread(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_thread(request, _file(request, pk))


@login_required
@require_POST
def post_message(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = _file(request, pk)
    form = MessageForm(request.POST, request.FILES, from_agency=request.user.is_ansm_staff)
    if not form.is_valid():
        return _render_thread(request, req, form)
    try:
        message = services.post_message(
            req,
            request.user,
            form.cleaned_data["body"],
            form.cleaned_data["files"],
            form.cleaned_data.get("answer_due"),
        )
    except lifecycle.TransitionError as exc:
        form.add_error(None, exc.message)
        return _render_thread(request, req, form)
    messages.success(request, _("Votre message est envoyé."))
    return redirect(reverse("collaboration:thread", args=[req.pk]) + f"#message-{message.pk}")


@staff_required
@require_POST
def answer_due(request: AuthenticatedHttpRequest, pk: int, message_pk: int) -> HttpResponse:
    req = _file(request, pk)
    message = get_object_or_404(Message, pk=message_pk, request=req)
    form = AnswerDueForm(request.POST, message_pk=message.pk)
    if not form.is_valid():
        return _render_thread(request, req, due_form=form)
    try:
        services.set_answer_due(message, request.user, form.cleaned_data["answer_due"])
    except lifecycle.TransitionError as exc:  # already answered, not the agency's...
        messages.error(request, exc.message)
        return redirect(reverse("collaboration:thread", args=[req.pk]) + f"#message-{message.pk}")
    if form.cleaned_data["answer_due"] is None:
        messages.success(request, _("Ce message n'attend plus de réponse."))
    else:
        messages.success(request, _("La date de réponse attendue est enregistrée."))
    return redirect(reverse("collaboration:thread", args=[req.pk]) + f"#message-{message.pk}")


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = _file(request, pk)
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Le formulaire a expiré : rechargez la page et recommencez."))
        return redirect("collaboration:thread", pk=req.pk)
    services.mark_read(req, request.user, form.cleaned_data["up_to"])
    messages.success(request, _("Les messages sont marqués comme lus."))
    return redirect("collaboration:thread", pk=req.pk)


@login_required
@require_safe
def message_document(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> HttpResponseBase:
    req = _file(request, pk)
    return documents.download(
        get_object_or_404(MessageDocument, pk=attachment_pk, message__request=req)
    )


# --- Expert opinions (ANSM only) -----------------------------------------------------------


def _render_opinions(
    request: AuthenticatedHttpRequest, req: DerogationRequest, form: OpinionRequestForm | None
) -> HttpResponse:
    opinions = (
        visible_opinions(request.user)
        .filter(request=req)
        .select_related("requested_by")
        .prefetch_related("documents", "shared_attachments")
    )
    may_ask = may_ask_experts(request.user)
    context = {
        "req": req,
        "opinions": opinions,
        "may_ask": may_ask,
        "form": form or (OpinionRequestForm(request=req) if may_ask else None),
    }
    return render(request, "collaboration/opinions.html", context, status=400 if form else 200)


@staff_required
@require_safe
def opinions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_opinions(request, _file(request, pk), None)


@staff_required
@require_POST
def ask_expert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = _file(request, pk)
    if not may_ask_experts(request.user):
        raise Http404
    form = OpinionRequestForm(request.POST, request=req)
    if not form.is_valid():
        return _render_opinions(request, req, form)
    data = form.cleaned_data
    try:
        opinion = services.request_opinion(
            req,
            request.user,
            expert_name=data["expert_name"],
            expert_email=data["expert_email"],
            speciality=data["speciality"],
            declared_interests=data["declared_interests"],
            question=data["question"],
            due_date=data["due_date"],
            shared_fields=data["shared_fields"],
            shared_attachments=list(data["shared_attachments"]),
        )
    except lifecycle.TransitionError as exc:
        form.add_error(None, exc.message)
        return _render_opinions(request, req, form)
    messages.success(
        request,
        _("La demande d'avis est envoyée à %(name)s (%(email)s).")
        % {"name": opinion.expert_name, "email": opinion.expert_email},
    )
    return redirect("collaboration:opinions", pk=req.pk)


@staff_required
@require_safe
def opinion_document(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> HttpResponseBase:
    req = _file(request, pk)
    document = get_object_or_404(
        OpinionDocument.objects.filter(opinion__in=visible_opinions(request.user)),
        pk=attachment_pk,
        opinion__request=req,
    )
    return documents.download(document)
