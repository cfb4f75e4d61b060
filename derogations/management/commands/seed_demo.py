"""Demo data: accounts of every role, requests of both kinds in every state, and granted
derogations that are in force, suspended and lifted.

Idempotent: accounts are created or reset to their demo password; requests are created
only once. Every request goes through the real lifecycle functions.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import second_factor
from accounts import services as account_services
from accounts.enums import OperatorRole, Role
from accounts.models import Invitation, Membership, Organisation, User
from derogations import (
    calendar,
    filing,
    followup,
    incidents,
    requirements,
    scenarios,
    union_notification,
    uploads,
)
from derogations.enums import (
    AttachmentCategory,
    DecisionKind,
    DecisionState,
    DeviceType,
    IvdClass,
    Kind,
    RegulatoryStatus,
    UnionNotificationChannel,
    Urgency,
)
from derogations.models import Consent, Decision, DerogationRequest, RoutingRule, Team
from derogations.professionals import magic_link
from derogations.scenarios import Cast

PASSWORD = "demo-Derogations-2026"  # noqa: S105 (published demo password)
# Published TOTP secret of the demo staff accounts (second factor), see README.
DEMO_TOTP_SECRET = "ANSMDEMOTOTPSECRETFORDEMOONLY234"  # noqa: S105 (published demo secret)

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

# Evaluation teams (issue 19): (name, description, member's email, rules as (priority,
# conditions)). A vital urgency and a virus go to infectiology, genetics and lysosomal
# diseases to the other team; the point-of-care cardiac marker has no team.
TEAMS: list[tuple[str, str, str, list[tuple[int, dict[str, str]]]]] = [
    (
        "Infectiologie et urgences",
        "Virus émergents, sérologies et urgences vitales.",
        "senior@ansm.example",
        [(10, {"urgency": Urgency.VITAL}), (20, {"device_keyword": "virus"})],
    ),
    (
        "Génétique et maladies rares",
        "Variants génétiques, maladies lysosomales et dépistage néonatal.",
        "evaluateur@ansm.example",
        [(30, {"device_keyword": "génétique"}), (40, {"device_keyword": "lysosomal"})],
    ),
]


def seed_teams(*staff: User) -> None:
    """The demo's two teams with their members and rules (once: an administrator may
    change them afterwards)."""
    by_email = {user.email: user for user in staff}
    for name, description, member, rules in TEAMS:
        team, created = Team.objects.get_or_create(name=name, defaults={"description": description})
        if created:
            team.members.add(by_email[member])
            for priority, conditions in rules:
                RoutingRule.objects.create(team=team, priority=priority, **conditions)


# A colleague invited by Claire Martin who has not answered yet.
INVITED = "lucie.garcia@diagnostica-rara.example"


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
        "device_type": DeviceType.KIT if ivd_class != IvdClass.B else DeviceType.INSTRUMENT,
        "analyte_specimen": "ADN génomique ; sang total sur EDTA",
        "regulatory_status": RegulatoryStatus.NOTIFIED_BODY_REVIEW if n % 2 else RegulatoryStatus.NEVER_CE,
        "notified_body": "GMED (0459)" if n % 2 else "",
        "notified_body_application_date": datetime.date(2026, 3, 2) if n % 2 else None,
        "expected_ce_date": datetime.date(2027, 6, 30),
        "risks": "Résultat faussement négatif : confirmation par une seconde méthode au laboratoire de référence.",
        "ce_marking_plan": "Dossier technique déposé auprès de l'organisme notifié ; certificat attendu mi-2027.",
    }  # fmt: skip


def demo_pdf(title: str) -> bytes:
    """A small one-page PDF with a title line, written by hand (no active content)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 50 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def attach_demo_documents(req: DerogationRequest, author: User) -> None:
    """The documents a complete file needs, through the same checks as an upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for category in requirements.required_attachments(req.kind):
        label = str(AttachmentCategory(category).label)
        upload = SimpleUploadedFile(f"{category}.pdf", demo_pdf(f"{req.device_name} - {label}"))
        uploads.add_to_draft(req, uploads.check_upload(upload), category, author)


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
            # Hashed once for every account: the password is published and the same for all,
            # and each PBKDF2 hash costs about a second of this machine's CPU.
            password_hash = make_password(PASSWORD)
            for _label, email, role, first, last, org_index in ACCOUNTS:
                user, _ = User.objects.update_or_create(
                    email=email,
                    defaults={
                        "role": role,
                        "first_name": first,
                        "last_name": last,
                        "is_active": True,
                        "email_verified_at": timezone.now(),
                        "is_staff": role == Role.ADMINISTRATOR,
                        "is_superuser": role == Role.ADMINISTRATOR,
                        "rpps": PRESCRIBER_RPPS if email.startswith("dr.") else "",
                    },
                )
                user.password = password_hash
                user.save(update_fields=["password"])
                users[email] = user
                if second_factor.is_mandatory_for(user):
                    second_factor.set_demo_device(user, DEMO_TOTP_SECRET)
                if org_index is not None:
                    Membership.objects.get_or_create(
                        user=user,
                        organisation=orgs[org_index],
                        defaults={"is_admin": "administrateur" in _label},
                    )
            # The teams first: the demo files are routed to them as they are submitted.
            seed_teams(users["evaluateur@ansm.example"], users["senior@ansm.example"])
            if not DerogationRequest.objects.filter(organisation__in=orgs).exists():
                self._create_requests(orgs, users)
            if not Invitation.objects.filter(email=INVITED, organisation=orgs[0]).exists():
                # Its email (and link) is in the demo mailbox, /demo/courriels/.
                account_services.invite(
                    orgs[0], users["claire.martin@diagnostica-rara.example"], INVITED, False
                )
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        for label, email, *_rest in ACCOUNTS:
            self.stdout.write(f"{label}: {email} / {PASSWORD}")
        self.stdout.write(
            f"agents ANSM, double authentification : clé TOTP {DEMO_TOTP_SECRET} "
            f"(oathtool --totp -b {DEMO_TOTP_SECRET}) ; le code du moment est aussi affiché "
            "sur la page du code en démonstration"
        )
        self.stdout.write(
            f"invitation en attente (Diagnostica Rara) : {INVITED}, lien dans /demo/courriels/"
        )
        decision = Decision.objects.filter(
            state=DecisionState.ISSUED,
            kind=DecisionKind.GRANT,
            request__prescriber_email="dr.roux@chu-exemple.example",
        ).first()
        if decision is not None:
            link = magic_link(decision, "dr.roux@chu-exemple.example")
            self.stdout.write(f"Lien signé du prescripteur : {settings.PORTAL_BASE_URL}{link}")
        # Messages and expert opinions on a file (issue 19), by the collaboration app's own
        # command (derogations does not import it).
        call_command("seed_collaboration", stdout=self.stdout)
        # Aged files, drafts and emails that a retention run acts on (retention app).
        call_command("seed_retention", stdout=self.stdout)

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
                "facility_finess": "750000002",
                "director_name": "Louis Garnier",
                "director_email": "direction@chu-exemple.example",
            }
            if kind == Kind.INDIVIDUAL:
                fields.update(
                    patient_reference=f"JD-CHUEX-{n:02d}",
                    patient_age=f"19{60 + n}",
                    patient_indication="Suspicion de maladie génétique rare ; diagnostic nécessaire avant traitement.",
                    user_name="Laboratoire de biologie moléculaire, CHU Exemple",
                    user_email="biologie@chu-exemple.example",
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
                    quantity="300 trousses de 48 tests",
                    any_facility=n % 4 == 1,
                    facilities_concerned=""
                    if n % 4 == 1
                    else "CHU Exemple (750000002)\nCHU Autre (690000005)",
                    requested_start_date=today,
                    requested_end_date=today + datetime.timedelta(days=365),
                )
            fields.update(extra)
            req = DerogationRequest.objects.create(**fields)
            attach_demo_documents(req, author)
            return req

        cast = Cast(operator, evaluator, senior)

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
        granted_global = until(Kind.GLOBAL, "granted", orgs[1], other_operator)
        # A renewal under way, pre-filled from the granted global request.
        filing.renew(granted_global, other_operator)
        # A draft started but far from complete: its summary lists what is missing.
        DerogationRequest.objects.create(
            kind=Kind.INDIVIDUAL,
            organisation=orgs[0],
            created_by=operator,
            contact_email=operator.email,
            device_name="HemoTrace Rare",
            urgency=Urgency.VITAL,
        )
        # Follow-up: a suspended and a lifted derogation, each with its letter.
        suspended = until(Kind.GLOBAL, "granted", orgs[0], operator)
        followup.suspend(
            suspended,
            evaluator,
            "Considérant les deux incidents graves déclarés sur le lot 2026-04 (résultats "
            "faussement négatifs), la dérogation est suspendue dans l'attente de l'analyse "
            "du fabricant.",
        )
        lifted = until(Kind.INDIVIDUAL, "granted", orgs[0], operator)
        followup.suspend(lifted, evaluator, "Signalement d'un défaut de calibration.")
        followup.lift(
            lifted,
            senior,
            "Considérant que l'analyse du fabricant confirme un défaut de calibration "
            "exposant le patient à un risque de diagnostic erroné, la dérogation est levée.",
        )
        # The Art. 54(2) notification of one global grant is recorded as sent.
        union_notification.record_union_notification(
            suspended,
            evaluator,
            sent_on=today,
            channel=UnionNotificationChannel.PLATFORM,
            reference="NOTIF-FR-2026-001",
        )
        # The public registry: more granted global derogations (suspension, lifting and
        # expiry come through the follow-up acts of the lifecycle).
        for _n in range(2):
            until(Kind.GLOBAL, "granted", orgs[0], operator)
        self._professional_follow_up(users)
        self._history(lambda kind, **extra: new(kind, orgs[0], operator, **extra), cast)

    def _history(self, new: Callable[..., DerogationRequest], cast: Cast) -> None:
        """A year of requests received and decided at past dates, for the team dashboard:
        decisions every month, some late, some after complements, two files still open."""
        today = timezone.localdate()
        for k, months_ago in enumerate(range(11, 0, -1)):
            year, month = today.year, today.month - months_ago
            if month < 1:
                year, month = year - 1, month + 12
            first = datetime.date(year, month, 1)
            received = timezone.make_aware(
                datetime.datetime.combine(
                    calendar.add_working_days(first, 1 + k % 3), datetime.time(10)
                )
            )
            urgent = k % 3 == 0
            req = new(
                Kind.INDIVIDUAL,
                patient_age="1980",
                urgency=Urgency.URGENT if urgent else Urgency.STANDARD,
                urgency_reason="Décision thérapeutique attendue sous 8 jours." if urgent else "",
            )
            scenarios.decided_at_past_dates(
                req,
                cast,
                received,
                grant=k % 4 != 3,
                working_days=3 + k % 4 if urgent else 18 + (k * 7) % 25,
                stop=(5, 8) if k % 3 == 1 else None,
            )
            if k % 4 == 0:
                scenarios.decided_at_past_dates(
                    new(Kind.GLOBAL), cast, received, grant=True, working_days=40 + (k * 9) % 35
                )
        # Still in review long after their target date: the overdue trend rises.
        for months_ago, fields in ((4, {}), (2, {"urgency": Urgency.URGENT})):
            received = timezone.now() - datetime.timedelta(days=30 * months_ago)
            req = new(Kind.INDIVIDUAL, patient_age="1975", urgency_reason="Urgent.", **fields)
            scenarios.decided_at_past_dates(req, cast, received, grant=True, working_days=400)

    def _professional_follow_up(self, users: dict[str, User]) -> None:
        """Dr Roux informed a patient and declared an incident on her granted request."""
        prescriber = users["dr.roux@chu-exemple.example"]
        decision = Decision.objects.filter(
            state=DecisionState.ISSUED,
            kind=DecisionKind.GRANT,
            request__kind=Kind.INDIVIDUAL,
            request__prescriber_email=prescriber.email,
        ).first()
        if decision is None:
            return
        today = timezone.localdate()
        Consent.objects.create(
            request=decision.request,
            informed_on=today,
            consented_on=today,
            professional=prescriber,
            professional_email=prescriber.email,
        )
        incidents.record_incident(
            decision.request,
            declarant=prescriber,
            declarant_email=prescriber.email,
            declarant_role="prescriber",
            occurred_on=today,
            description="Résultat discordant avec la clinique ; contrôle sur un second prélèvement.",
            device_lot="LOT-2026-0042",
            severity="serious",
            patient_outcome="Décision thérapeutique retardée de 48 heures, sans séquelle.",
        )
