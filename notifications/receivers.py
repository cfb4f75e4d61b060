"""What leaves the house when the domain announces an event.

Acts that follow a transition are issued here (through derogations.lifecycle), and every
issued act gets its outbox rows in the transaction that issued it; its letter is rendered
after commit by the worker.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from accounts.email_addresses import normalise_email
from accounts.models import User
from config.mail import automatic_email, render_parts
from config.tasks import queue_on_commit
from derogations import lifecycle, supplies
from derogations.enums import FOLLOW_UP_KINDS, DecisionKind, Kind
from derogations.models import Decision, DerogationRequest, Incident, KnownProfessional

from .models import Delivery, RecipientRole

# The act each transition issues at once (grant and refusal are issued on validation).
ACT_OF_TRANSITION = {
    "submit": DecisionKind.ACKNOWLEDGMENT,
    "declare_inadmissible": DecisionKind.INADMISSIBILITY,
    "request_complements": DecisionKind.COMPLEMENT_REQUEST,
    "withdraw": DecisionKind.WITHDRAWAL,
}
# Acts that go to the operator only; decisions also go to the professionals concerned.
OPERATOR_ONLY_KINDS = frozenset(ACT_OF_TRANSITION.values())


class _Recipients:
    """(email, role) pairs in order, each address once (in its normal form)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.pairs: list[tuple[str, str]] = []

    def add(self, email: str, role: str) -> None:
        key = normalise_email(email)
        if key and key not in self.seen:
            self.seen.add(key)
            self.pairs.append((key, role))


def _operator_and_copies(request: DerogationRequest, recipients: _Recipients, copies: bool) -> None:
    recipients.add(request.contact_email, RecipientRole.OPERATOR)
    for email in request.organisation.members.filter(is_active=True).values_list(
        "email", flat=True
    ):
        recipients.add(email, RecipientRole.OPERATOR)
    if not copies:
        return
    if request.kind == Kind.INDIVIDUAL:
        recipients.add(request.prescriber_email, RecipientRole.PRESCRIBER)
        recipients.add(request.user_email, RecipientRole.USER)
        recipients.add(request.director_email, RecipientRole.DIRECTOR)
    else:
        # A global derogation: the facility listed on the request, if any.
        recipients.add(request.director_email, RecipientRole.FACILITY)


def _facilities_supplied(request: DerogationRequest, recipients: _Recipients) -> None:
    """The vigilance contact and the director of every facility supplied under this
    request's derogation, or, for a renewal's decision, under the derogation it renews."""
    request_ids = [request.pk, request.renewal_of_id or request.pk]
    for vigilance_email, director_email in supplies.contacts_supplied(request_ids):
        recipients.add(vigilance_email, RecipientRole.SUPPLIED_VIGILANCE)
        recipients.add(director_email, RecipientRole.SUPPLIED_DIRECTOR)


def _known_professionals(request: DerogationRequest, recipients: _Recipients) -> None:
    """The professionals who joined this request's derogation from the registry (or, for a
    renewal's decision, the derogation it renews)."""
    request_ids = [request.pk, request.renewal_of_id or request.pk]
    for email in KnownProfessional.objects.filter(
        derogation__request_id__in=request_ids
    ).values_list("email", flat=True):
        recipients.add(email, RecipientRole.KNOWN_PROFESSIONAL)


