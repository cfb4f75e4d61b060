"""A prescriber or a director signing in lands on their own space, which lists each file
that concerns them once, with its current state, search, filters and pages (issue 17)."""

import re

import pytest
from django.urls import reverse

from derogations import followup, scenarios
from derogations.enums import Status
from derogations.scenarios import Cast
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SPACE = reverse("derogations:pro_dashboard")


@pytest.fixture
def cast(operator_a, evaluator, senior):
    return Cast(operator_a, evaluator, senior)


def rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">(DER-[A-Z]+-\d+-\d+)</a>', html)


def test_a_professional_lands_on_their_space_not_on_an_operator_list(professional):
    client = client_for(professional)
    assert client.get(reverse("home")).url == SPACE
    assert client.get(reverse("accounts:start"), follow=True).redirect_chain[-1][0] == SPACE
    assert client.get(reverse("derogations:dashboard")).url == SPACE
    html = client.get(SPACE).content.decode()
    nav = html.split('id="navigation-principale"', 1)[1].split("</nav>", 1)[0]
    assert "Mes demandes" not in nav and "Espace professionnels" in nav


def test_each_file_once_with_its_latest_act_and_derogation_state(
    professional, cast, evaluator, senior
):
    suspended = factories.granted_by(cast)
    followup.suspend(suspended, evaluator, "Incident.")
    followup.resume(suspended, senior, "Reprise.")
    followup.suspend(suspended, evaluator, "Nouvel incident.")
    refused_request = factories.RequestFactory(
        organisation=cast.operator.memberships.get().organisation
    )
    refused = scenarios.bring_to(refused_request, Status.REFUSED, cast)
    html = client_for(professional).get(SPACE).content.decode()
    assert sorted(rows(html)) == sorted([suspended.reference, refused.reference])
    row = re.search(rf"{suspended.reference}</a></th>.*?</tr>", html).group(0)
    assert "Suspension de la dérogation — " in row and "4 actes en tout" in row
    assert 'fr-badge--warning">Dérogation suspendue (fin de validité le' in row
    assert "<td>Prescripteur</td>" in row
    assert "2 dossiers" in html


def test_search_and_filters_keep_what_was_typed(professional, cast, evaluator):
    active = factories.granted_by(cast, device_name="Kit Alpha")
    followup.suspend(factories.granted_by(cast, device_name="Kit Omega"), evaluator, "Incident.")
    client = client_for(professional)
    html = client.get(SPACE, {"q": "alpha"}).content.decode()
    assert rows(html) == [active.reference]
    assert 'value="alpha"' in html
    html = client.get(SPACE, {"derogation": "active"}).content.decode()
    assert rows(html) == [active.reference]
    html = client.get(SPACE, {"q": '<b>"zzz', "derogation": "nope"}).content.decode()
    assert rows(html) == [] and "Aucun dossier ne correspond à ces critères." in html
    assert "Sélectionnez un choix valide" in html
    assert "&lt;b&gt;" in html and '<b>"zzz' not in html


def test_others_do_not_see_the_space(operator_a, evaluator, client):
    assert client_for(operator_a).get(SPACE).status_code == 404
    assert client.get(SPACE).status_code == 302


def test_queries_do_not_grow_with_files_or_acts(
    professional, cast, evaluator, senior, django_assert_num_queries
):
    followup.suspend(factories.granted_by(cast), evaluator, "Incident.")
    client = client_for(professional)
    client.get(SPACE)
    with django_assert_num_queries(5) as first:
        client.get(SPACE)
    for _ in range(3):
        req = factories.granted_by(cast)
        followup.suspend(req, evaluator, "Incident.")
        followup.resume(req, senior, "Reprise.")
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(SPACE).content.decode()
    assert len(rows(html)) == 4
