"""Issue 16: the operator's periodic reports (due dates, the form, the "En retard" flag)
on a real database."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from derogations import lifecycle, reports, supplies
from derogations.models import AuditEntry, Decision, Derogation, PeriodicReport
from derogations.www.operators.report_forms import PeriodicReportForm
from notifications.letters import render_act_letter
from tests import factories
from tests.conftest import client_for
from tests.derogations.test_supplies import supply_row

TODAY = timezone.localdate()
D = datetime.date


# --- Due dates (table) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted_on", "months", "valid_until", "expected"),
    [
        # every 6 months, the end date on a due date: no extra report
        (D(2026, 1, 15), 6, D(2027, 1, 15), [D(2026, 7, 15), D(2027, 1, 15)]),
        # the last interval stops before the end date: a last report on the end date
        (D(2026, 1, 15), 6, D(2026, 12, 31), [D(2026, 7, 15), D(2026, 12, 31)]),
        # a month's last day: the shorter month's last day (leap year and not)
        (D(2027, 8, 31), 6, D(2028, 9, 30), [D(2028, 2, 29), D(2028, 8, 31), D(2028, 9, 30)]),
        (D(2026, 8, 31), 6, D(2027, 3, 1), [D(2027, 2, 28), D(2027, 3, 1)]),
        # every 3 months over a year-end
        (D(2026, 11, 1), 3, D(2027, 6, 1), [D(2027, 2, 1), D(2027, 5, 1), D(2027, 6, 1)]),
        # shorter than one interval: only the end date
        (D(2026, 1, 1), 6, D(2026, 3, 31), [D(2026, 3, 31)]),
        # no interval (an individual grant) or no end date: nothing due
        (D(2026, 1, 1), None, D(2026, 12, 31), []),
        (D(2026, 1, 1), 6, None, []),
        # an end date not after the grant: nothing due
        (D(2026, 1, 1), 6, D(2026, 1, 1), []),
    ],
)
def test_due_dates(granted_on, months, valid_until, expected):
    assert reports.due_dates(granted_on, months, valid_until) == expected


# --- Fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def granted(org_a, operator_a, evaluator, senior):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.proposed(req, evaluator, valid_until=TODAY + datetime.timedelta(days=400))
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    return req


def granted_days_ago(req, days: int, months: int = 1) -> Derogation:
    """Move the grant back in time (the due dates count from it): noon, Paris time, ``days``
    days ago (a difference of hours in UTC could fall on another local day across a change
    of clocks)."""
    day = TODAY - datetime.timedelta(days=days)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    Decision.objects.filter(pk=req.derogation.grant_id).update(
        issued_at=moment, report_interval_months=months
    )
    Derogation.objects.filter(pk=req.derogation.pk).update(created_at=moment)
    return Derogation.objects.select_related("grant", "request").get(pk=req.derogation.pk)


def report_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "period_start": TODAY - datetime.timedelta(days=30),
        "period_end": TODAY,
        "quantity_supplied": 40,
        "incidents_count": 0,
        "incidents_summary": "",
        "notified_body": "GMED (0459)",
        "ce_step": "audit",
        "expected_ce_date": TODAY + datetime.timedelta(days=200),
    }
    data.update(overrides)
    return data


def form_post(**overrides: object) -> dict[str, object]:
    return {
        key: ("" if value is None else value.isoformat() if isinstance(value, D) else value)
        for key, value in report_data(**overrides).items()
    }


# --- The grant -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_global_grant_asks_for_reports_every_six_months_by_default(granted):
    assert granted.derogation.grant.report_interval_months == 6


@pytest.mark.django_db
def test_an_individual_grant_asks_for_no_report(org_a, operator_a, evaluator, senior):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.proposed(req, evaluator, report_interval_months=3)
    lifecycle.validate_decision(req, senior)
    assert Derogation.objects.get(request=req).grant.report_interval_months is None


# --- Filing a report ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_is_recorded_with_its_audit_entry(granted, operator_a):
    granted_days_ago(granted, 40)
    report = reports.submit_report(granted, operator_a, report_data())
    assert report.derogation == granted.derogation and report.submitted_by == operator_a
    entry = AuditEntry.objects.filter(request=granted).latest("pk")
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        "periodic_report", operator_a, "granted", "granted",
    )  # fmt: skip
    assert "40 fournis" in entry.comment and "Audit" in entry.comment


@pytest.mark.django_db
def test_a_report_may_not_end_in_the_future_nor_start_before_the_grant(granted, operator_a):
    granted_days_ago(granted, 40)
    with pytest.raises(lifecycle.TransitionError, match="futur"):
        reports.submit_report(
            granted, operator_a, report_data(period_end=TODAY + datetime.timedelta(days=1))
        )
    with pytest.raises(lifecycle.TransitionError, match="avant l'octroi"):
        reports.submit_report(
            granted, operator_a, report_data(period_start=TODAY - datetime.timedelta(days=60))
        )
    assert not PeriodicReport.objects.exists()


@pytest.mark.django_db
def test_another_organisation_may_not_report(granted, operator_b):
    with pytest.raises(lifecycle.TransitionError):
        reports.submit_report(granted, operator_b, report_data())


@pytest.mark.django_db
def test_the_form_proposes_the_period_and_the_quantities_supplied(granted, operator_a):
    derogation = granted_days_ago(granted, 45)
    supplies.record_supplies(
        granted,
        operator_a,
        [
            supply_row(quantity=12, supplied_on=TODAY - datetime.timedelta(days=20)),
            supply_row(quantity=5, supplied_on=TODAY - datetime.timedelta(days=2)),
        ],
    )
    page = client_for(operator_a).get(reverse("derogations:reports", args=[granted.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    start, end = reports.next_period(derogation)
    assert start == TODAY - datetime.timedelta(days=45)
    assert f'value="{start.isoformat()}"' in html
    # up to the first due date (one month after the grant): the supply of 12 only
    assert PeriodicReportForm(derogation=derogation).initial["quantity_supplied"] == 12
    assert "En retard" in html  # that due date has passed


@pytest.mark.django_db
def test_the_page_files_a_report_and_keeps_what_was_typed_on_error(granted, operator_a):
    granted_days_ago(granted, 40)
    client = client_for(operator_a)
    url = reverse("derogations:reports", args=[granted.pk])
    response = client.post(
        url, form_post(incidents_count=2, incidents_summary="", notified_body="Organisme XYZ")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Décrivez les incidents connus." in html and "Organisme XYZ" in html
    assert not PeriodicReport.objects.exists()
    response = client.post(url, form_post(incidents_count=1, incidents_summary="Faux positif."))
    assert response.status_code == 302
    report = PeriodicReport.objects.get()
    assert (report.quantity_supplied, report.incidents_count) == (40, 1)


@pytest.mark.django_db
def test_who_may_open_the_reports(granted, operator_a, colleague_a, operator_b, evaluator):
    url = reverse("derogations:reports", args=[granted.pk])
    professional = factories.UserFactory(professional=True)
    expected = {
        operator_a: 200, colleague_a: 200, operator_b: 404, professional: 404, evaluator: 404,
        None: 302,
    }  # fmt: skip
    got = {user: client_for(user).get(url).status_code for user in expected}
    assert got == expected


# --- Late flag ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_late_when_a_due_report_is_missing(granted, operator_a):
    derogation = granted_days_ago(granted, 65)  # due one and two months after: both passed
    status = reports.report_status(derogation, received=0)
    assert (status.passed, status.missing, status.is_late) == (2, 2, True)
    assert not reports.report_status(derogation, received=2).is_late
    fresh = granted_days_ago(granted, 10)
    assert not reports.report_status(fresh, received=0).is_late


@pytest.mark.django_db
def test_the_staff_file_shows_the_reports_and_the_late_flag(granted, operator_a, evaluator):
    granted_days_ago(granted, 65)
    reports.submit_report(granted, operator_a, report_data(notified_body="Organisme QRS"))
    html = client_for(evaluator).get(reverse("reviews:file", args=[granted.pk])).content.decode()
    assert "Rapports périodiques de l'opérateur" in html
    assert "Organisme QRS" in html and "En retard" in html


def _late_derogation(org, operator, evaluator, senior, days: int) -> None:
    req = factories.RequestFactory(organisation=org, created_by=operator, global_kind=True)
    factories.proposed(req, evaluator, valid_until=TODAY + datetime.timedelta(days=400))
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    granted_days_ago(req, days)


@pytest.mark.django_db
def test_the_followup_list_flags_late_reports_in_constant_queries(
    org_a, operator_a, evaluator, senior, django_assert_num_queries
):
    client = client_for(evaluator)
    url = reverse("reviews:followup")
    _late_derogation(org_a, operator_a, evaluator, senior, 40)
    client.get(url)  # the session and the user once
    with django_assert_num_queries(4) as one:
        html = client.get(url).content.decode()
    assert html.count("rapport périodique manquant") == 1
    for days in (10, 50, 70):
        _late_derogation(org_a, operator_a, evaluator, senior, days)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("rapport périodique manquant") == 3


# --- The interval on the proposal and in the grant letter ----------------------------------


@pytest.mark.django_db
def test_the_evaluator_sets_the_interval_on_the_proposal(org_a, operator_a, evaluator):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.in_review(req, evaluator)
    factories.graded(req, evaluator)
    client = client_for(evaluator)
    url = reverse("reviews:propose", args=[req.pk])
    proposal = {
        "kind": "grant",
        "motivation": "Bénéfice établi",
        "conditions": "",
        "valid_until": (TODAY + datetime.timedelta(days=300)).isoformat(),
        "report_interval_months": "30",
    }
    response = client.post(url, proposal)
    assert response.status_code == 400 and "Bénéfice établi" in response.content.decode()
    client.post(url, {**proposal, "report_interval_months": "3"})
    assert Decision.objects.get(request=req, kind="grant").report_interval_months == 3


@pytest.mark.django_db
def test_the_grant_letter_asks_for_the_reports(granted):
    content = render_act_letter(granted.derogation.grant)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )
    assert "tous les 6 mois" in text and "quantités fournies" in text
