"""axe-core (WCAG 2.0/2.1, A and AA) on every page of tests/e2e/pages.py, for each role and
in each state: zero violation. One test per role; each page is a subtest, so that a failure
names the page and lists every violation found on it.

The automated RGAA 4.1 checks (tests/e2e/rgaa_checks.py, issue 22) run in the same loop, on
the production stack only (the HTML is the same on both portals): the cheap ones on every
page, the zoom, text spacing and tab walk on the pages of the RGAA sample."""

import time
from urllib.parse import urlsplit

import pytest

from derogations import lifecycle
from tests import factories
from tests.e2e import rgaa_checks, screenshots
from tests.e2e.axe import assert_no_violations, describe, violations
from tests.e2e.conftest import AssetWatch, csp_checked_page, dsfr_style_problems, login
from tests.e2e.journey import Auditor
from tests.e2e.pages import EMAILS, ROLES, VISITS, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# The roles in two tests, one per CI worker: a test builds the pages' data once for its
# roles (build_world renders its letters: about 10 s on this machine, built six times when
# each role was a test of its own).
ROLE_GROUPS = {
    "public-et-operateurs": ["anonymous", "operator", "operator_new"],
    "professionnels-et-agence": ["professional", "evaluator", "senior"],
}
assert sorted(sum(ROLE_GROUPS.values(), [])) == sorted(ROLES)


@pytest.mark.rgaa(*rgaa_checks.criteria_of(*(set(rgaa_checks.CHECKS) - {"documents-pdf"})))
@pytest.mark.parametrize("roles", list(ROLE_GROUPS.values()), ids=list(ROLE_GROUPS))
def test_every_page_has_no_wcag_violation(browser, portal, roles):
    """Each role in a browser context of its own (signed in as that role), on one world."""
    world = build_world()
    failures = []
    for role in roles:
        with csp_checked_page(browser) as page:
            failures += _crawl(page, portal, role, world)
    assert not failures, "\n\n".join(failures)


def _crawl(page, portal, role, world) -> list[str]:
    """Every page of the role: axe, assets and DSFR styles, and on the production stack the
    RGAA checks; the failures, each naming the role and the page."""
    rgaa = portal.stack is not None
    sample = rgaa_checks.sample_pages()
    crawl = rgaa_checks.Crawl()
    seconds = {"every page": 0.0, "sample": 0.0}
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).hostname))
    assets = AssetWatch(page)
    if role != "anonymous":
        login(page, portal, EMAILS[role], factories.PASSWORD)
    failures = []
    for visit in VISITS[role]:
        target = visit.url(world)
        page.goto(portal.url + target)
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
        if rgaa:
            started = time.monotonic()
            defects = rgaa_checks.page_defects(page, acted=visit.act is not None)
            crawl.record(page, visit.name, target if visit.act else page.url)
            seconds["every page"] += time.monotonic() - started
            if (role, visit.name) in sample:
                started = time.monotonic()
                defects = rgaa_checks.merged(defects, rgaa_checks.sample_defects(page))
                seconds["sample"] += time.monotonic() - started
            failures += rgaa_checks.report(role, visit.name, page.url, defects)
    if rgaa:
        failures += rgaa_checks.report(role, "*", "", crawl.defects())
        print(f"RGAA checks, {role}: {seconds} ({len(VISITS[role])} pages)")
    # axe-core is injected from the package: nothing left the machine.
    if not requested_hosts <= {"localhost", "127.0.0.1"}:
        failures.append(f"{role}: requests outside the machine: {requested_hosts}")
    return failures


