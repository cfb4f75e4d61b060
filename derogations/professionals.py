"""The professionals' space: which decisions a health professional may open, and how.

Two ways in: an account (role professional; see access.professional_requests), or the
signed, expiring link sent with the copy of a decision. A link is bound to one decision
and one email address: it opens that decision only, never another one.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.email_addresses import normalise_email
from accounts.models import User

from . import access
from .enums import PUBLIC_ACT_KINDS, ConsentInformation, DecisionState
from .incidents import link_actor
from .lifecycle import record_action
from .models import (
    Consent,
    ConsentOutcome,
    Decision,
    Derogation,
    DerogationRequest,
    KnownProfessional,
)
from .registry import _cell as spreadsheet_safe

LINK_SALT = "derogations.professionals.link"
SESSION_KEY = "professional_links"
LINKS_IN_SESSION = 20


class InvalidLink(Exception):
    """The link was altered, has expired, or no longer names this professional."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def link_max_age() -> int:
    """Seconds a link stays valid (settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS)."""
    return int(settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS) * 86400


def link_token(decision: Decision, email: str) -> str:
    return _signer().sign_object({"d": decision.pk, "e": normalise_email(email)})


def magic_link(decision: Decision, email: str) -> str:
    """The absolute path (prefix it with settings.PORTAL_BASE_URL) of the signed link that
    opens this decision for the professional who receives it at ``email``."""
    return reverse("derogations:pro_link", args=[link_token(decision, email)])


def concerned_emails(decision: Decision) -> set[str]:
    """The professionals' addresses a copy of this decision goes to."""
    req = decision.request
    named = {
        normalise_email(e)
        for e in (req.prescriber_email, req.user_email, req.director_email)
        if e.strip()
    }
    # And those who joined the derogation from the registry (derogations.joining).
    return named | set(
        KnownProfessional.objects.filter(derogation__request_id=req.pk).values_list(
            "email", flat=True
        )
    )


def read_link(token: str) -> tuple[Decision, str]:
    """The decision and email a link was made for; InvalidLink if it must not open."""
    try:
        payload = _signer().unsign_object(token, max_age=link_max_age())
        decision_pk, email = int(payload["d"]), str(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink from None
    decision = (
        Decision.objects.filter(pk=decision_pk, state=DecisionState.ISSUED)
        .select_related("request__organisation")
        .first()
    )
    if decision is None or email not in concerned_emails(decision):
        raise InvalidLink
    return decision, email


def remember_link(http_request: HttpRequest, token: str) -> Decision:
    """Check the link and keep it in the session: it then opens its decision's pages."""
    decision, _email = read_link(token)
    links = dict(http_request.session.get(SESSION_KEY, {}))
    http_request.session.cycle_key()  # new rights in this session: a new session key
    links.pop(str(decision.pk), None)
    links[str(decision.pk)] = token
    # The most recent links only: an anonymous session stays small (accounts/sessions.py).
    http_request.session[SESSION_KEY] = dict(list(links.items())[-LINKS_IN_SESSION:])
    return decision


@dataclass(frozen=True)
class Access:
    """Who opens a decision: their account, or the email a signed link was sent to."""

    decision: Decision
    user: User | None
    email: str


def account_decisions(user: User) -> QuerySet[Decision]:
    """Issued decisions on the requests that concern this professional's account."""
    return Decision.objects.filter(
        state=DecisionState.ISSUED,
        kind__in=PUBLIC_ACT_KINDS,
        request__in=access.professional_requests(user),
    )


def open_decision(http_request: HttpRequest, decision_pk: int) -> Access | None:
    """The access to this decision, or None (the view then answers 404)."""
    user = http_request.user
    if user.is_authenticated and user.is_professional:
        decision = (
            account_decisions(user).select_related("request__organisation").filter(pk=decision_pk)
        ).first()
        if decision is not None:
            return Access(decision, user, user.email)
    token = http_request.session.get(SESSION_KEY, {}).get(str(decision_pk))
    if token is None:
        return None
    try:
        decision, email = read_link(token)
    except InvalidLink:
        return None
    if decision.pk != decision_pk:
        return None
    return Access(decision, None, email)


def derogation_of(decision: Decision) -> "Derogation | None":
    """The derogation in force on this decision's request (None after a refusal)."""
    return Derogation.objects.filter(request_id=decision.request_id).first()


def role_of(decision: Decision, user: User | None, email: str) -> str:
    """In which capacity this professional receives the decision (for display)."""
    req = decision.request
    email = normalise_email(email)
    if email == normalise_email(req.prescriber_email) or (
        user is not None and user.rpps and user.rpps == req.prescriber_rpps
    ):
        return _("Prescripteur")
    if email == normalise_email(req.user_email):
        return _("Utilisateur du dispositif")
    if email == normalise_email(req.director_email):
        return _("Directeur d'établissement")
    known = KnownProfessional.objects.filter(derogation__request_id=req.pk, email=email).first()
    if known is not None:
        return _("Professionnel utilisateur (%(facility)s)") % {"facility": known.facility_name}
    return _("Professionnel de l'établissement")


def record_consent(
    opened: Access,
    *,
    informed_on: "datetime.date",
    consented_on: "datetime.date",
    patient_code: str = "",
    outcome: str = ConsentOutcome.GIVEN,
    information_given: list[str] | None = None,
    information_note: str = "",
) -> Consent:
    """Record that a patient was informed and gave or refused consent, with a timeline
    entry that names neither the patient's code nor anything about them. No patient
    identity is stored: the facility's pseudonymous code is the only link to the patient.
    The record carries the professional's facility when they joined from the registry, so
    that the facility exports its own records."""
    known = KnownProfessional.objects.filter(
        derogation__request_id=opened.decision.request_id, email=normalise_email(opened.email)
    ).first()
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=opened.decision.request_id)
        consent = Consent.objects.create(
            request=locked,
            informed_on=informed_on,
            consented_on=consented_on,
            professional=opened.user,
            professional_email=opened.email,
            patient_code=patient_code,
            outcome=outcome,
            information_given=list(information_given or []),
            information_note=information_note,
            facility_name=known.facility_name if known else "",
            facility_finess=known.facility_finess if known else "",
        )
        record_action(
            locked,
            opened.user or link_actor(),
            "consent_recorded",
            _("%(outcome)s, enregistré par %(email)s.")
            % {"outcome": consent.get_outcome_display(), "email": opened.email},
        )
    return consent


