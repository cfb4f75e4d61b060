"""axe-core (WCAG 2.0/2.1, A and AA) on every page of tests/e2e/pages.py, for each role and
in each state: zero violation. One test per role; each page is a subtest, so that a failure
names the page and lists every violation found on it."""

from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.e2e import screenshots
from tests.e2e.axe import assert_no_violations, describe, violations
from tests.e2e.conftest import AssetWatch, dsfr_style_problems, login
from tests.e2e.pages import EMAILS, ROLES, VISITS, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_wcag_violation(page, portal, role):
    world = build_world()
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).hostname))
    assets = AssetWatch(page)
    if role != "anonymous":
        login(page, portal, EMAILS[role], factories.PASSWORD)
    failures = []
    for visit in VISITS[role]:
        page.goto(portal.url + visit.url(world))
        if visit.act is not None:
            visit.act(page)
            # Every action of the list posts invalid input: the page is in its error state.
            assert page.locator("[role=alert]").count(), f"{visit.name}: no error shown"
        if visit.shot:
            screenshots.save(page, f"{role}-{visit.name}")
        found = violations(page)
        if found:
            failures.append(f"{role} / {visit.name} ({page.url}):\n{describe(found)}")
        # Every stylesheet, script and font loads, and DSFR's styles apply.
        loading = assets.problems + dsfr_style_problems(page)
        assets.problems = []
        if loading:
            failures.append(f"{role} / {visit.name} ({page.url}), loading:\n" + "\n".join(loading))
    assert not failures, "\n\n".join(failures)
    # axe-core is injected from the package: nothing left the machine.
    assert requested_hosts <= {"localhost", "127.0.0.1"}, requested_hosts


def test_the_check_fails_on_a_page_with_violations(page):
    """The helper is not blind: a page without language, with an image without alternative
    and an unlabelled field is reported, rule by rule."""
    page.set_content('<html><body><img src="data:,"><input type="text"></body></html>')
    found = {violation["id"] for violation in violations(page)}
    assert {"html-has-lang", "image-alt", "label"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_violations(page, "a broken page")


def test_demo_mailbox_has_no_wcag_violation(page, live_server, settings, tmp_path):
    """The demo mailbox exists only in the demo (DEBUG, emails written to files)."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    build_world()  # its decisions send their letters by email, written to tmp_path
    assert list(tmp_path.glob("*.log"))
    page.goto(f"{live_server.url}/demo/courriels/")
    assert page.locator(".fr-card").count() >= 1
    assert_no_violations(page, "demo mailbox")
