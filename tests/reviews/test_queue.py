"""The evaluators' queue: filters, search, sort, export, assignment, target dates."""

import csv
import datetime
import io
import zoneinfo
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from derogations import assignment, calendar, deadlines, lifecycle
from derogations.enums import IvdClass, Status, Urgency
from derogations.models import AuditEntry, DerogationRequest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
QUEUE = reverse("reviews:queue")
EXPORT = reverse("reviews:export_csv")

# A due date for complement requests that is in the future whatever the frozen clock says.
FAR = datetime.date(2030, 1, 15)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


def frozen(when: datetime.datetime):
    """The lifecycle's clock (timezone.now and localdate) at ``when``."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def new_file(org=None, *, on: datetime.datetime | None = None, **fields) -> DerogationRequest:
    """A request submitted through the lifecycle (at ``on`` if given)."""
    org = org or factories.OrganisationFactory()
    req = factories.RequestFactory(
        organisation=org, created_by=factories.operator_of(org), **fields
    )
    if on is None:
        factories.submitted(req)
    else:
        with frozen(on):
            factories.submitted(req)
    req.refresh_from_db()
    return req


def rows(response) -> list[str]:
    """References of the queue's rows, in order."""
    html = response.content.decode()
    return [part.split("<", 1)[0] for part in html.split('">DER-')[1:]]


def refs(*requests: DerogationRequest) -> list[str]:
    return [r.reference.removeprefix("DER-") for r in requests]


# --- Target dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind_fields", "working_days"),
    [
        ({"urgency": Urgency.VITAL, "urgency_reason": "Pronostic vital"}, 2),
        ({"urgency": Urgency.URGENT, "urgency_reason": "Traitement à débuter"}, 5),
        ({}, 30),
        ({"global_kind": True}, 60),
    ],
)
def test_target_date_counts_working_days_from_receipt(kind_fields, working_days):
    # Friday 6 November 2026, the week of Armistice (Wednesday 11).
    req = new_file(on=at(2026, 11, 6), **kind_fields)
    assert req.target_date == calendar.add_working_days(datetime.date(2026, 11, 6), working_days)
    assert req.clock_stopped_at is None
    if working_days == 2:
        assert req.target_date == datetime.date(2026, 11, 10)
    if working_days == 5:
        assert req.target_date == datetime.date(2026, 11, 16)  # skips the 11th


def test_a_global_request_uses_its_standard_target_whatever_urgency():
    req = new_file(on=at(2026, 11, 6), global_kind=True, urgency=Urgency.VITAL)
    assert req.target_date == calendar.add_working_days(datetime.date(2026, 11, 6), 60)


def test_target_days_come_from_settings(settings):
    settings.PORTAL_TARGET_WORKING_DAYS = {
        "individual": {"vital": 1, "urgent": 3, "standard": 10},
        "global": {"standard": 20},
    }
    req = new_file(on=at(2026, 11, 6))
    assert req.target_date == datetime.date(2026, 11, 23)  # 10 working days, 11th off
    settings.PORTAL_TARGET_WORKING_DAYS = {"individual": {"vital": 1}}
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TARGET_WORKING_DAYS"):
        deadlines.target_working_days("individual", "standard")
    settings.PORTAL_TARGET_WORKING_DAYS = {"individual": {"standard": "30"}}
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        deadlines.target_working_days("individual", "standard")


