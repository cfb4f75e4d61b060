import secrets
from datetime import date

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.email_addresses import NormalisedEmailField
from accounts.enums import Role
from accounts.models import Organisation, User

from .enums import (
    APPEALABLE_KINDS,
    FOLLOW_UP_KINDS,
    FOUR_EYES_KINDS,
    SERVICE_SIGNED_KINDS,
    STORED_DEROGATION_STATUSES,
    AttachmentCategory,
    CeMarkingStep,
    ConsentOutcome,
    DecisionKind,
    DecisionState,
    DeclarantRole,
    DerogationStatus,
    DeviceType,
    IncidentMeasure,
    IncidentSeverity,
    IvdClass,
    Kind,
    RegulatoryStatus,
    Status,
    UnionNotificationChannel,
    Urgency,
)
from .expressions import vital_first_order
from .identifiers import validate_udi_di
from .validators import validate_finess, validate_no_social_security_number

NO_NIR = [validate_no_social_security_number]

KIND_PREFIX = {Kind.INDIVIDUAL: "IND", Kind.GLOBAL: "GLO"}


# The instruction clock runs in these statuses: a request in them past its target date is
# late. While complements are awaited the clock is stopped, so it is never late.
CLOCK_RUNNING_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.DECISION_PROPOSED})
# Files being worked on by ANSM: they may be assigned to an evaluator.
OPEN_STATUSES = CLOCK_RUNNING_STATUSES | {Status.AWAITING_COMPLEMENTS}
# The conditions of the queue's partial indexes: the open files (its default view) and
# every file sent (the queue never shows a draft).
OPEN_FILES = Q(status__in=sorted(OPEN_STATUSES))
SENT_FILES = ~Q(status=Status.DRAFT)


class DerogationRequestQuerySet(models.QuerySet["DerogationRequest"]):
    def with_list_relations(self) -> "DerogationRequestQuerySet":
        return self.select_related("organisation")

    def overdue(self, today: date | None = None) -> "DerogationRequestQuerySet":
        """Past their target date while the clock runs."""
        today = today or timezone.localdate()
        return self.filter(status__in=CLOCK_RUNNING_STATUSES, target_date__lt=today)

    def complements_overdue(self, today: date | None = None) -> "DerogationRequestQuerySet":
        """Awaiting complements whose due date has passed."""
        today = today or timezone.localdate()
        return self.filter(
            status=Status.AWAITING_COMPLEMENTS,
            complement_requests__answered_at__isnull=True,
            complement_requests__due_date__lt=today,
        )


