"""Issue 17, the evaluators' day, in a real headless Chromium: the queue opens on the open
files, the most urgent first; "À signer" lists a proposal with its age; an inbox item
appears with its immediate email, a digest goes once; tables fit a 320 px screen."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from derogations import assignment, lifecycle
from derogations.enums import DecisionState, Urgency
from derogations.models import Decision, DerogationRequest
from notifications import tasks
from notifications.models import InboxItem, InboxKind
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _submitted(org, operator, *, target_in: int, **fields) -> DerogationRequest:
    req = factories.RequestFactory(organisation=org, created_by=operator, **fields)
    factories.submitted(req)
    DerogationRequest.objects.filter(pk=req.pk).update(
        target_date=timezone.localdate() + datetime.timedelta(days=target_in)
    )
    req.refresh_from_db()
    return req


def test_queue_to_sign_inbox_and_narrow_tables(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    senior = factories.UserFactory(senior=True, email="sen@ansm.example")
    signer = factories.UserFactory(senior=True, email="signataire@ansm.example")
    later = _submitted(org_a, operator, target_in=20)
    sooner = _submitted(org_a, operator, target_in=4)
    decided = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.proposed(decided, evaluator)
    lifecycle.validate_decision(decided, signer)
    in_registry = factories.RequestFactory(
        organisation=org_a, created_by=operator, global_kind=True
    )
    factories.proposed(in_registry, evaluator)
    lifecycle.validate_decision(in_registry, signer)
    waiting = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.proposed(waiting, evaluator)
    Decision.objects.filter(request=waiting, state=DecisionState.PROPOSED).update(
        proposed_at=timezone.now() - datetime.timedelta(days=3)
    )
    decided.refresh_from_db()
    waiting.refresh_from_db()

    login(page, live_server, senior.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/")

    # A vital urgency arrives: first in the queue, in the inbox, emailed at once.
    mail.outbox.clear()
    vital = _submitted(
        org_a, operator, target_in=2, urgency=Urgency.VITAL, urgency_reason="Réanimation."
    )
    page.reload()
    refs = page.locator("table tbody tr td:first-child a").all_inner_texts()
    # Vital first, then by target date; the decided file is not there.
    assert refs[:2] == [vital.reference, sooner.reference], refs
    assert sorted(refs) == sorted([vital.reference, sooner.reference, waiting.reference,
                                   later.reference])  # fmt: skip
    page.get_by_role("link", name="Tous les dossiers").click()
    expect(page.get_by_role("link", name=decided.reference)).to_be_visible()
    immediate = [m for m in mail.outbox if m.to == [senior.email]]
    assert len(immediate) == 1 and vital.reference in immediate[0].subject

    # "À signer": the proposal waiting for 3 days.
    page.get_by_role("link", name="À signer").first.click()
    row = page.locator("tr", has=page.get_by_role("link", name=waiting.reference))
    expect(row).to_contain_text("3 jours")

    # The inbox: the vital file unread, then read.
    page.get_by_role("link", name="Boîte de réception").first.click()
    row = page.locator("tr", has=page.get_by_role("link", name=vital.reference))
    expect(row).to_contain_text("Nouveau dossier en urgence vitale")
    expect(row).to_contain_text("Non lu")
    row.get_by_role("button", name="Marquer comme lu").click()
    row = page.locator("tr", has=page.get_by_role("link", name=vital.reference))
    expect(row.get_by_role("button", name="Marquer comme non lu")).to_be_visible()

    # Proposals to sign in the daily digest: none at once, one digest however many runs.
    page.goto(f"{live_server.url}/compte/courriels-instruction/")
    # A person clicks the label (the DSFR draws the radio under it).
    page.locator("label[for=id_proposal_to_sign_1]").click()
    expect(page.locator("#id_proposal_to_sign_1")).to_be_checked()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    expect(page.get_by_text("Vos préférences de courriel sont enregistrées.")).to_be_visible()
    another = factories.RequestFactory(organisation=org_a, created_by=operator)
    assignment.assign(factories.in_review(another, evaluator), evaluator, evaluator)
    mail.outbox.clear()
    factories.graded(another, evaluator)
    lifecycle.propose_decision(
        another, evaluator, kind="refusal", motivation="Une alternative marquée CE existe."
    )
    another.refresh_from_db()
    assert InboxItem.objects.get(recipient=senior, kind=InboxKind.PROPOSAL_TO_SIGN, request=another)
    assert [m for m in mail.outbox if m.to == [senior.email]] == []
    tasks.send_inbox_digests.delay()
    tasks.send_inbox_digests.delay()
    digests = [m for m in mail.outbox if m.to == [senior.email]]
    assert len(digests) == 1 and another.reference in digests[0].body

    # 320 px wide: the tables scroll in their wrapper, never the page.
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("/instruction/", "/instruction/?status=tous", "/instruction/a-signer/",
                 "/instruction/boite-de-reception/", "/registre/"):  # fmt: skip
        page.goto(live_server.url + path)
        assert page.locator("table").count() >= 1, path
        assert page.evaluate(NO_PAGE_SCROLL), (
            path,
            page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            ),
        )
    page.set_viewport_size({"width": 1280, "height": 800})
    for path in ("/instruction/", "/registre/"):
        page.goto(live_server.url + path)
        assert page.evaluate(NO_PAGE_SCROLL), path

    # The file page: a sticky menu of its sections; "Historique" is far down the page and
    # the menu is still on screen once there.
    page.goto(f"{live_server.url}/instruction/dossiers/{another.pk}/")
    menu = page.get_by_role("navigation", name="Sections du dossier")
    menu.get_by_role("link", name="Historique").click()
    expect(page).to_have_url(f"{live_server.url}/instruction/dossiers/{another.pk}/#historique")
    assert page.evaluate("window.scrollY") > 800
    top = page.evaluate("document.getElementById('historique').getBoundingClientRect().top")
    assert 0 <= top < 100, top
    expect(menu.get_by_role("link", name="Décision")).to_be_in_viewport()
