import contextlib
import io
import os
import re
import shutil
import time
from urllib.parse import quote

import dj_database_url
import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.db import connection

from tests.e2e.portal import Portal

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


# --- The portal under test: development server or production stack -----------------------


@pytest.fixture(scope="session")
def production_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """tests/production_stack.py on the test database, for the whole session: started by
    the first test that asks for it (with pytest-xdist, in each worker that runs one, on
    that worker's own test database)."""
    from django.conf import settings

    from tests.production_stack import ProductionStack
    from tests.services import _missing

    app_url = os.environ.get("APP_DATABASE_URL")
    if connection.vendor != "postgresql" or not app_url:
        _missing(
            "the production stack needs PostgreSQL and its restricted role (APP_DATABASE_URL): "
            "run scripts/test.sh"
        )
    app = dj_database_url.parse(app_url)
    with django_db_blocker.unblock():
        call_command("grant_app_role", app["USER"], stdout=io.StringIO())
    credentials = f"{quote(app['USER'], safe='')}:{quote(app['PASSWORD'], safe='')}"
    database_url = (
        f"postgres://{credentials}@{app['HOST']}:{app['PORT']}/{connection.settings_dict['NAME']}"
    )
    stack = ProductionStack(
        tmp_path_factory.mktemp("production"),
        database_url=database_url,
        media_root=str(settings.MEDIA_ROOT),
    )
    try:
        stack.start()
    except FileNotFoundError as exc:  # clamd or redis-server missing
        _missing(str(exc))
    try:
        yield stack
    finally:
        stack.stop()


# Log lines of the production processes that a journey must never cause.
LOG_ERRORS = re.compile(r"^.*(Traceback|ERROR|CRITICAL|Internal Server Error).*$", re.MULTILINE)


@pytest.fixture(params=["developpement", "production"])
def portal(request, transactional_db, settings):
    """The portal the test talks to, once as the development server of the test process,
    once as the production stack. In production the test ends when every email it caused
    has left (no copy pending) and fails on any error logged by gunicorn or the worker."""
    if request.param == "developpement":
        yield Portal(request.getfixturevalue("live_server").url)
        return
    stack = request.getfixturevalue("production_stack")
    # The production settings' password hashers, so that gunicorn can check the passwords
    # of the accounts this process creates (the test settings hash with MD5 for speed).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    # The stack's secret key, so that links this process signs (an invitation, a
    # professional's link built by a test) are the stack's own.
    settings.SECRET_KEY = stack.secret_key
    for path in stack.sink.paths():
        path.unlink()
    logs = {name: len(stack.log(name)) for name in ("web", "worker", "beat")}
    yield Portal(stack.url, stack)
    _wait_for_the_outbox()
    errors = [
        f"{name}: {line}"
        for name, start in logs.items()
        for line in LOG_ERRORS.findall(stack.log(name)[start:])
    ]
    assert errors == [], "\n".join(errors)


def _wait_for_the_outbox(timeout: float = 60) -> None:
    from notifications.models import AccountEmail, Delivery, DeliveryStatus

    deadline = time.monotonic() + timeout
    while (
        Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
        or AccountEmail.objects.filter(status=DeliveryStatus.PENDING).exists()
    ):
        assert time.monotonic() < deadline, "emails still pending at the end of the test"
        time.sleep(0.2)
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    assert not AccountEmail.objects.filter(status=DeliveryStatus.FAILED).exists()


# --- Every page loads what it needs ----------------------------------------------------------