class DerogationRequest(models.Model):
    """A request (dossier) to supply an IVD without CE marking, individual or global.

    Its ``status`` is changed only by derogations.lifecycle.
    """

    kind = models.CharField(_("type de demande"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=32, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    reference = models.CharField(_("référence"), max_length=32, unique=True, null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="requests", verbose_name=_("opérateur")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contact_email = models.EmailField(_("courriel de contact de l'opérateur"), blank=True)

    # Device
    device_name = models.CharField(_("nom commercial du dispositif"), max_length=255, blank=True)
    device_model = models.CharField(_("modèle"), max_length=255, blank=True)
    device_reference = models.CharField(_("référence(s) catalogue"), max_length=255, blank=True)
    ivd_class = models.CharField(
        _("classe IVDR"), max_length=16, choices=IvdClass.choices, blank=True
    )
    # Stored in normal form (derogations.identifiers), so an exact look-up finds it.
    device_udi_di = models.CharField(
        _("IUD-ID de base (Basic UDI-DI), facultatif"),
        max_length=64,
        blank=True,
        validators=[validate_udi_di],
    )
    device_type = models.CharField(
        _("type de dispositif"), max_length=32, choices=DeviceType.choices, blank=True
    )
    manufacturer_name = models.CharField(_("fabricant"), max_length=255, blank=True)
    intended_purpose = models.TextField(_("destination (usage prévu)"), blank=True)
    analyte_specimen = models.CharField(
        _("analyte et type d'échantillon"), max_length=255, blank=True
    )
    regulatory_status = models.CharField(
        _("statut réglementaire"), max_length=32, choices=RegulatoryStatus.choices, blank=True
    )
    notified_body = models.CharField(
        _("organisme notifié (nom et numéro)"), max_length=255, blank=True
    )
    notified_body_application_date = models.DateField(
        _("date de la demande à l'organisme notifié"), null=True, blank=True
    )
    expected_ce_date = models.DateField(_("date prévue du marquage CE"), null=True, blank=True)

    # Clinical case: the three preponderant criteria
    justification = models.TextField(_("justification de la demande"), blank=True)
    expected_benefit = models.TextField(
        _("bénéfice significatif attendu pour le(s) patient(s)"), blank=True
    )
    safety_performance_data = models.TextField(
        _("données de sécurité et de performance disponibles"), blank=True
    )
    alternatives = models.TextField(
        _("absence d'alternative sur le marché (et pourquoi)"), blank=True
    )
    risks = models.TextField(_("risques identifiés et mesures de maîtrise"), blank=True)
    ce_marking_plan = models.TextField(
        _("plan d'obtention du marquage CE (étapes et calendrier)"), blank=True
    )

    # Individual scope: pseudonymised patient only
    patient_reference = models.CharField(
        _("référence pseudonymisée du patient"), max_length=64, blank=True, validators=NO_NIR
    )
    patient_age = models.CharField(
        _("année de naissance ou tranche d'âge du patient"),
        max_length=32,
        blank=True,
        validators=NO_NIR,
    )
    patient_indication = models.TextField(
        _("pathologie ou indication"), blank=True, validators=NO_NIR
    )
    urgency = models.CharField(
        _("urgence"), max_length=16, choices=Urgency.choices, default=Urgency.STANDARD
    )
    urgency_reason = models.TextField(_("motif de l'urgence"), blank=True, validators=NO_NIR)
    prescriber_name = models.CharField(_("nom du prescripteur"), max_length=255, blank=True)
    prescriber_email = NormalisedEmailField(_("courriel du prescripteur"), blank=True)
    prescriber_rpps = models.CharField(_("RPPS du prescripteur"), max_length=11, blank=True)
    user_name = models.CharField(
        _("utilisateur du dispositif (biologiste, laboratoire)"), max_length=255, blank=True
    )
    user_email = NormalisedEmailField(_("courriel de l'utilisateur"), blank=True)

    # Global scope
    population = models.TextField(_("population et critères d'inclusion"), blank=True)
    expected_patients = models.PositiveIntegerField(
        _("nombre de patients attendu"), null=True, blank=True
    )
    quantity = models.CharField(
        _("quantités demandées"),
        max_length=255,
        blank=True,
        help_text=_("Par exemple : 200 trousses de 96 tests sur la période."),
    )
    any_facility = models.BooleanField(
        _("tout établissement de santé qui en a besoin"), default=False
    )
    facilities_concerned = models.TextField(
        _("établissements concernés (nom et FINESS)"), blank=True
    )
    requested_start_date = models.DateField(_("début de validité demandé"), null=True, blank=True)
    requested_end_date = models.DateField(_("fin de validité demandée"), null=True, blank=True)

    # Facility
    facility_name = models.CharField(_("établissement de santé"), max_length=255, blank=True)
    facility_finess = models.CharField(_("FINESS de l'établissement"), max_length=9, blank=True)
    director_name = models.CharField(
        _("nom du directeur de l'établissement"), max_length=255, blank=True
    )
    director_email = NormalisedEmailField(_("courriel du directeur de l'établissement"), blank=True)

    # A renewal is a new request linked to the granted global request it renews.
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="renewals",
        null=True,
        blank=True,
        verbose_name=_("renouvellement de"),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock of the draft's steps (derogations.filing.save_step): each save adds
    # one; a form posted with an older number was shown before a colleague's save.
    draft_version = models.PositiveIntegerField(
        _("version du brouillon"), default=1, editable=False
    )
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    # Instruction: written only by derogations.lifecycle.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("attribuée à"),
    )
    # The evaluation team that handles the file (issue 19): set by the routing rules at
    # submission (derogations.teams), then moved by an evaluator; written only there.
    team = models.ForeignKey(
        "Team",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("équipe"),
        db_index=False,  # the index request_team_target starts with it
    )
    target_date = models.DateField(_("date cible"), null=True, blank=True)
    clock_stopped_at = models.DateTimeField(_("horloge arrêtée depuis le"), null=True, blank=True)
    # The public registry's search: the French full-text vector of the registry's public
    # columns (reference, device, model, manufacturer, operator's name), written by a
    # PostgreSQL trigger (migration derogations 0021); always empty on SQLite.
    registry_document = SearchVectorField(null=True, editable=False)

    objects = DerogationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de dérogation")
        verbose_name_plural = _("demandes de dérogation")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="request_org_created"),
            # "Mes demandes" filtered by status, newest first: the page stops after its rows.
            models.Index(
                fields=["organisation", "status", "-created_at"], name="request_org_status_created"
            ),
            # "Mes demandes" filtered by status and type (e.g. its granted global files): the
            # capped count and the page walk the organisation's files of that status and type
            # and stop; without it the count ANDed two bitmaps that grow with the table.
            models.Index(
                fields=["organisation", "status", "kind", "-created_at", "-id"],
                name="request_org_status_kind",
            ),
            models.Index(fields=["status", "submitted_at"], name="request_status_submitted"),
            # The queue: default sort by target date, filtered by status (and overdue).
            models.Index(fields=["status", "target_date"], name="request_status_target"),
            # "Mes dossiers": an evaluator's files by target date.
            models.Index(fields=["assignee", "target_date"], name="request_assignee_target"),
            # The queue's default sort (target date, then receipt, then pk) over every
            # status: read in index order, no sort of the whole table (issue 8).
            models.Index(
                fields=["target_date", "submitted_at", "id"], name="request_queue_default_sort"
            ),
            # The queue's other filters (urgency, IVDR class) read this narrow index.
            models.Index(
                fields=["status", "kind", "urgency", "ivd_class"], name="request_queue_filters"
            ),
            # The queue filtered by status and type (e.g. global files in review), in the
            # order of the default sort: the page stops after its rows.
            models.Index(
                fields=["status", "kind", "target_date", "submitted_at", "id"],
                name="request_status_kind_target",
            ),
            # The overdue view: files whose clock runs, by target date (the default sort
            # index would first read every closed file with an older target date).
            models.Index(
                fields=["target_date", "submitted_at", "id"],
                name="request_running_by_target",
                condition=Q(status__in=sorted(CLOCK_RUNNING_STATUSES)),
            ),
            # The queue's default sort (issue 17): vital urgencies first, then by target
            # date, over the open files (the default view) or one status.
            models.Index(
                *vital_first_order(),
                name="request_open_vital_first",
                condition=OPEN_FILES,
            ),
            models.Index(
                F("status"),
                *vital_first_order(),
                name="request_status_vital_first",
            ),
            # The same sort filtered by status and type (e.g. global files in review): the
            # walk starts at the two equalities and stops after its page. Without it the
            # planner walked request_open_vital_first testing both on every open file
            # (173 ms at 1,000,000 requests against 23 ms at 10,000).
            models.Index(
                F("status"),
                F("kind"),
                *vital_first_order(),
                name="request_status_kind_vital",
            ),
            # The queue's column sorts (its headers: reference, receipt, target date) and the
            # preset "Tous les dossiers", read in the sort's order and stopped after the page
            # instead of sorting every matching file. At 1,000,000 requests "Tous les
            # dossiers" took 384 ms (a parallel scan and top-N sort of 922,000 files), the
            # open files by target date 439 ms, every file by receipt 125 ms; with these
            # 13-31 ms, as the default view (bench, issue 18). Over the open files (the
            # queue's default view), ascending: the oldest files are closed, so an index of
            # every file would read them all first (467 ms by receipt); the descending
            # sorts read these backwards.
            models.Index(
                fields=["target_date", "submitted_at", "id"],
                name="request_open_target",
                condition=OPEN_FILES,
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="request_open_submitted",
                condition=OPEN_FILES,
            ),
            models.Index(
                fields=["reference", "id"],
                name="request_open_reference",
                condition=OPEN_FILES,
            ),
            # The default view filtered by type: a global file is never a vital urgency, so
            # request_open_vital_first read every open vital file before the first global one
            # (132,000 rows, 144 ms at 1,000,000 requests; 13 ms with this one).
            models.Index(
                F("kind"),
                *vital_first_order(),
                name="request_open_kind_vital",
                condition=OPEN_FILES,
            ),
            # Over every file sent (the queue never shows drafts, whose empty reference,
            # receipt and target date a descending walk would read first).
            models.Index(
                *vital_first_order(),
                name="request_sent_vital_first",
                condition=SENT_FILES,
            ),
            models.Index(
                F("target_date").desc(nulls_last=True),
                F("submitted_at").desc(),
                F("id").desc(),
                name="request_sent_target_desc",
                condition=SENT_FILES,
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="request_sent_submitted",
                condition=SENT_FILES,
            ),
            models.Index(
                fields=["reference", "id"],
                name="request_sent_reference",
                condition=SENT_FILES,
            ),
            # The queue's operator filter lists the organisations that filed: one
            # index-only probe per organisation.
            models.Index(
                fields=["organisation"],
                name="request_submitted_by_org",
                condition=Q(submitted_at__isnull=False),
            ),
            # The queue filtered by team ("Mes équipes", one team), by target date.
            models.Index(fields=["team", "target_date"], name="request_team_target"),
            # The public registry walks the granted global requests only (a few per cent of
            # the table) in its orders: by decision date (a granted request's decided_at is
            # its grant's issued_at, lifecycle.validate_decision), by class then date, by
            # reference. Its filters and sorts are then columns of one table, read by one
            # index that stops after the page (derogations.registry).
            models.Index(
                fields=["-decided_at", "-id"],
                name="request_registry_decided",
                condition=Q(kind=Kind.GLOBAL, status=Status.GRANTED),
            ),
            models.Index(
                fields=["ivd_class", "-decided_at", "-id"],
                name="request_registry_class",
                condition=Q(kind=Kind.GLOBAL, status=Status.GRANTED),
            ),
            models.Index(
                fields=["reference"],
                name="request_registry_reference",
                condition=Q(kind=Kind.GLOBAL, status=Status.GRANTED),
            ),
            # Search by device identifier (normal form, exact match): the files that have one.
            models.Index(
                fields=["device_udi_di"], name="request_udi_di", condition=~Q(device_udi_di="")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT)
                | Q(reference__isnull=False, submitted_at__isnull=False),
                name="submitted_request_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.GRANTED, Status.REFUSED])
                | Q(decided_at__isnull=False),
                name="decided_request_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(target_date__isnull=False),
                name="submitted_request_has_target_date",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.AWAITING_COMPLEMENTS, clock_stopped_at__isnull=False)
                | (~Q(status=Status.AWAITING_COMPLEMENTS) & Q(clock_stopped_at__isnull=True)),
                name="clock_stopped_while_awaiting_complements",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or str(_("Brouillon n° %(pk)s") % {"pk": self.pk})

    @property
    def is_individual(self) -> bool:
        return self.kind == Kind.INDIVIDUAL

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_urgent(self) -> bool:
        return self.kind == Kind.INDIVIDUAL and self.urgency != Urgency.STANDARD

    @property
    def operator_status(self) -> str:
        """The status as shown outside ANSM: a proposal awaiting its second signature is
        internal, so the operator and professionals still see "En instruction"."""
        return Status.IN_REVIEW if self.status == Status.DECISION_PROPOSED else self.status

    def get_operator_status_display(self) -> str:
        return str(Status(self.operator_status).label)

    @property
    def clock_stopped(self) -> bool:
        return self.clock_stopped_at is not None

    @property
    def clock_running(self) -> bool:
        return self.status in CLOCK_RUNNING_STATUSES

    def days_left(self, today: date | None = None) -> int | None:
        """Calendar days until the target date (negative once it has passed)."""
        if self.target_date is None:
            return None
        return (self.target_date - (today or timezone.localdate())).days

    def is_overdue(self, today: date | None = None) -> bool:
        left = self.days_left(today)
        return self.clock_running and left is not None and left < 0

    def complements_late(self, today: date | None = None) -> bool:
        """Awaiting complements past their due date (needs the ``complements_due_date``
        annotation of reviews.queue.queue_columns)."""
        due = getattr(self, "complements_due_date", None)
        return (
            self.status == Status.AWAITING_COMPLEMENTS
            and due is not None
            and due < (today or timezone.localdate())
        )

    def days_overdue(self, today: date | None = None) -> int:
        """Calendar days past the target date while the clock runs (0 if not late)."""
        left = self.days_left(today)
        return -left if self.clock_running and left is not None and left < 0 else 0


