"""A retention run on the aged demo data (issue 19): the demo seed adds old files, drafts
and emails (retention's seed_retention); a run anonymises or deletes what expired, keeps
everything else, logs what it did on the staff page, and a second run does nothing."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from derogations.enums import Status
from derogations.management.commands.seed_demo import PASSWORD as DEMO_PASSWORD
from derogations.models import Attachment, Consent, DerogationRequest
from notifications.models import AccountEmail, DeliveryStatus
from retention import services
from retention.management.commands.seed_retention import MARK
from retention.models import DraftWarning
from tests.conftest import client_for
from tests.derogations.test_professional_space import rows

pytestmark = pytest.mark.django_db


def _the_demo_prescriber_lands_on_her_space() -> None:
    """The demo's prescriber signs in with the published password and lands on her own
    space, one row per file although several acts concern her on one of them (the seed runs
    here once; the browser test of that space uses factories)."""
    client = Client()
    assert client.login(email="dr.roux@chu-exemple.example", password=DEMO_PASSWORD)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("derogations:pro_dashboard")
    html = response.content.decode()
    references = rows(html)
    assert references and len(references) == len(set(references)), references
    assert re.search(r"\d+ actes en tout", html)


def test_a_retention_run_on_the_aged_demo_data(django_capture_on_commit_callbacks):
    call_command("seed_demo")
    _the_demo_prescriber_lands_on_her_space()
    call_command("seed_retention")  # idempotent: the aged data is added once
    aged = DerogationRequest.objects.filter(device_reference__startswith=MARK).order_by("pk")
    refused, ended, old_draft, recent_draft = aged
    assert refused.status == Status.REFUSED and ended.status == Status.GRANTED
    refused_files = list(Attachment.objects.filter(request=refused).values_list("file", flat=True))
    draft_files = list(Attachment.objects.filter(request=old_draft).values_list("file", flat=True))
    assert refused_files and draft_files
    untouched = {
        req.pk: (req.patient_reference, req.prescriber_email)
        for req in DerogationRequest.objects.exclude(device_reference__startswith=MARK)
    }
    emails_before = AccountEmail.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.apply_retention()

    counts = outcome.counts
    assert outcome.errors == []
    assert counts["request_content"].anonymised == 1
    assert counts["closed_documents"].deleted == len(refused_files)
    assert counts["patient_codes"].anonymised == 1
    assert (counts["drafts"].deleted, counts["drafts"].warned) == (1, 1)
    assert counts["email_texts"].anonymised == 2
    refused.refresh_from_db()
    assert (refused.patient_reference, refused.prescriber_email, refused.contact_email) == ("",) * 3
    assert not refused.attachments.exists()
    assert not any(default_storage.exists(name) for name in refused_files + draft_files)
    ended.refresh_from_db()
    assert ended.patient_reference  # content kept 10 years; the patient code 2 years
    assert Consent.objects.get(request=ended).patient_code == ""
    assert not DerogationRequest.objects.filter(pk=old_draft.pk).exists()
    assert DraftWarning.objects.filter(request=recent_draft).exists()
    operator = recent_draft.created_by
    assert AccountEmail.objects.count() == emails_before + 1
    assert AccountEmail.objects.filter(recipient_email=operator.email).exists()
    assert (
        not AccountEmail.objects.filter(
            status=DeliveryStatus.FAILED, recipient_email__startswith="ancien.contact"
        )
        .exclude(body="")
        .exists()
    )
    # Every other demo file is as it was.
    assert {
        req.pk: (req.patient_reference, req.prescriber_email)
        for req in DerogationRequest.objects.filter(pk__in=untouched)
    } == untouched

    again = services.apply_retention()
    assert all(
        tally.anonymised + tally.deleted + tally.warned == 0 for tally in again.counts.values()
    )

    staff = client_for(User.objects.get(email="evaluateur@ansm.example"))
    page = staff.get(reverse("retention:runs")).content.decode()
    assert page.count("<tr>") == 1 + 2
    assert "1 / 1 / 0" in page  # the refused file's personal data, examined and anonymised
