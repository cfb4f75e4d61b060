"""An operator's list and file show the derogation's state (in force, suspended, lifted,
expired, with its end date) beside the request's status, and the list filters on it
(issue 17)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from derogations import followup, scenarios
from derogations.enums import Status
from derogations.models import Derogation
from derogations.scenarios import Cast
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DASHBOARD, TODAY = reverse("derogations:dashboard"), timezone.localdate()


@pytest.fixture
def cast(operator_a, evaluator, senior):
    return Cast(operator_a, evaluator, senior)


def references(html: str) -> set[str]:
    return set(re.findall(r">(DER-[A-Z]+-\d+-\d+)</a>", html))


@pytest.fixture
def four_states(cast, evaluator, senior):
    active = factories.granted_by(cast)
    suspended = factories.granted_by(cast)
    followup.suspend(suspended, evaluator, "Incident.")
    lifted = factories.granted_by(cast)
    followup.lift(lifted, senior, "Risque.")
    expired = factories.granted_by(cast)
    Derogation.objects.filter(request=expired).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    in_review = scenarios.bring_to(
        factories.RequestFactory(organisation=cast.operator.memberships.get().organisation),
        Status.IN_REVIEW,
        cast,
    )
    return {
        "active": active,
        "suspended": suspended,
        "lifted": lifted,
        "expired": expired,
        "in_review": in_review,
    }


def test_list_shows_the_derogation_state_beside_a_status_that_is_no_longer_green(
    operator_a, four_states
):
    html = client_for(operator_a).get(DASHBOARD).content.decode()
    suspended = four_states["suspended"]
    end = suspended.derogation.valid_until.strftime("%d/%m/%Y")
    row = re.search(rf"<tr><td><a [^>]*>{suspended.reference}</a>.*?</tr>", html).group(0)
    assert '<p class="fr-badge fr-badge--sm fr-badge--no-icon">Accordée</p>' in row
    assert (
        '<p class="fr-badge fr-badge--sm fr-badge--no-icon fr-badge--warning">'
        f"Dérogation suspendue (fin de validité le {end})</p>"
    ) in row
    active = four_states["active"]
    row = re.search(rf"<tr><td><a [^>]*>{active.reference}</a>.*?</tr>", html).group(0)
    assert 'fr-badge--success">Accordée</p>' in row
    assert f'fr-badge--success">Dérogation en vigueur jusqu&#x27;au {end}</p>' in row
    assert 'fr-badge--error">Dérogation levée</p>' in html
    yesterday = (TODAY - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Dérogation expirée le {yesterday}</p>" in html


def test_file_header_shows_both_badges(operator_a, four_states):
    suspended = four_states["suspended"]
    html = (
        client_for(operator_a)
        .get(reverse("derogations:detail", args=[suspended.pk]))
        .content.decode()
    )
    header = html.split('<ul class="fr-badges-group">', 1)[1].split("</ul>", 1)[0]
    assert 'fr-badge--no-icon">Accordée</p></li>' in header
    assert 'fr-badge--warning">Dérogation suspendue (fin de validité le' in header


@pytest.mark.parametrize("state", ["active", "suspended", "lifted", "expired"])
def test_list_filters_on_the_derogation_state(operator_a, four_states, state):
    html = client_for(operator_a).get(DASHBOARD, {"derogation": state}).content.decode()
    assert references(html) == {four_states[state].reference}
    assert "selected>" in html.split('name="derogation"', 1)[1].split("</select>", 1)[0]


def test_unknown_derogation_state_is_ignored(operator_a, four_states):
    response = client_for(operator_a).get(DASHBOARD, {"derogation": "<b>nope"})
    assert response.status_code == 200
    assert len(references(response.content.decode())) == 5


def test_filtered_list_runs_the_same_queries_whatever_the_rows(
    cast, operator_a, four_states, django_assert_num_queries
):
    client = client_for(operator_a)
    client.get(DASHBOARD, {"derogation": "suspended"})  # session and caches warm
    with django_assert_num_queries(5) as first:
        client.get(DASHBOARD, {"derogation": "suspended"})
    for _ in range(2):
        followup.suspend(factories.granted_by(cast), cast.evaluator, "Incident.")
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(DASHBOARD, {"derogation": "suspended"}).content.decode()
    assert len(references(html)) == 3
