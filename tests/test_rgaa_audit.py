"""The RGAA 4.1 self-audit (issue 22): the grid covers every criterion × sample page with
evidence, the rate follows the RGAA method's formulas, the statement page and docs/rgaa.md
show what the grid says, and every "auto:" evidence names a check of tests/e2e/rgaa_checks.py."""

import datetime
import importlib
import shutil

import pytest
from django.urls import reverse

from config.rgaa import audit, report
from config.rgaa.audit import Audit, Criterion, GridError, Page, Row
from tests.e2e.pages import ROLES, VISITS

DATE = datetime.date(2027, 3, 31)


def test_the_criteria_are_the_106_of_rgaa_4_1():
    criteria = audit.current().criteria
    assert len(criteria) == 106
    assert len({criterion.topic for criterion in criteria}) == 13
    assert criteria[0].number == "1.1" and criteria[-1].number == "13.12"
    assert all(criterion.title.endswith("?") for criterion in criteria)


def test_the_sample_follows_the_method_and_points_at_visited_pages():
    pages = audit.current().pages
    assert 15 <= len(pages) <= 25
    for page in pages:
        assert page.role in ROLES, page
        if page.visit is not None:
            assert page.visit in {visit.name for visit in VISITS[page.role]}, page
    ids = {page.id for page in pages}
    # The pages the RGAA method asks for, and one document of each kind.
    assert {"accueil", "mentions-legales", "accessibilite", "plan-du-site", "aide"} <= ids
    assert {"connexion", "registre", "courrier-decision-pdf", "fiche-patient-pdf"} <= ids
    assert {"export-csv"} <= ids
    assert {page.role for page in pages} == set(ROLES) - {"operator_new"}


def test_the_grid_has_one_row_with_evidence_per_criterion_and_page():
    current = audit.current()  # validated when built: GridError otherwise
    assert len(current.rows) == 106 * len(current.pages)
    for row in current.rows:
        assert row.status in ("C", "NC", "NA")
        assert row.check or len(row.evidence) > len("manuel: ") + 20, row
        if row.status == "NC":
            assert row.defect and row.planned_date and row.planned_date.year >= 2027, row


def hand_made(statuses: dict[str, tuple[str, str]]) -> Audit:
    """Criteria 1.1… × pages a and b, with the statuses given per criterion."""
    criteria = tuple(Criterion(number, "Images", f"Critère {number} ?") for number in statuses)
    pages = (Page("a", "A", "anonymous", "accueil", "/"), Page("b", "B", "operator", None, "/b"))
    rows = tuple(
        Row(
            number,
            page.id,
            status,
            "manuel: vérifié",
            *(("défaut", DATE) if status == "NC" else ()),
        )
        for number, pair in statuses.items()
        for page, status in zip(pages, pair, strict=True)
    )
    return Audit(criteria, pages, rows)


def test_the_rate_follows_the_rgaa_formula():
    grid = {
        "1.1": ("C", "NA"),  # met: C somewhere, NA elsewhere
        "1.2": ("NA", "NA"),  # not applicable anywhere
        "1.3": ("C", "C"),
        "1.4": ("NC", "C"),  # not met: NC on one page is enough
    }
    result = hand_made(grid)
    assert result.results == {"1.1": "C", "1.2": "NA", "1.3": "C", "1.4": "NC"}
    assert result.rate == pytest.approx(200 / 3)  # 2 met / 3 applicable
    # Page a: 2 C, 1 NC; page b: 2 C, 0 NC.
    assert result.page_rates == {"a": pytest.approx(200 / 3), "b": 100.0}
    assert result.average_rate == pytest.approx((200 / 3 + 100) / 2)
    assert result.state == "partial"
    assert [(nc.criterion.number, nc.planned_date) for nc in result.non_conformities] == [
        ("1.4", DATE)
    ]
    # One more NC, on one page only, takes the rate under 50 %: not compliant.
    worse = hand_made({**grid, "1.3": ("C", "NC")})
    assert worse.rate == pytest.approx(100 / 3) and worse.state == "none"
    # Exactly half still counts as partial; no NC at all is total compliance.
    assert hand_made({"1.1": ("C", "C"), "1.2": ("NC", "C")}).state == "partial"
    fixed = hand_made({**grid, "1.4": ("C", "C")})
    assert fixed.rate == 100 and fixed.state == "total" and fixed.non_conformities == []