def test_the_clock_stops_while_complements_are_awaited(evaluator):
    req = new_file(on=at(2026, 11, 2))  # Monday
    first_target = req.target_date
    assert first_target == calendar.add_working_days(datetime.date(2026, 11, 2), 30)
    with frozen(at(2026, 11, 10)):  # Tuesday
        lifecycle.request_complements(
            req, evaluator, "Rapport complet, s'il vous plaît.", due_date=FAR
        )
    req.refresh_from_db()
    assert req.clock_stopped_at == at(2026, 11, 10)
    assert req.target_date == first_target
    # Long after the target date: awaiting complements is never late.
    assert not req.is_overdue(today=first_target + datetime.timedelta(days=30))
    assert req not in DerogationRequest.objects.overdue(first_target + datetime.timedelta(days=30))
    with frozen(at(2026, 11, 13, 16)):  # Friday; Wednesday 11 was a holiday
        lifecycle.answer_complements(req, req.created_by, "Voici le rapport.")
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW
    assert req.clock_stopped_at is None
    assert req.target_date == calendar.add_working_days(first_target, 2)  # 12th and 13th


def test_complements_answered_the_same_day_cost_nothing(evaluator):
    req = new_file(on=at(2026, 11, 2))
    target = req.target_date
    with frozen(at(2026, 11, 3, 9)):
        lifecycle.request_complements(req, evaluator, "Une question.", due_date=FAR)
    with frozen(at(2026, 11, 3, 17)):
        lifecycle.answer_complements(req, req.created_by, "Une réponse.")
    req.refresh_from_db()
    assert req.target_date == target


def test_withdrawing_while_awaiting_complements_clears_the_clock(evaluator):
    req = new_file()
    lifecycle.request_complements(req, evaluator, "Une question.", due_date=FAR)
    lifecycle.withdraw(req, req.created_by, "Plus nécessaire.")
    req.refresh_from_db()
    assert req.status == Status.WITHDRAWN and req.clock_stopped_at is None


# --- Queue: columns, filters, sort, search -------------------------------------------------


def test_queue_shows_deadline_assignee_and_clock(evaluator):
    today = timezone.localdate()
    late = new_file(
        on=timezone.now() - datetime.timedelta(days=40),
        urgency=Urgency.VITAL,
        urgency_reason="Pronostic vital",
    )
    new_file()  # on time
    waiting = new_file(device_name="Kit en attente")
    lifecycle.request_complements(waiting, evaluator, "Une question.", due_date=FAR)
    assignment.assign(late, evaluator, evaluator)
    html = client_for(evaluator).get(QUEUE).content.decode()
    days_late = (today - late.target_date).days
    assert f"en retard de {days_late} jours" in html
    assert str(evaluator) in html
    assert "Arrêtée" in html
    assert "jours restants" in html or "jour restant" in html
    assert "Prendre" in html  # the waiting file is not assigned


def test_filters(evaluator, senior):
    org_x = factories.OrganisationFactory(name="Laboratoire Xénon")
    a = new_file(org_x, ivd_class=IvdClass.D)
    b = new_file(global_kind=True)
    c = new_file(urgency=Urgency.URGENT, urgency_reason="Traitement à débuter")
    lifecycle.declare_admissible(c, evaluator)
    assignment.assign(a, evaluator, evaluator)
    assignment.assign(b, evaluator, senior)
    client = client_for(evaluator)

    def got(**params):
        response = client.get(QUEUE, params)
        assert response.status_code == 200
        return sorted(rows(response))

    assert got() == sorted(refs(a, b, c))
    assert got(status="in_review") == refs(c)
    assert got(kind="global") == refs(b)
    assert got(urgency="urgent") == refs(c)
    assert got(ivd_class="D") == refs(a)
    assert got(operator=org_x.pk) == refs(a)
    assert got(assignee="moi") == refs(a)
    assert got(assignee="aucun") == refs(c)
    assert got(assignee=senior.pk) == refs(b)
    assert got(status="submitted", assignee="aucun") == []
    # Unknown values: reported, ignored, never a 500.
    for bad in (
        {"status": "draft"},
        {"status": "n'importe quoi"},
        {"assignee": "999999"},
        {"operator": "abc"},
        {"tri": "password"},
        {"page": "abc"},
        {"page": "-1"},
        {"q": "x" * 500},
    ):
        assert got(**bad) == sorted(refs(a, b, c)), bad
    html = client.get(QUEUE, {"status": "bogus"}).content.decode()
    assert "Sélectionnez un choix valide" in html


