from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm

from . import emails
from .email_addresses import EmailFormField, normalise_email
from .enums import OperatorRole
from .models import Organisation, User
from .validators import normalise_siret, validate_siret

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The rules of AUTH_PASSWORD_VALIDATORS in one sentence: the hint sits inside the label, where
# Django's own help (a <ul>) is not valid HTML.
PASSWORD_HELP = _(
    "Au moins 12 caractères, pas uniquement des chiffres, ni un mot de passe courant."
)


def _helper(label: "StrOrPromise", name: str = "submit") -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit(name, label))
    return helper


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie et réessayez."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Adresse électronique")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "maxlength": 254}
        )
        self.fields["password"].label = _("Mot de passe")
        self.helper = _helper(_("Se connecter"), "login")

    def clean(self) -> dict[str, object]:
        """The password is checked only if the account and the address are not locked out
        (accounts/throttle.py); the attempt is counted before the check."""
        from . import throttle

        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        keys = throttle.keys_for(self.request, username)
        locked = throttle.reserve(keys)
        if locked is not None:
            raise forms.ValidationError(locked.message, code="locked")
        cleaned = super().clean()
        throttle.succeeded(keys)
        return cleaned


class SignUpForm(PlainTextForm, forms.Form):
    """A new operator account. With an invitation, the address is the invited one."""

    email = EmailFormField(
        label=_("Adresse électronique"),
        help_text=_("Elle sert d'identifiant. Un lien de confirmation vous y sera envoyé."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invited_email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if invited_email is not None:
            self.fields["email"].initial = invited_email
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("L'adresse à laquelle vous avez été invité.")
        self.helper = _helper(_("Créer mon compte"))

    def clean_email(self) -> str:
        return self.cleaned_data["email"]  # in normal form (EmailFormField)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailForm(forms.Form):
    email = EmailFormField(
        label=_("Adresse électronique"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Recevoir un nouveau lien"))
        # Also shown on the page of an expired link: it always posts to the resend view.
        self.helper.form_action = reverse("accounts:resend_verification")


class OrganisationForm(PlainTextForm, forms.ModelForm):
    siret = forms.CharField(
        label=_("SIREN ou SIRET"),
        max_length=20,
        validators=[validate_siret],
        help_text=_("9 chiffres (SIREN) ou 14 chiffres (SIRET), espaces acceptés."),
        error_messages={
            "unique": _(
                "Une organisation avec ce numéro existe déjà sur le portail : demandez à "
                "son administrateur de vous inviter."
            )
        },
    )

    class Meta:
        model = Organisation
        fields = ["name", "siret", "operator_role", "srn", "address"]
        widgets = {"operator_role": forms.RadioSelect, "address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "srn": _("Facultatif. Numéro attribué par EUDAMED, par exemple FR-MF-000001234."),
            "operator_role": _("Le rôle de votre organisation pour les dispositifs concernés."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model field's choices without the blank "---" a form adds.
        cast(forms.ChoiceField, self.fields["operator_role"]).choices = OperatorRole.choices
        self.helper = _helper(_("Créer l'organisation"))

    def clean_siret(self) -> str:
        return normalise_siret(self.cleaned_data["siret"])

    def clean_srn(self) -> str:
        return self.cleaned_data["srn"].strip().upper()


class InvitationForm(PlainTextForm, forms.Form):
    email = EmailFormField(
        label=_("Adresse électronique de la personne à inviter"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    as_admin = forms.BooleanField(
        label=_("Administrateur de l'organisation"),
        required=False,
        help_text=_("Il pourra inviter et retirer des membres."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Envoyer l'invitation"))


# --- Django's password views, with our helpers and emails --------------------------------


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"] = EmailFormField(
            label=_("Adresse électronique"),
            max_length=254,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )
        self.helper = _helper(_("Recevoir le lien de réinitialisation"))

    def get_users(self, email: str) -> Iterator[User]:
        """Active accounts with a usable password whose address is this one in normal
        form (Django's own compares case-insensitively, which folds ``ı`` into ``i``)."""
        for user in User.objects.filter(email=normalise_email(email), is_active=True):
            if user.has_usable_password():
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, object],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {
            **context,
            "base_url": settings.PORTAL_BASE_URL,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        emails.send_on_commit(
            emails.render_email("password_reset", context, to_email), throttled=True
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.helper = _helper(_("Enregistrer le nouveau mot de passe"))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.helper = _helper(_("Changer le mot de passe"))


class SecondFactorForm(forms.Form):
    """The six-digit code of the authenticator app (TOTP)."""

    code = forms.CharField(
        label=_("Code à usage unique"),
        help_text=_("Les 6 chiffres affichés par votre application d'authentification."),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Valider"), "verify")

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Saisissez les 6 chiffres du code, sans lettre."))
        return code
