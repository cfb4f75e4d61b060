"""In headless Chromium (issue 19): a submitted file goes to the team its routing rule
names; an evaluator finds it with the queue's "Mes équipes" filter, moves it to the other
team with a reason, and the file's history says so."""

import re

import pytest
from playwright.sync_api import expect

from derogations.enums import IvdClass
from derogations.models import RoutingRule, Team
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_file_is_routed_to_a_team_then_moved(page, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    genetics = Team.objects.create(name="Génétique et maladies rares")
    genetics.members.add(evaluator)
    Team.objects.create(name="Infectiologie et urgences")
    RoutingRule.objects.create(team=genetics, priority=1, device_keyword="genetique")
    req = factories.RequestFactory(
        organisation=org_a, created_by=factories.operator_of(org_a), ivd_class=IvdClass.C
    )
    factories.submitted(req)  # "variant génétique rare": the rule matches, accents aside
    req.refresh_from_db()

    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/")
    page.get_by_label("Équipe").select_option(label="Mes équipes")
    page.get_by_role("button", name="Filtrer").click()
    row = page.get_by_role("row").filter(has_text=req.reference)
    expect(row).to_contain_text("Génétique et maladies rares")

    row.get_by_role("link", name=req.reference).click()
    page.get_by_text("Changer l'équipe du dossier").click()
    page.get_by_label("Déplacer vers l'équipe").select_option(label="Infectiologie et urgences")
    page.get_by_label("Motif du changement d'équipe").fill("Recherche d'un agent infectieux")
    page.get_by_role("button", name="Changer d'équipe").click()
    expect(
        page.get_by_text("est déplacé vers l'équipe « Infectiologie et urgences »")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("— Changement d'équipe"))).to_be_visible()
    expect(page.get_by_text("Recherche d'un agent infectieux").first).to_be_visible()