def recipients_for(act: Decision) -> list[tuple[str, str]]:
    """Who receives this act's letter.

    Acknowledgment, complement request, inadmissibility: the operator (its contact and its
    members). Grant and refusal: the operator, with copies to the prescriber and the
    facility director (individual) or to the listed facility (global). Suspension,
    resumption, change of conditions, lifting: everyone who received the grant, and
    whoever would receive it today (a new member of the operator). Every decision after the
    grant also goes to the vigilance contact and the director of each facility supplied so
    far, and to every professional who joined the derogation from the registry; the
    decision on a renewal, to those of the derogation it renews. Acknowledgment of a
    withdrawal: the operator and everyone a letter of the file went to.
    """
    request = act.request
    recipients = _Recipients()
    if act.kind == DecisionKind.WITHDRAWAL:
        # The acknowledgment of a withdrawal: everyone the file's letters went to so far.
        for email, role in Delivery.objects.filter(
            decision__request=request, resend_of__isnull=True
        ).values_list("recipient_email", "recipient_role"):
            recipients.add(email, role)
    if act.kind in FOLLOW_UP_KINDS:
        grant_id = request.derogation.grant_id
        for email, role in Delivery.objects.filter(
            decision_id=grant_id, resend_of__isnull=True
        ).values_list("recipient_email", "recipient_role"):
            recipients.add(email, role)
    _operator_and_copies(request, recipients, copies=act.kind not in OPERATOR_ONLY_KINDS)
    if act.kind in FOLLOW_UP_KINDS | {DecisionKind.GRANT, DecisionKind.REFUSAL}:
        _facilities_supplied(request, recipients)
        _known_professionals(request, recipients)
    return recipients.pairs


def languages_of(emails: list[str]) -> dict[str, str]:
    """English for the recipients who are users with English as their language."""
    english = User.objects.filter(email__in=emails, preferred_language="en").values_list(
        "email", flat=True
    )
    return {email.lower(): "en" for email in english}


def on_request_transitioned(
    sender: type,
    request: DerogationRequest,
    transition: str,
    actor: User,
    comment: str = "",
    **kwargs: object,
) -> None:
    """Submission, inadmissibility and complement requests each issue their act."""
    kind = ACT_OF_TRANSITION.get(transition)
    if kind is not None:
        lifecycle.issue_act(request, actor, kind, motivation=comment)


def on_decision_issued(sender: type, decision: Decision, **kwargs: object) -> None:
    """Write the outbox rows in the issuing transaction; queue the letter after commit."""
    from .tasks import issue_letter

    pairs = recipients_for(decision)
    languages = languages_of([email for email, _role in pairs])
    Delivery.objects.bulk_create(
        [
            Delivery(
                decision=decision,
                recipient_email=email,
                recipient_role=role,
                language=languages.get(email, "fr"),
            )
            for email, role in pairs
        ],
        ignore_conflicts=True,
    )
    # A broker outage must not undo or break the act; the sweep re-queues.
    queue_on_commit(issue_letter, decision.pk)


def on_incident_declared(sender: type, incident: Incident, **kwargs: object) -> None:
    """Alert the vigilance team once the declaration is committed; write in the outbox, in
    the declaration's transaction, the email to the operator (no patient data: neither the
    description nor the consequences for the patient). The evaluators who follow the file
    are told by their inbox (notifications.inbox.on_incident_declared), by email as each
    of them chose."""
    from .tasks import queue_account_email, send_incident_alert

    queue_on_commit(send_incident_alert, incident.pk)
    request = incident.request
    operator = _Recipients()
    _operator_and_copies(request, operator, copies=False)
    file_url = settings.PORTAL_BASE_URL + reverse("derogations:detail", args=[request.pk])
    for email, _role in operator.pairs:
        queue_account_email(_incident_email("incident_operator", incident, email, file_url))


def _incident_email(template: str, incident: Incident, to: str, url: str) -> EmailMessage:
    """templates/emails/<template>_subject.txt, _body.txt and _body.html in the recipient's
    language."""
    language = languages_of([to]).get(to, "fr")
    with translation.override(language):
        subject, text, html = render_parts(
            f"emails/{template}_subject.txt",
            f"emails/{template}_body.txt",
            {"incident": incident, "request": incident.request, "url": url},
        )
    return automatic_email(subject, text, html, [to])


def on_account_email_ready(sender: object, message: EmailMessage, **kwargs: object) -> None:
    """accounts.events.account_email_ready: into the outbox, sent once committed."""
    from .tasks import queue_account_email

    queue_account_email(message)
