"""Demo only: read the emails that the file email backend wrote to var/mail/."""

import email
from email import policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from derogations import professionals
from derogations.enums import DerogationStatus

from .letters import render_patient_sheet

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


@require_GET
def demo_mailbox(request: HttpRequest) -> HttpResponse:
    folder = _mail_dir()
    files = sorted(folder.glob("*.log"), reverse=True)[:MAX_SHOWN] if folder.exists() else []
    messages = [message for path in files for message in _parse(path)]
    return render(request, "notifications/demo_mailbox.html", {"mails": messages})


@require_GET
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