def test_the_check_fails_on_a_page_with_violations(page):
    """The helper is not blind: a page without language, with an image without alternative
    and an unlabelled field is reported, rule by rule."""
    page.set_content('<html><body><img src="data:,"><input type="text"></body></html>')
    found = {violation["id"] for violation in violations(page)}
    assert {"html-has-lang", "image-alt", "label"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_violations(page, "a broken page")


def test_the_auditor_checks_the_page_as_it_is_without_javascript(browser):
    """The journeys without JavaScript hand each page's document to a JavaScript-enabled
    auditor page (tests/e2e/journey.py): axe finds its violations there, and the page's
    own scripts do not run in it (a script that would label the field and give the page a
    language is blocked)."""
    without_javascript = browser.new_context(java_script_enabled=False)
    page = without_javascript.new_page()
    page.set_content(
        '<html><head><title>t</title></head><body><img src="data:,"><input id="f" type="text">'
        "<script>document.documentElement.lang = 'fr';"
        "document.getElementById('f').setAttribute('aria-label', 'x');</script></body></html>"
    )
    auditor = Auditor(browser)
    try:
        found = {violation["id"] for violation in auditor.violations_of(page)}
        assert {"html-has-lang", "image-alt", "label"} <= found
        assert auditor.page.evaluate("document.documentElement.lang") == ""
    finally:
        auditor.close()
        without_javascript.close()


def test_demo_mailbox_has_no_wcag_violation(
    page, live_server, settings, tmp_path, draft_a, evaluator, senior
):
    """The demo mailbox exists only in the demo (DEBUG, emails written to files). One
    decision fills it with every kind of email the mailbox shows: the acknowledgment of
    receipt, the letter with its attachment to each recipient."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    factories.proposed(draft_a, evaluator)
    lifecycle.validate_decision(draft_a, senior)  # its letter is emailed after commit
    assert list(tmp_path.glob("*.log"))
    page.goto(f"{live_server.url}/demo/courriels/")
    assert page.locator(".fr-card").count() >= 1
    assert_no_violations(page, "demo mailbox")


BROKEN_PAGE = """<html lang="fr-FR_x"><head><title>Accueil</title></head><body>
<a href="#absent" tabindex="2">Aller au contenu</a>
<div class="fr-skiplinks"><a href="#absent">Contenu</a></div>
<h1>Mes demandes</h1><h3>Sans h2</h3><h1>Deuxième</h1>
<a href="/x" aria-label="Autre chose">Ouvrir le dossier</a>
<a href="/doc" target="_blank">Notice</a>
<a href="/y" class="nofocus">Sans focus</a><style>.nofocus:focus { outline: none; }</style>
<div class="portal-error-summary">Erreur non annoncée</div>
<p class="fr-error-text" id="e1">Saisissez une adresse.</p><input aria-describedby="e1" id="f">
<label for="mail">Adresse électronique</label><input id="mail" name="email" type="email">
<table><tr><th>Nom</th></tr><tr><td>A</td></tr></table>
<div style="width: 900px">Trop large</div>
<div style="animation: spin 10s linear infinite">Tourne</div>
<style>@keyframes spin { to { transform: rotate(360deg); } }</style>
<p style="height: 1.2em; overflow: hidden; width: 200px">Un texte assez long pour passer à la
ligne dans une boîte de hauteur fixe, donc coupé.</p>
</body></html>"""


@pytest.mark.rgaa(*rgaa_checks.criteria_of(*(set(rgaa_checks.CHECKS) - {"documents-pdf"})))
def test_the_rgaa_checks_fail_on_a_page_with_defects(page):
    """Each automated RGAA check finds the defect planted for it (tests/e2e/rgaa_checks.py)."""
    page.set_content(BROKEN_PAGE)
    violations(page)  # injects axe-core, whose name computation the checks use
    defects = rgaa_checks.page_defects(page, acted=True)
    defects = rgaa_checks.merged(defects, rgaa_checks.sample_defects(page))
    expected = {
        "titre": "shares no word with the h1",
        "langue": "is not a BCP 47 tag",
        "titres-hierarchie": "h3 after h1",
        "regions": "0 main",
        "lien-evitement": "does not exist",
        "ordre-tabulation": 'tabindex="2"',
        "nom-accessible-intitule-visible": "accessible name «Autre chose»",
        "messages-de-statut": "Erreur non annoncée",
        "erreurs-liees-aux-champs": "without aria-invalid",
        "champs-autocomplete": "«email» expected",
        "nouvelle-fenetre": "Notice",
        "contenu-en-mouvement": "runs forever",
        "tableaux": "header cell without scope",
        "reflow-320": "ends at",
        "zoom-200": "text clipped",
        "espacement-texte": "text clipped",
        "focus-visible": "a.nofocus: no visible change",
    }
    for check, part in expected.items():
        assert any(part in defect for defect in defects[check]), (check, defects[check])
    assert set(rgaa_checks.CHECKS) >= set(defects)


@pytest.mark.rgaa(*rgaa_checks.criteria_of("titre", "navigation-coherente"))
def test_the_crawl_finds_shared_titles_and_changing_menus(page):
    """Two different pages with one title, a page whose menu differs from the others."""
    crawl = rgaa_checks.Crawl()
    menu = '<nav id="navigation-principale"><a href="/a">A</a>{}</nav>'
    for name, path, extra in [("un", "/un/", ""), ("deux", "/deux/", ""), ("trois", "/trois/", "")]:
        page.set_content(f"<title>Même titre</title>{menu.format(extra)}")
        crawl.record(page, name, path)
    page.set_content("<title>Autre</title>" + menu.format('<a href="/b">B</a>'))
    crawl.record(page, "quatre", "/quatre/")
    page.set_content("<title>Autre</title>" + menu.format(""))
    crawl.record(page, "quatre-erreurs", "/quatre/")  # the same resource: no defect
    defects = crawl.defects()
    assert len(defects["titre"]) == 1 and "«Même titre» is the title of 3" in defects["titre"][0]
    assert len(defects["navigation-coherente"]) == 1
    assert "['quatre']" in defects["navigation-coherente"][0]
