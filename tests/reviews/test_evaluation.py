"""Evaluating a file: admissibility checklist, complements with a due date, the evaluation
grid required before a proposal, private notes, motivation templates, reminders."""

import datetime
import io
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from derogations import calendar, deadlines, lifecycle
from derogations.enums import DecisionKind, Status
from derogations.models import ComplementRequest
from notifications.letters import render_act_letter
from notifications.models import AccountEmail, DeliveryStatus
from notifications.tasks import sweep_pending
from reviews import services
from reviews.enums import Assessment
from reviews.models import EvaluationGrid, GridRevision, MotivationTemplate, PrivateNote
from reviews.tasks import remind_complements_due
from tests import factories
from tests.conftest import client_for
from tests.harness import free_port

pytestmark = pytest.mark.django_db

GRID = {f"grid-{name}": value for name, value in services.SCENARIO_GRID.items()}


def in_the_past(days: int):
    """The lifecycle's clock ``days`` days ago."""
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.now() - datetime.timedelta(days=days),
    )


def file_url(req) -> str:
    return reverse("reviews:file", args=[req.pk])


# --- Admissibility --------------------------------------------------------------------------


def test_admissibility_checklist_and_motivated_inadmissibility(draft_a, evaluator):
    draft_a.alternatives = "Aucune."  # present, but too short to address the criterion
    draft_a.save()
    factories.submitted(draft_a)
    ev = client_for(evaluator)
    html = ev.get(file_url(draft_a)).content.decode()
    assert "Critère 1 — bénéfice significatif argumenté" in html
    assert "Critère 3 — absence d&#x27;alternative argumentée" in html
    assert "Très succinct" in html and "À vérifier" in html
    response = ev.post(
        reverse("reviews:inadmissible", args=[draft_a.pk]), {"inadmissible-comment": " "}
    )
    assert response.status_code == 400
    assert "Motivez l&#x27;irrecevabilité" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.SUBMITTED
    ev.post(
        reverse("reviews:inadmissible", args=[draft_a.pk]),
        {"inadmissible-comment": "Données de performance absentes."},
    )
    draft_a.refresh_from_db()
    assert draft_a.status == Status.INADMISSIBLE


# --- Complements ----------------------------------------------------------------------------


