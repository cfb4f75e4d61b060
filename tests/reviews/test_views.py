import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from derogations import lifecycle
from derogations.enums import FOUR_EYES_KINDS, DecisionState, Status
from derogations.models import Decision
from reviews import services
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The evaluation grid as the screen posts it, complete.
GRID = {f"grid-{name}": value for name, value in services.SCENARIO_GRID.items()}


def test_queue_is_staff_only(operator_a, professional, evaluator, senior, administrator):
    url = reverse("reviews:queue")
    assert client_for(operator_a).get(url).status_code == 404
    assert client_for(professional).get(url).status_code == 404
    for staff in (evaluator, senior, administrator):
        assert client_for(staff).get(url).status_code == 200
    assert client_for(None).get(url).status_code == 302


def test_queue_hides_drafts_and_has_constant_query_count(
    org_a, operator_a, evaluator, django_assert_max_num_queries
):
    factories.RequestFactory(
        organisation=org_a, created_by=operator_a, device_name="Brouillon caché"
    )
    for _ in range(3):
        factories.submitted(factories.RequestFactory(organisation=org_a, created_by=operator_a))
    client = client_for(evaluator)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reviews:queue"))
    html = response.content.decode()
    assert "Brouillon caché" not in html and html.count('">DER-IND-') == 3
    for _ in range(10):
        factories.submitted(factories.RequestFactory(organisation=org_a, created_by=operator_a))
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reviews:queue"), {"status": "submitted"})
    assert response.content.decode().count('">DER-IND-') == 13


def test_operator_cannot_use_staff_actions(draft_a):
    factories.submitted(draft_a)
    client = client_for(draft_a.created_by)
    response = client.post(reverse("reviews:admissible", args=[draft_a.pk]))
    assert response.status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.status == Status.SUBMITTED


def test_full_decision_through_screens(draft_a, evaluator, senior, other_senior):
    factories.submitted(draft_a)
    ev = client_for(evaluator)
    ev.post(reverse("reviews:admissible", args=[draft_a.pk]))
    # Bad input: no motivation, past end date; French messages, typed data kept.
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = ev.post(
        reverse("reviews:propose", args=[draft_a.pk]),
        {"kind": "grant", "motivation": "", "conditions": "Lots tracés", "valid_until": past},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "La motivation est obligatoire." in html and "doit être dans le futur" in html
    assert "Lots tracés" in html
    future = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    proposal = {
        "kind": "grant",
        "motivation": "Bénéfice établi",
        "conditions": "",
        "valid_until": future,
    }
    # No grid yet: refused in French, the motivation typed is kept.
    response = ev.post(reverse("reviews:propose", args=[draft_a.pk]), proposal)
    assert response.status_code == 400
    html = response.content.decode()
    assert "évaluation est incomplète" in html and "Bénéfice établi" in html
    ev.post(reverse("reviews:grid", args=[draft_a.pk]), GRID)
    ev.post(reverse("reviews:propose", args=[draft_a.pk]), proposal)
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    # The proposer, even if senior, cannot validate: shown on the page and enforced.
    page = client_for(senior).get(reverse("reviews:file", args=[draft_a.pk])).content.decode()
    assert "Valider et signer" in page
    response = client_for(evaluator).post(
        reverse("reviews:validate", args=[draft_a.pk]), follow=True
    )
    assert "droit" in response.content.decode()
    client_for(senior).post(reverse("reviews:validate", args=[draft_a.pk]))
    draft_a.refresh_from_db()
    assert draft_a.status == Status.GRANTED
    # Second click: a clear message, no second decision.
    response = client_for(other_senior).post(
        reverse("reviews:validate", args=[draft_a.pk]), follow=True
    )
    assert "déjà été traitée" in response.content.decode()
    assert (
        Decision.objects.filter(
            request=draft_a, state=DecisionState.ISSUED, kind__in=FOUR_EYES_KINDS
        ).count()
        == 1
    )


def test_send_back_needs_comment(draft_a, evaluator, senior):
    factories.proposed(draft_a, evaluator)
    response = client_for(senior).post(
        reverse("reviews:send_back", args=[draft_a.pk]), {"send_back-comment": ""}
    )
    assert response.status_code == 400
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    client_for(senior).post(
        reverse("reviews:send_back", args=[draft_a.pk]), {"send_back-comment": "Préciser"}
    )
    draft_a.refresh_from_db()
    assert draft_a.status == Status.IN_REVIEW


def test_staff_never_see_drafts(draft_a, evaluator):
    assert client_for(evaluator).get(reverse("reviews:file", args=[draft_a.pk])).status_code == 404
    lifecycle.submit(draft_a, draft_a.created_by)
    assert client_for(evaluator).get(reverse("reviews:file", args=[draft_a.pk])).status_code == 200
