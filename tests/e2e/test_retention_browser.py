"""In headless Chromium (issue 19): a retention run on aged demo data. Retention's
seed_retention ages files of the demo's accounts (a file refused eleven years ago, a
derogation ended three years ago, old drafts, old emails); ``manage.py apply_retention``
runs as the nightly task does; the evaluator then finds the run on the staff page and the
refused file without its patient's reference, while a file of today keeps it."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from derogations.enums import Status
from derogations.models import DerogationRequest
from retention.management.commands.seed_retention import EVALUATOR, MARK, OPERATOR, SENIOR
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_evaluator_sees_a_retention_run_on_aged_demo_data(page, live_server, org_a):
    operator = factories.operator_of(org_a, email=OPERATOR)
    evaluator = factories.UserFactory(evaluator=True, email=EVALUATOR)
    factories.UserFactory(senior=True, email=SENIOR)
    today = factories.RequestFactory(
        organisation=org_a, created_by=operator, patient_reference="PAT-DU-JOUR"
    )
    factories.in_review(today, evaluator)
    call_command("seed_retention", stdout=io.StringIO())
    refused = DerogationRequest.objects.get(
        device_reference__startswith=MARK, status=Status.REFUSED
    )
    login(page, live_server, evaluator.email, factories.PASSWORD)
    refused_page = live_server.url + reverse("reviews:file", args=[refused.pk])
    page.goto(refused_page)
    main = page.locator("main")
    expect(main).to_contain_text(refused.patient_reference)
    runs_page = live_server.url + reverse("retention:runs")
    page.goto(runs_page)
    expect(main).to_contain_text("Aucun passage pour l'instant.")

    call_command("apply_retention", stdout=io.StringIO())

    page.goto(runs_page)
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    # Personal data of files: the refused file, examined and anonymised; no error.
    expect(rows.first).to_contain_text("1 / 1 / 0")
    expect(rows.first.locator("td").last).to_have_text("aucune")
    page.goto(refused_page)
    expect(main).not_to_contain_text(refused.patient_reference)
    page.goto(live_server.url + reverse("reviews:file", args=[today.pk]))
    expect(main).to_contain_text("PAT-DU-JOUR")
