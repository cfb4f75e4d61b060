"""Issue 19's leftovers on the thread: staff mark a message the agency sent as awaiting an
answer by a date (or clear it); an operator's message that no agent follows yet reaches
the file's team (or every evaluator) in their inbox; the admin shows the collaboration
read-only."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collaboration import services
from collaboration.models import ExpertOpinion, Message
from derogations.lifecycle import TransitionError
from derogations.models import AuditEntry, RoutingRule, Team
from notifications.models import InboxItem, InboxKind
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def due_url(req, message) -> str:
    return reverse("collaboration:answer_due", args=[req.pk, message.pk])


# --- (a) An answer awaited by a date, set after sending -------------------------------------


def test_staff_mark_a_sent_message_as_awaiting_an_answer_then_clear_it(file_a, evaluator):
    message = services.post_message(file_a, evaluator, "Pouvez-vous préciser le lot ?", [])
    client = client_for(evaluator)
    due = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(due_url(file_a, message), {"due-answer_due": due})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.answer_due == due and message.awaits_answer
    entry = AuditEntry.objects.filter(request=file_a, action="message_answer_due").get()
    assert due.strftime("%d/%m/%Y") in entry.comment
    response = client.post(due_url(file_a, message), {"due-clear": "on"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.answer_due is None
    assert AuditEntry.objects.filter(request=file_a, action="message_answer_due").count() == 2


def test_a_bad_date_is_answered_in_french_keeping_what_was_typed(file_a, evaluator):
    message = services.post_message(file_a, evaluator, "Question", [])
    client = client_for(evaluator)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(due_url(file_a, message), {"due-answer_due": past})
    assert response.status_code == 400
    html = response.content.decode()
    assert "La date de réponse attendue doit être dans le futur." in html
    assert f'value="{past:%Y-%m-%d}"' in html
    response = client.post(due_url(file_a, message), {"due-answer_due": "31/02"})
    assert response.status_code == 400
    assert "Saisissez une date valide" in response.content.decode()
    message.refresh_from_db()
    assert message.answer_due is None


def test_only_staff_and_only_on_an_agency_message(file_a, evaluator, operator_a):
    from_operator = services.post_message(file_a, operator_a, "Voici le lot.", [])
    due = timezone.localdate() + datetime.timedelta(days=5)
    data = {"due-answer_due": due}
    assert client_for(operator_a).post(due_url(file_a, from_operator), data).status_code == 404
    response = client_for(evaluator).post(due_url(file_a, from_operator), data, follow=True)
    assert "Seul un message de l&#x27;ANSM peut attendre une réponse." in response.content.decode()
    from_operator.refresh_from_db()
    assert from_operator.answer_due is None
    with pytest.raises(TransitionError):
        services.set_answer_due(from_operator, operator_a, due)


# --- (b) An operator's message nobody at the agency follows yet ------------------------------


def unattended_file(org_a, operator_a, evaluator):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.submitted(req)
    req.refresh_from_db()
    return req


def test_an_unattended_operator_message_reaches_the_team(
    org_a, operator_a, evaluator, django_capture_on_commit_callbacks
):
    member = factories.UserFactory(evaluator=True, email="membre@ansm.example")
    factories.UserFactory(evaluator=True, email="autre@ansm.example")  # not in the team
    team = Team.objects.create(name="Génétique")
    team.members.add(member)
    RoutingRule.objects.create(team=team, priority=1)
    req = unattended_file(org_a, operator_a, evaluator)
    assert req.team == team
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(req, operator_a, "Le lot 42 est confidentiel.", [])
    items = InboxItem.objects.filter(request=req, kind=InboxKind.OPERATOR_MESSAGE)
    assert list(items.values_list("recipient__email", flat=True)) == ["membre@ansm.example"]
    [email] = [m for m in mail.outbox if m.to == ["membre@ansm.example"]]
    assert "lot 42" not in email.body.lower()  # a link, never the content
    # Once an agent wrote in the thread, the next operator message goes to them only.
    services.post_message(req, member, "Bien reçu.", [])
    services.post_message(req, operator_a, "Merci.", [])
    assert items.count() == 1


def test_without_a_team_every_evaluator_is_told(org_a, operator_a, evaluator):
    req = unattended_file(org_a, operator_a, evaluator)
    assert req.team is None
    services.post_message(req, operator_a, "Bonjour", [])
    items = InboxItem.objects.filter(request=req, kind=InboxKind.OPERATOR_MESSAGE)
    assert list(items.values_list("recipient__email", flat=True)) == ["eva@ansm.example"]


def test_an_assigned_file_tells_its_assignee_not_the_team(file_a, operator_a):
    services.post_message(file_a, operator_a, "Bonjour", [])
    assert not InboxItem.objects.filter(kind=InboxKind.OPERATOR_MESSAGE).exists()


# --- (c) The admin --------------------------------------------------------------------------


def test_the_admin_lists_messages_and_opinions_read_only(file_a, evaluator):
    message = services.post_message(file_a, evaluator, "Question", [])
    opinion = services.request_opinion(
        file_a, evaluator, expert_name="Dr Expert", expert_email="expert@chu.example",
        speciality="Génétique", declared_interests="", question="Votre avis ?",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
        shared_fields=[], shared_attachments=[],
    )  # fmt: skip
    admin = client_for(factories.UserFactory(administrator=True))
    assert admin.get(reverse("admin:collaboration_message_changelist")).status_code == 200
    page = admin.get(reverse("admin:collaboration_expertopinion_changelist")).content.decode()
    assert "Dr Expert" in page
    assert (
        admin.get(reverse("admin:collaboration_message_change", args=[message.pk])).status_code
        == 200
    )
    assert admin.get(reverse("admin:collaboration_expertopinion_add")).status_code == 403
    response = admin.post(
        reverse("admin:collaboration_expertopinion_change", args=[opinion.pk]),
        {"expert_name": "Autre"},
    )
    assert response.status_code == 403
    assert ExpertOpinion.objects.get(pk=opinion.pk).expert_name == "Dr Expert"
    assert Message.objects.get(pk=message.pk).body == "Question"


def test_the_admin_edits_teams_and_rules(evaluator):
    admin = client_for(factories.UserFactory(administrator=True))
    response = admin.post(
        reverse("admin:derogations_team_add"),
        {"name": "Infectiologie", "description": "", "members": [evaluator.pk], "active": "on",
         "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0",
         "rules-0-priority": "5", "rules-0-ivd_classes": ["D"], "rules-0-kind": "",
         "rules-0-urgency": "vital", "rules-0-device_keyword": "virus", "rules-0-active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RoutingRule.objects.get()
    assert (rule.team.name, rule.ivd_classes, rule.urgency) == ("Infectiologie", ["D"], "vital")
    page = admin.get(reverse("admin:derogations_routingrule_changelist")).content.decode()
    assert "première dont toutes les conditions correspondent" in page
