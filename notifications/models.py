from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from derogations.models import Decision, Derogation

LANGUAGES = [("fr", "Français"), ("en", "English")]


class RecipientRole(models.TextChoices):
    OPERATOR = "operator", _("Opérateur")
    PRESCRIBER = "prescriber", _("Prescripteur (copie)")
    USER = "user", _("Utilisateur du dispositif (copie)")
    DIRECTOR = "director", _("Directeur de l'établissement (copie)")
    FACILITY = "facility", _("Établissement concerné (copie)")
    # The facilities the operator declared it supplied (derogations.supplies).
    SUPPLIED_VIGILANCE = "supply_vigilance", _("Réactovigilance d'un établissement fourni")
    SUPPLIED_DIRECTOR = "supply_director", _("Direction d'un établissement fourni")
    STAFF = "staff", _("ANSM")
    # Professionals who joined the derogation from the registry (derogations.joining).
    KNOWN_PROFESSIONAL = "known_pro", _("Professionnel utilisateur inscrit")


class Channel(models.TextChoices):
    EMAIL = "email", _("Courriel")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class Delivery(models.Model):
    """One copy of an act's letter to one recipient on one channel: the outbox row of its
    email.

    Written in the transaction that issues the act; the task that sends it locks the row
    and marks it sent, so a retried or duplicated task never sends it twice. A deliberate
    resend by staff is a new row pointing to the copy it repeats (``resend_of``), with who
    asked for it and why.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="deliveries")
    recipient_email = models.EmailField(_("destinataire"))
    recipient_role = models.CharField(_("qualité"), max_length=16, choices=RecipientRole.choices)
    channel = models.CharField(
        _("canal"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    language = models.CharField(_("langue"), max_length=2, choices=LANGUAGES, default="fr")
    status = models.CharField(
        _("état"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last time a task was queued for it after it was written (None: only then): the sweep
    # queues an unsent copy again once this is NOTIFICATION_SWEEP_AGE seconds old.
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    resend_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="resends", null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.TextField(_("motif du renvoi"), blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "recipient_email", "channel"],
                condition=Q(resend_of__isnull=True),
                name="one_delivery_per_recipient_and_channel",
            ),
            models.CheckConstraint(
                condition=Q(resend_of__isnull=True)
                | (Q(requested_by__isnull=False) & ~Q(reason="")),
                name="resend_says_who_and_why",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]

    def __str__(self) -> str:
        return f"{self.recipient_email} ({self.get_status_display()})"

    @property
    def was_retried(self) -> bool:
        return self.attempts > 1


class ReminderKind(models.TextChoices):
    ENDING_30 = "ending_30", _("Fin de validité dans 30 jours")
    ENDING_7 = "ending_7", _("Fin de validité dans 7 jours")
    OVERDUE_DIGEST = "overdue_digest", _("Dossiers en retard (récapitulatif du jour)")
    # Before each due date of the operator's periodic report (derogations.reports): the
    # reminder's ``day`` is that due date, so each due date is reminded once.
    REPORT_DUE = "report_due", _("Rapport périodique attendu")


# Days before the end date of a global derogation at which a reminder goes out.
ENDING_THRESHOLDS = ((7, ReminderKind.ENDING_7), (30, ReminderKind.ENDING_30))
# Days before a periodic report's due date at which the operator is reminded (our choice).
REPORT_REMINDER_DAYS = 14


class Reminder(models.Model):
    """One reminder email to one recipient: sent once per derogation and threshold, or
    once per day for the overdue digest (the unique constraints make it so)."""

    kind = models.CharField(_("rappel"), max_length=32, choices=ReminderKind.choices)
    derogation = models.ForeignKey(
        Derogation, on_delete=models.PROTECT, related_name="reminders", null=True, blank=True
    )
    day = models.DateField(_("jour"))
    recipient_email = models.EmailField(_("destinataire"))
    recipient_role = models.CharField(_("qualité"), max_length=16, choices=RecipientRole.choices)
    language = models.CharField(_("langue"), max_length=2, choices=LANGUAGES, default="fr")
    status = models.CharField(
        _("état"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # as Delivery.queued_at
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "derogation", "recipient_email"],
                condition=Q(derogation__isnull=False) & ~Q(kind=ReminderKind.REPORT_DUE),
                name="one_reminder_per_derogation_threshold_recipient",
            ),
            # A periodic report is due several times: once per due date (``day``).
            models.UniqueConstraint(
                fields=["kind", "derogation", "day", "recipient_email"],
                condition=Q(kind=ReminderKind.REPORT_DUE),
                name="one_report_reminder_per_due_date_recipient",
            ),
            models.UniqueConstraint(
                fields=["kind", "day", "recipient_email"],
                condition=Q(derogation__isnull=True),
                name="one_digest_per_day_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind=ReminderKind.OVERDUE_DIGEST, derogation__isnull=True)
                | (~Q(kind=ReminderKind.OVERDUE_DIGEST) & Q(derogation__isnull=False)),
                name="reminder_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_email}"


class AccountEmail(models.Model):
    """An account email (sign-up verification, invitation, password reset, second-factor
    enrolment link...) in the outbox: written in the transaction that causes it, sent by
    a task after commit, retried like a letter's copy when the SMTP server refuses it for
    now, sent once (the task locks the row). Its texts (plain and HTML) carry a link with a
    token: they are blanked once the email is sent, and the table is not shown in the admin."""

    recipient_email = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("texte"), blank=True)
    html_body = models.TextField(_("texte HTML"), blank=True)
    status = models.CharField(
        _("état"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # as Delivery.queued_at
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("courriel de compte")
        verbose_name_plural = _("courriels de compte")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="account_email_status_created")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_email} ({self.get_status_display()})"


# --- Staff inbox (issue 17): what changed on my files, and the emails it sends -----------


class InboxKind(models.TextChoices):
    VITAL_FILE = "vital_file", _("Nouveau dossier en urgence vitale")
    COMPLEMENTS_ANSWERED = "complements_answered", _("Réponse aux compléments")
    PROPOSAL_TO_SIGN = "proposal_to_sign", _("Proposition de décision à signer")
    INCIDENT = "incident", _("Incident déclaré")
    REPORT_LATE = "report_late", _("Rapport de l'opérateur en retard")
    FILE_MOVED = "file_moved", _("Dossier arrivé dans votre équipe")
    OPERATOR_MESSAGE = "operator_message", _("Message d'un opérateur sans interlocuteur")


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Courriel immédiat")
    DIGEST = "digest", _("Récapitulatif quotidien")
    NONE = "none", _("Pas de courriel")


# A vital urgency (2-day target) cannot wait: always emailed at once, whatever the person
# chose. The other kinds follow the person's choice, or these defaults.
ALWAYS_IMMEDIATE = frozenset({InboxKind.VITAL_FILE})
DEFAULT_EMAIL_MODES = {
    InboxKind.VITAL_FILE: EmailMode.IMMEDIATE,
    InboxKind.COMPLEMENTS_ANSWERED: EmailMode.DIGEST,
    InboxKind.PROPOSAL_TO_SIGN: EmailMode.IMMEDIATE,
    InboxKind.INCIDENT: EmailMode.IMMEDIATE,
    InboxKind.REPORT_LATE: EmailMode.DIGEST,
    InboxKind.FILE_MOVED: EmailMode.IMMEDIATE,
    InboxKind.OPERATOR_MESSAGE: EmailMode.IMMEDIATE,
}


class InboxItem(models.Model):
    """One event on a file, for one staff member: read or unread. Its email (if the
    person wants one at once) is an AccountEmail outbox row written with it; a daily
    digest covers the others (``digested_on``). ``key`` names the event it comes from:
    posting the same event twice gives one item (unique constraint)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    kind = models.CharField(_("événement"), max_length=32, choices=InboxKind.choices)
    request = models.ForeignKey(
        "derogations.DerogationRequest", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices)
    email = models.OneToOneField(
        AccountEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reçu le"))
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)
    digested_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("élément de la boîte de réception")
        verbose_name_plural = _("éléments de la boîte de réception")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="one_inbox_item_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="inbox_recipient_newest"),
            models.Index(
                fields=["recipient"],
                name="inbox_digest_due",
                condition=Q(email_mode="digest", digested_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.key}"


class EmailPreference(models.Model):
    """How a staff member wants to be emailed about one kind of inbox event."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=32, choices=InboxKind.choices)
    mode = models.CharField(max_length=16, choices=EmailMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_email_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"


class InboxDigest(models.Model):
    """The daily digest of one person's inbox: written once per person and day (unique
    constraint), its email an AccountEmail outbox row."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    email = models.OneToOneField(
        AccountEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_inbox_digest_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}"


