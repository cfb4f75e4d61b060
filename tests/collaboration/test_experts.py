"""Expert opinions: asked by an evaluator, answered through a signed, expiring link that
opens one opinion request and what was shared from its file, nothing else."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from collaboration import links, services, tasks
from collaboration.models import ExpertOpinion, ExpertReminder, OpinionStatus
from derogations.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

SECRET_ANSWER = "Avis réservé : la sensibilité annoncée n'est pas démontrée."


def ask(req, evaluator, **overrides):
    data = {
        "expert_name": "Pr Jeanne Morel",
        "expert_email": "j.morel@univ.example",
        "speciality": "Génétique moléculaire",
        "declared_interests": "Aucun lien avec l'opérateur.",
        "question": "La performance analytique est-elle suffisante ?",
        "due_date": timezone.localdate() + datetime.timedelta(days=10),
        "shared_fields": ["device_name", "safety_performance_data"],
        "shared_attachments": [req.attachments.order_by("pk").first()],
    }
    return services.request_opinion(req, evaluator, **{**data, **overrides})


def emailed_path(to: str) -> str:
    [email] = [m for m in mail.outbox if m.to == [to]]
    return re.search(r"https?://[^/\s]+(/avis-expert/\S+/)", email.body).group(1)


def test_the_evaluator_asks_from_the_page_and_the_expert_gets_a_link(
    file_a, evaluator, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(evaluator)
    shared = file_a.attachments.order_by("pk").first()
    data = {
        "opinion-expert_name": "Pr Jeanne Morel",
        "opinion-expert_email": "j.morel@univ.example",
        "opinion-speciality": "Génétique",
        "opinion-question": "Votre avis ?",
        "opinion-due_date": "2000-01-01",
        "opinion-shared_fields": ["device_name"],
        "opinion-shared_attachments": [shared.pk],
    }
    url = reverse("collaboration:ask_expert", args=[file_a.pk])
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "doit être dans le futur" in refused.content.decode()
    assert "Pr Jeanne Morel" in refused.content.decode()  # kept as typed
    data["opinion-due_date"] = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    opinion = ExpertOpinion.objects.get()
    assert list(opinion.shared_attachments.all()) == [shared]
    assert emailed_path("j.morel@univ.example").startswith("/avis-expert/")
    page = client.get(reverse("reviews:file", args=[file_a.pk])).content.decode()
    assert "Pr Jeanne Morel" in page and "Demandé" in page


def test_the_expert_declares_no_conflict_sees_what_was_shared_and_answers(
    file_a, operator_a, evaluator, django_capture_on_commit_callbacks
):
    hidden = factories.attach(file_a, "other", name="non-partage.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        opinion = ask(file_a, evaluator)
    path = emailed_path("j.morel@univ.example")
    token = path.split("/")[2]
    expert = Client()
    before = expert.get(path).content.decode()
    # Before the declaration: the question and who is concerned, not the file's content.
    assert "La performance analytique" in before and file_a.organisation.name in before
    assert escape(file_a.safety_performance_data) not in before
    shared = opinion.shared_attachments.get()
    document_url = reverse("collaboration:expert_document", args=[token, shared.pk])
    assert expert.get(document_url).status_code == 404
    response = expert.post(
        reverse("collaboration:expert_declare", args=[token]),
        {"declaration-choice": "no_conflict"},
    )
    assert response.status_code == 302
    after = expert.get(path).content.decode()
    assert escape(file_a.safety_performance_data) in after
    assert escape(file_a.justification) not in after and file_a.patient_reference not in after
    download = expert.get(document_url)
    assert download.status_code == 200
    b"".join(download.streaming_content)
    not_shared = reverse("collaboration:expert_document", args=[token, hidden.pk])
    assert expert.get(not_shared).status_code == 404
    report = SimpleUploadedFile("avis.pdf", factories.MINIMAL_PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = expert.post(
            reverse("collaboration:expert_answer", args=[token]),
            {"answer-answer": SECRET_ANSWER, "answer-files": [report]},
        )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.ANSWERED and opinion.documents.count() == 1
    # The evaluator is told (a link, not the opinion); the operator never sees it.
    [told] = [m for m in mail.outbox if m.to == ["eva@ansm.example"]]
    assert SECRET_ANSWER not in told.body
    operator = Client()
    operator.force_login(operator_a)
    detail = operator.get(reverse("derogations:detail", args=[file_a.pk])).content.decode()
    assert escape(SECRET_ANSWER) not in detail and "Morel" not in detail
    actions = set(AuditEntry.objects.filter(request=file_a).values_list("action", flat=True))
    assert {"expert_opinion_requested", "expert_no_conflict", "expert_opinion_answered"} <= actions
    # A second answer through the same link: a French message, nothing changes.
    again = expert.post(
        reverse("collaboration:expert_answer", args=[token]),
        {"answer-answer": "Autre avis"},
        follow=True,
    )
    assert "Action déjà effectuée" in again.content.decode()
    opinion.refresh_from_db()
    assert opinion.answer == SECRET_ANSWER


def test_the_expert_declines_for_a_conflict_of_interest(file_a, evaluator):
    opinion = ask(file_a, evaluator)
    token = links.link_token(opinion)
    expert = Client()
    url = reverse("collaboration:expert_declare", args=[token])
    refused = expert.post(url, {"declaration-choice": "decline"})
    assert refused.status_code == 400
    assert "Indiquez le motif du refus." in refused.content.decode()
    assert (
        expert.post(
            url, {"declaration-choice": "decline", "declaration-reason": "Consultant du fabricant."}
        ).status_code
        == 302
    )
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.DECLINED
    assert opinion.decline_reason == "Consultant du fabricant."
    page = expert.get(reverse("collaboration:expert", args=[token])).content.decode()
    assert escape(file_a.safety_performance_data) not in page


def test_a_link_for_file_a_cannot_open_file_b(file_a, file_b, evaluator):
    opinion = ask(file_a, evaluator)
    opinion_b = ask(file_b, evaluator, expert_email="autre@univ.example")
    services.declare_no_conflict(opinion)
    token = links.link_token(opinion)
    attachment_b = opinion_b.shared_attachments.get()
    url = reverse("collaboration:expert_document", args=[token, attachment_b.pk])
    assert Client().get(url).status_code == 404
    page = Client().get(reverse("collaboration:expert", args=[token])).content.decode()
    assert file_b.reference not in page and file_a.reference in page


def test_expired_and_forged_links_get_a_french_page(file_a, evaluator):
    opinion = ask(file_a, evaluator)
    old = signing.b62_encode(int(time.time()) - 31 * 86400)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=old):
        token = links.link_token(opinion)
    response = Client().get(reverse("collaboration:expert", args=[token]))
    assert response.status_code == 410
    assert "Ce lien de demande d'avis a expiré" in response.content.decode()
    response = Client().post(
        reverse("collaboration:expert_declare", args=[token]), {"declaration-choice": "no_conflict"}
    )
    assert response.status_code == 410
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.REQUESTED
    forged = Client().get(reverse("collaboration:expert", args=[token[:-2] + "xx"]))
    assert forged.status_code == 400
    assert "n'est pas valide" in forged.content.decode()


def test_reminders_are_sent_once_each(file_a, evaluator, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    opinion = ask(file_a, evaluator, due_date=today + datetime.timedelta(days=6))
    ExpertOpinion.objects.filter(pk=opinion.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    answered = ask(file_a, evaluator, expert_email="fini@univ.example", due_date=opinion.due_date)
    ExpertOpinion.objects.filter(pk=answered.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    services.declare_no_conflict(answered)
    services.answer_opinion(answered, "Avis.", [])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_experts(today) == 1  # the 7-day reminder
        assert tasks.remind_experts(today) == 0  # run again: nothing more
    assert [m.to for m in mail.outbox] == [["j.morel@univ.example"]]
    assert "/avis-expert/" in mail.outbox[0].body
    # Two days before: the 2-day reminder, once.
    later = today + datetime.timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_experts(later) == 1
        assert tasks.remind_experts(later) == 0
    assert set(ExpertReminder.objects.values_list("days_before", flat=True)) == {2, 7}
    assert len(mail.outbox) == 2


def test_the_reminder_task_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["remind-experts-due"]
    assert entry["task"] == tasks.remind_experts_due.name
