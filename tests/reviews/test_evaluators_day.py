"""Issue 17, the evaluators' day: the queue opens on the open files, the most urgent first;
"À signer" lists the proposals waiting for a senior's signature with their age."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from derogations import assignment, lifecycle
from derogations.enums import DecisionState, Status, Urgency
from derogations.models import Decision, DerogationRequest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

QUEUE = reverse("reviews:queue")
TO_SIGN = reverse("reviews:to_sign")


def refs(response) -> list[str]:
    html = response.content.decode()
    return [part.split("<", 1)[0] for part in html.split('">DER-')[1:]]


def _file(*, urgency=Urgency.STANDARD, target_in: int):
    """A submitted file whose target date is ``target_in`` days away."""
    req = factories.RequestFactory(urgency=urgency, urgency_reason="Patient en réanimation.")
    factories.submitted(req)
    DerogationRequest.objects.filter(pk=req.pk).update(
        target_date=timezone.localdate() + datetime.timedelta(days=target_in)
    )
    req.refresh_from_db()
    return req


def test_queue_default_is_open_files_vital_first_then_days_left(evaluator, senior):
    late_standard = _file(target_in=3)
    early_standard = _file(target_in=1)
    vital = _file(urgency=Urgency.VITAL, target_in=5)
    decided = factories.RequestFactory()
    factories.proposed(decided, evaluator)
    lifecycle.validate_decision(decided, senior)
    decided.refresh_from_db()
    assert decided.status == Status.GRANTED
    client = client_for(evaluator)
    shown = refs(client.get(QUEUE))
    assert [f"DER-{r}" for r in shown] == [
        vital.reference,
        early_standard.reference,
        late_standard.reference,
    ]
    # "Tous les dossiers": one click away, every status.
    page = client.get(QUEUE, {"status": "tous"}).content.decode()
    assert decided.reference in page and vital.reference in page
    assert 'href="?status=tous"' in client.get(QUEUE).content.decode()


def test_to_sign_lists_other_seniors_proposals_with_their_age(evaluator, senior, other_senior):
    mine = factories.RequestFactory()
    factories.proposed(mine, senior)
    theirs = factories.RequestFactory()
    factories.proposed(theirs, evaluator)
    Decision.objects.filter(request=theirs, state=DecisionState.PROPOSED).update(
        proposed_at=timezone.now() - datetime.timedelta(days=4)
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    page = client_for(senior).get(TO_SIGN).content.decode()
    assert theirs.reference in page and mine.reference not in page
    assert 'data-age-days="4"' in page and "4 jours" in page
    assert mine.reference in client_for(other_senior).get(TO_SIGN).content.decode()


@pytest.mark.parametrize("role", ["evaluator", "administrator", "operator_a", None])
def test_to_sign_is_for_senior_evaluators_only(request, role):
    user = request.getfixturevalue(role) if role else None
    response = client_for(user).get(TO_SIGN)
    assert response.status_code in (302, 404)
    assert response.status_code == (302 if user is None else 404)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_and_to_sign_query_counts_do_not_grow_with_rows(evaluator, senior):
    client = client_for(senior)
    counts = []
    for _round in range(2):
        for _n in range(3):
            req = factories.RequestFactory(urgency=Urgency.VITAL, urgency_reason="Réanimation.")
            factories.proposed(req, evaluator)
            assignment.assign(req, evaluator, evaluator)
        counts.append((_queries(client, QUEUE), _queries(client, TO_SIGN)))
    assert counts[0] == counts[1], counts
    assert Decision.objects.filter(state=DecisionState.PROPOSED).count() == 6


def test_grid_marks_and_requires_what_the_proposal_requires(draft_a, evaluator):
    """ "Commentaire" and the conclusion's argument: a proposal is refused without them,
    so the grid's form requires them, marks them with the asterisk and says why."""
    factories.in_review(draft_a, evaluator)
    client = client_for(evaluator)
    page = client.get(reverse("reviews:file", args=[draft_a.pk])).content.decode()
    grid_form = page.split('id="grille"', 1)[1].split("</form>", 1)[0]
    # Three comments and the argument, besides the four choices (radios and selects).
    assert grid_form.count('id="id_grid-benefit_comment"') == 1
    for name in ("benefit_comment", "data_comment", "alternative_comment", "conclusion"):
        label = grid_form.split(f'for="id_grid-{name}"', 1)[1].split("</label>", 1)[0]
        assert "portal-required" in label, name
    typed = {
        "grid-benefit_assessment": "favourable",
        "grid-benefit_comment": "Mon analyse du bénéfice",
        "grid-data_assessment": "favourable",
        "grid-data_comment": "   ",
        "grid-alternative_assessment": "not_assessed",
        "grid-alternative_comment": "À voir",
        "grid-benefit_risk": "favourable",
        "grid-conclusion": "",
    }
    response = client.post(reverse("reviews:grid", args=[draft_a.pk]), typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Commentez ce critère : la proposition de décision en a besoin." in html
    assert "Argumentez la conclusion : la proposition de décision en a besoin." in html
    assert "Mon analyse du bénéfice" in html and "À voir" in html
