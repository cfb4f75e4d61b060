import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# Collects the Content-Security-Policy violations of every page (the policy is enforced by
# the portal's headers; an init script is not subject to it).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def page(browser):
    """A browser page; the test fails if any page it loaded violated the CSP."""
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    violations += csp_violations(page) if not page.is_closed() else []
    context.close()
    assert violations == [], violations


def login(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    pass_second_factor(page, email)


def pass_second_factor(page, email: str) -> None:
    """Staff (and enrolled accounts) give their TOTP code, as a person would: on the
    enrolment page from the secret it shows, on the code page from a device enrolled now."""
    from accounts.models import User
    from accounts.second_factor import current_code
    from tests.second_factor import code_for_secret, new_device

    if page.url.endswith("/compte/double-authentification/activer/"):
        if not page.locator("code.portal-secret").count():
            open_enrolment_link(page, email)
        code = code_for_secret(page.locator("code.portal-secret").inner_text())
    elif "/compte/double-authentification/" in page.url:
        code = current_code(new_device(User.objects.get(email__iexact=email)))
    else:
        return
    page.get_by_label("Code à usage unique").fill(code)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()


def open_enrolment_link(page, email: str) -> None:
    """A staff account's enrolment opens from the link emailed to it: ask for it, then open
    it from the message, as the person would from their mailbox."""
    from django.core import mail

    from tests.second_factor import enrolment_path

    sent = len(mail.outbox)
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    page.wait_for_load_state()
    message = mail.outbox[sent]
    assert message.to == [email], message.to
    page.goto(page.url.split("/compte/", 1)[0] + enrolment_path(message.body))
    page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
