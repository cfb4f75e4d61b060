"""The key flows with JavaScript disabled in the browser: sign in, switch language, and the
existing browser flows (filing through the steps with documents; admissibility, proposal,
signature, verification), plus the review forms in error. Forms post, pages render."""

import pytest
from playwright.sync_api import expect

from derogations.enums import Status
from derogations.scenarios import Cast, bring_to
from tests import factories
from tests.e2e import test_filing_browser as filing
from tests.e2e import test_slice_browser as slice_flow
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_javascript_is_really_off(page, live_server):
    page.goto(f"{live_server.url}/")
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still runs...
    # ...but the page's scripts do not: DSFR marks <html> with data-fr-js once it has run.
    assert page.locator("html").get_attribute("data-fr-js") is None


def test_sign_in_and_switch_language_without_javascript(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    login(page, live_server, operator.email, "wrong-password")  # the server answers
    expect(page.locator(".portal-error-summary")).to_be_visible()
    login(page, live_server, operator.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    page.get_by_role("button", name="EN – English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="FR – Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


# The existing browser flows, run again in a browser without JavaScript.


def test_filing_with_documents_without_javascript(page, live_server, org_a, tmp_path):
    filing.test_operator_files_an_individual_request_with_documents(
        page, live_server, org_a, tmp_path
    )


def test_file_decide_and_verify_without_javascript(page, live_server, org_a):
    slice_flow.test_operator_files_evaluator_proposes_senior_signs_public_verifies(
        page, live_server, org_a
    )


def test_proposal_errors_without_javascript(page, live_server, org_a):
    operator = factories.operator_of(org_a)
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    senior = factories.UserFactory(senior=True)
    req = bring_to(
        factories.RequestFactory(organisation=org_a, created_by=operator),
        Status.IN_REVIEW,
        Cast(operator, evaluator, senior),
    )
    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("button", name="Proposer la décision").click()
    expect(page.locator(".portal-error-summary")).to_be_visible()
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.locator(".portal-error-summary")).to_be_visible()
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
