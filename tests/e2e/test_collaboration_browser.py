"""In headless Chromium (issue 19): the operator writes on the file's thread with a
document, the evaluator opens the emailed link (after signing in), sees the unread badge and
answers; an expert answers through the signed link of their email, another declines for a
conflict of interest."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from collaboration.models import ExpertOpinion, Message, OpinionStatus
from tests import factories
from tests.e2e.conftest import login, logout, pass_second_factor
from tests.e2e.portal import Portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "Le lot 42 présente une dérive de calibration."


def link_in(to: str, pattern: str) -> str:
    """The path of the last link matching ``pattern`` emailed to ``to``."""
    bodies = [message.body for message in mail.outbox if message.to == [to]]
    found = [re.search(r"https?://[^/\s]+(" + pattern + ")", body) for body in bodies]
    paths = [match.group(1) for match in found if match]
    assert paths, f"no mail to {to} with a link {pattern}"
    return paths[-1]


def test_operator_and_evaluator_exchange_messages_with_a_document(
    page, live_server, org_a, tmp_path
):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    req = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.in_review(req, evaluator)
    from derogations import assignment

    assignment.assign(req, evaluator, evaluator)
    req.refresh_from_db()
    document = tmp_path / "lot-42.pdf"
    document.write_bytes(factories.MINIMAL_PDF)

    # The evaluator has signed in before (second factor enrolled).
    login(page, live_server, evaluator.email, factories.PASSWORD)
    logout(page)

    # The operator writes from the file's page, with a document.
    login(page, live_server, operator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/demandes/{req.pk}/")
    page.get_by_role("link", name="Lire et écrire les messages").click()
    page.get_by_label("Votre message").fill(SECRET)
    page.get_by_label("Documents joints (facultatif)").set_input_files(str(document))
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Votre message est envoyé.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("lot-42.pdf"))).to_be_visible()
    logout(page)

    # The evaluator's email: a link to the thread, never the message.
    [email] = [m for m in mail.outbox if m.to == [evaluator.email] and "/messages/" in m.body]
    assert SECRET not in email.body and "lot 42" not in email.alternatives[0][0].lower()
    path = link_in(evaluator.email, rf"/dossiers/{req.pk}/messages/\S*")
    # The link opens the thread after signing in.
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Adresse électronique").fill(evaluator.email)
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    pass_second_factor(page, evaluator.email, Portal(live_server.url))
    expect(page.get_by_role("heading", name=f"Messages — dossier {req.reference}")).to_be_visible()
    expect(page.get_by_text(SECRET)).to_be_visible()
    expect(page.get_by_text("Non lu", exact=True)).to_be_visible()
    # The file page shows the unread badge too.
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    expect(page.get_by_text("1 non lu").first).to_be_visible()
    page.get_by_role("link", name="Lire et écrire les messages").click()
    page.get_by_label("Votre message").fill("Merci, nous l'examinons.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Votre message est envoyé.")).to_be_visible()
    # Answering marked the thread read.
    expect(page.get_by_text("Non lu", exact=True)).to_have_count(0)
    assert Message.objects.filter(request=req).count() == 2
    logout(page)

    # The operator is emailed a link in turn, and sees the unread answer.
    assert link_in(operator.email, rf"/dossiers/{req.pk}/messages/\S*")
    login(page, live_server, operator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/demandes/{req.pk}/")
    expect(page.get_by_text("1 non lu").first).to_be_visible()
    page.get_by_role("link", name="Lire et écrire les messages").click()
    page.get_by_role("button", name="Marquer comme lus").click()
    expect(page.get_by_text("Les messages sont marqués comme lus.")).to_be_visible()
    expect(page.get_by_text("Non lu", exact=True)).to_have_count(0)


def ask_expert(page, name: str, email: str) -> None:
    page.get_by_label("Nom de l'expert").fill(name)
    page.get_by_label("Courriel de l'expert").fill(email)
    page.get_by_label("Spécialité").fill("Génétique moléculaire")
    page.get_by_label("Question posée à l'expert").fill("La sensibilité est-elle démontrée ?")
    page.get_by_label("Avis attendu avant le").fill("2099-12-31")
    # DSFR draws the boxes over their labels: a person clicks the label.
    page.locator("label", has_text="Destination (usage prévu)").click()
    page.locator("label", has_text="performance_evaluation.pdf").click()
    page.get_by_role("button", name="Demander l'avis").click()
    expect(page.get_by_text(f"La demande d'avis est envoyée à {name}")).to_be_visible()


def test_expert_answers_through_the_link_and_another_declines(page, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    req = factories.RequestFactory(organisation=org_a)
    factories.in_review(req, evaluator)
    req.refresh_from_db()

    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("link", name="Consulter ou demander des avis d'experts").click()
    ask_expert(page, "Pr Jeanne Morel", "j.morel@univ.example")
    ask_expert(page, "Dr Paul Lenoir", "p.lenoir@univ.example")
    logout(page)

    # The first expert: no account, the link of the email.
    page.context.clear_cookies()
    page.goto(live_server.url + link_in("j.morel@univ.example", r"/avis-expert/\S+/"))
    expect(page.get_by_text("La sensibilité est-elle démontrée ?")).to_be_visible()
    expect(page.get_by_text(req.intended_purpose)).to_have_count(0)  # not before the declaration
    page.locator("label", has_text="Je déclare n'avoir aucun conflit").click()
    page.get_by_role("button", name="Valider ma réponse").click()
    expect(page.get_by_text("Votre déclaration est enregistrée")).to_be_visible()
    expect(page.get_by_text(req.intended_purpose)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("performance_evaluation.pdf"))).to_be_visible()
    page.get_by_label("Votre avis").fill("Sensibilité démontrée sur 120 échantillons.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_text("Votre avis est transmis à l'ANSM. Merci.")).to_be_visible()

    # The second declines for a conflict of interest; without a reason, a French error.
    page.goto(live_server.url + link_in("p.lenoir@univ.example", r"/avis-expert/\S+/"))
    page.locator("label", has_text="Je décline cette demande").click()
    page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
    page.get_by_role("button", name="Valider ma réponse").click()
    expect(page.get_by_text("Indiquez le motif du refus.").first).to_be_visible()
    page.get_by_label("Motif du refus").fill("Consultant du fabricant en 2025.")
    page.get_by_role("button", name="Valider ma réponse").click()
    expect(page.get_by_text("Votre refus est enregistré")).to_be_visible()
    expect(page.get_by_text(req.intended_purpose)).to_have_count(0)

    # The evaluator sees the status per expert on the file page.
    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    rows = page.locator("#echanges table tbody tr")
    expect(rows.filter(has_text="Pr Jeanne Morel")).to_contain_text("Avis rendu")
    expect(rows.filter(has_text="Dr Paul Lenoir")).to_contain_text("Décliné")
    statuses = dict(ExpertOpinion.objects.values_list("expert_email", "status"))
    assert statuses == {
        "j.morel@univ.example": OpinionStatus.ANSWERED,
        "p.lenoir@univ.example": OpinionStatus.DECLINED,
    }