# --- Webhooks (issue 20): each act on an organisation's files POSTed to its HTTPS URL ------


class WebhookEndpoint(models.Model):
    """An organisation's webhook: the URL its systems receive each act at, signed with
    ``secret`` (HMAC-SHA256, notifications.webhooks). The secret is stored as is, since
    signing needs it (unlike an API token, whose hash is enough): it is shown once to the
    organisation's admins, kept out of the admin and of every page, and can be rotated.
    One endpoint per organisation."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField(_("adresse de réception"), max_length=500)
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(_("actif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    secret_rotated_at = models.DateTimeField(_("secret renouvelé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENT = "sent", _("Reçu")
    FAILED = "failed", _("Échec (nouvel essai prévu)")
    ABANDONED = "abandoned", _("Abandonné")


class WebhookDelivery(models.Model):
    """One act POSTed to one endpoint: the outbox row, written in the act's transaction,
    once per act and endpoint (unique constraint); sent after commit by
    notifications.tasks.send_webhook, retried with the outbox's back-off
    (NOTIFICATION_RETRY_DELAYS), given up after WEBHOOK_MAX_ATTEMPTS attempts."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("état"), max_length=16, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    http_status = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    # The start of the receiver's answer, at most 1 KB (WEBHOOK_RESPONSE_KEPT).
    response_excerpt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # as Delivery.queued_at
    next_retry_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    sent_at = models.DateTimeField(_("reçu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhook")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "decision"], name="one_webhook_delivery_per_act"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webhook_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} → {self.endpoint_id} ({self.get_status_display()})"
