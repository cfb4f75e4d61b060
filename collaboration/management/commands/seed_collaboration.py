"""Demo data of issue 19 (run by derogations' seed_demo, idempotent): a thread on a file in
review of Diagnostica Rara (a message each way, ANSM awaiting an answer by a date) and an
expert opinion given on it."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from derogations.enums import Status
from derogations.models import DerogationRequest

from ... import links, services
from ...models import ExpertOpinion, Message

OPERATOR = "claire.martin@diagnostica-rara.example"
EVALUATOR = "evaluateur@ansm.example"
EXPERT = "pr.morel@universite-exemple.example"


class Command(BaseCommand):
    help = "Adds demo messages and an expert opinion on a file in review (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        operator = User.objects.filter(email=OPERATOR).first()
        evaluator = User.objects.filter(email=EVALUATOR).first()
        req = (
            DerogationRequest.objects.filter(
                status=Status.IN_REVIEW, organisation__memberships__user=operator
            )
            .order_by("pk")
            .first()
        )
        if operator is None or evaluator is None or req is None:
            self.stdout.write("Pas de dossier de démonstration en instruction : rien à ajouter.")
            return
        with transaction.atomic():
            if not Message.objects.filter(request=req).exists():
                services.post_message(
                    req,
                    operator,
                    "Bonjour, pouvez-vous nous indiquer si la notice en anglais suffit pour "
                    "l'instruction ? La traduction française est en cours.",
                    [],
                )
                services.post_message(
                    req,
                    evaluator,
                    "Bonjour, la notice en anglais suffit pour l'instruction. Merci de nous "
                    "indiquer la date prévue de la traduction française.",
                    [],
                    answer_due=timezone.localdate() + datetime.timedelta(days=10),
                )
            if not ExpertOpinion.objects.filter(request=req).exists():
                opinion = services.request_opinion(
                    req,
                    evaluator,
                    expert_name="Pr Jeanne Morel",
                    expert_email=EXPERT,
                    speciality="Génétique moléculaire",
                    declared_interests="Aucun lien déclaré avec l'opérateur ou le fabricant.",
                    question="Les données de performance analytique présentées suffisent-elles "
                    "pour l'usage demandé ?",
                    due_date=timezone.localdate() + datetime.timedelta(days=15),
                    shared_fields=["device_name", "intended_purpose", "safety_performance_data"],
                    shared_attachments=list(req.attachments.all()[:1]),
                )
                services.declare_no_conflict(opinion)
                services.answer_opinion(
                    opinion,
                    "Les performances présentées (sensibilité 98 %, spécificité 99 % sur 120 "
                    "échantillons) sont suffisantes pour un usage sous dérogation, sous réserve "
                    "d'un suivi des résultats discordants.",
                    [],
                )
            # A second expert still expected to answer: their link, printed below.
            pending = ExpertOpinion.objects.filter(request=req, status="requested").first()
            if pending is None:
                pending = services.request_opinion(
                    req,
                    evaluator,
                    expert_name="Dr Paul Lenoir",
                    expert_email="dr.lenoir@chu-exemple.example",
                    speciality="Biologie médicale",
                    declared_interests="",
                    question="Le dispositif est-il utilisable en routine dans un laboratoire "
                    "hospitalier ?",
                    due_date=timezone.localdate() + datetime.timedelta(days=20),
                    shared_fields=["device_name", "intended_purpose"],
                    shared_attachments=[],
                )
        self.stdout.write(
            f"Messages et avis d'experts : dossier {req.reference} ; lien d'expert en attente : "
            f"{links.link_url(pending)}"
        )
