from django.db import transaction

from derogations.enums import Kind
from derogations.models import Decision, Incident

from .models import Delivery, RecipientRole


def recipients_for(decision: Decision) -> list[tuple[str, str]]:
    """(email, role) pairs: the operator's members and contact, then the copies."""
    request = decision.request
    seen: set[str] = set()
    result: list[tuple[str, str]] = []

    def add(email: str, role: str) -> None:
        key = email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append((key, role))

    add(request.contact_email, RecipientRole.OPERATOR)
    for email in request.organisation.members.filter(is_active=True).values_list(
        "email", flat=True
    ):
        add(email, RecipientRole.OPERATOR)
    if request.kind == Kind.INDIVIDUAL:
        add(request.prescriber_email, RecipientRole.PRESCRIBER)
    add(request.director_email, RecipientRole.DIRECTOR)
    return result


def on_decision_issued(sender: type, decision: Decision, **kwargs: object) -> None:
    """Write the outbox rows in the deciding transaction; queue the letter after commit."""
    from .tasks import issue_letter

    Delivery.objects.bulk_create(
        [
            Delivery(decision=decision, recipient_email=email, recipient_role=role)
            for email, role in recipients_for(decision)
        ],
        ignore_conflicts=True,
    )
    decision_pk = decision.pk

    def queue_letter() -> None:
        issue_letter.delay(decision_pk)

    # robust: a broker outage must not undo or break the decision; the sweep re-queues.
    # (A named function, not functools.partial: Django logs robust failures with the
    # callback's __qualname__, which a partial lacks.)
    transaction.on_commit(queue_letter, robust=True)


def on_incident_declared(sender: type, incident: Incident, **kwargs: object) -> None:
    """Alert the vigilance team once the declaration is committed."""
    from .tasks import send_incident_alert

    incident_pk = incident.pk

    def queue_alert() -> None:
        send_incident_alert.delay(incident_pk)

    transaction.on_commit(queue_alert, robust=True)
