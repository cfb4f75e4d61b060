"""The retention policy (issue 19): each kind of data expired or not, what a derogation in
force still needs kept, the dry run, a second run that does nothing, files removed from the
storage, the durations stated on the "Données personnelles" page and the staff page of runs.

Data is aged by running the policy at a later ``now`` (the same dates the portal writes).
"""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from collaboration import services as collaboration
from collaboration.models import MessageDocument
from derogations import scenarios, uploads
from derogations.enums import DeclarantRole, DerogationStatus, IncidentSeverity, Status
from derogations.management.commands.seed_demo import demo_pdf
from derogations.models import (
    Attachment,
    Consent,
    Decision,
    Derogation,
    DerogationRequest,
    Incident,
)
from notifications.models import AccountEmail, Delivery, DeliveryStatus
from retention import services
from retention.models import DraftWarning, RetentionRun
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY


@pytest.fixture
def cast(operator_a, evaluator, senior):
    return scenarios.Cast(operator_a, evaluator, senior)


def file_in(state, cast, **fields):
    req = factories.RequestFactory(
        organisation=cast.operator.memberships.get().organisation,
        created_by=cast.operator,
        **fields,
    )
    return scenarios.bring_to(req, state, cast)


def run_at(later, **kwargs):
    return services.apply_retention(now=timezone.now() + later, **kwargs)


def personal(req):
    req.refresh_from_db()
    return {name: getattr(req, name) for name in services.PERSONAL_FIELDS if getattr(req, name)}


def in_force_until(req, day):
    Derogation.objects.filter(request=req).update(valid_until=day)


def test_personal_data_of_a_refused_file_anonymised_ten_years_after_the_refusal(cast):
    refused = file_in(Status.REFUSED, cast)
    assert personal(refused)
    assert run_at(9 * YEAR).counts["request_content"].anonymised == 0
    assert personal(refused)
    outcome = run_at(10 * YEAR + 2 * DAY)
    assert outcome.counts["request_content"].anonymised == 1
    assert personal(refused) == {}
    refused.refresh_from_db()
    # The decision and the device data stay.
    assert refused.status == Status.REFUSED and refused.device_name == "GenoRare PCR Kit"
    assert Decision.objects.filter(request=refused, kind="refusal").exists()


def test_a_derogation_in_force_keeps_everything(cast):
    granted = file_in(Status.GRANTED, cast)
    in_force_until(granted, timezone.localdate() + 20 * YEAR)
    outcome = run_at(15 * YEAR)
    assert outcome.counts["request_content"].examined == 0
    assert personal(granted)
    assert granted.attachments.count() > 0


def test_a_suspended_derogation_keeps_everything(cast, senior):
    from derogations import followup

    granted = file_in(Status.GRANTED, cast)
    followup.suspend(granted, senior, "Incident grave en cours d'analyse.")
    assert Derogation.objects.get(request=granted).status == DerogationStatus.SUSPENDED
    in_force_until(granted, timezone.localdate() + 20 * YEAR)
    run_at(15 * YEAR)
    assert personal(granted)


def test_an_ended_derogation_is_anonymised_unless_an_incident_is_still_open(cast):
    ended, with_incident = file_in(Status.GRANTED, cast), file_in(Status.GRANTED, cast)
    incident = Incident.objects.create(
        request=with_incident,
        declarant_email="dr.roux@chu.example",
        declarant_role=DeclarantRole.PRESCRIBER,
        occurred_on=timezone.localdate(),
        description="Résultat discordant.",
        device_lot="L1",
        severity=IncidentSeverity.NOT_SERIOUS,
        patient_outcome="Aucune.",
    )
    outcome = run_at(11 * YEAR)  # the derogations ended 180 days after today
    assert outcome.counts["request_content"].anonymised == 1
    assert personal(ended) == {}
    assert personal(with_incident)
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=timezone.now())
    run_at(11 * YEAR)
    assert personal(with_incident) == {}


def test_a_file_renewed_by_a_derogation_in_force_is_kept(cast):
    first = file_in(Status.GRANTED, cast, global_kind=True)
    renewal = file_in(Status.GRANTED, cast, global_kind=True, renewal_of=first)
    in_force_until(renewal, timezone.localdate() + 20 * YEAR)
    outcome = run_at(11 * YEAR)
    assert outcome.counts["request_content"].anonymised == 0
    first.refresh_from_db()
    assert first.director_email