def facility_consents(opened: Access) -> QuerySet[Consent]:
    """The consents this professional's facility recorded on the decision's request: the
    facility they joined with (derogations.joining), else their own records."""
    consents = Consent.objects.filter(request_id=opened.decision.request_id)
    known = KnownProfessional.objects.filter(
        derogation__request_id=opened.decision.request_id, email=normalise_email(opened.email)
    ).first()
    if known is not None:
        return consents.filter(facility_finess=known.facility_finess)
    return consents.filter(professional_email=normalise_email(opened.email))


CSV_HEADER = [
    "code_patient", "reponse", "date_information", "date_reponse", "informations_delivrees",
    "precisions", "enregistre_par", "etablissement", "finess", "enregistre_le",
]  # fmt: skip


def consents_csv(opened: Access) -> str:
    """The facility's consents as CSV (a byte order mark lets spreadsheets read UTF-8)."""
    labels = {key: str(label) for key, label in ConsentInformation.choices}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for consent in facility_consents(opened).order_by("created_at", "pk"):
        writer.writerow(
            spreadsheet_safe(value)
            for value in (
                consent.patient_code,
                consent.get_outcome_display(),
                f"{consent.informed_on:%d/%m/%Y}",
                f"{consent.consented_on:%d/%m/%Y}",
                " ; ".join(labels.get(key, key) for key in consent.information_given),
                consent.information_note,
                consent.professional_email,
                consent.facility_name,
                consent.facility_finess,
                f"{timezone.localtime(consent.created_at):%d/%m/%Y %H:%M}",
            )
        )
    return "\ufeff" + out.getvalue()


def consent_counts(request_id: int) -> dict[str, int]:
    """Consents given and refused on a request: what the operator and the agency see (the
    patients' codes never leave the facility's pages)."""
    return Consent.objects.filter(request_id=request_id).aggregate(
        given=Count("pk", filter=Q(outcome=ConsentOutcome.GIVEN)),
        refused=Count("pk", filter=Q(outcome=ConsentOutcome.REFUSED)),
    )
