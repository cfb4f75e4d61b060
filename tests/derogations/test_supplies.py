"""Issue 16: supplies declared by the operator, and every facility supplied is told of the
acts that follow (real database, real outbox)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from derogations import followup, lifecycle, supplies
from derogations.models import AuditEntry, Derogation, Supply
from derogations.validators import validate_finess
from derogations.www.operators.supply_forms import CSV_COLUMNS, csv_template
from notifications.models import Delivery, RecipientRole
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()
HEADER = ";".join(CSV_COLUMNS)


def supply_row(**overrides: object) -> dict[str, object]:
    row = {
        "facility_name": "CHU Exemple",
        "facility_finess": "750000002",
        "facility_address": "1 rue de l'Hôpital, 75000 Paris",
        "vigilance_name": "Claire Martin",
        "vigilance_email": "reactovigilance@chu.example",
        "director_name": "Louis Garnier",
        "director_email": "direction@chu.example",
        "quantity": 12,
        "supplied_on": TODAY,
        "lot_numbers": "LOT-1",
    }
    row.update(overrides)
    return row


def csv_line(**overrides: object) -> str:
    row = supply_row(**overrides)
    if isinstance(row["supplied_on"], datetime.date):
        row["supplied_on"] = f"{row['supplied_on']:%d/%m/%Y}"
    return ";".join(str(row[field]) for field in CSV_COLUMNS.values())


@pytest.fixture
def granted(org_a, operator_a, evaluator, senior):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    return req


# --- FINESS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["750000002", "130000011", "2A0000000"])
def test_finess_accepted(value):
    validate_finess(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("750000001", "checksum"),  # right shape, wrong key
        ("130000012", "checksum"),
        ("75000000", "format"),
        ("75000000A", "format"),
        ("７５００００００２", "format"),  # full-width digits: not ASCII
    ],
)
def test_finess_refused(value, code):
    with pytest.raises(ValidationError) as error:
        validate_finess(value)
    assert error.value.code == code


# --- Declaring a supply ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_supply_is_recorded_with_its_audit_entry(granted, operator_a):
    before = AuditEntry.objects.filter(request=granted).count()
    (supply,) = supplies.record_supplies(granted, operator_a, [supply_row()])
    assert supply.derogation == granted.derogation
    entry = AuditEntry.objects.filter(request=granted).latest("pk")
    assert AuditEntry.objects.filter(request=granted).count() == before + 1
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        "supply_declared", operator_a, "granted", "granted",
    )  # fmt: skip
    assert "CHU Exemple (FINESS 750000002)" in entry.comment


@pytest.mark.django_db
def test_supply_refused_while_suspended(granted, operator_a, evaluator):
    followup.suspend(granted, evaluator, "Incidents graves signalés.")
    with pytest.raises(lifecycle.TransitionError, match="suspendue"):
        supplies.record_supplies(granted, operator_a, [supply_row()])
    assert not Supply.objects.exists()


@pytest.mark.django_db
def test_supply_refused_after_the_validity_end_date(granted, operator_a):
    Derogation.objects.filter(request=granted).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    with pytest.raises(lifecycle.TransitionError, match="expiré"):
        supplies.record_supplies(granted, operator_a, [supply_row()])
    assert not Supply.objects.exists()


@pytest.mark.django_db
def test_supply_date_not_in_the_future_nor_past_the_end_date(granted, operator_a, client):
    derogation = granted.derogation
    assert "futur" in supplies.date_problem(derogation, TODAY + datetime.timedelta(days=1))
    derogation.valid_until = TODAY - datetime.timedelta(days=1)
    derogation.created_at -= datetime.timedelta(days=10)
    assert "fin de validité" in supplies.date_problem(derogation, TODAY)
    assert "octroi" in supplies.date_problem(derogation, TODAY - datetime.timedelta(days=11))


@pytest.mark.django_db
def test_supply_refused_to_another_organisation(granted, operator_b):
    with pytest.raises(lifecycle.TransitionError):
        supplies.record_supplies(granted, operator_b, [supply_row()])


@pytest.mark.django_db
def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(granted, operator_a):
    url = reverse("derogations:supplies", args=[granted.pk])
    data = {**supply_row(facility_finess="750 000 001", quantity="0"), "supplied_on": ""}
    response = client_for(operator_a).post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce numéro FINESS n&#x27;est pas valide (clé de contrôle incorrecte)." in page
    assert "portal-error-summary" in page
    assert 'value="750 000 001"' in page and 'value="reactovigilance@chu.example"' in page
    assert not Supply.objects.exists()


@pytest.mark.django_db
def test_the_page_declares_a_supply(granted, operator_a):
    url = reverse("derogations:supplies", args=[granted.pk])
    data = {**supply_row(facility_finess="750 000 002"), "supplied_on": f"{TODAY:%Y-%m-%d}"}
    response = client_for(operator_a).post(url, data)
    assert response.status_code == 302
    assert Supply.objects.get().facility_finess == "750000002"
    page = client_for(operator_a).get(url).content.decode()
    assert "CHU Exemple" in page and "reactovigilance@chu.example" in page


@pytest.mark.django_db
def test_the_page_says_why_no_supply_may_be_declared(granted, operator_a, evaluator):
    followup.suspend(granted, evaluator, "Incidents graves signalés.")
    url = reverse("derogations:supplies", args=[granted.pk])
    page = client_for(operator_a).get(url).content.decode()
    assert "La dérogation est suspendue" in page
    assert 'name="facility_name"' not in page
    response = client_for(operator_a).post(url, supply_row())
    assert response.status_code == 400 and not Supply.objects.exists()


@pytest.mark.django_db
def test_who_may_open_the_supplies(granted, operator_a, colleague_a, operator_b, evaluator):
    url = reverse("derogations:supplies", args=[granted.pk])
    professional = factories.UserFactory(professional=True)
    expected = {
        operator_a: 200, colleague_a: 200, operator_b: 404, professional: 404, evaluator: 404,
        None: 302,
    }  # fmt: skip
    got = {user: client_for(user).get(url).status_code for user in expected}
    assert got == expected


@pytest.mark.django_db
def test_the_supplies_list_runs_a_constant_number_of_queries(
    granted, operator_a, django_assert_num_queries
):
    client = client_for(operator_a)
    url = reverse("derogations:supplies", args=[granted.pk])
    client.get(url)  # the session and the user once
    supplies.record_supplies(granted, operator_a, [supply_row()])
    with django_assert_num_queries(6) as one:
        client.get(url)
    supplies.record_supplies(
        granted, operator_a, [supply_row(facility_name=f"Clinique {n}") for n in range(20)]
    )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Clinique ") == 20


# --- CSV import --------------------------------------------------------------------------------


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("fournitures.csv", text.encode("utf-8"), content_type="text/csv")


@pytest.mark.django_db
def test_csv_import_is_all_or_nothing_with_errors_line_by_line(granted, operator_a):
    url = reverse("derogations:supply_import", args=[granted.pk])
    text = "\n".join(
        [
            HEADER,
            csv_line(),
            csv_line(facility_finess="750000001"),
            csv_line(quantity="-3", supplied_on=TODAY + datetime.timedelta(days=2)),
            "trop;peu;de;colonnes",
        ]
    )
    response = client_for(operator_a).post(url, {"import-file": upload(text)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ligne 3, Numéro FINESS de l&#x27;établissement : Ce numéro FINESS" in page
    assert "Ligne 4, Quantité fournie" in page
    assert "Ligne 4, Date de fourniture : La date de fourniture ne peut pas être dans" in page
    assert "Ligne 5 : 4 colonnes au lieu de 10." in page
    assert "Ligne 2" not in page
    assert not Supply.objects.exists()
    assert not AuditEntry.objects.filter(action="supply_declared").exists()


@pytest.mark.django_db
def test_csv_import_records_every_line(granted, operator_a):
    url = reverse("derogations:supply_import", args=[granted.pk])
    lines = [
        csv_line(facility_name=f"Clinique {n}", facility_address="2 rue Haute 75000 Paris")
        for n in range(3)
    ]
    # Commas as separators, Windows line ends, the template's byte order mark.
    text = "\ufeff" + "\r\n".join([HEADER, *lines]).replace(";", ",")
    response = client_for(operator_a).post(url, {"import-file": upload(text)})
    assert response.status_code == 302, response.content.decode()
    assert Supply.objects.count() == 3
    assert AuditEntry.objects.filter(action="supply_declared").count() == 3


@pytest.mark.django_db
def test_the_csv_template_is_accepted_by_the_import(granted, operator_a):
    response = client_for(operator_a).get(reverse("derogations:supply_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = csv_template().replace("15/01/2026", f"{TODAY:%d/%m/%Y}")
    url = reverse("derogations:supply_import", args=[granted.pk])
    response = client_for(operator_a).post(url, {"import-file": upload(text)})
    assert response.status_code == 302
    assert Supply.objects.get().lot_numbers == "LOT-2026-001, LOT-2026-002"


@pytest.mark.django_db
def test_csv_import_caps(granted, operator_a):
    url = reverse("derogations:supply_import", args=[granted.pk])
    text = "\n".join([HEADER] + [csv_line()] * 1001)
    response = client_for(operator_a).post(url, {"import-file": upload(text)})
    assert response.status_code == 400
    assert "Le fichier dépasse 1 000 lignes" in response.content.decode()
    response = client_for(operator_a).post(
        url, {"import-file": upload("etablissement;x\n" + csv_line())}
    )
    assert "La première ligne doit être l&#x27;en-tête du modèle" in response.content.decode()
    bad = SimpleUploadedFile("f.csv", HEADER.encode() + b"\n\xff\xfe", content_type="text/csv")
    response = client_for(operator_a).post(url, {"import-file": bad})
    assert response.status_code == 400 and "UTF-8" in response.content.decode()
    assert not Supply.objects.exists()


# --- Everyone supplied is told -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_suspension_reaches_every_facility_supplied_once(granted, operator_a, evaluator, senior):
    supplies.record_supplies(granted, operator_a, [supply_row()])
    supplies.record_supplies(
        granted,
        operator_a,
        [
            # The same vigilance contact again (typed in capitals), another director.
            supply_row(
                facility_name="Clinique du Parc",
                vigilance_email="ReactoVigilance@CHU.example",
                director_email="direction@clinique-parc.example",
            ),
            supply_row(
                facility_name="CH Rural",
                vigilance_email="vigilance@ch-rural.example",
                director_email="direction@ch-rural.example",
            ),
        ],
    )
    act = followup.suspend(granted, evaluator, "Incidents graves signalés sur un lot.")
    deliveries = list(act.deliveries.values_list("recipient_email", "recipient_role"))
    supplied = [
        (email, role)
        for email, role in deliveries
        if role in {RecipientRole.SUPPLIED_VIGILANCE, RecipientRole.SUPPLIED_DIRECTOR}
    ]
    assert sorted(supplied) == sorted(
        [
            ("reactovigilance@chu.example", RecipientRole.SUPPLIED_VIGILANCE),
            ("direction@clinique-parc.example", RecipientRole.SUPPLIED_DIRECTOR),
            ("vigilance@ch-rural.example", RecipientRole.SUPPLIED_VIGILANCE),
            ("direction@ch-rural.example", RecipientRole.SUPPLIED_DIRECTOR),
        ]
    )
    # direction@chu.example was already a recipient of the grant (the request's facility).
    emails = [email for email, _role in deliveries]
    assert len(emails) == len(set(emails))
    assert "direction@chu.example" in emails
    # The lifting that follows reaches them too, and the agency sees their roles.
    lift = followup.lift(granted, senior, "Risque grave confirmé.")
    assert {"vigilance@ch-rural.example", "direction@ch-rural.example"} <= set(
        lift.deliveries.values_list("recipient_email", flat=True)
    )
    page = client_for(evaluator).get(reverse("reviews:file", args=[granted.pk])).content.decode()
    assert "Réactovigilance d&#x27;un établissement fourni" in page
    assert "Direction d&#x27;un établissement fourni" in page
    assert "Clinique du Parc" in page and "direction@clinique-parc.example" in page


@pytest.mark.django_db
def test_the_decision_on_a_renewal_reaches_the_facilities_supplied_before(
    granted, operator_a, evaluator, senior
):
    from derogations import filing

    supplies.record_supplies(granted, operator_a, [supply_row()])
    renewal, _created = filing.renew(granted, operator_a)
    renewal.requested_end_date = TODAY + datetime.timedelta(days=300)
    renewal.save(update_fields=["requested_end_date"])
    factories.proposed(renewal, evaluator)
    grant = lifecycle.validate_decision(renewal, senior)
    assert Delivery.objects.filter(
        decision=grant,
        recipient_email="reactovigilance@chu.example",
        recipient_role=RecipientRole.SUPPLIED_VIGILANCE,
    ).exists()