def test_complements_screen_validates_and_the_operator_sees_questions_and_due_date(
    draft_a, evaluator
):
    factories.in_review(draft_a, evaluator)
    ev = client_for(evaluator)
    suggested = deadlines.default_complement_due_date()
    assert suggested == calendar.add_working_days(timezone.localdate(), 15)
    assert f'value="{suggested.isoformat()}"' in ev.get(file_url(draft_a)).content.decode()
    url = reverse("reviews:complements", args=[draft_a.pk])
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = ev.post(
        url, {"complements-questions": "Rapport complet ?", "complements-due_date": yesterday}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "La date limite de réponse doit être dans le futur." in html
    assert "Rapport complet ?" in html
    response = ev.post(url, {"complements-questions": "", "complements-due_date": "pas une date"})
    html = response.content.decode()
    assert "Formulez au moins une question." in html and "Saisissez une date valide." in html
    assert not ComplementRequest.objects.exists()

    due = timezone.localdate() + datetime.timedelta(days=20)
    ev.post(url, {"complements-questions": "Rapport complet ?", "complements-due_date": due})
    round_ = ComplementRequest.objects.get()
    assert (round_.request_id, round_.due_date, round_.requested_by) == (draft_a.pk, due, evaluator)
    draft_a.refresh_from_db()
    assert draft_a.status == Status.AWAITING_COMPLEMENTS

    operator = client_for(draft_a.created_by)
    detail = reverse("derogations:detail", args=[draft_a.pk])
    html = operator.get(detail).content.decode()
    assert "Rapport complet ?" in html
    assert f"Réponse attendue au plus tard le {due:%d/%m/%Y}" in html
    assert "Date limite dépassée" not in html
    operator.post(
        reverse("derogations:answer_complements", args=[draft_a.pk]), {"answer": "Ci-joint."}
    )
    round_.refresh_from_db()
    assert round_.answer == "Ci-joint." and round_.answered_by == draft_a.created_by
    assert round_.answered_at is not None
    assert "Réponse attendue au plus tard" not in operator.get(detail).content.decode()
    staff_html = ev.get(file_url(draft_a)).content.decode()
    assert "Répondu" in staff_html and "Ci-joint." in staff_html


def test_lifecycle_refuses_a_due_date_today_and_writes_nothing(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)
    with pytest.raises(lifecycle.TransitionError, match="dans le futur"):
        lifecycle.request_complements(draft_a, evaluator, "Question", due_date=timezone.localdate())
    assert not ComplementRequest.objects.exists()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.IN_REVIEW


def late_complements(org, evaluator, **fields):
    """A file whose complements were asked 30 days ago, due 10 days ago."""
    req = factories.RequestFactory(
        organisation=org, created_by=factories.operator_of(org), **fields
    )
    due = timezone.localdate() - datetime.timedelta(days=10)
    with in_the_past(30):
        factories.awaiting_complements(req, evaluator, due_date=due)
    req.refresh_from_db()
    return req


def test_overdue_complements_are_flagged_and_filtered(org_a, evaluator, operator_a):
    late = late_complements(org_a, evaluator, device_name="Retardataire")
    on_time = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(on_time, evaluator)
    on_time.refresh_from_db()
    queue = client_for(evaluator)
    html = queue.get(reverse("reviews:queue")).content.decode()
    assert html.count("Compléments en retard (attendus le") == 1
    html = queue.get(reverse("reviews:queue"), {"complements_overdue": "on"}).content.decode()
    assert late.reference in html and on_time.reference not in html
    assert 'aria-current="page">Compléments en retard' in html
    assert "Compléments en retard" in queue.get(file_url(late)).content.decode()
    operator_html = (
        client_for(late.created_by)
        .get(reverse("derogations:detail", args=[late.pk]))
        .content.decode()
    )
    assert "Date limite dépassée" in operator_html
    # Once answered, no longer late.
    lifecycle.answer_complements(late, late.created_by, "Enfin.")
    html = queue.get(reverse("reviews:queue"), {"complements_overdue": "on"}).content.decode()
    assert late.reference not in html


def test_queue_query_count_does_not_grow_with_complement_requests(
    org_a, evaluator, django_assert_max_num_queries
):
    late_complements(org_a, evaluator)
    client = client_for(evaluator)
    with django_assert_max_num_queries(7):
        client.get(reverse("reviews:queue"))
    for _ in range(5):
        late_complements(org_a, evaluator)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reviews:queue"), {"complements_overdue": "on"})
    assert response.content.decode().count("Compléments en retard (attendus le") == 6


# --- Reminders ------------------------------------------------------------------------------


def test_reminder_at_d_minus_3_is_sent_once(
    org_a, operator_a, evaluator, django_capture_on_commit_callbacks
):
    soon = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(
        soon, evaluator, due_date=timezone.localdate() + datetime.timedelta(days=3)
    )
    later = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(
        later, evaluator, due_date=timezone.localdate() + datetime.timedelta(days=10)
    )
    answered = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(
        answered, evaluator, due_date=timezone.localdate() + datetime.timedelta(days=2)
    )
    lifecycle.answer_complements(answered, operator_a, "Déjà répondu.")
    soon.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_complements_due.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_complements_due.delay().get() == 0  # run twice: nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [soon.contact_email]
    assert soon.reference in message.subject
    assert "Merci de transmettre le rapport complet." in message.body
    assert reverse("derogations:detail", args=[soon.pk]) in message.body
    assert ComplementRequest.objects.get(request=soon).reminded_at is not None
    assert ComplementRequest.objects.get(request=later).reminded_at is None


def test_a_reminder_waits_while_the_smtp_server_is_down_and_goes_later(
    org_a, operator_a, evaluator, settings, django_capture_on_commit_callbacks
):
    """The reminder is written in the outbox with its claim (``reminded_at``): an SMTP
    server down at the daily run keeps it, and the sweep sends it, once, when the server
    is back. (It used to be sent by a task of its own after the claim was committed: a
    refusal past the task's retries lost it, the next runs seeing it reminded.)"""
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.awaiting_complements(
        req, evaluator, due_date=timezone.localdate() + datetime.timedelta(days=2)
    )
    req.refresh_from_db()  # its reference, given at submission
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_complements_due.delay().get() == 1
    (row,) = AccountEmail.objects.filter(recipient_email=req.contact_email)
    assert row.status == DeliveryStatus.FAILED and req.reference in row.subject
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_complements_due.delay().get() == 0  # claimed: not written again
    sweep_pending(older_than_seconds=0)
    sweep_pending(older_than_seconds=0)
    # The sweep also sends what the factories left pending (the complement request's
    # letter): the reminder is the email whose subject is the row's, sent once.
    (message,) = [m for m in mail.outbox if m.subject == row.subject]
    assert message.to == [req.contact_email] and req.reference in message.subject
    assert reverse("derogations:detail", args=[req.pk]) in message.body
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT


def test_reminder_task_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-complements-due"]
    assert entry["task"] == "reviews.tasks.remind_complements_due"


# --- Evaluation grid ------------------------------------------------------------------------


def test_grid_is_versioned_and_kept_as_typed_when_refused(draft_a, evaluator, senior):
    factories.in_review(draft_a, evaluator)
    ev = client_for(evaluator)
    url = reverse("reviews:grid", args=[draft_a.pk])
    bad = {**GRID, "grid-benefit_assessment": "excellent", "grid-benefit_comment": "Mon analyse"}
    response = ev.post(url, bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sélectionnez un choix valide" in html and "Mon analyse" in html
    assert not EvaluationGrid.objects.exists()

    partial = {**GRID, "grid-data_assessment": Assessment.NOT_ASSESSED}
    ev.post(url, partial)
    grid = EvaluationGrid.objects.get(request=draft_a)
    assert grid.version == 1 and grid.updated_by == evaluator
    assert services.missing_grid_items(grid) == ["Données de sécurité et de performance"]
    client_for(senior).post(url, GRID)
    grid.refresh_from_db()
    assert grid.version == 2 and grid.updated_by == senior
    assert services.missing_grid_items(grid) == []
    revisions = list(GridRevision.objects.filter(grid=grid).values_list("version", "saved_by"))
    assert revisions == [(2, senior.pk), (1, evaluator.pk)]
    assert GridRevision.objects.get(version=1).data["data_assessment"] == "not_assessed"


def test_grid_required_before_proposal(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)

    def propose():
        return lifecycle.propose_decision(
            draft_a,
            evaluator,
            kind=DecisionKind.REFUSAL,
            motivation="Considérant qu'une alternative existe.",
        )

    with pytest.raises(lifecycle.TransitionError, match="grille d'évaluation est incomplète"):
        propose()
    services.save_grid(draft_a, evaluator, {**services.SCENARIO_GRID, "conclusion": "   "})
    with pytest.raises(lifecycle.TransitionError, match="conclusion bénéfice/risque"):
        propose()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.IN_REVIEW
    services.save_grid(draft_a, evaluator, services.SCENARIO_GRID)
    propose()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    # Proposed: the grid is frozen (until a send-back).
    with pytest.raises(lifecycle.TransitionError, match="ne peut plus être modifiée"):
        services.save_grid(draft_a, evaluator, services.SCENARIO_GRID)


def test_operator_cannot_write_a_grid_even_through_the_service(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)
    with pytest.raises(lifecycle.TransitionError, match="droit"):
        services.save_grid(draft_a, draft_a.created_by, services.SCENARIO_GRID)


# --- Private notes --------------------------------------------------------------------------

SECRET = "Note interne : le fabricant a déjà eu un avertissement."


def test_private_notes_are_never_shown_outside_ansm(draft_a, evaluator, senior, professional):
    ev = client_for(evaluator)
    factories.in_review(draft_a, evaluator)
    response = ev.post(reverse("reviews:note", args=[draft_a.pk]), {"note-text": "  "})
    assert response.status_code == 400 and "La note est vide." in response.content.decode()
    ev.post(reverse("reviews:note", args=[draft_a.pk]), {"note-text": SECRET})
    note = PrivateNote.objects.get()
    assert (note.author, note.text) == (evaluator, SECRET)
    assert SECRET.split(" : ")[1] in ev.get(file_url(draft_a)).content.decode().replace(
        "&#x27;", "'"
    )
    # Through to an issued decision whose letter the operator and the prescriber read.
    services.save_grid(draft_a, evaluator, services.SCENARIO_GRID)
    lifecycle.propose_decision(
        draft_a,
        evaluator,
        kind=DecisionKind.GRANT,
        motivation="Bénéfice établi.",
        valid_until=timezone.localdate() + datetime.timedelta(days=90),
    )
    decision = lifecycle.validate_decision(draft_a, senior)
    draft_a.refresh_from_db()
    hidden = "avertissement"
    operator = client_for(draft_a.created_by)
    for url in (
        reverse("derogations:dashboard"),
        reverse("derogations:detail", args=[draft_a.pk]),
    ):
        assert hidden not in operator.get(url).content.decode(), url
    pro_html = (
        client_for(professional)
        .get(reverse("derogations:detail", args=[draft_a.pk]))
        .content.decode()
    )
    assert hidden not in pro_html
    verify = client_for(None).get(
        reverse("derogations:verify"), {"code": decision.verification_code}
    )
    assert "authentique" in verify.content.decode() and hidden not in verify.content.decode()
    export = client_for(evaluator).get(reverse("reviews:export_csv"))
    assert hidden not in b"".join(export.streaming_content).decode()
    letter = render_act_letter(decision)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letter)).pages)
    assert draft_a.reference in text and hidden not in text
    assert all(hidden not in m.body for m in mail.outbox)