def test_documents_of_a_refused_file_deleted_after_five_years_with_their_files(
    cast, django_capture_on_commit_callbacks
):
    refused = file_in(Status.REFUSED, cast)
    message = collaboration.post_message(
        refused,
        cast.operator,
        "Voici le rapport.",
        [uploads.check_upload(SimpleUploadedFile("rapport.pdf", demo_pdf("Rapport")))],
    )
    names = [a.file.name for a in refused.attachments.all()]
    names.append(message.documents.get().file.name)
    assert names and all(default_storage.exists(name) for name in names)
    granted = file_in(Status.GRANTED, cast)
    in_force_until(granted, timezone.localdate() + 20 * YEAR)
    assert run_at(4 * YEAR).counts["closed_documents"].deleted == 0
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_at(5 * YEAR + 2 * DAY)
    assert outcome.counts["closed_documents"].deleted == len(names)
    assert not refused.attachments.exists()
    assert not MessageDocument.objects.filter(message=message).exists()
    assert not any(default_storage.exists(name) for name in names)
    # The refusal letter and the message itself stay; the granted file keeps its documents.
    assert Decision.objects.filter(request=refused, kind="refusal").exists()
    assert message.body == "Voici le rapport."
    assert granted.attachments.count() > 0


def test_patient_codes_erased_two_years_after_the_derogation_ended(cast):
    ended, in_force = file_in(Status.GRANTED, cast), file_in(Status.GRANTED, cast)
    in_force_until(in_force, timezone.localdate() + 20 * YEAR)
    consents = [
        Consent.objects.create(
            request=req,
            informed_on=timezone.localdate(),
            consented_on=timezone.localdate(),
            professional_email="dr.roux@chu.example",
            patient_code="CHU-0042",
            information_note="Informé en présence de sa fille.",
        )
        for req in (ended, in_force)
    ]
    assert run_at(YEAR).counts["patient_codes"].anonymised == 0
    outcome = run_at(3 * YEAR)
    assert outcome.counts["patient_codes"].anonymised == 1
    for consent in consents:
        consent.refresh_from_db()
    assert (consents[0].patient_code, consents[0].information_note) == ("", "")
    assert consents[0].outcome == "given" and consents[0].consented_on
    assert consents[1].patient_code == "CHU-0042"
    # The file's own content stays until its own, longer duration.
    assert personal(ended)


def test_an_old_draft_is_warned_then_deleted_with_its_files(
    draft_a, django_capture_on_commit_callbacks
):
    names = [a.file.name for a in draft_a.attachments.all()]
    assert names
    assert run_at(300 * DAY).counts["drafts"].warned == 0
    outcome = run_at(340 * DAY)
    assert outcome.counts["drafts"].warned == 1
    email = AccountEmail.objects.get(recipient_email=draft_a.created_by.email)
    assert "supprimé" in email.subject
    assert run_at(341 * DAY).counts["drafts"].warned == 0  # warned once
    # A year without change, but the warning is only 26 days old: kept.
    assert run_at(366 * DAY).counts["drafts"].deleted == 0
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_at(371 * DAY)
    assert outcome.counts["drafts"].deleted == 1
    assert not DerogationRequest.objects.filter(pk=draft_a.pk).exists()
    assert not Attachment.objects.filter(request_id=draft_a.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_draft_changed_after_the_warning_is_warned_again_not_deleted(draft_a):
    run_at(340 * DAY)
    later = timezone.now() + 350 * DAY
    DerogationRequest.objects.filter(pk=draft_a.pk).update(updated_at=later)
    outcome = run_at(400 * DAY)
    assert outcome.counts["drafts"].deleted == 0
    assert DerogationRequest.objects.filter(pk=draft_a.pk).exists()


def test_email_texts_blanked_a_year_after_sending_metadata_kept(evaluator, cast):
    failed = AccountEmail.objects.create(
        recipient_email="x@example.org",
        subject="[ANSM] Lien",
        body="Votre lien : https://portail.example/jeton",
        html_body="<p>lien</p>",
        status=DeliveryStatus.FAILED,
        last_error="550 no such user",
    )
    pending = AccountEmail.objects.create(
        recipient_email="y@example.org", subject="[ANSM] Lien", body="Texte à envoyer"
    )
    refused = file_in(Status.REFUSED, cast)
    Delivery.objects.filter(decision__request=refused).update(
        status=DeliveryStatus.FAILED, last_error="550 user unknown"
    )
    assert run_at(200 * DAY).counts["email_texts"].anonymised == 0
    outcome = run_at(YEAR + DAY)
    assert outcome.counts["email_texts"].anonymised >= 2
    failed.refresh_from_db()
    assert (failed.body, failed.html_body, failed.last_error) == ("", "", "")
    assert (failed.recipient_email, failed.subject, failed.status) == (
        "x@example.org",
        "[ANSM] Lien",
        DeliveryStatus.FAILED,
    )
    pending.refresh_from_db()
    assert pending.body == "Texte à envoyer"  # still to send
    assert not Delivery.objects.filter(decision__request=refused).exclude(last_error="").exists()


def test_expired_sessions_deleted():
    alive, expired = SessionStore(), SessionStore()
    alive.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - DAY)
    outcome = services.apply_retention()
    assert outcome.counts["sessions"].deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]


def test_the_audit_trail_is_counted_never_changed(cast):
    refused = file_in(Status.REFUSED, cast)
    entries = list(refused.audit_entries.values_list("pk", "comment"))
    outcome = run_at(11 * YEAR)
    assert outcome.counts["audit_trail"].examined == len(entries) > 0
    assert list(refused.audit_entries.values_list("pk", "comment")) == entries


