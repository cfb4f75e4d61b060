"""The main pages in a real Chromium with the Content-Security-Policy enforced: zero
violation (the page fixture also fails any e2e test whose pages violate it)."""

import pytest

from derogations import lifecycle
from tests import factories
from tests.e2e.conftest import CSP_LISTENER, csp_violations, login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return [f"{url}: {violation}" for violation in csp_violations(page)]


def test_main_pages_have_no_csp_violation(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="csp@labo.example")
    factories.UserFactory(evaluator=True, email="csp.eva@ansm.example")
    senior = factories.UserFactory(senior=True, email="csp.sen@ansm.example")
    draft = factories.RequestFactory(organisation=org_a, created_by=operator)
    granted = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.proposed(granted, factories.UserFactory(evaluator=True))
    lifecycle.validate_decision(granted, senior)
    base = live_server.url
    found: list[str] = []

    for path in ("/", "/compte/connexion/", "/compte/inscription/", "/verifier/"):
        found += visit(page, base + path)
    login(page, live_server, operator.email, factories.PASSWORD)
    for path in (
        "/demandes/",
        f"/demandes/{draft.pk}/",
        f"/demandes/{granted.pk}/",
        "/compte/profil/",
        "/compte/double-authentification/activer/",  # the QR code is an inline SVG
    ):
        found += visit(page, base + path)
    logout(page)
    # The evaluator enrols a device through the page (QR code and secret), then works.
    login(page, live_server, "csp.eva@ansm.example", factories.PASSWORD)
    found += csp_violations(page)
    for path in (
        "/instruction/",
        f"/instruction/dossiers/{granted.pk}/",
        "/instruction/tableau-de-bord/",
    ):
        found += visit(page, base + path)
    assert found == []


def test_the_listener_sees_a_violation(browser, live_server):
    """The check can fail: an inline script added to a page is blocked and reported."""
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.goto(f"{live_server.url}/compte/connexion/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")  # blocked
    assert any("script-src" in v for v in csp_violations(page))
    context.close()