def test_overdue_view(evaluator):
    long_ago = timezone.now() - datetime.timedelta(days=60)
    late = new_file(on=long_ago, urgency=Urgency.VITAL, urgency_reason="Pronostic vital")
    late_waiting = new_file(on=long_ago, urgency=Urgency.VITAL, urgency_reason="Pronostic vital")
    lifecycle.request_complements(late_waiting, evaluator, "Une question.", due_date=FAR)
    late_closed = new_file(on=long_ago, urgency=Urgency.VITAL, urgency_reason="Pronostic vital")
    lifecycle.declare_inadmissible(late_closed, evaluator, "Pièces manquantes.")
    new_file()  # on time
    response = client_for(evaluator).get(QUEUE, {"overdue": "on"})
    assert rows(response) == refs(late)
    assert 'aria-current="page">En retard' in response.content.decode()


def test_presets_mine_and_unassigned(evaluator, senior):
    mine, theirs, nobody = new_file(), new_file(), new_file()
    assignment.assign(mine, evaluator, evaluator)
    assignment.assign(theirs, senior, senior)
    client = client_for(evaluator)
    response = client.get(QUEUE, {"assignee": "moi"})
    assert rows(response) == refs(mine)
    assert 'aria-current="page">Mes dossiers' in response.content.decode()
    assert rows(client.get(QUEUE, {"assignee": "aucun"})) == refs(nobody)


def test_sort(evaluator):
    # Received in this order; the vital one is due first.
    first = new_file(on=timezone.now() - datetime.timedelta(days=3))
    second = new_file(
        on=timezone.now() - datetime.timedelta(days=2),
        urgency=Urgency.VITAL,
        urgency_reason="Pronostic vital",
    )
    third = new_file(on=timezone.now() - datetime.timedelta(days=1), global_kind=True)
    client = client_for(evaluator)
    by_target = refs(second, first, third)
    assert rows(client.get(QUEUE)) == by_target  # default: target date
    assert rows(client.get(QUEUE, {"tri": "echeance"})) == by_target
    assert rows(client.get(QUEUE, {"tri": "-echeance"})) == by_target[::-1]
    assert rows(client.get(QUEUE, {"tri": "reception"})) == refs(first, second, third)
    assert rows(client.get(QUEUE, {"tri": "-reception"})) == refs(third, second, first)
    by_reference = sorted(refs(first, second, third))
    assert rows(client.get(QUEUE, {"tri": "reference"})) == by_reference
    assert rows(client.get(QUEUE, {"tri": "-reference"})) == by_reference[::-1]
    assert rows(client.get(QUEUE, {"tri": "submitted_at; DROP"})) == by_target
    # The header link of the current sort column reverses it.
    html = client.get(QUEUE, {"tri": "reference"}).content.decode()
    assert 'aria-sort="ascending"' in html and "tri=-reference" in html


def test_search_everywhere(evaluator):
    org = factories.OrganisationFactory(name="Biotechnica Nordique")
    by_operator = new_file(org)
    by_device = new_file(device_name="LysoScreen")
    by_justification = new_file(justification="Maladie lysosomale sans diagnostic disponible.")
    client = client_for(evaluator)
    assert rows(client.get(QUEUE, {"q": "nordique"})) == refs(by_operator)
    assert rows(client.get(QUEUE, {"q": "lysoscreen"})) == refs(by_device)
    assert rows(client.get(QUEUE, {"q": "lysosomale"})) == refs(by_justification)
    assert rows(client.get(QUEUE, {"q": by_device.reference})) == refs(by_device)
    # Part of a reference (its number) finds it too.
    assert rows(client.get(QUEUE, {"q": by_device.reference[-5:]})) == refs(by_device)
    assert rows(client.get(QUEUE, {"q": "introuvable"})) == []
    # Search syntax a user may type never breaks the page.
    for text in ('"', "-", "&|!():*", "' OR 1=1 --", "   "):
        assert client.get(QUEUE, {"q": text}).status_code == 200


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="accents and stems: PostgreSQL full-text search"
)
def test_search_ignores_accents_and_inflections_on_postgresql(evaluator):
    genetic = new_file(justification="Variant génétique rare, aucun test disponible.")
    new_file(justification="Autre indication.", intended_purpose="Sans rapport")
    client = client_for(evaluator)
    assert rows(client.get(QUEUE, {"q": "genetique"})) == refs(genetic)
    assert rows(client.get(QUEUE, {"q": "GÉNÉTIQUES"})) == refs(genetic)
    assert rows(client.get(QUEUE, {"q": "variants rares"})) == refs(genetic)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite fallback only")
