"""The demo mailbox (emails the file backend wrote to var/mail/), and staff resending a
copy of a letter."""

import email
from email import policy
from pathlib import Path
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.plain_text import PlainTextForm
from derogations import access, professionals
from derogations.enums import DecisionState, DerogationStatus
from derogations.lifecycle import TransitionError

from .letters import render_patient_sheet, render_proposal_letter
from .models import Delivery
from .services import resend_delivery

MAX_SHOWN = 50


def _mail_dir() -> Path:
    if not settings.DEBUG or not settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        raise Http404
    return Path(settings.EMAIL_FILE_PATH)


def _parse(path: Path) -> list[dict[str, object]]:
    """A file holds one or more messages separated by a line of dashes."""
    raw = path.read_bytes()
    chunks = [c for c in raw.split(b"-" * 79 + b"\n") if c.strip()]
    result = []
    for chunk in chunks:
        message = email.message_from_bytes(chunk, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        result.append(
            {
                "subject": message["Subject"],
                "to": message["To"],
                "date": message["Date"],
                "body": body.get_content() if body else "",
                "attachments": [part.get_filename() for part in message.iter_attachments()],
            }
        )
    return result


@require_safe
def demo_mailbox(request: HttpRequest) -> HttpResponse:
    folder = _mail_dir()
    files = sorted(folder.glob("*.log"), reverse=True)[:MAX_SHOWN] if folder.exists() else []
    messages = [message for path in files for message in _parse(path)]
    return render(request, "notifications/demo_mailbox.html", {"mails": messages})


@require_safe
def patient_sheet(request: HttpRequest, decision_pk: int) -> HttpResponse:
    """The patient information sheet of a granted derogation, for the professional."""
    opened = professionals.open_decision(request, decision_pk)
    derogation = professionals.derogation_of(opened.decision) if opened else None
    if opened is None or derogation is None:
        raise Http404
    status = DerogationStatus(derogation.effective_status()).label
    pdf = render_patient_sheet(opened.decision, str(status))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{opened.decision.request.reference}-information-patient.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access.staff_required
@require_safe
@never_cache
def proposal_letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The letter of the pending proposal as signing it will send it, for the senior to
    read before "Valider et signer" (shown in the browser, downloadable)."""
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    proposal = get_object_or_404(
        req.decisions.select_related("request__organisation"), state=DecisionState.PROPOSED
    )
    may_sign = request.user.is_senior_evaluator and proposal.proposed_by_id != request.user.pk
    pdf = render_proposal_letter(proposal, signatory=request.user if may_sign else None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{req.reference}-projet-de-courrier.pdf"'
    return response


class ResendForm(PlainTextForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du nouvel envoi"),
        max_length=2000,
        error_messages={
            "required": gettext_lazy("Indiquez pourquoi le courrier est envoyé à nouveau.")
        },
    )
    # The act's last copy when the page was drawn: its one-time token, checked under the
    # request's row lock (notifications.services.resend_delivery), so that one form posted
    # twice (a double click, two tabs) sends one copy.
    last_copy = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": gettext_lazy("Le formulaire a expiré : rechargez la page et recommencez."),
            "invalid": gettext_lazy("Le formulaire a expiré : rechargez la page et recommencez."),
            "min_value": gettext_lazy("Le formulaire a expiré : rechargez la page et recommencez."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("resend", gettext_lazy("Renvoyer")))


@access.staff_required
@require_POST
def resend(request: AuthenticatedHttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    """ANSM staff send one copy of a letter again, deliberately (recorded and audited)."""
    delivery = get_object_or_404(
        Delivery.objects.select_related("decision"),
        pk=delivery_pk,
        decision__request__in=access.visible_requests(request.user).filter(pk=pk),
    )
    form = ResendForm(request.POST)
    if not form.is_valid():
        # The form again, on its own page, with what was typed and the French messages.
        return render(
            request,
            "notifications/resend.html",
            {"form": form, "delivery": delivery, "req_pk": pk},
            status=400,
        )
    try:
        resend_delivery(
            delivery,
            request.user,
            form.cleaned_data["reason"],
            last_copy=form.cleaned_data["last_copy"],
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Le courrier est envoyé à nouveau à %(email)s.")
            % {"email": delivery.recipient_email},
        )
    return redirect(reverse("reviews:file", args=[pk]) + "#envois")
