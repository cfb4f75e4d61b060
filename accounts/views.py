from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import access, second_factor, services, throttle, tokens
from .email_addresses import normalise_email
from .enums import InvitationState
from .forms import (
    EmailForm,
    InvitationForm,
    OrganisationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SignUpForm,
)
from .http import AuthenticatedHttpRequest
from .models import Invitation, Membership, Organisation, User


def _login_then(next_url: str) -> HttpResponse:
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


def _link_problem(
    request: HttpRequest, problem: str, status: int, **context: object
) -> HttpResponse:
    """One page for every link that cannot be used: forged, expired, spent."""
    return render(
        request, "accounts/link_problem.html", {"problem": problem, **context}, status=status
    )


# --- After login ----------------------------------------------------------------------


@login_required
@require_safe
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where a login lands: an operator without organisation creates or joins one."""
    if request.user.is_operator and not request.user.memberships.exists():
        return redirect("accounts:onboarding")
    return redirect("home")


@login_required
@require_safe
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = request.user.memberships.select_related("organisation").first()
    has_second_factor = second_factor.confirmed_devices(request.user).exists()
    return render(
        request,
        "accounts/profile.html",
        {"membership": membership, "has_second_factor": has_second_factor},
    )


# --- Sign-up and email verification ---------------------------------------------------


def _client_may_ask_email(request: HttpRequest, form: "forms.Form") -> bool:
    """Count an email asked by this client (address); over its quota, say so on the form
    (what was typed stays) and send nothing (accounts.throttle)."""
    locked = throttle.take_client_mail_quota(request)
    if locked is not None:
        form.add_error(None, locked.message)
        return False
    return True


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _client_may_ask_email(request, form):
        data = form.cleaned_data
        services.sign_up(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            password=data["password1"],
        )
        request.session["signup_email"] = data["email"]
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form, "invitation": None})


@require_safe
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/signup_done.html",
        {
            "email": request.session.get("signup_email", ""),
            "hours": settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    unsigned = tokens.read_verification_token(token)
    if unsigned.expired:
        return _link_problem(request, "verification_expired", 410, form=EmailForm())
    user = User.objects.filter(pk=unsigned.pk).first() if unsigned.pk else None
    if user is None:
        return _link_problem(request, "verification_invalid", 400, form=EmailForm())
    if user.email_verified_at is not None:
        if request.method == "POST":
            return redirect("accounts:login")
        return _link_problem(request, "verification_used", 200)
    if request.method == "POST":
        services.verify_email(user.pk)
        messages.success(
            request,
            _(
                "Votre adresse électronique est confirmée et votre compte activé. Connectez-vous "
                "pour créer ou rejoindre votre organisation."
            ),
        )
        return _login_then(reverse("accounts:start"))
    return render(request, "accounts/verify_email.html", {"account": user})


@require_http_methods(["GET", "HEAD", "POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _client_may_ask_email(request, form):
        services.resend_verification(form.cleaned_data["email"])
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("accounts:signup_done")
    return render(request, "accounts/resend_verification.html", {"form": form})


# --- Invitations, from the invitee's side ---------------------------------------------


def _invitation_from(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation a link designates, or the page that says why it cannot be used."""
    unsigned = tokens.read_invitation_token(token)
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=unsigned.pk)
        .first()
        if unsigned.pk
        else None
    )
    if invitation is None:
        return _link_problem(request, "invitation_invalid", 400)
    if invitation.state == InvitationState.ACCEPTED:
        return _link_problem(request, "invitation_used", 200, invitation=invitation)
    if invitation.state == InvitationState.REVOKED:
        return _link_problem(request, "invitation_revoked", 410, invitation=invitation)
    if invitation.is_expired:
        return _link_problem(request, "invitation_expired", 410, invitation=invitation)
    return invitation


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = _invitation_from(request, token)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "POST":
        if not request.user.is_authenticated:
            return _login_then(request.path)
        try:
            services.accept_invitation(found.pk, request.user)
        except services.AccountError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        messages.success(
            request,
            _("Vous avez rejoint l'organisation %(name)s.") % {"name": found.organisation.name},
        )
        return redirect("derogations:dashboard")
    email_matches = request.user.is_authenticated and normalise_email(
        request.user.email
    ) == normalise_email(found.email)
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "token": token, "email_matches": email_matches},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_signup(request: HttpRequest, token: str) -> HttpResponse:
    found = _invitation_from(request, token)
    if isinstance(found, HttpResponse):
        return found
    if request.user.is_authenticated:
        return redirect("accounts:invitation", token=token)
    form = SignUpForm(request.POST or None, invited_email=found.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_up_invited(
                found.pk,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except services.AccountError as error:
            messages.error(request, error.message)
            return redirect("accounts:invitation", token=token)
        messages.success(
            request,
            _("Votre compte est créé et vous avez rejoint l'organisation %(name)s. Connectez-vous.")
            % {"name": found.organisation.name},
        )
        return _login_then(reverse("derogations:dashboard"))
    return render(request, "accounts/signup.html", {"form": form, "invitation": found})


# --- Organisation ----------------------------------------------------------------------


def _operator(request: AuthenticatedHttpRequest) -> User:
    if not request.user.is_operator:
        raise Http404
    return request.user


@login_required
@require_safe
def onboarding(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _operator(request)
    organisation = access.member_organisations(user).first()
    if organisation is not None:
        return redirect("accounts:organisation", pk=organisation.pk)
    invitations = Invitation.objects.pending().filter(email=user.email)
    pending = [
        (invitation, tokens.invitation_token(invitation.pk))
        for invitation in invitations.select_related("organisation")
    ]
    return render(request, "accounts/onboarding.html", {"pending": pending})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _operator(request)
    existing = access.member_organisations(user).first()
    if existing is not None:
        messages.info(
            request,
            _("Votre compte est déjà membre de l'organisation %(name)s.") % {"name": existing.name},
        )
        return redirect("accounts:organisation", pk=existing.pk)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(user, form.save(commit=False))
        except services.AccountError as error:
            messages.error(request, error.message)
            return redirect("accounts:onboarding")
        messages.success(
            request,
            _(
                "L'organisation %(name)s est créée ; vous en êtes l'administrateur. Vous pouvez "
                "maintenant déposer des demandes et inviter vos collègues."
            )
            % {"name": organisation.name},
        )
        return redirect("derogations:dashboard")
    return render(request, "accounts/organisation_form.html", {"form": form})


def _organisation_page(
    request: HttpRequest, organisation: Organisation, form: InvitationForm | None = None
) -> HttpResponse:
    memberships = organisation.memberships.select_related("user").order_by(
        "-is_admin", "user__last_name", "user__first_name"
    )
    mine = next(m for m in memberships if m.user_id == request.user.pk)
    context: dict[str, object] = {
        "organisation": organisation,
        "memberships": memberships,
        "is_admin": mine.is_admin,
        "invitations": [],
        "form": None,
    }
    if mine.is_admin:
        context["invitations"] = organisation.invitations.filter(
            state=InvitationState.PENDING
        ).select_related("invited_by")
        form = form or InvitationForm()
        form.helper.form_action = reverse("accounts:invite", args=[organisation.pk])
        context["form"] = form
    return render(request, "accounts/organisation.html", context)


@login_required
@require_safe
def organisation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _organisation_page(
        request, get_object_or_404(access.member_organisations(request.user), pk=pk)
    )


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(access.administered_organisations(request.user), pk=pk)
    form = InvitationForm(request.POST)
    if form.is_valid() and _client_may_ask_email(request, form):
        try:
            invitation = services.invite(
                organisation,
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["as_admin"],
            )
        except services.AccountError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s. Elle est valable jusqu'au %(date)s.")
                % {
                    "email": invitation.email,
                    "date": date_format(localtime(invitation.expires_at), "d/m/Y"),
                },
            )
            return redirect("accounts:organisation", pk=organisation.pk)
    return _organisation_page(request, organisation, form)


@login_required
@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, pk: int, invitation_pk: int
) -> HttpResponse:
    organisation = get_object_or_404(access.administered_organisations(request.user), pk=pk)
    invitation = get_object_or_404(organisation.invitations, pk=invitation_pk)
    try:
        services.revoke_invitation(invitation)
    except services.AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("L'invitation de %(email)s est révoquée.") % {"email": invitation.email}
        )
    return redirect("accounts:organisation", pk=organisation.pk)


