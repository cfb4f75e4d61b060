"""Evaluation teams (issue 19): routing at submission, moving a file, the queue's team
filter and column, the dashboard by team, the teams page."""

import pytest
from django.urls import reverse

from derogations import teams
from derogations.enums import IvdClass, Kind, Urgency
from derogations.lifecycle import TransitionError
from derogations.models import AuditEntry, DerogationRequest, RoutingRule, Team
from notifications.models import InboxItem, InboxKind
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

QUEUE = reverse("reviews:queue")


def team(name: str, *members, **fields) -> Team:
    created = Team.objects.create(name=name, **fields)
    created.members.set(members)
    return created


def rule(to: Team, priority: int = 10, **conditions) -> RoutingRule:
    return RoutingRule.objects.create(team=to, priority=priority, **conditions)


def submit(**fields) -> DerogationRequest:
    org = factories.OrganisationFactory()
    req = factories.RequestFactory(
        organisation=org, created_by=factories.operator_of(org), **fields
    )
    factories.submitted(req)
    req.refresh_from_db()
    return req


def queue_refs(response) -> list[str]:
    html = response.content.decode()
    return sorted(part.split("<", 1)[0] for part in html.split('">DER-')[1:])


# --- Routing rules -------------------------------------------------------------------------


def test_each_condition_of_a_rule_must_match():
    genetics = team("Génétique")
    rule(genetics, ivd_classes=[IvdClass.C, IvdClass.D], kind=Kind.INDIVIDUAL,
         urgency=Urgency.URGENT, device_keyword="génétique")  # fmt: skip
    base = {"ivd_class": IvdClass.C, "urgency": Urgency.URGENT, "urgency_reason": "Aggravation",
            "intended_purpose": "Détection d'un variant GENETIQUE rare"}  # fmt: skip
    assert submit(**base).team == genetics  # keyword: case and accents ignored
    assert submit(**{**base, "ivd_class": IvdClass.B}).team is None
    assert submit(**{**base, "urgency": Urgency.STANDARD}).team is None
    assert submit(**{**base, "intended_purpose": "Sérologie"}).team is None
    assert submit(global_kind=True, ivd_class=IvdClass.C).team is None  # kind (and urgency)


def test_the_keyword_is_also_looked_for_in_the_device_name():
    infection = team("Infectiologie")
    rule(infection, device_keyword="SEROLOGIE")
    assert (
        submit(device_name="Kit Sérologie Dengue", intended_purpose="Dépistage").team == infection
    )


def test_the_first_active_rule_by_priority_wins_and_no_match_means_no_team():
    first, second, closed = team("Première"), team("Seconde"), team("Fermée", active=False)
    rule(closed, priority=1)  # its team is inactive: skipped
    rule(first, priority=5, active=False)  # inactive rule: skipped
    rule(second, priority=20)
    rule(first, priority=10, ivd_classes=[IvdClass.D])
    assert submit(ivd_class=IvdClass.D).team == first
    assert submit(ivd_class=IvdClass.C).team == second
    RoutingRule.objects.filter(team=second).update(active=False)
    unrouted = submit(ivd_class=IvdClass.C)
    assert unrouted.team is None
    assert not AuditEntry.objects.filter(request=unrouted, action="route_to_team").exists()


def test_routing_writes_a_staff_only_history_line(evaluator):
    genetics = team("Génétique et maladies rares")
    rule(genetics)
    req = submit()
    entry = AuditEntry.objects.get(request=req, action="route_to_team")
    assert entry.actor == req.created_by
    assert "Génétique et maladies rares" in entry.comment
    staff_page = client_for(evaluator).get(reverse("reviews:file", args=[req.pk]))
    assert "Orientation vers une équipe" in staff_page.content.decode()
    operator_page = client_for(req.created_by).get(reverse("derogations:detail", args=[req.pk]))
    assert "Génétique et maladies rares" not in operator_page.content.decode()


# --- Moving a file --------------------------------------------------------------------------


