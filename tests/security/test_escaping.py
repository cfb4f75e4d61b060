"""Free texts holding HTML or template syntax are shown as text: in the HTML pages of the
operator, the staff and the professional, and in the PDF letters and patient sheet (read
back with pdftotext). tests/notifications/test_letters.py checks the motivation of a grant
letter with pypdf; this covers the other texts and the pages."""

import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from derogations import deadlines, lifecycle
from derogations.professionals import link_token
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = '<script>alert("x")</script>'
TEMPLATE = "{{ 7|add:7 }} {% now 'Y' %}"
HOSTILE = f"{SCRIPT} <b>gras</b> {TEMPLATE}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def pdftotext(content: bytes, tmp_path) -> str:
    executable = shutil.which("pdftotext")
    assert executable, "pdftotext comes with poppler-utils (scripts/bootstrap.sh)"
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        [executable, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def assert_text_not_markup(page: str) -> None:
    assert SCRIPT not in page and "<b>gras</b>" not in page
    assert ESCAPED_SCRIPT in page
    assert TEMPLATE.replace("'", "&#x27;") in page


def stored(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def test_hostile_texts_are_text_in_pages_and_letters(
    org_a, operator_a, evaluator, senior, tmp_path
):
    req = factories.RequestFactory(
        organisation=org_a, created_by=operator_a, device_name=HOSTILE,
        justification=HOSTILE, patient_reference="AB<i>x</i>", manufacturer_name=HOSTILE,
    )  # fmt: skip
    factories.in_review(req, evaluator)
    # A complement request letter carries the questions.
    lifecycle.request_complements(
        req, evaluator, HOSTILE, due_date=deadlines.default_complement_due_date()
    )
    lifecycle.answer_complements(req, operator_a, HOSTILE)
    factories.graded(req, evaluator)
    lifecycle.propose_decision(req, evaluator, kind="grant", motivation=HOSTILE, conditions=HOSTILE)
    decision = lifecycle.validate_decision(req, senior)
    decision.refresh_from_db()

    # Pages: the operator's file, the staff's file, the professional's decision.
    assert_text_not_markup(
        client_for(operator_a).get(reverse("derogations:detail", args=[req.pk])).content.decode()
    )
    assert_text_not_markup(
        client_for(evaluator).get(reverse("reviews:file", args=[req.pk])).content.decode()
    )
    prescriber = Client()
    prescriber.get(
        reverse("derogations:pro_link", args=[link_token(decision, req.prescriber_email)])
    )
    page = prescriber.get(reverse("derogations:pro_decision", args=[decision.pk])).content.decode()
    assert_text_not_markup(page)

    # Letters: the grant (motivation, conditions, device), the complement request, and the
    # patient sheet (device and manufacturer), read back as text.
    grant = pdftotext(stored(decision.letter), tmp_path)
    assert grant.count(f"{SCRIPT} <b>gras</b> {TEMPLATE}") >= 2  # motivation and conditions
    assert "AB<i>x</i>" in grant
    complement = req.decisions.get(kind="complement_request")
    assert f"{SCRIPT} <b>gras</b> {TEMPLATE}" in pdftotext(stored(complement.letter), tmp_path)
    sheet = prescriber.get(reverse("notifications:patient_sheet", args=[decision.pk]))
    assert sheet.status_code == 200
    text = pdftotext(sheet.content, tmp_path)
    assert f"{SCRIPT} <b>gras</b> {TEMPLATE}" in text and "14 " not in text.split("gras")[1][:5]
