"""Factories with traits named after real situations."""

import datetime
import itertools

import factory
from django.utils import timezone

from accounts.enums import OperatorRole, Role
from accounts.models import Membership, Organisation, User
from derogations import lifecycle
from derogations.enums import DecisionKind, IvdClass, Kind
from derogations.models import DerogationRequest

PASSWORD = "correct-horse-battery-staple"

_siren_seq = itertools.count(100000)


def _luhn_complete(prefix: str) -> str:
    from accounts.validators import luhn_is_valid

    return next(prefix + str(d) for d in range(10) if luhn_is_valid(prefix + str(d)))


def valid_siret() -> str:
    siren = _luhn_complete(f"{next(_siren_seq):08d}")
    return _luhn_complete(siren + "0001")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Laboratoire {n}")
    siret = factory.LazyFunction(valid_siret)
    operator_role = OperatorRole.MANUFACTURER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Dupont{n}")
    role = Role.OPERATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def organisation(self, create: bool, extracted: Organisation | None, **kwargs: object) -> None:
        if create and extracted is not None:
            Membership.objects.create(user=self, organisation=extracted)
        if create:
            self.save()

    class Params:
        evaluator = factory.Trait(role=Role.EVALUATOR)
        senior = factory.Trait(role=Role.SENIOR_EVALUATOR)
        professional = factory.Trait(role=Role.PROFESSIONAL)
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


def operator_of(organisation: Organisation, **kwargs: object) -> User:
    return UserFactory(organisation=organisation, **kwargs)


class RequestFactory(factory.django.DjangoModelFactory):
    """A complete individual draft, ready to submit."""

    class Meta:
        model = DerogationRequest

    kind = Kind.INDIVIDUAL
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.LazyAttribute(lambda o: operator_of(o.organisation))
    contact_email = "affaires.reglementaires@example.org"
    device_name = "GenoRare PCR Kit"
    device_model = "GR-200"
    ivd_class = IvdClass.C
    manufacturer_name = "Diagnostica Rara SAS"
    intended_purpose = "Détection d'un variant génétique rare"
    justification = "Aucune solution diagnostique marquée CE."
    expected_benefit = "Traitement adapté sans délai."
    safety_performance_data = "Rapport d'évaluation des performances."
    alternatives = "Aucun dispositif marqué CE."
    patient_reference = "JD-1975-CHUEX"
    prescriber_name = "Dr Anne Roux"
    prescriber_email = "dr.roux@chu.example"
    facility_name = "CHU Exemple"
    director_name = "Louis Garnier"
    director_email = "direction@chu.example"

    class Params:
        global_kind = factory.Trait(
            kind=Kind.GLOBAL,
            patient_reference="",
            prescriber_name="",
            prescriber_email="",
            population="Nouveau-nés avec suspicion de maladie lysosomale.",
            expected_patients=120,
            requested_end_date=factory.LazyFunction(
                lambda: timezone.localdate() + datetime.timedelta(days=365)
            ),
        )


def submitted(req: DerogationRequest) -> DerogationRequest:
    return lifecycle.submit(req, req.created_by)


def in_review(req: DerogationRequest, evaluator: User) -> DerogationRequest:
    submitted(req)
    return lifecycle.declare_admissible(req, evaluator)


def graded(req: DerogationRequest, evaluator: User) -> None:
    """A complete evaluation grid, as a proposal requires."""
    from reviews import services

    services.save_grid(req, evaluator, services.SCENARIO_GRID)


def awaiting_complements(
    req: DerogationRequest, evaluator: User, **kw: object
) -> DerogationRequest:
    in_review(req, evaluator)
    return lifecycle.request_complements(
        req,
        evaluator,
        kw.pop("questions", "Merci de transmettre le rapport complet."),  # type: ignore[arg-type]
        due_date=kw.pop("due_date", lifecycle.default_complement_due_date()),  # type: ignore[arg-type]
    )


def proposed(req: DerogationRequest, evaluator: User, kind: str = DecisionKind.GRANT, **kw: object):  # type: ignore[no-untyped-def]
    in_review(req, evaluator)
    graded(req, evaluator)
    valid_until = kw.pop("valid_until", timezone.localdate() + datetime.timedelta(days=90))
    return lifecycle.propose_decision(
        req,
        evaluator,
        kind=kind,
        motivation=kw.pop(
            "motivation", "Considérant le bénéfice attendu et l'absence d'alternative."
        ),
        valid_until=valid_until if kind == DecisionKind.GRANT else None,
        **kw,
    )
