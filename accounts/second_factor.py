"""Second factor (TOTP, RFC 6238) on top of the password login.

Staff accounts (evaluators, senior evaluators, administrators, and anyone who may open the
Django admin) must pass it; an operator or a professional who enrolled a device must too.
Whether a session passed it is kept in the session itself (no query on each request): the
session key is rotated when it is passed, as it is at the password login.
SecondFactorMiddleware (accounts.middleware) is the one place that enforces it.
"""

import base64

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .enums import STAFF_ROLES
from .http import AuthenticatedHttpRequest
from .models import User

# Session keys: a second factor is required (set at login), and the device that passed it.
REQUIRED_SESSION_KEY = "accounts_second_factor_required"
VERIFIED_SESSION_KEY = "accounts_second_factor_device"
# A staff account proves it holds its mailbox before it may see a new device's secret: the
# enrolment page of a mandatory account opens only from a link emailed to it, bound to the
# pending device, so a stolen password alone can enrol nothing.
ENROLMENT_SESSION_KEY = "accounts_second_factor_enrolment"
ENROLMENT_SALT = "accounts.second-factor-enrolment"
DEVICE_NAME = "TOTP"
DEMO_DEVICE_NAME = "demo"


def is_mandatory_for(user: User) -> bool:
    """Staff must use a second factor, whether or not they enrolled a device yet."""
    return user.role in STAFF_ROLES or user.is_staff or user.is_superuser


def confirmed_devices(user: User) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def note_login(request: HttpRequest, user: User) -> None:
    """At the password login: does this session still owe a second factor?"""
    required = is_mandatory_for(user) or confirmed_devices(user).exists()
    request.session[REQUIRED_SESSION_KEY] = required


def on_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        note_login(request, user)


def is_required(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    return is_mandatory_for(user) or bool(request.session.get(REQUIRED_SESSION_KEY))


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(VERIFIED_SESSION_KEY))


def verify(user: User, token: str, device: TOTPDevice | None = None) -> TOTPDevice | None:
    """The device whose code this is, or None. One code is accepted once (the device row is
    locked while it is checked, so two requests with the same code cannot both pass);
    repeated wrong codes slow down further attempts (django-otp's throttling, stored)."""
    token = "".join(token.split())
    if not token.isdigit() or len(token) != 6:
        return None
    candidates = (
        [device] if device is not None else TOTPDevice.objects.filter(user=user, confirmed=True)
    )
    for candidate in candidates:
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=candidate.pk)
            if locked.verify_token(token):
                return locked
    return None


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    """The session passed its second factor: new session key, then remember the device."""
    request.session.cycle_key()
    request.session[VERIFIED_SESSION_KEY] = device.persistent_id
    request.session[REQUIRED_SESSION_KEY] = True


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled (not confirmed yet), created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def enrolment_token(device: TOTPDevice) -> str:
    return signing.dumps([device.user_id, device.pk], salt=ENROLMENT_SALT)


def read_enrolment_token(token: str, user: User) -> TOTPDevice | None | bool:
    """The pending device a link opens for this user; False if the link is too old; None if
    it is not ours, forged, or its device was enrolled or replaced since."""
    try:
        value = signing.loads(
            token, salt=ENROLMENT_SALT, max_age=settings.SECOND_FACTOR_ENROLMENT_MAX_AGE
        )
    except signing.SignatureExpired:
        return False
    except signing.BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and value[0] == user.pk):
        return None
    return TOTPDevice.objects.filter(pk=value[1], user=user, confirmed=False).first()


def enrolment_opened(request: AuthenticatedHttpRequest, device: TOTPDevice) -> bool:
    """May this session see the secret of this pending device? Always for an account whose
    second factor is optional (it passed its whole login); for staff, only once the emailed
    link was opened in this session."""
    if not is_mandatory_for(request.user):
        return True
    return request.session.get(ENROLMENT_SESSION_KEY) == device.pk


def open_enrolment(request: HttpRequest, device: TOTPDevice) -> None:
    request.session[ENROLMENT_SESSION_KEY] = device.pk


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed by hand."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def current_code(device: TOTPDevice) -> str:
    """The code the device shows now (for the demo and the tests' helpers)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def set_demo_device(user: User, secret: str) -> TOTPDevice:
    """The demo's device with a published secret (seed_demo): the only one of the account."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE_NAME).delete()
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": key, "confirmed": True}
    )
    return device


def demo_code(user: User) -> str | None:
    """The current code of the demo device, shown on the code page in the demo only."""
    from django.conf import settings

    if not settings.PORTAL_DEMO:
        return None
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
    return current_code(device) if device else None