class ReferenceSequence(models.Model):
    """Last number given per kind and year, locked while a reference is assigned."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="unique_reference_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


def new_verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Decision(models.Model):
    """An administrative act (acte) on a request, with its letter.

    A grant or a refusal is proposed by an evaluator and issued by a senior evaluator
    (four eyes, ``reviewed_by``). Every other act (acknowledgment, complement request,
    inadmissibility, suspension, resumption, change of conditions, lifting) is issued at
    once by the lifecycle function that performs it: ``proposed_by`` is then its author.
    """

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("acte"), max_length=32, choices=DecisionKind.choices)
    state = models.CharField(
        _("état"), max_length=16, choices=DecisionState.choices, default=DecisionState.PROPOSED
    )
    motivation = models.TextField(_("motivation en droit et en fait"))
    conditions = models.TextField(_("conditions"), blank=True)
    valid_until = models.DateField(_("fin de validité"), null=True, blank=True)
    # A grant's interval between the operator's periodic reports (derogations.reports);
    # None: no periodic report (an individual derogation).
    report_interval_months = models.PositiveSmallIntegerField(
        _("périodicité des rapports de l'opérateur (mois)"), null=True, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("commentaire du valideur"), blank=True)
    issued_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    verification_code = models.CharField(max_length=14, unique=True, null=True, blank=True)

    # The letter as it was sent: rendered once, never rendered again.
    letter = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    letter_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=models.F("proposed_by")),
                name="decision_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(state=DecisionState.ISSUED)
                | (
                    Q(issued_at__isnull=False, verification_code__isnull=False)
                    & (Q(reviewed_by__isnull=False) | ~Q(kind__in=FOUR_EYES_KINDS))
                ),
                name="issued_act_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FOUR_EYES_KINDS) | Q(state=DecisionState.ISSUED),
                name="only_decisions_are_proposed",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(state=DecisionState.PROPOSED),
                name="one_pending_proposal_per_request",
            ),
            # The expiry act is issued once per request (derogations.expiry).
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(kind=DecisionKind.EXPIRY),
                name="one_expiry_act_per_request",
            ),
            models.CheckConstraint(
                condition=Q(report_interval_months__isnull=True)
                | Q(report_interval_months__gte=1, report_interval_months__lte=24),
                name="report_interval_between_1_and_24_months",
            ),
        ]
        indexes = [
            # The registry's ETag: the newest issued act, read backwards (registry.latest_change).
            models.Index(
                fields=["-issued_at"],
                name="decision_issued_at",
                condition=Q(state=DecisionState.ISSUED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request}"

    @property
    def is_issued(self) -> bool:
        return self.state == DecisionState.ISSUED

    @property
    def is_follow_up(self) -> bool:
        return self.kind in FOLLOW_UP_KINDS

    @property
    def is_appealable(self) -> bool:
        return self.kind in APPEALABLE_KINDS

    @property
    def signatory(self) -> User | None:
        """Who signs the letter: the senior evaluator of a decision, the author of a
        follow-up act; an acknowledgment (of receipt, of withdrawal) and an expiry are
        signed by the service."""
        if self.kind in FOUR_EYES_KINDS:
            return self.reviewed_by
        if self.kind in SERVICE_SIGNED_KINDS:
            return None
        return self.proposed_by


class Derogation(models.Model):
    """The derogation in force that a grant creates."""

    request = models.OneToOneField(
        DerogationRequest, on_delete=models.PROTECT, related_name="derogation"
    )
    grant = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="derogation")
    status = models.CharField(
        _("état"), max_length=16, choices=DerogationStatus.choices, default=DerogationStatus.ACTIVE
    )
    valid_until = models.DateField(_("fin de validité"), null=True, blank=True)
    conditions = models.TextField(_("conditions en vigueur"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the status last changed (suspension, resumption, lifting).
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dérogation en vigueur")
        verbose_name_plural = _("dérogations en vigueur")
        indexes = [
            models.Index(fields=["status", "valid_until"], name="derogation_status_until"),
            # The registry's ETag: the last expiry, read backwards (registry.latest_change).
            models.Index(fields=["-valid_until"], name="derogation_valid_until"),
        ]
        constraints = [
            # Expired is computed from the end date, never stored.
            models.CheckConstraint(
                condition=Q(status__in=STORED_DEROGATION_STATUSES),
                name="derogation_stored_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} ({self.get_status_display()})"

    def effective_status(self, today: date | None = None) -> str:
        """The status to show: an active derogation whose end date passed is expired."""
        today = today or timezone.localdate()
        if (
            self.status in {DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED}
            and self.valid_until
            and self.valid_until < today
        ):
            return DerogationStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(DerogationStatus(self.effective_status()).label)

    def days_left(self, today: date | None = None) -> int | None:
        """Calendar days until the end date (negative once it has passed)."""
        if self.valid_until is None:
            return None
        return (self.valid_until - (today or timezone.localdate())).days


class AuditEntry(models.Model):
    """One row per transition of a request: who, when, from, to, why. Never updated."""

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+")
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32, choices=Status.choices)
    to_status = models.CharField(max_length=32, choices=Status.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des transitions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} {self.from_status} → {self.to_status}"

    @property
    def action_label(self) -> str:
        """What happened, in words (the transition's label, or the internal action's)."""
        from derogations import timeline  # the timeline module imports the models

        return str(timeline.action_label(self.action))


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Private prefix, one folder per request, a random name: never the uploaded name."""
    return f"private/attachments/{instance.request_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A document attached to a request, checked by content (derogations.uploads).

    Stored under a private prefix of the default storage; served only by
    derogations.www.operators.views.attachment_download to those access.visible_attachments allows.
    """

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    category = models.CharField(_("catégorie"), max_length=32, choices=AttachmentCategory.choices)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    # Set when the document came with an answer to a complement request.
    complement_answer = models.ForeignKey(
        AuditEntry,
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
        verbose_name=_("réponse aux compléments"),
    )

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["category", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["request", "category"], name="attachment_request_cat")]

    def __str__(self) -> str:
        return self.original_name


class ComplementRequestQuerySet(models.QuerySet["ComplementRequest"]):
    def open(self) -> "ComplementRequestQuerySet":
        """Asked and not answered yet, on a request still awaiting them."""
        return self.filter(answered_at__isnull=True, request__status=Status.AWAITING_COMPLEMENTS)


class ComplementRequest(models.Model):
    """Questions ANSM asks the operator, with a date by which to answer.

    Created by lifecycle.request_complements and closed by lifecycle.answer_complements,
    in the transactions that change the request's status. The operator sees it.
    """

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="complement_requests"
    )
    questions = models.TextField(_("questions posées à l'opérateur"))
    due_date = models.DateField(_("date limite de réponse"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandés le"), default=timezone.now)
    answer = models.TextField(_("réponse de l'opérateur"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    # Set (under a row lock) when the reminder before the due date is sent: never twice.
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    objects = ComplementRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de compléments")
        verbose_name_plural = _("demandes de compléments")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # Reminders and the "compléments en retard" filter: open requests by due date.
            models.Index(
                fields=["due_date"],
                condition=Q(answered_at__isnull=True),
                name="complement_open_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(answered_at__isnull=True),
                name="one_open_complement_request_per_request",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answered_by__isnull=True)
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="answered_complement_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.due_date:%d/%m/%Y}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_overdue(self, today: date | None = None) -> bool:
        """Not answered and the due date has passed."""
        return not self.is_answered and self.due_date < (today or timezone.localdate())


class Consent(models.Model):
    """A professional's record that the patient was informed and consented.

    No patient identity: the request's pseudonymised reference is the only link to the
    patient (the signed consent document stays at the facility).
    """

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="consents"
    )
    informed_on = models.DateField(_("date de l'information du patient"))
    consented_on = models.DateField(_("date du consentement"))
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    professional_email = NormalisedEmailField(_("courriel du professionnel"))
    created_at = models.DateTimeField(default=timezone.now)
    # Issue 16: a pseudonymous code chosen by the facility (never a NIR), what the patient
    # was told, and the answer. Records made before carry no code and count as given.
    patient_code = models.CharField(
        _("code patient"),
        max_length=32,
        blank=True,
        validators=NO_NIR,
    )
    outcome = models.CharField(
        _("réponse du patient"),
        max_length=16,
        choices=ConsentOutcome.choices,
        default=ConsentOutcome.GIVEN,
    )
    information_given = models.JSONField(_("informations délivrées"), default=list, blank=True)
    information_note = models.TextField(_("précisions sur l'information"), blank=True)
    facility_name = models.CharField(_("établissement"), max_length=255, blank=True)
    facility_finess = models.CharField(
        _("numéro FINESS de l'établissement"), max_length=9, blank=True
    )

    class Meta:
        verbose_name = _("information et consentement du patient")
        verbose_name_plural = _("informations et consentements des patients")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consented_on__gte=models.F("informed_on")),
                name="consent_after_information",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.consented_on:%d/%m/%Y}"


class Incident(models.Model):
    """An incident declared on a granted derogation (réactovigilance).

    Written only by derogations.incidents.record_incident, which also writes the timeline.
    """

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="incidents"
    )
    reference = models.CharField(_("référence"), max_length=32, unique=True, null=True, blank=True)
    declarant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    declarant_email = NormalisedEmailField(_("courriel du déclarant"))
    declarant_role = models.CharField(
        _("qualité du déclarant"), max_length=16, choices=DeclarantRole.choices
    )
    occurred_on = models.DateField(_("date de survenue"))
    description = models.TextField(_("description de l'incident"))
    device_lot = models.CharField(_("numéro de lot du dispositif"), max_length=64)
    severity = models.CharField(_("gravité"), max_length=16, choices=IncidentSeverity.choices)
    patient_outcome = models.TextField(_("conséquences pour le patient"))
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the alert to the vigilance team has been sent (the task may run twice).
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    # The agency's follow-up (derogations.incident_followup): "À traiter" until acknowledged.
    acknowledged_at = models.DateTimeField(_("pris en compte le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    analysis = models.TextField(_("analyse de l'ANSM"), blank=True)
    measure = models.CharField(
        _("mesure décidée"), max_length=24, choices=IncidentMeasure.choices, blank=True
    )

    class Meta:
        verbose_name = _("incident déclaré")
        verbose_name_plural = _("incidents déclarés")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference or f"INC {self.pk}"

    @property
    def is_serious(self) -> bool:
        return self.severity != IncidentSeverity.NOT_SERIOUS

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class UnionNotification(models.Model):
    """IVDR Article 54(2): a grant for use other than a single patient is notified to the
    European Commission and the other Member States. The sheet is rendered with the grant
    letter; staff record when and how they sent it.

    A later act on that derogation (suspension, change of conditions, lifting) is notified
    too: ``grant`` is then that act (the field keeps its name; the notified act).
    """

    grant = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="union_notification"
    )
    sheet = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    sheet_sha256 = models.CharField(max_length=64, blank=True)
    sheet_rendered_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField(_("envoyée le"), null=True, blank=True)
    channel = models.CharField(
        _("moyen d'envoi"), max_length=16, choices=UnionNotificationChannel.choices, blank=True
    )
    sent_reference = models.CharField(_("référence de l'envoi"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification à la Commission et aux États membres")
        verbose_name_plural = _("notifications à la Commission et aux États membres")
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True, recorded_by__isnull=True)
                | (
                    Q(sent_on__isnull=False, recorded_by__isnull=False, recorded_at__isnull=False)
                    & ~Q(channel="")
                ),
                name="union_notification_sent_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.request} — art. 54(2)"

    @property
    def is_sent(self) -> bool:
        return self.sent_on is not None


class Supply(models.Model):
    """One supply of the derogated device to a facility, declared by the operator.

    Written only by derogations.supplies.record_supplies, which checks the derogation's
    status under its row lock and writes the timeline. The facility's vigilance contact and
    director then receive every later act on the derogation.
    """

    derogation = models.ForeignKey(Derogation, on_delete=models.PROTECT, related_name="supplies")
    facility_name = models.CharField(_("nom de l'établissement"), max_length=255)
    facility_finess = models.CharField(
        _("numéro FINESS de l'établissement"), max_length=9, validators=[validate_finess]
    )
    facility_address = models.TextField(_("adresse de l'établissement"), max_length=500)
    vigilance_name = models.CharField(
        _("correspondant local de réactovigilance (nom)"), max_length=255
    )
    vigilance_email = NormalisedEmailField(_("correspondant local de réactovigilance (courriel)"))
    director_name = models.CharField(_("directeur de l'établissement (nom)"), max_length=255)
    director_email = NormalisedEmailField(_("directeur de l'établissement (courriel)"))
    quantity = models.PositiveIntegerField(_("quantité fournie"))
    supplied_on = models.DateField(_("date de fourniture"))
    lot_numbers = models.TextField(_("numéros de lot"), max_length=1000, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fourniture déclarée")
        verbose_name_plural = _("fournitures déclarées")
        ordering = ["-supplied_on", "-pk"]
        indexes = [
            models.Index(
                fields=["derogation", "-supplied_on", "-id"], name="supply_derogation_date"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_name} ({self.facility_finess}) — {self.supplied_on:%d/%m/%Y}"


class PeriodicReport(models.Model):
    """The operator's periodic report on a derogation in force (issue 16): what was
    supplied, the incidents known, how the CE marking stands.

    Written only by derogations.reports.submit_report, which writes the timeline. Reports
    are due at the interval the grant set (Decision.report_interval_months).
    """

    derogation = models.ForeignKey(
        Derogation, on_delete=models.PROTECT, related_name="periodic_reports"
    )
    period_start = models.DateField(_("début de la période couverte"))
    period_end = models.DateField(_("fin de la période couverte"))
    quantity_supplied = models.PositiveIntegerField(_("quantités fournies sur la période"))
    incidents_count = models.PositiveIntegerField(_("nombre d'incidents connus"))
    incidents_summary = models.TextField(_("incidents connus"), max_length=10000, blank=True)
    notified_body = models.CharField(
        _("organisme notifié (nom et numéro)"), max_length=255, blank=True
    )
    ce_step = models.CharField(
        _("étape du marquage CE"), max_length=32, choices=CeMarkingStep.choices
    )
    expected_ce_date = models.DateField(_("date prévue du marquage CE"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("transmis le"), default=timezone.now)

    class Meta:
        verbose_name = _("rapport périodique de l'opérateur")
        verbose_name_plural = _("rapports périodiques des opérateurs")
        ordering = ["-period_end", "-pk"]
        indexes = [
            models.Index(fields=["derogation", "-period_end"], name="report_derogation_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.derogation.request} — {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"
        )


class KnownProfessional(models.Model):
    """A health professional who uses a derogated device and joined its derogation from
    the public registry (issue 16): they record consents, declare incidents and receive
    every later act. Written only by derogations.joining.confirm_join."""

    derogation = models.ForeignKey(
        Derogation, on_delete=models.PROTECT, related_name="known_professionals"
    )
    email = NormalisedEmailField(_("courriel professionnel"))
    facility_name = models.CharField(_("nom de l'établissement"), max_length=255)
    facility_finess = models.CharField(
        _("numéro FINESS de l'établissement"), max_length=9, validators=[validate_finess]
    )
    joined_at = models.DateTimeField(_("inscrit le"), default=timezone.now)

    class Meta:
        verbose_name = _("professionnel utilisateur")
        verbose_name_plural = _("professionnels utilisateurs")
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["derogation", "email"], name="one_known_professional_per_derogation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.facility_name})"


class Team(models.Model):
    """An evaluation team (issue 19), e.g. by IVDR class or speciality: files go to it by
    the routing rules (derogations.teams) and its members find them in the queue."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="teams",
        verbose_name=_("membres"),
        limit_choices_to={"role__in": [Role.EVALUATOR, Role.SENIOR_EVALUATOR]},
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Une équipe inactive ne reçoit plus de dossier ; ses dossiers lui restent."),
    )

    class Meta:
        verbose_name = _("équipe d'évaluation")
        verbose_name_plural = _("équipes d'évaluation")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Sends a submitted file to a team when each condition it sets matches (an empty
    condition matches every file); the active rules are tried by priority, the first
    that matches wins (derogations.teams.matching_team)."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="rules", verbose_name=_("équipe")
    )
    priority = models.PositiveIntegerField(
        _("priorité"),
        default=100,
        help_text=_("Les règles sont essayées de la plus petite priorité à la plus grande."),
    )
    ivd_classes = models.JSONField(
        _("classes IVDR"),
        default=list,
        blank=True,
        help_text=_("Aucune classe cochée : toutes les classes."),
    )
    kind = models.CharField(_("type de demande"), max_length=16, choices=Kind.choices, blank=True)
    urgency = models.CharField(_("urgence"), max_length=16, choices=Urgency.choices, blank=True)
    device_keyword = models.CharField(
        _("mot-clé du dispositif"),
        max_length=120,
        blank=True,
        help_text=_(
            "Cherché dans le nom du dispositif et sa destination, sans tenir compte des "
            "majuscules ni des accents."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("règle d'orientation")
        verbose_name_plural = _("règles d'orientation")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.priority} → {self.team}"
