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


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


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
        code = code_for_secret(page.locator("code.portal-secret").inner_text())
    elif "/compte/double-authentification/" in page.url:
        code = current_code(new_device(User.objects.get(email__iexact=email)))
    else:
        return
    page.get_by_label("Code à usage unique").fill(code)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
