"""Every page of the portal is checked in a browser: each URL that answers GET is either in
the axe visit list (tests/e2e/pages.py), or reached by the journeys (test_journeys.py), or
excluded here with its reason. A new page fails this test until it is placed."""

from tests.e2e.pages import VISITS
from tests.test_permission_matrix import ADMIN_NAMESPACE, EXPECTED, discovered_url_names

# Reached by tests/e2e/test_journeys.py, with axe on each state.
BY_JOURNEYS = {
    "accounts:second_factor": "the code page needs a half-open session: every staff sign-in",
    "accounts:onboarding": "an operator without organisation, after sign-up",
    "accounts:organisation_create": "creation of the organisation (empty, refused, filled)",
    "derogations:pro_link": "the prescriber's emailed link (it redirects to the decision)",
    "derogations:pro_incident_ack": "after the incident is declared",
}

# Not HTML pages, or pages that only redirect.
NOT_PAGES = {
    "accounts:start": "redirects to the dashboard or the organisation choice",
    "set_language": "Django's language switch: a POST, a GET only redirects back",
    "derogations:edit": "redirects to the first step of the draft",
    "derogations:attachment": "a document download",
    "derogations:letter": "a PDF letter",
    "derogations:union_sheet": "a PDF notification sheet",
    "derogations:union_act_sheet": "a later act's PDF sheet (test_union_later_sheets.py)",
    "derogations:union_sheet_json": "the notification sheet's data (JSON download)",
    "derogations:pro_letter": "a PDF letter",
    "notifications:patient_sheet": "a PDF information sheet",
    "notifications:proposal_letter": "a PDF letter (the pending proposal's, before signature)",
    "pages:applicant_guide_pdf": "the notice to applicants as a PDF (tests/test_guides.py reads it)",
    "reviews:export_csv": "a CSV export",
    "derogations:supply_template": "a CSV template download",
    "derogations:registry_json": "a JSON export",
    "derogations:registry_csv": "a CSV export",
    "derogations:registry_feed": "an Atom feed",
    "derogations:pro_consents_csv": "a CSV export of a facility's consents",
    "notifications:demo_mailbox": "demo only (DEBUG): its own axe test in test_accessibility.py",
    "collaboration:message_document": "a document download",
    "collaboration:opinion_document": "a document download",
    "collaboration:expert_document": "a document download",
    "file_exports:status": "the whole-file download's progress as JSON (its page's script)",
    "file_exports:download": "a ZIP download (tests/e2e/test_file_export_browser.py)",
    # OIDC: 404 unless the provider is configured; they redirect to the provider and back,
    # their errors land on the login page (tests/accounts/test_oidc.py).
    "accounts:oidc_start_proconnect": "redirects to ProConnect",
    "accounts:oidc_callback_proconnect": "redirects to the next page or the login page",
    "accounts:oidc_start_prosanteconnect": "redirects to Pro Santé Connect",
    "accounts:oidc_callback_prosanteconnect": "redirects to the next page or the login page",
}


def get_pages() -> set[str]:
    """URL names that answer GET: in the permission matrix, no role gets 405 for a GET
    (POST-only endpoints answer 405 to signed-in roles)."""
    names = {name for name, _ in discovered_url_names() if not name.startswith(ADMIN_NAMESPACE)}
    # The API's JSON endpoints are not in EXPECTED (tests/api/test_api_matrix.py).
    return {name for name in names if name in EXPECTED and 405 not in EXPECTED[name][0]}


def visited() -> set[str]:
    return {visit.url.url_name for visits in VISITS.values() for visit in visits}


def test_every_get_page_is_checked_in_a_browser_or_excluded_with_a_reason():
    pages = get_pages()
    placed = visited() | set(BY_JOURNEYS) | set(NOT_PAGES)
    assert sorted(pages - placed) == [], "add these pages to tests/e2e/pages.py (or exclude them)"


def test_the_exclusions_are_real_and_not_also_visited():
    pages = get_pages()
    excluded = set(BY_JOURNEYS) | set(NOT_PAGES)
    assert sorted(excluded - pages) == [], "excluded names that are not GET pages"
    assert sorted(excluded & visited()) == [], "visited pages need no exclusion"
    assert all(reason.strip() for reason in {**BY_JOURNEYS, **NOT_PAGES}.values())
