"""The staff follow-up page and the act forms on the file page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from derogations import followup, incidents, scenarios
from derogations.enums import DecisionKind, DerogationStatus, Status
from derogations.models import AuditEntry, Decision, Derogation, UnionNotification
from derogations.scenarios import Cast
from tests import factories
from tests.conftest import client_for

FOLLOWUP = reverse("reviews:followup")
TODAY = timezone.localdate()


@pytest.fixture
def cast(operator_a, evaluator, other_senior):
    return Cast(operator_a, evaluator, other_senior)


def granted(cast, **fields):
    operator = cast.operator
    req = factories.RequestFactory(
        organisation=operator.memberships.get().organisation, created_by=operator, **fields
    )
    return scenarios.bring_to(req, Status.GRANTED, cast)


def rows(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<a href="/instruction/dossiers/\d+/">(DER-[A-Z]+-\d+-\d+)</a>', html)


@pytest.mark.django_db
def test_followup_lists_derogations_in_force_and_suspended(cast, evaluator, senior):
    active = granted(cast, global_kind=True)
    suspended = granted(cast)
    followup.suspend(suspended, evaluator, "Incident.")
    lifted = granted(cast)
    followup.lift(lifted, senior, "Risque.")
    expired = granted(cast)
    Derogation.objects.filter(request=expired).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    client = client_for(evaluator)
    response = client.get(FOLLOWUP)
    assert response.status_code == 200
    assert sorted(rows(response)) == sorted([active.reference, suspended.reference])
    html = response.content.decode()
    assert "En vigueur" in html and "Suspendue" in html and "jours restants" in html
    assert "Incident déclaré" not in html
    incidents.record_incident(
        active,
        declarant=None,
        declarant_email=active.director_email or "direction@chu.example",
        declarant_role="director",
        occurred_on=TODAY,
        description="Résultat discordant.",
        device_lot="LOT-1",
        severity="serious",
        patient_outcome="Aucune.",
    )
    assert client.get(FOLLOWUP).content.decode().count("Incident déclaré") == 1
    assert rows(client.get(FOLLOWUP, {"etat": "suspendues"})) == [suspended.reference]
    assert rows(client.get(FOLLOWUP, {"etat": "levees"})) == [lifted.reference]
    assert rows(client.get(FOLLOWUP, {"etat": "expirees"})) == [expired.reference]
    assert len(rows(client.get(FOLLOWUP, {"etat": "toutes"}))) == 4
    assert rows(client.get(FOLLOWUP, {"kind": "global"})) == [active.reference]
    assert rows(client.get(FOLLOWUP, {"q": active.reference})) == [active.reference]
    Derogation.objects.filter(request=active).update(valid_until=TODAY + datetime.timedelta(days=6))
    assert rows(client.get(FOLLOWUP, {"fin": "7"})) == [active.reference]
    bad = client.get(FOLLOWUP, {"fin": "abc", "etat": "nimporte"})
    assert bad.status_code == 200 and len(rows(bad)) == 2  # unknown values are ignored


@pytest.mark.django_db
def test_followup_query_count_is_constant(cast, evaluator, django_assert_num_queries):
    client = client_for(evaluator)
    client.get(FOLLOWUP)  # warm up the session
    granted(cast)
    # session, user, count, rows (with request, operator and grant)
    with django_assert_num_queries(4):
        assert len(rows(client.get(FOLLOWUP))) == 1
    for _ in range(6):
        granted(cast, global_kind=True)
    with django_assert_num_queries(4):
        assert len(rows(client.get(FOLLOWUP))) == 7


@pytest.mark.django_db
def test_evaluator_may_only_suspend_and_senior_the_rest(cast, evaluator, senior):
    req = granted(cast)
    file_url = reverse("reviews:file", args=[req.pk])
    page = client_for(evaluator).get(file_url).content.decode()
    assert reverse("reviews:suspend", args=[req.pk]) in page
    assert reverse("reviews:lift", args=[req.pk]) not in page
    assert "Seul un évaluateur senior" not in page  # suspension is offered
    page = client_for(senior).get(file_url).content.decode()
    for name in ("suspend", "change_conditions", "lift"):
        assert reverse(f"reviews:{name}", args=[req.pk]) in page
    assert reverse("reviews:resume", args=[req.pk]) not in page

    # An evaluator posting a lifting is refused with a French message, nothing changes.
    response = client_for(evaluator).post(
        reverse("reviews:lift", args=[req.pk]),
        {"lift-motivation": "Risque.", "lift-confirm": "on"},
        follow=True,
    )
    assert "avez pas le droit d" in response.content.decode()
    assert Derogation.objects.get(request=req).status == DerogationStatus.ACTIVE


@pytest.mark.django_db
def test_act_forms_validate_in_french_and_issue_the_act(cast, evaluator, senior):
    req = granted(cast, global_kind=True)
    client = client_for(senior)
    response = client.post(reverse("reviews:suspend", args=[req.pk]), {"suspend-motivation": ""})
    assert response.status_code == 400
    assert "Motivez cet acte : la motivation figure dans le courrier." in response.content.decode()
    response = client.post(
        reverse("reviews:change_conditions", args=[req.pk]),
        {"change_conditions-motivation": "Suivi.", "change_conditions-conditions": "",
         "change_conditions-valid_until": TODAY.isoformat()},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez les conditions qui s&#x27;appliqueront." in html
    assert "La fin de validité doit être dans le futur." in html

    response = client.post(
        reverse("reviews:suspend", args=[req.pk]),
        {"suspend-motivation": "Deux incidents graves."},
        follow=True,
    )
    assert "La dérogation est suspendue." in response.content.decode()
    assert Derogation.objects.get(request=req).status == DerogationStatus.SUSPENDED
    act = Decision.objects.get(request=req, kind=DecisionKind.SUSPENSION)
    assert act.motivation == "Deux incidents graves." and act.deliveries.exists()
    # The same form posted twice: a French message, no second act.
    response = client.post(
        reverse("reviews:suspend", args=[req.pk]),
        {"suspend-motivation": "Deux incidents graves."},
        follow=True,
    )
    assert "Elle a peut-être déjà été traitée." in response.content.decode()
    assert Decision.objects.filter(request=req, kind=DecisionKind.SUSPENSION).count() == 1

    client.post(
        reverse("reviews:change_conditions", args=[req.pk]),
        {"change_conditions-motivation": "Prolongation.",
         "change_conditions-conditions": "50 unités.",
         "change_conditions-valid_until": (TODAY + datetime.timedelta(days=200)).isoformat()},
    )  # fmt: skip
    derogation = Derogation.objects.get(request=req)
    assert derogation.conditions == "50 unités."
    assert derogation.valid_until == TODAY + datetime.timedelta(days=200)
    client.post(reverse("reviews:resume", args=[req.pk]), {"resume-motivation": "Corrigé."})
    client.post(
        reverse("reviews:lift", args=[req.pk]),
        {"lift-motivation": "Risque confirmé.", "lift-confirm": "on"},
    )
    assert Derogation.objects.get(request=req).status == DerogationStatus.LIFTED
    actions = list(AuditEntry.objects.filter(request=req).values_list("action", flat=True))
    assert actions[-4:] == ["suspend", "change_conditions", "resume", "lift"]
    page = client.get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Levée de la dérogation" in page and "Actes et envois" in page


@pytest.mark.django_db
def test_lifting_needs_its_explicit_confirmation(cast, senior):
    """RGAA 11.12: the lifting is final and its letter leaves at once; without the box
    ticked nothing is issued and the motivation typed is shown again."""
    req = granted(cast)
    client = client_for(senior)
    url = reverse("reviews:lift", args=[req.pk])
    response = client.post(url, {"lift-motivation": "Faux négatifs répétés."})
    page = response.content.decode()
    assert "Cochez la case pour confirmer la levée" in page
    assert "Faux négatifs répétés." in page
    assert Derogation.objects.get(request=req).status == DerogationStatus.ACTIVE
    assert not Decision.objects.filter(request=req, kind=DecisionKind.LIFTING).exists()
    client.post(url, {"lift-motivation": "Faux négatifs répétés.", "lift-confirm": "on"})
    assert Derogation.objects.get(request=req).status == DerogationStatus.LIFTED


@pytest.mark.django_db
def test_union_notification_form_records_the_sending(cast, evaluator):
    req = granted(cast, global_kind=True)
    client = client_for(evaluator)
    url = reverse("reviews:union_notification", args=[req.pk])
    page = client.get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "pas encore enregistré" in page
    response = client.post(url, {"union-sent_on": "", "union-channel": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez la date d&#x27;envoi." in html and "Indiquez le moyen d&#x27;envoi." in html
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"union-sent_on": tomorrow, "union-channel": "email"})
    assert "ne peut pas être dans le futur" in response.content.decode()
    response = client.post(
        url,
        {"union-sent_on": TODAY.isoformat(), "union-channel": "email", "union-reference": "R-1"},
        follow=True,
    )
    assert "est enregistré" in response.content.decode()
    notification = UnionNotification.objects.get(grant__request=req)
    assert notification.is_sent and notification.recorded_by == evaluator
    page = client.get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Envoyée le" in page and "R-1" in page
