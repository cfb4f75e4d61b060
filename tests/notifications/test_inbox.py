"""Issue 17, the staff inbox: what changed on my files, read/unread, and its emails (at
once, in a daily digest, or none, per kind and person; a vital urgency always at once)."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from derogations import assignment, events, incidents, lifecycle
from derogations.enums import Urgency
from notifications import inbox
from notifications.models import (
    AccountEmail,
    DeliveryStatus,
    EmailMode,
    EmailPreference,
    InboxDigest,
    InboxItem,
    InboxKind,
)
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

INBOX = reverse("notifications:inbox")
PREFERENCES = reverse("notifications:email_preferences")


def _mails_about(reference: str, to: str) -> list:
    return [m for m in mail.outbox if reference in m.subject and m.to == [to]]


def test_vital_file_reaches_every_evaluator_at_once_even_if_they_said_none(
    evaluator, senior, operator_a, org_a
):
    EmailPreference.objects.create(user=evaluator, kind=InboxKind.VITAL_FILE, mode="none")
    req = factories.RequestFactory(
        organisation=org_a, created_by=operator_a, urgency=Urgency.VITAL, urgency_reason="Réa."
    )
    mail.outbox.clear()
    factories.submitted(req)
    req.refresh_from_db()
    for person in (evaluator, senior):
        item = InboxItem.objects.get(recipient=person, kind=InboxKind.VITAL_FILE)
        assert item.request_id == req.pk and item.read_at is None
        assert item.email.status == DeliveryStatus.SENT
        (message,) = _mails_about(req.reference, person.email)
        assert "URGENCE VITALE" in message.subject
        assert reverse("reviews:file", args=[req.pk]) in message.body
    # Posting the same event again gives nothing more.
    assert inbox.post(InboxKind.VITAL_FILE, req, [evaluator], key=f"submit:{req.pk}") == []
    assert InboxItem.objects.filter(recipient=evaluator).count() == 1


def test_proposal_to_sign_follows_each_seniors_choice(evaluator, senior, other_senior):
    EmailPreference.objects.create(user=other_senior, kind=InboxKind.PROPOSAL_TO_SIGN, mode="none")
    req = factories.RequestFactory()
    mail.outbox.clear()
    factories.proposed(req, evaluator)
    req.refresh_from_db()
    assert set(
        InboxItem.objects.filter(kind=InboxKind.PROPOSAL_TO_SIGN).values_list(
            "recipient", flat=True
        )
    ) == {senior.pk, other_senior.pk}
    assert len(_mails_about(req.reference, senior.email)) == 1  # default: at once
    assert _mails_about(req.reference, other_senior.email) == []
    assert not InboxItem.objects.filter(recipient=evaluator).exists()


def test_complement_answer_goes_to_the_assignee_in_one_daily_digest(evaluator, operator_a, org_a):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(req, evaluator)
    assignment.assign(req, evaluator, evaluator)
    req.refresh_from_db()
    mail.outbox.clear()
    lifecycle.answer_complements(req, operator_a, "Voici le rapport complet.")
    item = InboxItem.objects.get(recipient=evaluator, kind=InboxKind.COMPLEMENTS_ANSWERED)
    assert item.email_mode == EmailMode.DIGEST and item.email is None
    assert _mails_about(req.reference, evaluator.email) == []
    today = timezone.localdate()
    assert inbox.write_digests(today) == 1
    assert inbox.write_digests(today) == 0  # once per person and day
    digests = [m for m in mail.outbox if m.to == [evaluator.email]]
    assert len(digests) == 1 and req.reference in digests[0].body
    assert InboxDigest.objects.get(recipient=evaluator, day=today).email.status == "sent"
    item.refresh_from_db()
    assert item.digested_on == today


def test_late_operator_report_event_posts_to_the_assignee(evaluator, senior):
    req = factories.RequestFactory()
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)
    with transaction.atomic():
        events.operator_report_late.send(sender=type(req), request=req, key="report-7")
        events.operator_report_late.send(sender=type(req), request=req, key="report-7")
    item = InboxItem.objects.get(kind=InboxKind.REPORT_LATE)
    assert item.recipient == evaluator and item.key == "report:report-7"


def test_read_and_unread_per_item_and_only_ones_own(evaluator, senior):
    req = factories.RequestFactory(urgency=Urgency.VITAL, urgency_reason="Réa.")
    factories.submitted(req)
    req.refresh_from_db()
    item = InboxItem.objects.get(recipient=evaluator)
    other = InboxItem.objects.get(recipient=senior)
    client = client_for(evaluator)
    page = client.get(INBOX).content.decode()
    assert req.reference in page and "Non lu" in page
    read = reverse("notifications:inbox_read", args=[item.pk])
    assert client.post(read, {"action": "read"}).status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None
    assert req.reference not in client.get(INBOX + "?non-lus").content.decode()
    client.post(read, {"action": "unread"})
    item.refresh_from_db()
    assert item.read_at is None
    response = client.post(read, {"action": "open"})
    assert response["Location"] == reverse("reviews:file", args=[req.pk])
    other_url = reverse("notifications:inbox_read", args=[other.pk])
    assert client.post(other_url).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    client.post(reverse("notifications:inbox_read_all"))
    item.refresh_from_db()
    assert item.read_at is not None


def test_email_preferences_form(evaluator):
    client = client_for(evaluator)
    page = client.get(PREFERENCES).content.decode()
    assert "Toujours par courriel immédiat" in page
    assert 'name="vital_file"' not in page
    response = client.post(
        PREFERENCES,
        {"complements_answered": "immediate", "proposal_to_sign": "n'importe quoi"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez « Courriel immédiat »" in html
    assert "Choisissez comment être prévenu." in html
    assert 'value="immediate" checked' in html or "checked" in html
    response = client.post(
        PREFERENCES,
        {
            "complements_answered": "immediate",
            "proposal_to_sign": "none",
            "incident": "digest",
            "report_late": "none",
            "file_moved": "immediate",
            "operator_message": "digest",
        },
    )
    assert response.status_code == 302
    modes = inbox.email_modes(evaluator)
    assert modes["complements_answered"] == "immediate" and modes["incident"] == "digest"
    assert modes["vital_file"] == "immediate"


def test_inbox_query_count_does_not_grow_with_items(evaluator):
    client = client_for(evaluator)
    counts = []
    for _round in range(2):
        for _n in range(3):
            req = factories.RequestFactory(urgency=Urgency.VITAL, urgency_reason="Réa.")
            factories.submitted(req)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        counts.append(len(captured))
    assert InboxItem.objects.filter(recipient=evaluator).count() == 6
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("role", ["operator_a", "professional", None])
def test_inbox_pages_are_for_staff(request, role):
    user = request.getfixturevalue(role) if role else None
    for url in (INBOX, PREFERENCES):
        assert client_for(user).get(url).status_code == (302 if user is None else 404)


def test_account_email_is_the_outbox_of_inbox_emails(evaluator):
    """Immediate emails are AccountEmail rows: retried and swept like the others."""
    req = factories.RequestFactory(urgency=Urgency.VITAL, urgency_reason="Réa.")
    factories.submitted(req)
    row = InboxItem.objects.get(recipient=evaluator).email
    assert isinstance(row, AccountEmail) and row.recipient_email == evaluator.email


def test_incident_reaches_the_assignee_and_the_grant_proposer(evaluator, senior):
    colleague = factories.UserFactory(evaluator=True, email="collegue@ansm.example")
    req = factories.RequestFactory()
    factories.proposed(req, evaluator)
    assignment.assign(req, senior, colleague)  # the file is handed over before the grant
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    mail.outbox.clear()

    incident = incidents.record_incident(
        req,
        declarant=None,
        declarant_email="dr.roux@chu.example",
        declarant_role="prescriber",
        occurred_on=timezone.localdate(),
        description="Résultat discordant.",
        device_lot="L-42",
        severity="serious",
        patient_outcome="Aucune conséquence.",
    )
    items = InboxItem.objects.filter(kind=InboxKind.INCIDENT)
    assert set(items.values_list("recipient", flat=True)) == {colleague.pk, evaluator.pk}
    assert set(items.values_list("key", flat=True)) == {f"incident:{incident.pk}"}
    for person in (colleague, evaluator):  # immediate by default
        assert len(_mails_about(req.reference, person.email)) == 1
    assert not InboxItem.objects.filter(recipient=senior, kind=InboxKind.INCIDENT).exists()


def test_inbox_emails_are_well_formed_in_the_recipients_language(evaluator, senior):
    """The immediate email and the digest: text and HTML twins, the device's name escaped,
    links that say where they go, in the recipient's language."""
    from tests.email_checks import check_email

    senior.preferred_language = "en"
    senior.save(update_fields=["preferred_language"])
    hostile = "<script>alert(1)</script> & Kit"
    req = factories.RequestFactory(
        urgency=Urgency.VITAL, urgency_reason="Réa.", device_name=hostile
    )
    mail.outbox.clear()
    factories.submitted(req)
    req.refresh_from_db()
    (french,) = _mails_about(req.reference, evaluator.email)
    check_email(french, hostile=(hostile,))
    (english,) = _mails_about(req.reference, senior.email)
    assert "LIFE-THREATENING EMERGENCY" in english.subject
    check_email(english, language="en", hostile=(hostile,))
    EmailPreference.objects.create(user=evaluator, kind=InboxKind.PROPOSAL_TO_SIGN, mode="digest")
    evaluator.role = "senior_evaluator"
    evaluator.save(update_fields=["role"])
    other = factories.RequestFactory(device_name=hostile)
    factories.proposed(other, senior)
    mail.outbox.clear()
    inbox.write_digests(timezone.localdate())
    (digest,) = mail.outbox
    check_email(digest, hostile=(hostile,))
