"""The guidance the ANSM page promises (issue 17): the "avis aux demandeurs" as a page and
a PDF, the professionals' page, linked from the footer, the site map, the request forms
and the letters."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from notifications import letters
from tests import factories
from tests.conftest import client_for

GUIDE = reverse("pages:applicant_guide")
GUIDE_PDF = reverse("pages:applicant_guide_pdf")
PRO_GUIDE = reverse("pages:professional_guide")


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db
def test_guide_pages_are_public_and_linked_from_footer_and_site_map(client):
    html = client.get(GUIDE).content.decode()
    assert "Les trois critères examinés" in html and "Les obligations de l'opérateur" in html
    assert f'href="{GUIDE_PDF}"' in html
    pro = client.get(PRO_GUIDE).content.decode()
    for heading in ("Informer le patient", "Recueillir le consentement", "Déclarer les incidents"):
        assert heading in pro
    assert "Suspension et levée" in pro
    sitemap = client.get(reverse("pages:sitemap")).content.decode()
    footer = html.split("fr-footer__bottom-list", 1)[1]
    for url in (GUIDE, PRO_GUIDE):
        assert f'href="{url}"' in sitemap and f'href="{url}"' in footer


@pytest.mark.django_db
def test_guide_pdf_reads_back_its_text(client):
    response = client.get(GUIDE_PDF)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Avis aux demandeurs" in text
    assert "absence d'alternative" in text.replace("’", "'")


@pytest.mark.django_db
def test_request_forms_link_the_guide(operator_a):
    html = client_for(operator_a).get(reverse("derogations:create", args=["individual"]))
    assert f'href="{GUIDE}"' in html.content.decode()


@pytest.mark.django_db
def test_letters_point_to_the_guide(org_a, operator_a):
    req = factories.submitted(factories.RequestFactory(organisation=org_a, created_by=operator_a))
    text = pdf_text(letters.render_act_letter(req.decisions.get()))
    assert "Avis aux demandeurs et utilisation d'un dispositif sous" in text.replace("’", "'")
    assert "/avis-aux-demandeurs/" in text.replace("\n", "")