def test_a_dry_run_counts_and_writes_nothing(cast, draft_a):
    refused = file_in(Status.REFUSED, cast)
    before, emails = personal(refused), AccountEmail.objects.count()
    outcome = run_at(11 * YEAR, dry_run=True)
    assert outcome.run is None and not RetentionRun.objects.exists()
    assert outcome.counts["request_content"].anonymised == 1
    assert outcome.counts["closed_documents"].deleted == refused.attachments.count() > 0
    assert outcome.counts["drafts"].warned == 1
    assert personal(refused) == before
    assert not DraftWarning.objects.exists()
    assert AccountEmail.objects.count() == emails


def test_a_second_run_does_nothing(cast, draft_a, django_capture_on_commit_callbacks):
    file_in(Status.REFUSED, cast)
    granted = file_in(Status.GRANTED, cast)
    Consent.objects.create(
        request=granted,
        informed_on=timezone.localdate(),
        consented_on=timezone.localdate(),
        professional_email="dr.roux@chu.example",
        patient_code="CHU-1",
    )
    first = run_at(11 * YEAR)
    done = {
        kind: tally.anonymised + tally.deleted + tally.warned
        for kind, tally in first.counts.items()
    }
    assert all(done[kind] for kind in ("request_content", "closed_documents", "patient_codes"))
    second = run_at(11 * YEAR)
    assert {
        kind: tally.anonymised + tally.deleted + tally.warned
        for kind, tally in second.counts.items()
    } == dict.fromkeys(services.KINDS, 0)
    assert RetentionRun.objects.count() == 2
    logged = RetentionRun.objects.order_by("pk").first()
    assert logged.finished_at and logged.errors == []
    assert logged.counts["request_content"]["anonymised"] == 2  # refused and ended


def test_the_privacy_page_states_the_configured_durations(client, settings):
    settings.RETENTION = {**settings.RETENTION, "patient_codes": 3 * 365, "email_texts": 90}
    settings.SESSION_COOKIE_AGE = 4 * 3600
    page = client.get(reverse("pages:privacy")).content.decode()
    assert "Codes patients pseudonymisés des informations et consentements : 3 ans" in page
    assert "Texte des courriels envoyés par le portail : 3 mois" in page
    assert "Sessions de connexion : 4 heures" in page
    assert "Journal des actions sur les dossiers : 10 ans" in page


@override_settings(LANGUAGE_CODE="fr")
def test_the_runs_page_lists_the_runs_for_staff_only(
    cast, evaluator, operator_a, django_assert_num_queries
):
    file_in(Status.REFUSED, cast)
    run_at(11 * YEAR)
    services.apply_retention()
    url = reverse("retention:runs")
    staff = client_for(evaluator)
    staff.get(url)  # the session and the user read once
    with django_assert_num_queries(3):  # session, user, runs
        page = staff.get(url).content.decode()
    assert page.count("<tr>") == 1 + 2
    assert "Données des dossiers" in page and "Durées appliquées" in page
    assert client_for(operator_a).get(url).status_code == 404


def test_a_draft_that_cannot_be_deleted_is_reported_and_the_run_goes_on(draft_a, cast):
    from collaboration.models import Message

    Message.objects.create(request=draft_a, author=draft_a.created_by, from_agency=False, body="?")
    refused = file_in(Status.REFUSED, cast)
    run_at(340 * DAY)
    outcome = run_at(11 * YEAR)
    assert [error["kind"] for error in outcome.errors] == ["drafts"]
    assert "ProtectedError" in outcome.errors[0]["error"]
    assert DerogationRequest.objects.filter(pk=draft_a.pk).exists()
    assert personal(refused) == {}  # the other kinds ran
    assert outcome.run.errors == outcome.errors


def test_the_nightly_task_is_scheduled_and_logs_a_run(settings):
    from celery import current_app

    from retention import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "retention.tasks.apply_retention" in current_app.tasks
    run_pk = tasks.apply_retention.delay().get()
    assert RetentionRun.objects.get().pk == run_pk


def test_the_command_dry_run_prints_counts_and_writes_nothing(cast):
    from io import StringIO

    from django.core.management import call_command

    file_in(Status.REFUSED, cast)
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "dry run: nothing written" in out.getvalue()
    assert "request_content" in out.getvalue()
    assert not RetentionRun.objects.exists()
    call_command("apply_retention", stdout=out)
    assert RetentionRun.objects.count() == 1


def test_a_storage_down_leaves_the_file_and_fails_nothing(
    cast, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    refused = file_in(Status.REFUSED, cast)
    names = [a.file.name for a in refused.attachments.all()]

    def down(name):
        raise OSError("storage unavailable")

    monkeypatch.setattr(default_storage, "delete", down)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_at(6 * YEAR)
    assert outcome.counts["closed_documents"].deleted == len(names) > 0
    assert not refused.attachments.exists()
    assert all(default_storage.exists(name) for name in names)
    assert "could not delete a stored file" in caplog.text
