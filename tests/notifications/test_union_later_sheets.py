"""Issue 16: the suspension, the change of conditions and the lifting of a global
derogation are notified to the Commission and the other Member States like its grant
(IVDR Art. 54(2)): each act gets its sheet, read back from the PDF. Tasks run inline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from derogations import followup, scenarios
from derogations.enums import DecisionKind, Status, UnionNotificationChannel
from derogations.models import UnionNotification
from derogations.scenarios import Cast
from derogations.union_notification import record_union_notification
from tests import factories
from tests.conftest import client_for
from tests.notifications.test_acts import APPEAL, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


@pytest.fixture
def cast(org_a, operator_a, evaluator, senior, other_senior):
    return Cast(operator_a, evaluator, other_senior)


@pytest.fixture
def global_granted(org_a, operator_a, cast):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    return req


def _sheet_text(act) -> str:
    notification = UnionNotification.objects.get(grant=act)
    assert len(notification.sheet_sha256) == 64
    text = pdf_text(notification.sheet)
    # titled and addressed as a notification to the Commission, not a letter to the operator
    assert "Article 54(2)" in text and "Commission européenne / European Commission" in text
    assert "SIREN/SIRET" not in text and APPEAL not in text
    assert act.request.reference in text and "France" in text
    assert f"{timezone.localtime(act.issued_at):%Y-%m-%d}" in text  # Paris time, as shown
    return text


def test_each_later_act_has_its_sheet(global_granted, cast, evaluator, senior, operator_a):
    req = global_granted
    grant_conditions = req.derogation.conditions
    suspension = followup.suspend(req, evaluator, "Signalements de faux négatifs.")
    text = _sheet_text(suspension)
    assert "suspension of a notified derogation" in text and "faux négatifs" in text
    followup.resume(req, cast.senior, "Analyse terminée : reprise.")  # not notified
    change = followup.change_conditions(
        req,
        cast.senior,
        "Restreindre aux CHU.",
        "Uniquement dans les CHU, 50 trousses par mois.",
        TODAY + datetime.timedelta(days=200),
    )
    text = _sheet_text(change)
    assert "change of the conditions" in text
    assert (
        "Previous conditions" in text and "Uniquement dans les CHU, 50 trousses par mois." in text
    )
    if grant_conditions:
        assert " ".join(grant_conditions.split()) in text
    assert f"{TODAY + datetime.timedelta(days=200):%Y-%m-%d}" in text
    lifting = followup.lift(req, cast.senior, "Alternative marquée CE disponible.")
    text = _sheet_text(lifting)
    assert "withdrawal of a notified derogation" in text and "Alternative marquée CE" in text
    kinds = set(UnionNotification.objects.values_list("grant__kind", flat=True))
    assert kinds == {
        DecisionKind.GRANT,
        DecisionKind.SUSPENSION,
        DecisionKind.CONDITIONS_CHANGE,
        DecisionKind.LIFTING,
    }

    # Staff download each sheet; the grant's is still the one of the grant.
    url = reverse("derogations:union_act_sheet", args=[req.pk, suspension.pk])
    response = client_for(evaluator).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "suspension" in response["Content-Disposition"]
    response.close()
    assert client_for(operator_a).get(url).status_code == 404
    response = client_for(evaluator).get(reverse("derogations:union_sheet", args=[req.pk]))
    assert response.status_code == 200 and "suspension" not in response["Content-Disposition"]
    response.close()
    # the file page links them
    html = client_for(evaluator).get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert reverse("derogations:union_act_sheet", args=[req.pk, lifting.pk]) in html
    # recording the grant's sending still finds the grant's notification
    notification = record_union_notification(
        req, senior, sent_on=TODAY, channel=UnionNotificationChannel.EMAIL
    )
    assert notification.grant.kind == DecisionKind.GRANT


def test_an_individual_derogation_is_not_notified(org_a, operator_a, cast, evaluator):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.GRANTED, cast)
    followup.suspend(req, evaluator, "Incident.")
    assert not UnionNotification.objects.filter(grant__request=req).exists()
