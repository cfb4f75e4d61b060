"""Factories with traits named after real situations."""

import datetime
import itertools

import factory
from django.utils import timezone

from accounts.enums import OperatorRole, Role
from accounts.models import Invitation, Membership, Organisation, User
from derogations import deadlines, lifecycle, requirements
from derogations.enums import DecisionKind, DeviceType, IvdClass, Kind, RegulatoryStatus
from derogations.models import Attachment, DerogationRequest

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
        # Signed up, verification link not opened yet.
        unverified = factory.Trait(is_active=False)


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation into an organisation, as its admin sends it."""

    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invite{n}@example.org")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))

    class Params:
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
        )


def operator_of(organisation: Organisation, **kwargs: object) -> User:
    return UserFactory(organisation=organisation, **kwargs)


# A small, valid, harmless PDF (one empty page), written by hand.
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def attach(
    req: DerogationRequest, category: str, name: str = "document.pdf", content: bytes = MINIMAL_PDF
) -> Attachment:
    """A document stored as the upload would store it (content already known to be fine)."""
    import hashlib

    from django.core.files.base import ContentFile

    attachment = Attachment(
        request=req,
        category=category,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=req.created_by,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


class RequestFactory(factory.django.DjangoModelFactory):
    """A complete individual draft, ready to submit (with its required documents unless
    ``documents=False``)."""

    class Meta:
        model = DerogationRequest
        skip_postgeneration_save = True

    kind = Kind.INDIVIDUAL
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.LazyAttribute(lambda o: operator_of(o.organisation))
    contact_email = "affaires.reglementaires@example.org"
    device_name = "GenoRare PCR Kit"
    device_model = "GR-200"
    ivd_class = IvdClass.C
    device_type = DeviceType.KIT
    regulatory_status = RegulatoryStatus.NEVER_CE
    manufacturer_name = "Diagnostica Rara SAS"
    intended_purpose = "Détection d'un variant génétique rare"
    justification = "Aucune solution diagnostique marquée CE."
    expected_benefit = "Traitement adapté sans délai."
    safety_performance_data = "Rapport d'évaluation des performances."
    alternatives = "Aucun dispositif marqué CE."
    ce_marking_plan = "Dépôt auprès de l'organisme notifié prévu au prochain trimestre."
    patient_reference = "JD-CHUEX"
    patient_age = "1975"
    patient_indication = "Suspicion de maladie génétique rare."
    prescriber_name = "Dr Anne Roux"
    prescriber_email = "dr.roux@chu.example"
    facility_name = "CHU Exemple"
    director_name = "Louis Garnier"
    director_email = "direction@chu.example"

    class Params:
        global_kind = factory.Trait(
            kind=Kind.GLOBAL,
            patient_reference="",
            patient_age="",
            patient_indication="",
            prescriber_name="",
            prescriber_email="",
            population="Nouveau-nés avec suspicion de maladie lysosomale.",
            expected_patients=120,
            quantity="200 trousses",
            any_facility=True,
            requested_start_date=factory.LazyFunction(timezone.localdate),
            requested_end_date=factory.LazyFunction(
                lambda: timezone.localdate() + datetime.timedelta(days=365)
            ),
        )

    @factory.post_generation
    def documents(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            for category in requirements.required_attachments(self.kind):
                attach(self, category, name=f"{category}.pdf")


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
        due_date=kw.pop("due_date", deadlines.default_complement_due_date()),  # type: ignore[arg-type]
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


def granted_by(cast, **fields):  # type: ignore[no-untyped-def]
    """A request of ``cast.operator``'s organisation brought to a grant by ``cast``'s
    evaluator and senior (derogations.scenarios.Cast)."""
    from derogations import scenarios
    from derogations.enums import Status

    operator = cast.operator
    req = RequestFactory(
        organisation=operator.memberships.get().organisation, created_by=operator, **fields
    )
    return scenarios.bring_to(req, Status.GRANTED, cast)