# --- Proposal with motivation templates -------------------------------------------------------


def test_templates_are_seeded_by_migration_for_both_decisions():
    kinds = set(MotivationTemplate.objects.active().values_list("kind", flat=True))
    assert kinds == {DecisionKind.GRANT, DecisionKind.REFUSAL}
    assert MotivationTemplate.objects.count() >= 6
    assert all("Considérant" in t.body for t in MotivationTemplate.objects.all())
    # The visas are written once by the letter (letters/_vu.html), never by a template.
    assert not any("Vu " in t.body for t in MotivationTemplate.objects.all())


def test_insert_template_without_javascript_keeps_what_was_typed(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)
    template = MotivationTemplate.objects.filter(kind=DecisionKind.REFUSAL).first()
    MotivationTemplate.objects.create(
        title="Ancien modèle", kind=DecisionKind.GRANT, body="Texte retiré", active=False
    )
    ev = client_for(evaluator)
    url = reverse("reviews:propose", args=[draft_a.pk])
    page = ev.get(file_url(draft_a)).content.decode()
    assert "Insérer le modèle" in page and "Ancien modèle" not in page
    assert "js/motivation-templates.js" in page
    response = ev.post(
        url,
        {
            "kind": "",
            "template": template.pk,
            "motivation": "Vu la demande du 3 novembre ;",
            "conditions": "Lots tracés",
            "insert_template": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire" not in html  # nothing was submitted yet
    # The seeded template has no visas: the letter writes them (letters/_vu.html).
    assert "Vu la demande du 3 novembre ;\n\nConsidérant" in html
    assert "Lots tracés" in html
    assert 'value="refusal" id="id_kind_1" checked' in html  # the template's decision
    draft_a.refresh_from_db()
    assert draft_a.status == Status.IN_REVIEW  # inserting proposes nothing
    # No template chosen: said in French, the text stays.
    response = ev.post(url, {"motivation": "Mon texte", "insert_template": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez un modèle de motivation à insérer." in html and "Mon texte" in html


def test_nobody_validates_their_own_proposal_on_screen(draft_a, senior, other_senior):
    factories.proposed(draft_a, senior)
    own = client_for(senior)
    html = own.get(file_url(draft_a)).content.decode()
    assert "Valider et signer la décision" not in html
    assert "Vous ne pouvez pas valider votre propre proposition" in html
    response = own.post(reverse("reviews:validate", args=[draft_a.pk]), follow=True)
    assert "propre proposition" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    client_for(other_senior).post(reverse("reviews:validate", args=[draft_a.pk]))
    draft_a.refresh_from_db()
    assert draft_a.status == Status.GRANTED


def test_motivation_templates_are_managed_in_the_admin(administrator):
    client = client_for(administrator)
    response = client.get(reverse("admin:reviews_motivationtemplate_changelist"))
    assert response.status_code == 200
    assert "Refus — alternative marquée CE disponible" in response.content.decode()