def test_a_page_of_a_process_fails_what_another_step_fails():
    """RGAA method: a criterion is validated on a page of a process only if it is validated
    on every page of the process."""
    criteria = (Criterion("1.1", "Images", "?"), Criterion("1.2", "Images", "?"))
    pages = (
        Page("step1", "1", "operator", "etape-patient-erreurs", "/1", process="depot"),
        Page("step2", "2", "operator", "recapitulatif-complet", "/2", process="depot"),
        Page("other", "3", "operator", "tableau-de-bord", "/3"),
    )
    statuses = {("1.1", "step2"): "NC", ("1.2", "step2"): "NA"}
    rows = tuple(
        Row(c.number, p.id, status := statuses.get((c.number, p.id), "C"), "manuel: vu",
            *(("défaut", DATE) if status == "NC" else ()))
        for c in criteria for p in pages
    )  # fmt: skip
    result = Audit(criteria, pages, rows)
    # step1 passes 1.1 itself but fails it through step2; "other" is not in the process.
    assert result.page_rates == {"step1": 50.0, "step2": 0.0, "other": 100.0}


def test_an_incomplete_or_malformed_grid_is_refused(tmp_path):
    for name in ("criteria.json", "sample.json", "grid.csv"):
        shutil.copy(audit.FOLDER / name, tmp_path / name)
    assert audit.load(tmp_path).rows == audit.current().rows
    lines = (tmp_path / "grid.csv").read_text(encoding="utf-8").splitlines()
    header, first, *rest = lines
    cases = {
        "rows missing: 1.1 × accueil": [header, *rest],
        "more than one row": [header, first, first, *rest],
        "status 'OK'": [header, first.replace(",NA,", ",OK,", 1), *rest],
        "evidence must be": [header, first.replace("manuel: ", "vu ", 1), *rest],
        "needs its defect and its planned date": [header, first.replace(",NA,", ",NC,", 1), *rest],
    }
    for message, grid in cases.items():
        (tmp_path / "grid.csv").write_text("\n".join(grid) + "\n", encoding="utf-8")
        with pytest.raises(GridError, match=message):
            audit.load(tmp_path)


def test_the_statement_shows_the_computed_rate_and_each_non_conformity(client):
    """No django_db mark: the page runs no query (pytest-django would refuse one)."""
    current = audit.current()
    assert current.non_conformities  # else: the rate is 100 % and this test says less
    html = client.get(reverse("pages:accessibility")).content.decode()
    html = html.replace("&#x27;", "'")
    rate = f"{current.rate:.2f}".replace(".", ",")
    assert f"<strong>{rate} %</strong> des critères RGAA sont respectés" in html
    average = f"{current.average_rate:.2f}".replace(".", ",")
    assert f"s'élève à {average} %" in html
    state = report.STATES[current.state]  # "partiellement conforme"...
    assert f"<strong>{state}</strong>" in html
    for item in current.non_conformities:
        assert f"Critère {item.criterion.number}" in html
        assert item.defect in html
        assert f"Correction prévue le {item.planned_date:%d/%m/%Y}." in html
    for page in current.pages:
        assert page.title in html
    assert f"établie le {current.date:%d/%m/%Y}" in html
    assert "Défenseur des droits — Libre réponse 71120 — 75342 Paris CEDEX 07" in html
    assert "09 69 39 00 00" in html
    # The footer link of every page says the same state (templates/layout/footer.html).
    assert f"Accessibilité : {state}</a>" in html


def test_docs_rgaa_md_is_up_to_date():
    assert report.DOCUMENT.read_text(encoding="utf-8") == report.render(audit.load()), (
        "docs/rgaa.md is out of date: run manage.py rgaa_report"
    )


def test_every_automated_row_names_a_check_that_decides_its_criterion():
    try:
        rgaa_checks = importlib.import_module("tests.e2e.rgaa_checks")
    except ModuleNotFoundError:
        pytest.skip("tests/e2e/rgaa_checks.py does not exist yet")
    decides = {name: set(criteria) for name, criteria in rgaa_checks.CHECKS.items()}
    if "axe" in decides:  # the axe rules' criteria may be listed rule by rule only
        for criteria in getattr(rgaa_checks, "AXE_RULES_TO_CRITERIA", {}).values():
            decides["axe"] |= set(criteria)
    wrong = sorted(
        f"{row.criterion} × {row.page}: auto:{row.check}"
        for row in audit.current().rows
        if row.automated and row.criterion not in decides.get(row.check, set())
    )
    assert wrong == [], "not a check of tests.e2e.rgaa_checks.CHECKS deciding that criterion"


def test_the_registry_join_form_lets_the_browser_fill_the_persons_own_data():
    """RGAA 11.13 on the sample's page registre-inscription: found missing by the audit."""
    from derogations.www.professionals.join_forms import JoinForm

    form = JoinForm()
    assert 'autocomplete="email"' in str(form["email"])
    assert 'autocomplete="organization"' in str(form["facility_name"])
