"""Aged demo data for the retention policy (issue 19), run by derogations' seed_demo and
idempotent: files of Diagnostica Rara whose dates are set back in time so that
``manage.py apply_retention`` shows its effects on the demo.

- a file refused 11 years ago (its personal data anonymised, its documents deleted);
- a derogation ended 3 years ago with a patient's consent (the patient code erased);
- a draft unchanged for 400 days whose author was warned 40 days ago (deleted), and one
  unchanged for 340 days (its author warned);
- account emails that failed two years ago (their texts blanked).
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from derogations import scenarios
from derogations.enums import Kind, Status
from derogations.management.commands.seed_demo import _device, attach_demo_documents
from derogations.models import Consent, Decision, Derogation, DerogationRequest
from notifications.models import AccountEmail, DeliveryStatus
from retention.models import DraftWarning

OPERATOR = "claire.martin@diagnostica-rara.example"
EVALUATOR = "evaluateur@ansm.example"
SENIOR = "senior@ansm.example"
# The mark of the aged files (their catalogue reference): the command adds them once.
MARK = "REF-ARCHIVE"
YEAR = datetime.timedelta(days=365)


class Command(BaseCommand):
    help = "Adds aged demo data that a retention run anonymises or deletes (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        users = {
            user.email: user
            for user in User.objects.filter(email__in=[OPERATOR, EVALUATOR, SENIOR])
        }
        if len(users) < 3:
            self.stdout.write("Pas de comptes de démonstration : rien à vieillir.")
            return
        if DerogationRequest.objects.filter(device_reference__startswith=MARK).exists():
            return
        operator = users[OPERATOR]
        cast = scenarios.Cast(operator, users[EVALUATOR], users[SENIOR])
        organisation = operator.memberships.get().organisation
        now = timezone.now()

        def new(n: int) -> DerogationRequest:
            req = DerogationRequest.objects.create(
                **{**_device(n), "device_reference": f"{MARK}-{n}"},
                kind=Kind.INDIVIDUAL,
                organisation=organisation,
                created_by=operator,
                contact_email=operator.email,
                patient_reference=f"ARCH-{n:02d}",
                patient_age="1950",
                patient_indication="Suspicion de maladie génétique rare.",
                prescriber_name="Dr Anne Roux",
                prescriber_email="dr.roux@chu-exemple.example",
                user_name="Laboratoire de biologie moléculaire, CHU Exemple",
                user_email="biologie@chu-exemple.example",
                facility_name="CHU Exemple",
                facility_finess="750000002",
                director_name="Louis Garnier",
                director_email="direction@chu-exemple.example",
            )
            attach_demo_documents(req, operator)
            return req

        refused = scenarios.bring_to(new(0), Status.REFUSED, cast)
        ended = scenarios.bring_to(new(1), Status.GRANTED, cast)
        old_draft, recent_draft = new(2), new(3)
        with transaction.atomic():
            eleven_years = now - 11 * YEAR
            DerogationRequest.objects.filter(pk=refused.pk).update(
                created_at=eleven_years, submitted_at=eleven_years, decided_at=eleven_years
            )
            Decision.objects.filter(request=refused).update(
                proposed_at=eleven_years, reviewed_at=eleven_years, issued_at=eleven_years
            )
            four_years = now - 4 * YEAR
            DerogationRequest.objects.filter(pk=ended.pk).update(
                created_at=four_years, submitted_at=four_years, decided_at=four_years
            )
            Decision.objects.filter(request=ended).update(
                proposed_at=four_years, reviewed_at=four_years, issued_at=four_years
            )
            Derogation.objects.filter(request=ended).update(
                valid_until=timezone.localdate(now - 3 * YEAR)
            )
            Consent.objects.create(
                request=ended,
                informed_on=timezone.localdate(now - 4 * YEAR),
                consented_on=timezone.localdate(now - 4 * YEAR),
                professional_email="dr.roux@chu-exemple.example",
                patient_code="CHUEX-ARCH-01",
                facility_name="CHU Exemple",
            )
            DerogationRequest.objects.filter(pk=old_draft.pk).update(
                created_at=now - 2 * YEAR, updated_at=now - datetime.timedelta(days=400)
            )
            DraftWarning.objects.create(
                request=old_draft, warned_at=now - datetime.timedelta(days=40)
            )
            DerogationRequest.objects.filter(pk=recent_draft.pk).update(
                created_at=now - 2 * YEAR, updated_at=now - datetime.timedelta(days=340)
            )
            for n in range(2):
                email = AccountEmail.objects.create(
                    recipient_email=f"ancien.contact{n}@exemple.example",
                    subject="[ANSM] Confirmez votre adresse électronique",
                    body="Bonjour, confirmez votre adresse : https://exemple.example/lien",
                    status=DeliveryStatus.FAILED,
                    last_error="550 mailbox unavailable",
                )
                AccountEmail.objects.filter(pk=email.pk).update(created_at=now - 2 * YEAR)
        self.stdout.write("Données anciennes pour la politique de conservation ajoutées.")