@login_required
@require_POST
def member_remove(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = get_object_or_404(access.administered_organisations(request.user), pk=pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=membership_pk,
        organisation=organisation,
    )
    try:
        services.remove_member(membership)
    except services.AccountError as error:
        messages.error(request, error.message)
        return redirect("accounts:organisation", pk=organisation.pk)
    if membership.user_id == request.user.pk:
        messages.success(
            request, _("Vous avez quitté l'organisation %(name)s.") % {"name": organisation.name}
        )
        return redirect("accounts:onboarding")
    messages.success(
        request, _("%(name)s ne fait plus partie de l'organisation.") % {"name": membership.user}
    )
    return redirect("accounts:organisation", pk=organisation.pk)


@login_required
@require_POST
def leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(access.member_organisations(request.user), pk=pk)
    membership = organisation.memberships.select_related("organisation").get(user=request.user)
    try:
        services.remove_member(membership)
    except services.AccountError as error:
        messages.error(request, error.message)
        return redirect("accounts:organisation", pk=organisation.pk)
    messages.success(
        request, _("Vous avez quitté l'organisation %(name)s.") % {"name": organisation.name}
    )
    return redirect("accounts:onboarding")


# --- Passwords (Django's views) ---------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if not _client_may_ask_email(self.request, form):
            return self.form_invalid(form)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    form_class=PasswordResetForm,
    template_name="accounts/password_reset.html",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html",
    extra_context={"hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=SetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = gettext_lazy("Votre mot de passe est changé.")


password_change = PasswordChangeView.as_view()
