"""Demo data: accounts of every role, requests of both kinds in every state, and granted
derogations that are in force, suspended and lifted.

Idempotent: accounts are created or reset to their demo password; requests are created
only once. Every request goes through the real lifecycle functions.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.enums import OperatorRole, Role
from accounts.models import Membership, Organisation, User
from derogations import lifecycle, scenarios
from derogations.enums import IvdClass, Kind, UnionNotificationChannel, Urgency
from derogations.models import DerogationRequest
from derogations.scenarios import Cast

PASSWORD = "demo-Derogations-2026"  # noqa: S105 (published demo password)

ORGANISATIONS = [
    ("Diagnostica Rara SAS", "81234567600017", OperatorRole.MANUFACTURER),
    ("EuroIVD Import SARL", "90876543100022", OperatorRole.IMPORTER),
]

# (role label, email, role, first, last, organisation index or None)
ACCOUNTS = [
    ("opérateur (Diagnostica Rara, administrateur)", "claire.martin@diagnostica-rara.example", Role.OPERATOR, "Claire", "Martin", 0),
    ("opérateur (Diagnostica Rara)", "hugo.bernard@diagnostica-rara.example", Role.OPERATOR, "Hugo", "Bernard", 0),
    ("opérateur (EuroIVD Import, administrateur)", "ines.petit@euroivd.example", Role.OPERATOR, "Inès", "Petit", 1),
    ("opérateur (EuroIVD Import)", "marc.durand@euroivd.example", Role.OPERATOR, "Marc", "Durand", 1),
    ("évaluateur ANSM", "evaluateur@ansm.example", Role.EVALUATOR, "Julie", "Lefèvre", None),
    ("évaluateur senior ANSM (signataire)", "senior@ansm.example", Role.SENIOR_EVALUATOR, "Paul", "Moreau", None),
    ("professionnel de santé (prescripteur)", "dr.roux@chu-exemple.example", Role.PROFESSIONAL, "Anne", "Roux", None),
    ("directeur d'établissement", "direction@chu-exemple.example", Role.PROFESSIONAL, "Louis", "Garnier", None),
    ("administrateur", "admin@ansm.example", Role.ADMINISTRATOR, "Admin", "Portail", None),
]  # fmt: skip

PRESCRIBER_RPPS = "10000000017"


def _device(n: int) -> dict[str, object]:
    devices = [
        (
            "GenoRare PCR Kit",
            "GR-200",
            "Trousse PCR de détection d'un variant génétique rare",
            IvdClass.C,
        ),
        (
            "NeoScreen Lysosomal",
            "NS-4",
            "Dosage enzymatique pour maladies lysosomales du nouveau-né",
            IvdClass.C,
        ),
        (
            "ViroQuant Emergent",
            "VQ-1",
            "Quantification d'un virus émergent dans le plasma",
            IvdClass.D,
        ),
        (
            "CardioMark Point-of-care",
            "CM-POC",
            "Dosage délocalisé d'un marqueur cardiaque",
            IvdClass.B,
        ),
    ]
    name, model, purpose, ivd_class = devices[n % len(devices)]
    return {
        "device_name": name,
        "device_model": model,
        "device_reference": f"REF-{1000 + n}",
        "ivd_class": ivd_class,
        "manufacturer_name": "Diagnostica Rara SAS",
        "intended_purpose": purpose,
        "justification": "Patient(s) sans solution diagnostique marquée CE ; diagnostic nécessaire à la décision thérapeutique.",
        "expected_benefit": "Permet d'instaurer le traitement adapté sans délai.",
        "safety_performance_data": "Rapport d'évaluation des performances (sensibilité 98 %, spécificité 99 %) ; notice.",
        "alternatives": "Aucun dispositif marqué CE ne détecte ce marqueur ; les laboratoires de référence n'ont pas de méthode validée.",
    }  # fmt: skip


class Command(BaseCommand):
    help = "Creates demo accounts and requests of both kinds in every state (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            orgs = [
                Organisation.objects.update_or_create(
                    siret=siret, defaults={"name": name, "operator_role": role}
                )[0]
                for name, siret, role in ORGANISATIONS
            ]
            users: dict[str, User] = {}
            for _label, email, role, first, last, org_index in ACCOUNTS:
                user, _ = User.objects.update_or_create(
                    email=email,
                    defaults={
                        "role": role,
                        "first_name": first,
                        "last_name": last,
                        "is_active": True,
                        "is_staff": role == Role.ADMINISTRATOR,
                        "is_superuser": role == Role.ADMINISTRATOR,
                        "rpps": PRESCRIBER_RPPS if email.startswith("dr.") else "",
                    },
                )
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
                users[email] = user
                if org_index is not None:
                    Membership.objects.get_or_create(
                        user=user,
                        organisation=orgs[org_index],
                        defaults={"is_admin": "administrateur" in _label},
                    )
            if not DerogationRequest.objects.filter(organisation__in=orgs).exists():
                self._create_requests(orgs, users)
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        for label, email, *_rest in ACCOUNTS:
            self.stdout.write(f"{label}: {email} / {PASSWORD}")

    def _create_requests(self, orgs: list[Organisation], users: dict[str, User]) -> None:
        operator = users["claire.martin@diagnostica-rara.example"]
        other_operator = users["ines.petit@euroivd.example"]
        evaluator = users["evaluateur@ansm.example"]
        senior = users["senior@ansm.example"]
        today = timezone.localdate()
        counter = iter(range(100))

        def new(kind: str, org: Organisation, author: User, **extra: object) -> DerogationRequest:
            n = next(counter)
            fields: dict[str, object] = {
                **_device(n),
                "kind": kind,
                "organisation": org,
                "created_by": author,
                "contact_email": author.email,
                "facility_name": "CHU Exemple",
                "facility_finess": "750000001",
                "director_name": "Louis Garnier",
                "director_email": "direction@chu-exemple.example",
            }
            if kind == Kind.INDIVIDUAL:
                fields.update(
                    patient_reference=f"JD-19{60 + n}-CHUEX",
                    urgency=Urgency.URGENT if n % 2 else Urgency.STANDARD,
                    urgency_reason="Décision thérapeutique attendue sous 8 jours." if n % 2 else "",
                    prescriber_name="Dr Anne Roux",
                    prescriber_email="dr.roux@chu-exemple.example",
                    prescriber_rpps=PRESCRIBER_RPPS,
                )
            else:
                fields.update(
                    population="Nouveau-nés avec suspicion clinique de maladie lysosomale.",
                    expected_patients=120,
                    requested_end_date=today + datetime.timedelta(days=365),
                )
            fields.update(extra)
            return DerogationRequest.objects.create(**fields)

        def until(kind: str, state: str, org: Organisation, author: User) -> DerogationRequest:
            return scenarios.bring_to(
                new(kind, org, author), state, Cast(author, evaluator, senior)
            )

        states = [
            "draft", "submitted", "in_review", "awaiting_complements", "decision_proposed",
            "granted", "refused", "withdrawn", "inadmissible",
        ]  # fmt: skip
        for kind in (Kind.INDIVIDUAL, Kind.GLOBAL):
            for state in states:
                until(kind, state, orgs[0], operator)
        until(Kind.INDIVIDUAL, "submitted", orgs[1], other_operator)
        until(Kind.GLOBAL, "granted", orgs[1], other_operator)

        # Follow-up: a suspended and a lifted derogation, each with its letter.
        suspended = until(Kind.GLOBAL, "granted", orgs[0], operator)
        lifecycle.suspend(
            suspended,
            evaluator,
            "Considérant les deux incidents graves déclarés sur le lot 2026-04 (résultats "
            "faussement négatifs), la dérogation est suspendue dans l'attente de l'analyse "
            "du fabricant.",
        )
        lifted = until(Kind.INDIVIDUAL, "granted", orgs[0], operator)
        lifecycle.suspend(lifted, evaluator, "Signalement d'un défaut de calibration.")
        lifecycle.lift(
            lifted,
            senior,
            "Considérant que l'analyse du fabricant confirme un défaut de calibration "
            "exposant le patient à un risque de diagnostic erroné, la dérogation est levée.",
        )
        # The Art. 54(2) notification of one global grant is recorded as sent.
        lifecycle.record_union_notification(
            suspended,
            evaluator,
            sent_on=today,
            channel=UnionNotificationChannel.PLATFORM,
            reference="NOTIF-FR-2026-001",
        )
