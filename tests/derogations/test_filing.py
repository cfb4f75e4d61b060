"""Completeness, the file page, the dashboard and renewal."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from derogations import filing, lifecycle, requirements, scenarios
from derogations.enums import Kind, Status, Urgency
from derogations.models import DerogationRequest
from derogations.validators import looks_like_social_security_number
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def step_url(req, step):
    return reverse("derogations:step", args=[req.pk, step])


@pytest.mark.parametrize(
    "value",
    [
        "185057800608436",
        "1 85 05 78 006 084 36",
        "2.85.05.2A.006.084",
        "1850578006084",
        "0123456789012",
    ],
)
def test_social_security_numbers_are_spotted(value):
    assert looks_like_social_security_number(value)


@pytest.mark.parametrize(
    "value", ["JD", "CHU-75-0042", "1975", "40-49 ans", "FINESS 750000001", "IND 2026 00012"]
)
def test_pseudonymised_references_pass(value):
    assert not looks_like_social_security_number(value)


def test_submission_lists_every_missing_item_linked_to_its_step(operator_a, org_a):
    req = DerogationRequest.objects.create(
        kind=Kind.INDIVIDUAL, organisation=org_a, created_by=operator_a,
        device_name="GenoRare", urgency=Urgency.VITAL,
    )  # fmt: skip
    client = client_for(operator_a)
    response = client.post(step_url(req, "depot"), {"submit": ""})
    assert response.status_code == 200
    html = response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.DRAFT
    summary = html.split('id="elements-manquants"')[1].split("</div>")[0]
    assert 'role="alert"' in html.split('id="elements-manquants"')[0][-200:]
    missing = requirements.missing_items(req)
    links = re.findall(r'<a href="([^"]+)">', summary)
    assert len(links) == len(missing) > 15
    assert f"{step_url(req, 'dispositif')}#id_manufacturer_name" in links
    assert f"{step_url(req, 'justification')}#id_alternatives" in links
    assert f"{step_url(req, 'patient')}#id_urgency_reason" in links
    assert f"{step_url(req, 'pieces')}#id_category" in links
    assert "Indiquez le motif de l&#x27;urgence" in summary
    assert "Rapport d&#x27;évaluation des performances" in summary
    assert f"il manque {len(missing)} éléments" in html
    # The anchors exist on the step pages.
    assert 'id="id_manufacturer_name"' in client.get(step_url(req, "dispositif")).content.decode()
    assert 'id="id_category"' in client.get(step_url(req, "pieces")).content.decode()


def test_required_documents_are_listed_before_submission(draft_a):
    html = client_for(draft_a.created_by).get(step_url(draft_a, "pieces")).content.decode()
    for label in (
        "Notice d&#x27;utilisation et étiquetage",
        "Données de sécurité et gestion des risques",
    ):
        assert label in html
    glob = factories.RequestFactory(
        global_kind=True, documents=False, organisation=draft_a.organisation
    )
    html = client_for(draft_a.created_by).get(step_url(glob, "pieces")).content.decode()
    assert "preuve de la procédure de marquage CE" in html and "(manquant)" in html
    assert requirements.required_attachments(Kind.GLOBAL)[-1] == "ce_procedure"


def test_notified_body_and_dates_rules(draft_a):
    draft_a.regulatory_status = "notified_body_review"
    draft_a.save()
    assert {"notified_body", "notified_body_application_date"} <= set(
        lifecycle.missing_fields(draft_a)
    )
    glob = factories.RequestFactory(global_kind=True, any_facility=False)
    glob.requested_start_date = timezone.localdate() + datetime.timedelta(days=30)
    glob.requested_end_date = timezone.localdate() + datetime.timedelta(days=10)
    glob.save()
    missing = lifecycle.missing_fields(glob)
    assert "facilities_concerned" in missing and "postérieure" in missing["requested_end_date"]


def test_urgent_request_shows_badge_and_target_date(draft_a):
    draft_a.urgency = Urgency.URGENT
    draft_a.urgency_reason = "Décision thérapeutique sous 8 jours."
    draft_a.save()
    lifecycle.submit(draft_a, draft_a.created_by)
    draft_a.refresh_from_db()
    client = client_for(draft_a.created_by)
    html = client.get(reverse("derogations:detail", args=[draft_a.pk])).content.decode()
    assert "fr-badge--warning" in html and "Urgente" in html
    assert draft_a.target_date.strftime("%d/%m/%Y") in html
    assert reverse("derogations:acknowledgment", args=[draft_a.pk]) in html
    dashboard = client.get(reverse("derogations:dashboard")).content.decode()
    assert "Urgente" in dashboard and draft_a.target_date.strftime("%d/%m/%Y") in dashboard


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("submitted", "vérifie la recevabilité"),
        ("awaiting_complements", "répondre à la demande de compléments"),
        ("decision_proposed", "en instruction"),
        ("granted", "mise à disposition autorisée"),
        ("refused", "ne doit pas être mis à disposition"),
        ("withdrawn", "Dossier clos"),
    ],
)
def test_what_to_do_next_depends_on_the_state(draft_a, evaluator, senior, state, text):
    req = scenarios.bring_to(draft_a, state, scenarios.Cast(draft_a.created_by, evaluator, senior))
    html = (
        client_for(req.created_by)
        .get(reverse("derogations:detail", args=[req.pk]))
        .content.decode()
    )
    assert text in html


def test_dashboard_filters_search_sort_and_constant_queries(
    operator_a, org_a, django_assert_num_queries
):
    for n in range(30):
        factories.RequestFactory(
            organisation=org_a,
            created_by=operator_a,
            device_name=f"Dispositif {n:02d}",
            documents=False,
        )
    glob = factories.RequestFactory(
        global_kind=True, organisation=org_a, created_by=operator_a, device_name="NeoScreen"
    )
    glob = lifecycle.submit(glob, operator_a)
    client = client_for(operator_a)
    url = reverse("derogations:dashboard")
    # Session, user, the operator's organisations, the capped count, the page's rows.
    with django_assert_num_queries(5) as first:
        page = client.get(url)
    html = page.content.decode()
    assert "31 demandes" in html and "1 / 2" in html and "page=2" in html
    # A later page: its ids past the rows before it, then their rows (derogations.paging).
    with django_assert_num_queries(len(first.captured_queries) + 1):
        client.get(url, {"page": 2, "status": "draft", "kind": "individual", "tri": "dispositif"})
    html = client.get(url, {"q": glob.reference[-5:]}).content.decode()
    assert "NeoScreen" in html and "Dispositif 01" not in html
    html = client.get(url, {"q": "neoscr"}).content.decode()
    assert "1 demande" in html
    html = client.get(url, {"kind": "global", "status": "submitted"}).content.decode()
    assert "NeoScreen" in html and "1 demande" in html
    html = client.get(url, {"tri": "dispositif"}).content.decode()
    assert html.index("Dispositif 00") < html.index("Dispositif 01")
    html = client.get(url, {"status": "granted"}).content.decode()
    assert "Aucune demande ne correspond" in html
    assert client.get(url, {"tri": "n'importe quoi", "page": "x"}).status_code == 200


def test_dashboard_shows_proposed_decisions_as_in_review(draft_a, evaluator, senior):
    req = scenarios.bring_to(
        draft_a, "decision_proposed", scenarios.Cast(draft_a.created_by, evaluator, senior)
    )
    html = (
        client_for(req.created_by)
        .get(reverse("derogations:dashboard"), {"status": "in_review"})
        .content.decode()
    )
    assert req.reference in html and "Décision proposée" not in html


def test_renewal_of_a_granted_global_derogation(
    operator_a, org_a, colleague_a, evaluator, senior, operator_b
):
    glob = factories.RequestFactory(
        global_kind=True, organisation=org_a, created_by=operator_a, device_name="NeoScreen"
    )
    granted = scenarios.bring_to(glob, "granted", scenarios.Cast(operator_a, evaluator, senior))
    url = reverse("derogations:renew", args=[granted.pk])
    assert client_for(operator_b).post(url).status_code == 404
    client = client_for(colleague_a)
    assert (
        "Demander le renouvellement"
        in client.get(reverse("derogations:detail", args=[granted.pk])).content.decode()
    )
    response = client.post(url)
    renewal = DerogationRequest.objects.get(renewal_of=granted)
    assert response["Location"] == step_url(renewal, "dispositif")
    assert renewal.status == Status.DRAFT and renewal.kind == Kind.GLOBAL
    assert renewal.device_name == "NeoScreen" and renewal.population == granted.population
    assert renewal.created_by == colleague_a and renewal.requested_end_date is None
    assert renewal.requested_start_date == granted.derogation.valid_until + datetime.timedelta(
        days=1
    )
    assert renewal.attachments.count() == granted.attachments.count()
    assert renewal.attachments.first().file.name != granted.attachments.first().file.name
    # A second click returns the same draft.
    client.post(url)
    assert DerogationRequest.objects.filter(renewal_of=granted).count() == 1
    # Both files show the link.
    assert granted.reference in client.get(step_url(renewal, "depot")).content.decode()
    assert (
        f"/demandes/{renewal.pk}/"
        in client.get(reverse("derogations:detail", args=[granted.pk])).content.decode()
    )
    # Completing the period makes it submittable.
    renewal.requested_end_date = renewal.requested_start_date + datetime.timedelta(days=365)
    renewal.save()
    lifecycle.submit(renewal, colleague_a)


def test_only_granted_global_requests_are_renewed(draft_a, evaluator, senior):
    granted = scenarios.bring_to(
        draft_a, "granted", scenarios.Cast(draft_a.created_by, evaluator, senior)
    )
    client = client_for(draft_a.created_by)
    assert (
        "Demander le renouvellement"
        not in client.get(reverse("derogations:detail", args=[granted.pk])).content.decode()
    )
    response = client.post(reverse("derogations:renew", args=[granted.pk]), follow=True)
    assert "Seule une dérogation globale accordée" in response.content.decode()
    assert not DerogationRequest.objects.filter(renewal_of=granted).exists()


def test_staff_file_page_shows_the_whole_request_and_its_documents(draft_a, evaluator):
    lifecycle.submit(draft_a, draft_a.created_by)
    html = client_for(evaluator).get(reverse("reviews:file", args=[draft_a.pk])).content.decode()
    assert "Suspicion de maladie génétique rare." in html
    assert "Plan de marquage CE" in html
    assert (
        reverse("derogations:attachment", args=[draft_a.pk, draft_a.attachments.first().pk]) in html
    )


def test_acknowledgment_page(draft_a, operator_b):
    client = client_for(draft_a.created_by)
    url = reverse("derogations:acknowledgment", args=[draft_a.pk])
    assert client.get(url).status_code == 404  # a draft has no acknowledgment
    lifecycle.submit(draft_a, draft_a.created_by)
    draft_a.refresh_from_db()
    html = client.get(url).content.decode()
    assert draft_a.reference in html and "3 documents" in html
    assert draft_a.target_date.strftime("%d/%m/%Y") in html and "La suite" in html
    assert client_for(operator_b).get(url).status_code == 404


def test_filing_pages_are_clean(draft_a, evaluator, senior):
    """Every filing page renders without an undefined variable, inline style or script."""
    client = client_for(draft_a.created_by)
    pages = [reverse("derogations:create", args=[kind]) for kind in ("individual", "global")]
    pages += [step_url(draft_a, step.slug) for step in filing.steps_for(draft_a.kind)]
    glob = factories.RequestFactory(global_kind=True, organisation=draft_a.organisation)
    pages += [step_url(glob, step.slug) for step in filing.steps_for(glob.kind)]
    htmls = {url: client.get(url) for url in pages}
    granted = scenarios.bring_to(
        glob, "granted", scenarios.Cast(draft_a.created_by, evaluator, senior)
    )
    for url in (
        reverse("derogations:detail", args=[granted.pk]),
        reverse("derogations:acknowledgment", args=[granted.pk]),
        reverse("derogations:dashboard") + "?q=x&status=granted&kind=global&tri=echeance",
    ):
        htmls[url] = client.get(url)
    for url, response in htmls.items():
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"\sstyle=", html), url
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, url
    staff = client_for(evaluator).get(reverse("reviews:file", args=[granted.pk]))
    assert staff.status_code == 200  # an undefined template variable would have raised
