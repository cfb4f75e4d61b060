"""Patient references never reach the logs. Canary values (unique strings) are seeded into
every patient field, then the flows that log are driven: filing with validation failures,
submission and its email, review, a refused upload, the decision (letter rendered, emails
sent), the professional's consent, incident and patient sheet, a failed sign-in, hostile
input; every record of every logger is captured at DEBUG and searched."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from derogations import lifecycle
from derogations.models import DerogationRequest
from derogations.professionals import link_token
from tests import factories
from tests.conftest import client_for

CANARIES = {
    "patient_reference": "CANARYREF7Q2",
    "patient_age": "CANARYAGE5K9",
    "patient_indication": "CANARYINDICATION3X8 suspicion de maladie rare",
    "urgency_reason": "CANARYURGENCY6M1 dégradation rapide",
}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        # The formatted message with its traceback, and the raw arguments.
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))
        self.lines.append(repr(getattr(record, "request", "")))


@pytest.fixture
def every_log(settings):
    """Every logger at DEBUG (root, django, django.request, celery, weasyprint...), as with
    DJANGO_LOG_LEVEL=DEBUG, into one list. Loggers the project's LOGGING pins to a level
    keep it: that pin is how the settings keep what they must out of the logs."""
    handler = Capture()
    pinned = set(settings.LOGGING.get("loggers", {}))
    names = ["", "django", "django.request", "django.security", "celery"]
    names += [
        name
        for name in logging.root.manager.loggerDict
        if not any(name == pin or name.startswith(f"{pin}.") for pin in pinned)
    ]
    saved = {}
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.disabled)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for name, (level, disabled) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled


@pytest.mark.django_db(transaction=True)
def test_canary_patient_references_never_appear_in_logs(
    every_log, org_a, operator_a, evaluator, senior, settings
):
    operator = client_for(operator_a)
    # Filing through the forms, with invalid values next to the canaries.
    response = operator.post(
        reverse("derogations:create", args=["individual"]),
        {"device_name": "Test canari", "contact_email": "pas-une-adresse", "next": "1"},
    )
    draft = DerogationRequest.objects.get(device_name="Test canari")
    patient_step = reverse("derogations:step", args=[draft.pk, "patient"])
    response = operator.post(
        patient_step,
        {**CANARIES, "urgency": "urgent", "prescriber_rpps": "CANARYRPPS", "facility_finess": "x"},
    )
    assert response.status_code == 200  # valid fields kept, errors shown
    # A refused upload named after the patient.
    operator.post(
        reverse("derogations:step", args=[draft.pk, "pieces"]),
        {
            "category": "other",
            "files": [SimpleUploadedFile(f"{CANARIES['patient_reference']}.pdf", b"<html>")],
        },
    )
    # The rest of a complete request, submitted (acknowledgment email).
    full = factories.RequestFactory(
        organisation=org_a, created_by=operator_a, urgency="urgent", **CANARIES
    )
    response = operator.post(reverse("derogations:step", args=[full.pk, "depot"]))
    assert response.status_code == 302
    # Review: complements asked and answered, a proposal, the decision signed (letter
    # rendered, emails sent), the staff pages and the CSV export.
    staff = client_for(evaluator)
    lifecycle.declare_admissible(full, evaluator)
    staff.post(
        reverse("reviews:complements", args=[full.pk]),
        {"complements-questions": "Précisez.", "complements-due_date": "1999-01-01"},
    )
    factories.graded(full, evaluator)
    lifecycle.propose_decision(
        full,
        evaluator,
        kind="grant",
        motivation=f"Pour {CANARIES['patient_reference']}.",
        conditions="",
        valid_until=None,
    )
    client_for(senior).post(reverse("reviews:validate", args=[full.pk]))
    staff.get(reverse("reviews:file", args=[full.pk]))
    staff.get(reverse("reviews:queue"), {"q": CANARIES["patient_reference"]})
    b"".join(staff.get(reverse("reviews:export_csv")).streaming_content)
    # The prescriber's signed link: consent (one refused), patient sheet, an incident.
    decision = full.decisions.get(kind="grant")
    prescriber = Client(raise_request_exception=False)
    prescriber.get(
        reverse("derogations:pro_link", args=[link_token(decision, full.prescriber_email)])
    )
    pro_decision = reverse("derogations:pro_decision", args=[decision.pk])
    prescriber.post(
        pro_decision, {"informed_on": CANARIES["patient_age"], "consented_on": "2999-01-01"}
    )
    prescriber.post(
        pro_decision,
        {
            "informed_on": "2020-01-01",
            "consented_on": "2020-01-02",
            "patient_code": "PAT-0001",
            "information_given": ["derogation"],
            "outcome": "refused",
        },
    )
    prescriber.get(reverse("notifications:patient_sheet", args=[decision.pk]))
    prescriber.post(
        reverse("derogations:pro_incident", args=[decision.pk]),
        {
            "declarant_role": "prescriber",
            "occurred_on": "2020-01-01",
            "severity": "serious",
            "device_lot": "L1",
            "description": f"Patient {CANARIES['patient_reference']} : erreur.",
            "patient_outcome": CANARIES["patient_indication"],
        },
    )
    # A failed sign-in whose user name is a patient reference; a hostile request.
    Client().post(
        reverse("accounts:login"), {"username": CANARIES["patient_reference"], "password": "x"}
    )
    Client(raise_request_exception=False).post(
        reverse("derogations:step", args=[full.pk, "patient"]),
        {"patient_reference": CANARIES["patient_reference"]},
    )

    logged = "\n".join(every_log.lines)
    assert "derogations" in logged or "django" in logged, (
        "nothing was logged: the capture is broken"
    )
    for field, canary in CANARIES.items():
        token = canary.split()[0]
        assert token not in logged, f"{field} appears in the logs"
