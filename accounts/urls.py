from django.urls import path

from . import oidc, views, views_second_factor
from .forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "connexion/",
        oidc.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", oidc.LogoutView.as_view(), name="logout"),
    path("", views.start, name="start"),
    path("profil/", views.profile, name="profile"),
    # Second factor (TOTP): the code after the password, enrolment of a device
    path("double-authentification/", views_second_factor.verify, name="second_factor"),
    path(
        "double-authentification/activer/",
        views_second_factor.setup,
        name="second_factor_setup",
    ),
    path(
        "double-authentification/activer/<str:token>/",
        views_second_factor.enrolment_link,
        name="second_factor_link",
    ),
    # Sign-up and email verification
    path("inscription/", views.signup, name="signup"),
    path("inscription/envoyee/", views.signup_done, name="signup_done"),
    path("confirmation/renvoyer/", views.resend_verification, name="resend_verification"),
    path("confirmation/<str:token>/", views.verify_email, name="verify_email"),
    # Organisation
    path("organisation/", views.onboarding, name="onboarding"),
    path("organisation/creer/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("organisations/<int:pk>/inviter/", views.invite, name="invite"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/revoquer/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisations/<int:pk>/membres/<int:membership_pk>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
    path("organisations/<int:pk>/quitter/", views.leave, name="leave"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/inscription/", views.invitation_signup, name="invitation_signup"),
    # Passwords
    path("mot-de-passe/oublie/", views.password_reset, name="password_reset"),
    path("mot-de-passe/oublie/envoye/", views.password_reset_done, name="password_reset_done"),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialise/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("mot-de-passe/modifier/", views.password_change, name="password_change"),
]

# Sign-in through the State's identity providers (accounts/oidc.py): start and callback.
for _provider, _slug in (
    (oidc.PROCONNECT, "proconnect"),
    (oidc.PROSANTECONNECT, "pro-sante-connect"),
):
    urlpatterns += [
        path(
            f"connexion/{_slug}/",
            oidc.StartView.as_view(provider_name=_provider),
            name=f"oidc_start_{_provider}",
        ),
        path(
            f"connexion/{_slug}/retour/",
            oidc.CallbackView.as_view(provider_name=_provider),
            name=f"oidc_callback_{_provider}",
        ),
    ]