class AssetWatch:
    """Records, for a browser page, every request that failed or was refused, every error on
    the console (a refused integrity hash, a blocked style, a script error): the production
    pages must load each stylesheet, script, font and image they ask for."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _failed(self, request) -> None:
        failure = request.failure or ""
        # Cancelled by the browser when the page it belonged to was left (a favicon still
        # loading when the journey clicks on): not a failure of the portal.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"{request.resource_type} {request.url}: {failure}")

    def _response(self, response) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            self.problems.append(
                f"{response.request.resource_type} {response.url}: {response.status}"
            )

    def _console(self, message) -> None:
        # "Failed to load resource" repeats what _response saw, and is also written for a
        # page answered with its error status on purpose (a form sent back with 400).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")


# Computed styles that only DSFR's stylesheet and fonts give: the Marianne font is loaded and
# used, the body text is DSFR's grey (--text-default-grey, #3a3a3a), the header has DSFR's
# shadow. Without DSFR's stylesheet the body is black in the browser's serif font.
DSFR_STYLE_CHECK = """
async () => {
  await document.fonts.ready;
  const body = getComputedStyle(document.body);
  const header = document.querySelector(".fr-header");
  return {
    marianneLoaded: document.fonts.check("1rem Marianne"),
    bodyFont: body.fontFamily,
    bodyColor: body.color,
    headerShadow: header ? getComputedStyle(header).filter + " " + getComputedStyle(header).boxShadow : null,
  };
}
"""


def dsfr_style_problems(page) -> list[str]:
    style = page.evaluate(DSFR_STYLE_CHECK)
    problems = []
    if not style["marianneLoaded"] or not style["bodyFont"].startswith("Marianne"):
        problems.append(f"the Marianne font is not applied: {style}")
    if style["bodyColor"] != "rgb(58, 58, 58)":
        problems.append(f"the body text is not DSFR's grey: {style}")
    if style["headerShadow"] is None or style["headerShadow"].strip() in ("", "none none"):
        problems.append(f"the header has no DSFR style: {style}")
    return problems


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


@contextlib.contextmanager
def csp_checked_page(browser):
    """A page in a new browser context; fails on leaving if any page it loaded violated the
    CSP."""
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
    try:
        yield page
        violations += csp_violations(page) if not page.is_closed() else []
    finally:
        context.close()
    assert violations == [], violations


@pytest.fixture
def page(browser):
    """A browser page; the test fails if any page it loaded violated the CSP."""
    with csp_checked_page(browser) as page:
        yield page


def login(page, server, email: str, password: str) -> None:
    """Sign in on ``server`` (a Portal, or pytest-django's live server)."""
    page.goto(f"{server.url}/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    pass_second_factor(page, email, server if isinstance(server, Portal) else Portal(server.url))


def pass_second_factor(page, email: str, portal: Portal) -> None:
    """Staff (and enrolled accounts) give their TOTP code, as a person would: on the
    enrolment page from the secret it shows, on the code page from a device enrolled now."""
    from accounts.models import User
    from accounts.second_factor import current_code
    from tests.second_factor import code_for_secret, new_device

    if page.url.endswith("/compte/double-authentification/activer/"):
        if not page.locator("code.portal-secret").count():
            open_enrolment_link(page, email, portal)
        code = code_for_secret(page.locator("code.portal-secret").inner_text())
    elif "/compte/double-authentification/" in page.url:
        code = current_code(new_device(User.objects.get(email__iexact=email)))
    else:
        return
    page.get_by_label("Code à usage unique").fill(code)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()


def open_enrolment_link(page, email: str, portal: Portal) -> None:
    """A staff account's enrolment opens from the link emailed to it: ask for it, then open
    it from the message, as the person would from their mailbox."""
    page.get_by_role("button", name="Recevoir le lien d'activation").click()
    page.wait_for_load_state()
    path = portal.emailed_path(email, r"/compte/double-authentification/activer/\S+/")
    page.goto(portal.url + path)
    page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()


def pytest_collection_modifyitems(config, items):
    """Each browser test with the ``portal`` fixture runs on one of the two portals, the one
    where what it checks can differ (docs/testing.md):

    - with JavaScript, on the production stack, what users meet (gunicorn, collected static
      files, a real worker and SMTP): the development server shows the same HTML, so running
      the same steps there again checked nothing more for about two minutes of CI's two cores
      per journey (130-170 s each in the CI log of 2026-12-03) and 20-60 s per role of axe;
    - without JavaScript, on the development server: every step works from the server's
      HTML alone, which does not depend on the settings (three minutes per journey).

    ``PORTAL_E2E_BOTH=1`` runs every variant, to compare the two portals by hand."""
    if os.environ.get("PORTAL_E2E_BOTH") == "1":
        return
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "portal" not in params:
            kept.append(item)
            continue
        wanted = "developpement" if params.get("journey") is False else "production"
        (kept if params["portal"] == wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
