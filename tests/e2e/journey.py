"""A person's way through the portal in a real browser, with JavaScript on or off: every page
reached is checked with axe-core (WCAG 2.0/2.1 A and AA) and collected, so that a journey
reports every violation of every page it went through, then fails.

The helpers press buttons and follow links as a person would; forms are posted without the
browser's own validation when a test posts them empty on purpose (the server's messages
show). Nothing waits for a fixed time: each step waits for the page it leads to.
"""

import html
import re
import subprocess
import time
from pathlib import Path

from playwright.sync_api import expect

from tests import factories
from tests.e2e.axe import describe, violations
from tests.e2e.conftest import AssetWatch, csp_violations, dsfr_style_problems, pass_second_factor
from tests.e2e.portal import Portal
from tests.html_validator import validate


class Auditor:
    """axe needs scripts (it waits on timers), which a page without JavaScript never runs.
    The auditor is a page with JavaScript on for axe alone: it is given the very document
    the other page shows, with a <base> of that page's address (so the same stylesheets,
    fonts and images load, from the browser's cache after the first page) and a
    Content-Security-Policy that loads none of the portal's own scripts, so axe sees the
    page as it is without JavaScript. Setting the document rather than intercepting the
    page's requests keeps the HTTP cache (Playwright's routing turns it off): with routing
    every check fetched the DSFR's stylesheets, fonts and icons again through Python, as
    long as axe itself took (about 0.7 s a page at load 5)."""

    HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)

    def __init__(self, browser) -> None:
        self.context = browser.new_context(locale="fr-FR")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def violations_of(self, page) -> list[dict]:
        document = page.content()
        found = self.HEAD.search(document)
        assert found, f"no <head> in {page.url}"
        prelude = (
            f'<base href="{html.escape(page.url)}">'
            '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'">'
        )
        self.page.set_content(document[: found.end()] + prelude + document[found.end() :])
        return violations(self.page)

    def close(self) -> None:
        self.context.close()


