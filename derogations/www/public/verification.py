"""Letter verification (/verifier/): the act a code designates, looked up once per request,
and the validators of a conditional GET of its page.

The page shows the act, its derogation's effective status and the page header (the
signed-in person, the language): its ETag is a hash of exactly those values and of the
query string, so a change of any of them (an act issued later with the code typed, a
suspension, a lifting, an expiry at midnight, a rename) is a new ETag. Last-Modified is
given to visitors without a session only (their page does not depend on a person): the
latest of the act's issue, its letter and its derogation's last change or expiry.
"""

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.utils import timezone, translation

from derogations.enums import DecisionState, DerogationStatus
from derogations.models import Decision, Derogation

from .forms import VerificationForm


@dataclass
class Verification:
    form: VerificationForm
    searched: bool
    decision: Decision | None
    derogation: Derogation | None
    derogation_status: str | None


def verification(request: HttpRequest) -> Verification:
    """The form and what its code designates, read once per request (the validators and
    the view share it)."""
    found = getattr(request, "_verification", None)
    if found is not None:
        return found
    form = VerificationForm(request.GET if "code" in request.GET else None)
    decision = None
    searched = form.is_bound and form.is_valid()
    if searched:
        decision = (
            Decision.objects.filter(
                state=DecisionState.ISSUED, verification_code=form.cleaned_data["code"]
            )
            .select_related("request__organisation", "request__derogation")
            .first()
        )
    derogation = getattr(decision.request, "derogation", None) if decision else None
    found = Verification(
        form=form,
        searched=searched,
        decision=decision,
        derogation=derogation,
        derogation_status=derogation.effective_status() if derogation else None,
    )
    request._verification = found  # type: ignore[attr-defined]
    return found


def _shown(value: Any) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def etag(request: HttpRequest, *args: object, **kwargs: object) -> str | None:
    """None (no conditional GET) while a message waits to be shown once."""
    if CookieStorage.cookie_name in request.COOKIES:
        return None
    found = verification(request)
    values: list[Any] = [
        request.get_full_path(),
        translation.get_language(),
        getattr(request.user, "pk", None),
        timezone.localdate(),
    ]
    if found.decision is not None:
        act, filed = found.decision, found.decision.request
        values += [
            act.pk, act.kind, act.issued_at, act.valid_until, act.letter_sha256,
            filed.reference, filed.organisation.name, filed.device_name, filed.device_model,
        ]  # fmt: skip
    if found.derogation is not None:
        derogation = found.derogation
        values += [
            found.derogation_status, derogation.valid_until, derogation.status_changed_at
        ]  # fmt: skip
    key = "|".join(_shown(value) for value in values)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def last_modified(
    request: HttpRequest, *args: object, **kwargs: object
) -> datetime.datetime | None:
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if CookieStorage.cookie_name in request.COOKIES:
        return None
    found = verification(request)
    if found.decision is None:
        return None
    moments = [found.decision.issued_at, found.decision.letter_rendered_at]
    if found.derogation is not None:
        moments.append(found.derogation.status_changed_at)
        if found.derogation_status == DerogationStatus.EXPIRED and found.derogation.valid_until:
            midnight = datetime.datetime.combine(
                found.derogation.valid_until + datetime.timedelta(days=1), datetime.time()
            )
            moments.append(timezone.make_aware(midnight))
    return max((m for m in moments if m is not None), default=None)