def test_search_on_sqlite_is_a_substring_match(evaluator):
    genetic = new_file(justification="Variant génétique rare.")
    client = client_for(evaluator)
    assert rows(client.get(QUEUE, {"q": "génétique"})) == refs(genetic)
    assert rows(client.get(QUEUE, {"q": "riant gén"})) == refs(genetic)


def test_pagination_keeps_the_filters(evaluator):
    org = factories.OrganisationFactory()
    for _ in range(51):
        new_file(org, ivd_class=IvdClass.B)
    new_file(org, ivd_class=IvdClass.C)
    client = client_for(evaluator)
    response = client.get(QUEUE, {"ivd_class": "B", "tri": "reference"})
    assert len(rows(response)) == 50
    html = response.content.decode()
    assert "?ivd_class=B&amp;tri=reference&amp;page=2" in html
    page_two = client.get(QUEUE, {"ivd_class": "B", "tri": "reference", "page": "2"})
    assert len(rows(page_two)) == 1
    assert client.get(QUEUE, {"page": "9999"}).status_code == 200


def test_queue_query_count_is_constant(evaluator, senior, django_assert_num_queries, settings):
    settings.PORTAL_FILTER_CHOICES_SECONDS = 0  # the choice lists asked on every page

    def add(n: int) -> None:
        for i in range(n):
            req = new_file(global_kind=bool(i % 2))
            assignment.assign(req, evaluator, senior if i % 3 else evaluator)

    client = client_for(evaluator)
    client.get(QUEUE)  # warm up the session
    add(3)
    # session, user, assignee and operator choices, capped count, the page's rows (with
    # operator, assignee, open complement request and incident flag)
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"tri": "reference"})
    assert len(rows(response)) == 3
    add(27)
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"tri": "reference"})
    assert len(rows(response)) == 30
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"q": "GenoRare", "kind": "global", "assignee": "moi"})
    assert len(rows(response)) == 4  # of the 27: global (odd i) and mine (i % 3 == 0)