def test_an_evaluator_moves_a_file_with_a_reason(evaluator, senior):
    member = factories.UserFactory(evaluator=True, email="membre@ansm.example")
    first, second = team("Première"), team("Seconde", member, evaluator)
    rule(first)
    req = submit()
    url = reverse("reviews:move_team", args=[req.pk])
    client = client_for(senior)
    refused = client.post(url, {"team-team": second.pk, "team-reason": "  "})
    assert refused.status_code == 400
    assert "Indiquez pourquoi le dossier change d&#x27;équipe." in refused.content.decode()
    response = client.post(url, {"team-team": second.pk, "team-reason": "Expertise virale"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.team == second
    entry = AuditEntry.objects.get(request=req, action="move_to_team")
    assert "« Première » vers « Seconde » : Expertise virale" in entry.comment
    # The new team's members are told, the mover is not told of their own move.
    items = InboxItem.objects.filter(request=req, kind=InboxKind.FILE_MOVED)
    assert sorted(items.values_list("recipient__email", flat=True)) == [
        "evaluateur@ansm.example",
        "membre@ansm.example",
    ]
    page = client.get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Changement d&#x27;équipe" in page and "Expertise virale" in page
    # Moved again to the same team: a French message, nothing written.
    again = client.post(url, {"team-team": second.pk, "team-reason": "Encore"})
    assert again.status_code == 400
    assert AuditEntry.objects.filter(request=req, action="move_to_team").count() == 1


def test_moving_keeps_what_was_typed_when_refused(evaluator):
    target = team("Cible")
    req = submit()
    response = client_for(evaluator).post(
        reverse("reviews:move_team", args=[req.pk]), {"team-team": "", "team-reason": "Mon motif"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez une équipe." in html and "Mon motif" in html
    assert target.name in html


def test_operators_and_others_cannot_move_a_file(evaluator):
    target = team("Cible")
    req = submit()
    url = reverse("reviews:move_team", args=[req.pk])
    data = {"team-team": target.pk, "team-reason": "Tentative"}
    assert client_for(req.created_by).post(url, data).status_code == 404
    assert client_for(factories.UserFactory(professional=True)).post(url, data).status_code == 404
    assert client_for(None).post(url, data).status_code == 302  # to the login page
    administrator = factories.UserFactory(administrator=True)
    assert client_for(administrator).post(url, data).status_code == 302  # refused, said in French
    req.refresh_from_db()
    assert req.team is None
    with pytest.raises(TransitionError):
        teams.move_to_team(req, req.created_by, target, "Tentative")
    draft = factories.RequestFactory()
    with pytest.raises(TransitionError):
        teams.move_to_team(draft, evaluator, target, "Brouillon")


# --- Queue and dashboard --------------------------------------------------------------------


def test_the_queue_filters_by_team_and_shows_it(evaluator):
    mine, other = team("Mon équipe", evaluator), team("Autre équipe")
    rule(mine, ivd_classes=[IvdClass.D])
    rule(other, ivd_classes=[IvdClass.B])
    in_mine, in_other, without = (
        submit(ivd_class=IvdClass.D),
        submit(ivd_class=IvdClass.B),
        submit(ivd_class=IvdClass.C),
    )
    client = client_for(evaluator)
    everything = client.get(QUEUE)
    assert queue_refs(everything) == sorted(r.reference[4:] for r in (in_mine, in_other, without))
    html = everything.content.decode()
    assert "<td>Mon équipe</td>" in html and "Sans équipe" in html
    assert queue_refs(client.get(QUEUE, {"team": "mes-equipes"})) == [in_mine.reference[4:]]
    assert queue_refs(client.get(QUEUE, {"team": str(other.pk)})) == [in_other.reference[4:]]
    assert queue_refs(client.get(QUEUE, {"team": "sans"})) == [without.reference[4:]]
    unknown = client.get(QUEUE, {"team": "999999"})
    assert unknown.status_code == 200
    assert len(queue_refs(unknown)) == 3  # the unknown value is reported and ignored


def test_the_team_filter_keeps_the_queue_query_count(
    evaluator, django_assert_num_queries, settings
):
    settings.PORTAL_FILTER_CHOICES_SECONDS = 0  # the choice lists asked on every page
    mine = team("Mon équipe", evaluator)
    rule(mine)
    for _ in range(3):
        submit()
    client = client_for(evaluator)
    client.get(QUEUE)
    # session, user, assignee choices, operator and team choices (one query), capped
    # count, the page's rows (with their team's name)
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"team": "mes-equipes"})
    assert len(queue_refs(response)) == 3
    for _ in range(5):
        submit()
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"team": str(mine.pk)})
    assert len(queue_refs(response)) == 8


def test_the_dashboard_counts_one_team(evaluator):
    mine = team("Mon équipe", evaluator)
    rule(mine, ivd_classes=[IvdClass.D])
    submit(ivd_class=IvdClass.D)
    submit(ivd_class=IvdClass.C)
    submit(ivd_class=IvdClass.C)
    from reviews import dashboard

    def submitted_count(**kw) -> int:
        board = dashboard.compute(12, "", **kw)
        return dict((key, n) for key, _label, n in board.statuses)["submitted"]

    assert submitted_count() == 3
    assert submitted_count(team=str(mine.pk)) == 1
    assert submitted_count(team="sans") == 2
    page = client_for(evaluator).get(reverse("reviews:team_dashboard"), {"equipe": str(mine.pk)})
    assert page.status_code == 200
    assert f'<option value="{mine.pk}" selected>Mon équipe</option>' in page.content.decode()


def test_the_teams_page_lists_teams_members_and_rules(evaluator):
    member = factories.UserFactory(evaluator=True, first_name="Inès", last_name="Roux")
    genetics = team("Génétique et maladies rares", member)
    rule(genetics, priority=3, ivd_classes=[IvdClass.D], device_keyword="génome")
    html = client_for(evaluator).get(reverse("reviews:teams")).content.decode()
    assert "Génétique et maladies rares" in html and "Inès Roux" in html
    assert "génome" in html and "Classe D" in html