class Journey:
    def __init__(self, page, portal: Portal, *, javascript: bool, auditor=None) -> None:
        self.page = page
        self.auditor = auditor
        self.portal = portal
        self.base = portal.url
        self.assets = AssetWatch(page)
        # The HTML of each page checked, as the server sent it (the Nu HTML Checker reads
        # the source: the browser's DOM has already repaired what is invalid).
        self.documents: dict[str, str] = {}
        self._document = None
        page.on("response", self._keep_document)
        self.javascript = javascript
        self.failures: list[str] = []
        self.checked: list[str] = []
        self.csp: list[str] = []
        self.axe_seconds = 0.0

    # --- Pages -------------------------------------------------------------------------

    def check(self, where: str) -> None:
        """axe on the page as it is now; its violations are kept for the end. A page in a
        state already checked in this journey (the same name: the verification form, the
        code page at each staff sign-in...) is not checked again."""
        if self.javascript:
            self.csp += [f"{where}: {v}" for v in csp_violations(self.page)]
        # Every page loads its stylesheets, scripts and fonts, and looks like DSFR.
        problems = self.assets.problems + dsfr_style_problems(self.page)
        self.assets.problems = []
        if problems:
            self.failures.append(f"{where} ({self.page.url}), loading:\n" + "\n".join(problems))
        if where in self.checked:
            return
        self.checked.append(where)
        if self._document is not None and self._document.url == self.page.url:
            self.documents[where] = self._document.text()
        started = time.monotonic()
        found = self.auditor.violations_of(self.page) if self.auditor else violations(self.page)
        self.axe_seconds += time.monotonic() - started
        if found:
            self.failures.append(f"{where} ({self.page.url}):\n{describe(found)}")

    def _keep_document(self, response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self._document = response

    def go(self, path: str, where: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.check(where)

    def press(self, name: str, *, within=None, where: str | None = None) -> None:
        """Press a button (of ``within`` if given) and wait for the page it loads."""
        scope = within if within is not None else self.page
        with self.page.expect_navigation():
            scope.get_by_role("button", name=name, exact=True).click()
        if where:
            self.check(where)

    def press_empty(self, name: str, where: str, *, within=None) -> None:
        """Post a form as it is, past the browser's validation: the server answers with its
        errors, announced in the page."""
        self.page.evaluate(
            "document.querySelectorAll('form').forEach(f => { f.noValidate = true; })"
        )
        self.press(name, within=within)
        expect(self.page.locator("[role=alert]").first).to_be_visible()
        self.check(where)

    def follow(self, name: str, where: str | None = None) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=name).first.click()
        if where:
            self.check(where)

    def fill(self, values: dict[str, str]) -> None:
        """Fill fields by id (``#id_<name>``), selects by their option value."""
        for field_id, value in values.items():
            field = self.page.locator(f"#{field_id}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)

    def choose(self, label: str) -> None:
        """A DSFR radio or checkbox: the label is what one clicks."""
        self.page.locator("label", has_text=label).first.click()

    def see(self, text: str) -> None:
        expect(self.page.get_by_text(text).first).to_be_visible()

    def expand(self, section_id: str) -> None:
        """Open a DSFR accordion; without JavaScript its content is always shown."""
        if self.javascript:
            self.page.locator(f"button[aria-controls='{section_id}']").click()
            expect(self.page.locator(f"#{section_id}")).to_be_visible()

    # --- People ------------------------------------------------------------------------

    def sign_in(self, email: str, password: str = factories.PASSWORD) -> None:
        self.page.goto(self.base + "/compte/connexion/")
        self.page.get_by_label("Adresse électronique").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.press("Se connecter")
        if "/double-authentification/" in self.page.url:
            self.check("double authentification (" + self.page.url.rsplit("/compte/", 1)[1] + ")")
            pass_second_factor(self.page, email, self.portal)
        assert "/connexion/" not in self.page.url, "sign-in refused"

    def sign_out(self) -> None:
        self.press("Se déconnecter")

    def sign_up(self, email: str, first: str, last: str, password: str) -> None:
        """From the sign-in page: the form (empty, refused, filled), the emailed link."""
        self.go("/compte/connexion/", "connexion")
        self.follow("Créer un compte opérateur", "inscription vide")
        self.press_empty("Créer mon compte", "inscription erreurs")
        self.fill(
            {
                "id_email": email,
                "id_first_name": first,
                "id_last_name": last,
                "id_password1": password,
                "id_password2": password,
            }
        )
        self.check("inscription remplie")
        self.press("Créer mon compte")
        expect(
            self.page.get_by_role("heading", name="Confirmez votre adresse électronique")
        ).to_be_visible()
        self.check("inscription envoyée")
        path = self.portal.emailed_path(email, r"/compte/confirmation/\S+")
        self.go(path, "confirmation de l'adresse")
        self.press("Confirmer mon adresse et activer mon compte")
        self.see("Votre adresse électronique est confirmée")
        self.check("connexion après confirmation")

    # --- Mail and letters ----------------------------------------------------------------

    def emailed_path(self, to: str, pattern: str) -> str:
        """The path of the first link matching ``pattern`` in the mails sent to ``to``."""
        return self.portal.emailed_path(to, pattern)

    def pdf_text(self, path: str, tmp_path: Path) -> str:
        """Download a PDF with the session of the page, and its text by pdftotext."""
        response = self.page.request.get(self.base + path)
        assert response.status == 200, (path, response.status)
        assert response.headers["content-type"] == "application/pdf"
        target = tmp_path / "letter.pdf"
        target.write_bytes(response.body())
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(target), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return " ".join(text.split())

    def verify(self, code: str, state: str, where: str) -> None:
        """The public verification page for a letter's code shows the derogation's state."""
        self.go("/verifier/", "vérification vide")
        self.page.get_by_label("Code de vérification").fill(code)
        self.press("Vérifier")
        self.see("Ce courrier est authentique.")
        self.see(state)
        self.check(where)

    # --- End ---------------------------------------------------------------------------

    def assert_clean(self) -> None:
        print(f"axe: {len(self.checked)} pages checked in {self.axe_seconds:.1f} s")
        if self.portal.production:
            # Valid HTML on every page of the journey (Nu HTML Checker), once per journey.
            for where, errors in validate(self.documents).items():
                if errors:
                    self.failures.append(f"{where}, Nu HTML Checker:\n" + "\n".join(errors))
        assert not self.failures, (
            f"axe: {len(self.failures)} page(s) of {len(self.checked)} with WCAG A/AA "
            "violations:\n\n" + "\n\n".join(self.failures)
        )
        assert self.csp == [], self.csp