# --- CSV export ---------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_of_the_filtered_list(evaluator, senior):
    risky = new_file(device_name='=HYPERLINK("http://evil")', ivd_class=IvdClass.D)
    other = new_file(global_kind=True)
    assignment.assign(risky, evaluator, senior)
    late = new_file(
        on=timezone.now() - datetime.timedelta(days=40),
        urgency=Urgency.VITAL,
        urgency_reason="Pronostic vital",
    )
    response = client_for(evaluator).get(EXPORT, {"kind": "individual", "tri": "reference"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')
    table = _csv(response)
    assert table[0][:3] == ["Référence", "Type", "Urgence"]
    assert "Date cible" in table[0] and "En retard" in table[0]
    assert [line[0] for line in table[1:]] == sorted([risky.reference, late.reference])
    assert other.reference not in {line[0] for line in table}
    lines = {line[0]: dict(zip(table[0], line, strict=True)) for line in table[1:]}
    assert lines[risky.reference]["Dispositif"].startswith("'=")  # never a formula in Excel
    assert lines[risky.reference]["Attribué à"] == str(senior)
    assert lines[risky.reference]["Classe IVDR"] == "Classe D"
    assert lines[risky.reference]["Reçue le"] == timezone.localdate().strftime("%d/%m/%Y")
    assert lines[late.reference]["En retard"] == "oui"
    assert int(lines[late.reference]["Jours restants"]) < 0
    # Bad filters are ignored here too.
    assert client_for(evaluator).get(EXPORT, {"status": "x", "tri": "y"}).status_code == 200


def test_csv_export_is_for_staff_only(operator_a, professional, draft_a):
    factories.submitted(draft_a)
    assert client_for(operator_a).get(EXPORT).status_code == 404
    assert client_for(professional).get(EXPORT).status_code == 404
    assert client_for(None).get(EXPORT).status_code == 302


# --- Assignment ---------------------------------------------------------------------------


def test_take_assign_and_hand_back_through_the_screens(evaluator, senior):
    req = new_file()
    client = client_for(evaluator)
    next_url = QUEUE + "?assignee=aucun"
    response = client.post(reverse("reviews:take", args=[req.pk]), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    req.refresh_from_db()
    assert req.assignee == evaluator and req.status == Status.SUBMITTED
    # A colleague taking it meanwhile does not take it away.
    response = client_for(senior).post(reverse("reviews:take", args=[req.pk]), follow=True)
    assert "attribué entre-temps" in response.content.decode()
    req.refresh_from_db()
    assert req.assignee == evaluator
    # Given to the senior evaluator, then handed back.
    client.post(reverse("reviews:assign", args=[req.pk]), {"assignee": senior.pk})
    req.refresh_from_db()
    assert req.assignee == senior
    client_for(senior).post(reverse("reviews:unassign", args=[req.pk]))
    req.refresh_from_db()
    assert req.assignee is None
    entries = list(AuditEntry.objects.filter(request=req, action__in=["assign", "unassign"]))
    assert [e.action for e in entries] == ["assign", "assign", "unassign"]
    assert all(e.from_status == e.to_status == Status.SUBMITTED for e in entries)
    assert str(evaluator) in entries[0].comment and entries[0].actor == evaluator
    assert str(senior) in entries[1].comment and entries[1].actor == evaluator
    assert str(senior) in entries[2].comment and entries[2].actor == senior
    # An unsafe "next" is not followed.
    response = client.post(
        reverse("reviews:take", args=[req.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("reviews:file", args=[req.pk])


def test_assign_form_refuses_a_non_evaluator(evaluator, operator_a):
    req = new_file()
    response = client_for(evaluator).post(
        reverse("reviews:assign", args=[req.pk]), {"assignee": operator_a.pk}
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    req.refresh_from_db()
    assert req.assignee is None


def test_operators_and_professionals_cannot_assign(draft_a, operator_a, professional, evaluator):
    factories.submitted(draft_a)
    for user in (operator_a, professional):
        for name in ("reviews:take", "reviews:assign", "reviews:unassign"):
            response = client_for(user).post(
                reverse(name, args=[draft_a.pk]), {"assignee": evaluator.pk}
            )
            assert response.status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.assignee is None


def test_assign_rules_in_the_lifecycle(
    draft_a, operator_a, professional, administrator, evaluator, senior
):
    factories.submitted(draft_a)
    for actor in (operator_a, professional, administrator):
        with pytest.raises(lifecycle.TransitionError, match="droit"):
            assignment.assign(draft_a, actor, evaluator)
    for assignee in (operator_a, professional, administrator):
        with pytest.raises(lifecycle.TransitionError, match="évaluateur"):
            assignment.assign(draft_a, evaluator, assignee)
    evaluator.is_active = False
    evaluator.save(update_fields=["is_active"])
    with pytest.raises(lifecycle.TransitionError):
        assignment.assign(draft_a, senior, evaluator)
    assert not AuditEntry.objects.filter(request=draft_a, action="assign").exists()
    with pytest.raises(lifecycle.TransitionError, match="personne"):
        assignment.assign(draft_a, senior, None)
    assignment.assign(draft_a, senior, senior)
    with pytest.raises(lifecycle.TransitionError, match="déjà attribué"):
        assignment.assign(draft_a, senior, senior)
    assert AuditEntry.objects.filter(request=draft_a, action="assign").count() == 1


def test_closed_files_and_drafts_are_not_assigned(draft_a, evaluator):
    with pytest.raises(lifecycle.TransitionError):
        assignment.assign(draft_a, evaluator, evaluator)  # a draft
    factories.submitted(draft_a)
    lifecycle.declare_inadmissible(draft_a, evaluator, "Pièces manquantes.")
    response = client_for(evaluator).post(reverse("reviews:take", args=[draft_a.pk]), follow=True)
    assert "Action impossible" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.assignee is None


def test_file_page_shows_instruction_block(evaluator, senior):
    req = new_file()
    assignment.assign(req, evaluator, senior)
    html = client_for(evaluator).get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Date cible" in html and str(senior) in html and "Retirer l" in html
    assert "Attribuer à un évaluateur" in html


def test_get_never_assigns(evaluator):
    req = new_file()
    for name in ("reviews:take", "reviews:assign", "reviews:unassign"):
        assert client_for(evaluator).get(reverse(name, args=[req.pk])).status_code == 405
    req.refresh_from_db()
    assert req.assignee is None


def test_count_is_capped_past_the_page_shown(evaluator, settings):
    """Past PORTAL_LIST_COUNT_CAP rows the queue says "plus de" and offers the next
    pages it knows exist; the rows are still right (derogations.paging)."""
    settings.PORTAL_LIST_COUNT_CAP = 60
    org = factories.OrganisationFactory()
    files = [new_file(org, ivd_class=IvdClass.B) for _ in range(120)]
    files.sort(key=lambda r: r.reference)
    client = client_for(evaluator)
    first = client.get(QUEUE, {"ivd_class": "B", "tri": "reference"})
    html = first.content.decode()
    assert "Plus de 60 dossiers" in html and "120 dossiers" not in html
    assert "Dernière page" not in html and "page=2" in html
    assert rows(first) == refs(*files[:50])
    # Page 3 is past the cap of the first page: its own count looks further.
    third = client.get(QUEUE, {"ivd_class": "B", "tri": "reference", "page": "3"})
    assert rows(third) == refs(*files[100:])
    assert "120 dossiers" in third.content.decode()
    # Under the cap the count is exact, with the last page.
    settings.PORTAL_LIST_COUNT_CAP = 1000
    html = client.get(QUEUE, {"ivd_class": "B"}).content.decode()
    assert "120 dossiers" in html and "Dernière page" in html
    # A page number that is no number, or far past the end, never fails.
    assert rows(client.get(QUEUE, {"ivd_class": "B", "tri": "reference", "page": "x"})) == refs(
        *files[:50]
    )
    last = client.get(QUEUE, {"ivd_class": "B", "tri": "reference", "page": "99999"})
    assert rows(last) == refs(*files[100:])


def test_a_search_counts_less_far_and_its_next_pages_count_further(evaluator, settings):
    """A search counts its matches up to PORTAL_SEARCH_COUNT_CAP (at least one past its
    page), the same list unsearched up to PORTAL_LIST_COUNT_CAP; its second page counts
    as far as itself and shows the rest."""
    settings.PORTAL_SEARCH_COUNT_CAP = 5
    org = factories.OrganisationFactory()
    files = [new_file(org, ivd_class=IvdClass.B, device_name="Cardiotest") for _ in range(60)]
    files.sort(key=lambda r: r.reference)
    client = client_for(evaluator)
    searched = {"ivd_class": "B", "tri": "reference", "q": "cardiotest"}
    first = client.get(QUEUE, searched)
    html = first.content.decode()
    assert "Plus de 50 dossiers" in html and "Dernière page" not in html
    assert rows(first) == refs(*files[:50])
    assert "60 dossiers" in client.get(QUEUE, {"ivd_class": "B"}).content.decode()
    second = client.get(QUEUE, {**searched, "page": "2"})
    assert rows(second) == refs(*files[50:])
    assert "60 dossiers" in second.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored search document")
def test_search_document_follows_renames_and_edits(evaluator):
    """The stored vector (migration derogations 0012) is rewritten by its triggers when
    the operator is renamed or a searched column changes."""
    org = factories.OrganisationFactory(name="Laboratoires Alpha")
    req = new_file(org, device_name="CardioTest")
    client = client_for(evaluator)
    assert rows(client.get(QUEUE, {"q": "alpha"})) == refs(req)
    org.name = "Biologie Oméga"
    org.save()
    assert rows(client.get(QUEUE, {"q": "alpha"})) == []
    assert rows(client.get(QUEUE, {"q": "omega"})) == refs(req)
    DerogationRequest.objects.filter(pk=req.pk).update(device_name="NeuroPanel")
    assert rows(client.get(QUEUE, {"q": "cardiotest"})) == []
    assert rows(client.get(QUEUE, {"q": "neuropanel"})) == refs(req)
    # Moved to another organisation (never done by the portal, kept true anyway).
    other = factories.OrganisationFactory(name="Diagnostics Sigma")
    DerogationRequest.objects.filter(pk=req.pk).update(organisation=other)
    assert rows(client.get(QUEUE, {"q": "omega"})) == []
    assert rows(client.get(QUEUE, {"q": "sigma"})) == refs(req)


def test_filter_choices_are_kept_and_forgotten_on_change(evaluator, django_assert_num_queries):
    """The evaluators and operators of the filter are kept a few seconds by the process
    (PORTAL_FILTER_CHOICES_SECONDS); a change made here is seen at once."""
    first = new_file(factories.OrganisationFactory(name="Opérateur Un"))
    client = client_for(evaluator)
    assert "Opérateur Un" in client.get(QUEUE).content.decode()
    with django_assert_num_queries(4):  # session, user, count, the page's rows
        client.get(QUEUE)
    # A new operator's first filing shows in the filter on the next page.
    second = new_file(factories.OrganisationFactory(name="Opérateur Deux"))
    with django_assert_num_queries(6):
        html = client.get(QUEUE).content.decode()
    assert f'<option value="{second.organisation_id}">Opérateur Deux</option>' in html
    # A draft is not a filing: the lists stay.
    factories.RequestFactory(organisation=first.organisation, created_by=first.created_by)
    with django_assert_num_queries(4):
        client.get(QUEUE)
    # A new evaluator is offered at once.
    factories.UserFactory(role=evaluator.role, first_name="Zoé", last_name="Nouvelle")
    assert "Zoé Nouvelle" in client.get(QUEUE).content.decode()


def test_deep_pages_stop_and_ask_to_refine(evaluator, settings):
    """Past PORTAL_LIST_MAX_PAGES the queue shows its last page offered, with no next page
    and a French message pointing at the filters and the sort (a deep page would walk
    every row before it)."""
    settings.PORTAL_LIST_COUNT_CAP = 4
    settings.PORTAL_LIST_MAX_PAGES = 2
    org = factories.OrganisationFactory()
    files = sorted((new_file(org) for _ in range(101)), key=lambda r: r.reference)
    client = client_for(evaluator)
    deep = client.get(QUEUE, {"tri": "reference", "page": "500"})
    assert deep.status_code == 200
    assert rows(deep) == refs(*files[50:100])
    html = deep.content.decode()
    assert "La liste s'arrête à la page 2 : affinez la recherche" in html
    assert "Page suivante" not in html and "Dernière page" not in html
    first = client.get(QUEUE, {"tri": "reference"}).content.decode()
    assert "La liste s" not in first and "Page suivante" in first
