"""In headless Chromium (issue 19): the operator, then the evaluator, press « Télécharger
le dossier complet » on the file's page, see the preparation announced as ready, download
the ZIP and find its folders (the evaluator's with the expert opinions, the operator's
without). The operator's export is built at once after commit (no broker in the
development server); the evaluator's was already queued: the click reuses it, the page
shows it waiting, and its script announces it ready once the task has run."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from derogations import assignment
from file_exports.models import Audience, FileExport
from file_exports.tasks import build_file_export
from tests import factories
from tests.e2e.axe import assert_no_violations
from tests.e2e.conftest import login, logout
from tests.file_exports.test_file_exports import expert_opinion

# The acknowledgment of receipt is the file's one act here (its letter rendered on commit).
BOTH_SIDES = {"01-demande", "02-pieces-jointes", "05-decisions"}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def download_whole_file(page) -> set[str]:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le dossier complet").click()
    assert download.value.suggested_filename.endswith("-dossier-complet.zip")
    body = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        return {name.split("/")[0] for name in archive.namelist()}


def test_operator_and_evaluator_download_the_whole_file(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    req = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.in_review(req, evaluator)
    assignment.assign(req, evaluator, evaluator)
    expert_opinion(req, evaluator)

    login(page, live_server, operator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/demandes/{req.pk}/")
    page.get_by_role("button", name="Télécharger le dossier complet").click()
    expect(page.locator("[data-export-message]")).to_have_text("Le dossier complet est prêt.")
    assert_no_violations(page, "dossier complet prêt")
    assert download_whole_file(page) == BOTH_SIDES
    logout(page)

    login(page, live_server, evaluator.email, factories.PASSWORD)
    # The evaluator asked a moment ago (in another tab): the task has not started yet.
    queued = FileExport.objects.create(
        request=req,
        requested_by=evaluator,
        audience=Audience.STAFF,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("button", name="Télécharger le dossier complet").click()
    expect(page.get_by_text("Le dossier complet est déjà en préparation.")).to_be_visible()
    expect(page.locator("[data-export-message]")).to_have_text(
        "Préparation du dossier complet en attente…"
    )
    expect(page.get_by_role("link", name="Actualiser")).to_be_visible()
    assert_no_violations(page, "dossier complet en préparation")
    build_file_export.delay(queued.pk)  # the worker's turn
    # The page's script asks for the state and shows the link, without a reload.
    expect(page.locator("[data-export-message]")).to_have_text("Le dossier complet est prêt.")
    assert FileExport.objects.filter(requested_by=evaluator).count() == 1
    assert download_whole_file(page) == BOTH_SIDES | {"06-avis-d-experts"}
