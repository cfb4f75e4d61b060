"""The thread of a file: operator's members and ANSM staff write, with documents checked
like every other; read/unread per person; an email with a link and never the content."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collaboration import services
from collaboration.models import Message, MessageDocument
from derogations import uploads
from derogations.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Le lot 42 présente une dérive de calibration confidentielle."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, req, data, files=()):
    payload = {f"message-{key}": value for key, value in data.items()}
    if files:
        payload["message-files"] = list(files)
    return client.post(reverse("collaboration:post_message", args=[req.pk]), payload)


def pdf(name="analyse.pdf"):
    return SimpleUploadedFile(name, factories.MINIMAL_PDF, content_type="application/pdf")


def test_operator_writes_with_a_document_and_the_assignee_gets_a_link_only(
    file_a, operator_a, evaluator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(operator_a), file_a, {"body": SECRET_TEXT}, [pdf()])
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.author, message.from_agency, message.body) == (operator_a, False, SECRET_TEXT)
    assert MessageDocument.objects.get().original_name == "analyse.pdf"
    entry = AuditEntry.objects.filter(request=file_a, action="message_sent").get()
    assert entry.actor == operator_a and "analyse.pdf" in entry.comment
    [email] = [m for m in mail.outbox if m.to == ["eva@ansm.example"]]
    thread_url = reverse("collaboration:thread", args=[file_a.pk])
    assert thread_url in email.body
    assert SECRET_TEXT not in email.body and "lot 42" not in email.alternatives[0][0]
    # Nobody else: the operator who wrote is not emailed about their own message.
    assert not [m for m in mail.outbox if operator_a.email in m.to]
    # Unread for the evaluator, read for its author.
    assert list(services.unread_messages(file_a, evaluator)) == [message]
    assert not services.unread_messages(file_a, operator_a).exists()


def test_unread_badge_then_marked_read_up_to_what_was_shown(file_a, operator_a, evaluator):
    first = services.post_message(file_a, operator_a, "Premier message", [])
    evaluator_client = client_for(evaluator)
    page = evaluator_client.get(reverse("reviews:file", args=[file_a.pk]))
    assert "1 non lu" in page.content.decode()
    # A second message arrives after the page was shown: marking read stops at the first.
    services.post_message(file_a, operator_a, "Second message", [])
    response = evaluator_client.post(
        reverse("collaboration:mark_read", args=[file_a.pk]), {"up_to": first.pk}
    )
    assert response.status_code == 302
    assert [m.body for m in services.unread_messages(file_a, evaluator)] == ["Second message"]
    # GET never writes: opening the thread leaves it unread.
    evaluator_client.get(reverse("collaboration:thread", args=[file_a.pk]))
    assert services.unread_messages(file_a, evaluator).count() == 1


def test_staff_asks_for_an_answer_by_a_date_and_the_operator_answer_settles_it(
    file_a, operator_a, evaluator, django_capture_on_commit_callbacks
):
    due = timezone.localdate() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client_for(evaluator), file_a, {"body": "Précisez le lot.", "answer_due": due}
        )
    assert response.status_code == 302
    asked = Message.objects.get()
    assert asked.from_agency and asked.answer_due == due and asked.awaits_answer
    # The clock does not stop: the file stays in review.
    file_a.refresh_from_db()
    assert file_a.status == "in_review" and file_a.clock_stopped_at is None
    # The operator's members are emailed a link.
    assert any(m.to == [operator_a.email] for m in mail.outbox)
    assert (
        "réponse attendue avant le"
        in client_for(operator_a)
        .get(reverse("derogations:detail", args=[file_a.pk]))
        .content.decode()
        .lower()
    )
    # An operator cannot set a due date (the field is not theirs: ignored).
    post(client_for(operator_a), file_a, {"body": "Lot 42.", "answer_due": due})
    reply = Message.objects.latest("pk")
    assert reply.answer_due is None
    asked.refresh_from_db()
    assert asked.answered_at == reply.created_at


def test_bad_input_is_answered_in_french_keeping_what_was_typed(file_a, operator_a):
    fake = SimpleUploadedFile("faux.pdf", b"pas un PDF", content_type="application/pdf")
    response = post(client_for(operator_a), file_a, {"body": "Mon texte tapé"}, [fake])
    assert response.status_code == 400
    body = response.content.decode()
    assert "faux.pdf" in body and "Mon texte tapé" in body
    response = post(client_for(operator_a), file_a, {"body": "  "})
    assert response.status_code == 400 and "Écrivez votre message." in response.content.decode()
    assert not Message.objects.exists()


def test_outsiders_get_404(file_a, file_b, operator_a, org_b):
    message = services.post_message(file_a, operator_a, "Bonjour", [uploads.check_upload(pdf())])
    document = message.documents.get()
    other_operator = factories.operator_of(org_b)
    professional = factories.UserFactory(professional=True, email="dr.roux@chu.example")
    urls = [
        reverse("collaboration:thread", args=[file_a.pk]),
        reverse("collaboration:message_document", args=[file_a.pk, document.pk]),
    ]
    for user in (other_operator, professional):
        for url in urls:
            assert client_for(user).get(url).status_code == 404, (user, url)
        assert post(client_for(user), file_a, {"body": "Intrus"}).status_code == 404
    # A document of file A asked through file B's address: 404 even for staff.
    staff = factories.UserFactory(senior=True)
    url = reverse("collaboration:message_document", args=[file_b.pk, document.pk])
    assert client_for(staff).get(url).status_code == 404
    ok = client_for(operator_a).get(urls[1])
    assert ok.status_code == 200 and ok["Content-Disposition"].startswith("attachment")
    assert b"".join(ok.streaming_content) == factories.MINIMAL_PDF
    assert Message.objects.count() == 1


def test_a_draft_has_no_thread(org_a, operator_a):
    draft = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    assert (
        client_for(operator_a).get(reverse("collaboration:thread", args=[draft.pk])).status_code
        == 404
    )


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_thread_and_the_opinions_page_run_as_many_queries_whatever_they_list(
    file_a, operator_a, evaluator
):
    client = client_for(evaluator)
    thread = reverse("collaboration:thread", args=[file_a.pk])
    opinions = reverse("collaboration:opinions", args=[file_a.pk])
    due = timezone.localdate() + datetime.timedelta(days=9)

    def ask(n: int) -> None:
        services.request_opinion(
            file_a, evaluator, expert_name=f"Expert {n}", expert_email=f"e{n}@univ.example",
            speciality="Génétique", declared_interests="", question="?", due_date=due,
            shared_fields=["device_name"], shared_attachments=list(file_a.attachments.all()),
        )  # fmt: skip

    services.post_message(file_a, operator_a, "Un", [uploads.check_upload(pdf())])
    ask(0)
    few = (_queries(client, thread), _queries(client, opinions))
    for n in range(1, 5):
        services.post_message(file_a, operator_a, f"Message {n}", [uploads.check_upload(pdf())])
        ask(n)
    assert (_queries(client, thread), _queries(client, opinions)) == few
