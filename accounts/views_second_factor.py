"""Second factor pages: the code asked after the password, and the enrolment of a device."""

import time

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import emails, second_factor, throttle
from .forms import SecondFactorForm
from .http import AuthenticatedHttpRequest

LINK_SENT_AT = "accounts_second_factor_link_sent_at"
LINK_RESEND_DELAY = 60  # seconds between two enrolment emails asked by one session


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _done(request: HttpRequest, next_url: str) -> HttpResponse:
    return redirect(next_url or "accounts:start")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After the password: the code of an enrolled device (or enrolment if there is none)."""
    next_url = _next_url(request)
    if second_factor.is_verified(request):
        return _done(request, next_url)
    if not second_factor.confirmed_devices(request.user).exists():
        if not second_factor.is_required(request):
            return _done(request, next_url)
        return redirect("accounts:second_factor_setup")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        keys = throttle.keys_for(request, f"totp:{request.user.pk}")
        locked = throttle.reserve(keys)
        if locked is not None:
            form.add_error("code", locked.message)
            return _code_page(request, form, next_url)
        device = second_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            throttle.succeeded(keys)
            second_factor.mark_verified(request, device)
            return _done(request, next_url)
        form.add_error(
            "code",
            _(
                "Ce code n'est pas valide : il a peut-être expiré ou déjà servi. Saisissez le "
                "code affiché en ce moment par votre application. Après plusieurs erreurs, "
                "chaque nouvel essai est retardé."
            ),
        )
    return _code_page(request, form, next_url)


def _code_page(
    request: AuthenticatedHttpRequest, form: SecondFactorForm, next_url: str
) -> HttpResponse:
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": next_url, "demo_code": second_factor.demo_code(request.user)},
        status=200 if not form.errors else 400,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, confirmed by a first code.

    A session that owes its second factor and whose account already has a device must give
    that device's code first: a stolen password alone cannot enrol another device.
    """
    has_device = second_factor.confirmed_devices(request.user).exists()
    if has_device and not second_factor.is_verified(request):
        return redirect("accounts:second_factor")
    if has_device:
        messages.info(request, _("La double authentification est déjà active sur votre compte."))
        return redirect("accounts:profile")
    device = second_factor.pending_device(request.user)
    if not second_factor.enrolment_opened(request, device):
        return _enrolment_link_page(request, device)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        confirmed = second_factor.verify(request.user, form.cleaned_data["code"], device)
        if confirmed is not None:
            confirmed.confirmed = True
            confirmed.save(update_fields=["confirmed"])
            second_factor.mark_verified(request, confirmed)
            messages.success(
                request,
                _(
                    "Double authentification activée : ce code vous sera demandé à chaque "
                    "connexion."
                ),
            )
            return redirect("accounts:start")
        form.add_error(
            "code",
            _(
                "Ce code ne correspond pas à la clé affichée. Vérifiez que l'heure de votre "
                "téléphone est exacte et saisissez le code affiché en ce moment."
            ),
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        # No fixed size: a viewBox, and the stylesheet fits it to narrow screens (reflow at
        # 320 px, RGAA 10.11).
        scale=5,
        title=_("QR code de la clé secrète"),
        svgclass="portal-qr",
        omitsize=True,
    )
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": second_factor.secret_base32(device),
            "mandatory": second_factor.is_mandatory_for(request.user),
        },
        status=200 if not form.errors else 400,
    )


def _enrolment_link_page(request: AuthenticatedHttpRequest, device: TOTPDevice) -> HttpResponse:
    """Staff: the secret is shown only after the emailed link is opened (see second_factor)."""
    if request.method == "POST" and "send_link" not in request.POST:
        return redirect("accounts:second_factor_setup")  # a code, but no secret shown yet
    if request.method == "POST":
        sent_at = request.session.get(LINK_SENT_AT, 0)
        if time.time() - sent_at < LINK_RESEND_DELAY:
            messages.warning(
                request,
                _(
                    "Un lien vient déjà de vous être envoyé. Attendez une minute avant d'en "
                    "demander un autre, et vérifiez vos courriers indésirables."
                ),
            )
        else:
            link = emails.absolute_url(
                "accounts:second_factor_link", second_factor.enrolment_token(device)
            )
            message = emails.render_email(
                "second_factor_link",
                {"user": request.user, "link": link, "hours": 1},
                request.user.email,
            )
            emails.send_on_commit(message)
            request.session[LINK_SENT_AT] = time.time()
            messages.success(
                request,
                _("Le lien d'activation a été envoyé à %(email)s.") % {"email": request.user.email},
            )
        return redirect("accounts:second_factor_setup")
    return render(request, "accounts/second_factor_link.html", {"email": request.user.email})


@login_required
@require_safe
def enrolment_link(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The emailed link: opens the enrolment page of its pending device in this session."""
    device = second_factor.read_enrolment_token(token, request.user)
    if device is False or device is None:
        expired = device is False
        return render(
            request,
            "accounts/second_factor_link_problem.html",
            {"expired": expired},
            status=410 if expired else 400,
        )
    second_factor.open_enrolment(request, device)
    return redirect("accounts:second_factor_setup")
